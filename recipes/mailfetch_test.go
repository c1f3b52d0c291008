package recipes_test

// Mail fetching: workers share tasks by rendezvous hashing over the
// workers they see, each task held through an ephemeral owner node.
// Asserted on the Acquired/Released claims: at every moment each task is
// held by at most one worker, and in the end by exactly one live worker.

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
)

const mailRoot = "/mail"

func mailTasks(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprintf("t%02d", i))
	}
	return out
}

func newMailWorkers(w *world, tasks []string) []*recipes.MailWorker {
	var ms []*recipes.MailWorker
	for i, p := range w.procs {
		m := recipes.NewMailWorker(p, w.log, mailRoot, fmt.Sprintf("w%d", i+1), tasks)
		m.Start()
		m.Join()
		ms = append(ms, m)
	}
	return ms
}

// holders replays the claims: who holds each task now; it fails the test
// if a task is ever acquired while another worker holds it.
func holders(t *testing.T, log *recipes.Log) map[string]int {
	t.Helper()
	held := map[string]int{}
	for _, e := range log.Entries {
		switch e.Kind {
		case recipes.KindAcquired:
			p, ok := held[e.Path]
			require.False(t, ok, "%s acquired while p%d holds it", e, p)
			held[e.Path] = e.Proc
		case recipes.KindReleased:
			if held[e.Path] == e.Proc {
				delete(held, e.Path)
			}
		case recipes.KindCrash:
			for path, p := range held {
				if p == e.Proc {
					delete(held, path)
				}
			}
		}
	}
	return held
}

// settled: every task held by a live worker, and the load spread.
func settled(t *testing.T, w *world, tasks []string, live []int) bool {
	held := holders(t, w.log)
	per := map[int]int{}
	for _, task := range tasks {
		p, ok := held[recipes.OwnerPath(mailRoot, task)]
		if !ok {
			return false
		}
		per[p]++
	}
	for _, i := range live {
		if per[w.procs[i].ID()] == 0 {
			return false
		}
	}
	return len(per) == len(live)
}

// Three workers share twelve tasks: each is claimed by exactly one, each
// worker gets some, and held tasks are worked on.
func TestMailFetchShares(t *testing.T) {
	w := newWorld(t, 51, 3)
	tasks := mailTasks(12)
	newMailWorkers(w, tasks)
	require.True(t, w.runUntil(5*sim.Second, func() bool { return settled(t, w, tasks, []int{0, 1, 2}) }))
	w.run(sim.Second)
	assert.True(t, settled(t, w, tasks, []int{0, 1, 2}), "and stays so")
	assert.NotEmpty(t, w.log.Of(recipes.KindProcessed))
}

// A worker's process crashes (and a follower with it): once its session
// expires, the others take its tasks over, one owner each.
func TestMailFetchTakeover(t *testing.T) {
	w := newWorld(t, 52, 3)
	tasks := mailTasks(12)
	newMailWorkers(w, tasks)
	require.True(t, w.runUntil(5*sim.Second, func() bool { return settled(t, w, tasks, []int{0, 1, 2}) }))
	w.crashFollower(t)
	w.procs[1].Crash()
	w.log.Add(recipes.Entry{Kind: recipes.KindCrash, Proc: w.procs[1].ID()})
	ok := w.runUntil(sessionMs*sim.Millisecond+5*sim.Second, func() bool { return settled(t, w, tasks, []int{0, 2}) })
	assert.True(t, ok, "the dead worker's tasks are taken over: %v", holders(t, w.log))
}
