package recipes_test

// The recipes are tested on a real simulated ensemble (three voters and an
// observer, 500 ms ticks) with processes that run them: each test drives
// the world forward in virtual time and asserts on what the recipes
// claimed (their Log) and what the clients saw (the History).

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// sessionMs is the session timeout the tests' clients ask for.
const sessionMs = 4000

type world struct {
	c     *cluster.Cluster
	log   *recipes.Log
	procs []*cluster.Process
}

// newWorld starts an ensemble, lets it elect, and adds n processes.
func newWorld(t *testing.T, seed uint64, n int) *world {
	t.Helper()
	c, err := cluster.New(cluster.Config{Seed: seed, Voters: 3, Observers: 1,
		Server: func(zc *zab.Config) { zc.TickTime = 500 * 1e6 }})
	require.NoError(t, err)
	c.Start()
	c.World.RunFor(3 * sim.Second)
	_, ok := c.Leader()
	require.True(t, ok, "a leader after 3s")
	w := &world{c: c, log: &recipes.Log{Clock: func() int64 { return int64(c.World.Now()) }}}
	for i := 0; i < n; i++ {
		p := c.AddProcess("proc")
		p.Config = client.Config{SessionTimeout: sessionMs}
		w.procs = append(w.procs, p)
	}
	return w
}

func (w *world) run(d sim.Time) { w.c.World.RunFor(d) }

// runUntil runs until cond holds, at most max; it reports whether it did.
func (w *world) runUntil(max sim.Time, cond func() bool) bool {
	end := w.c.World.Now() + max
	for w.c.World.Now() < end {
		if cond() {
			return true
		}
		w.c.World.RunFor(10 * sim.Millisecond)
	}
	return cond()
}

func (w *world) now() int64 { return int64(w.c.World.Now()) }

// crashServerOf crashes the server the process's newest connected client
// is talking to, and reports which.
func (w *world) crashServerOf(t *testing.T, p *cluster.Process) zab.ServerID {
	t.Helper()
	cls := p.Clients()
	for i := len(cls) - 1; i >= 0; i-- {
		if id := cls[i].Server(); id != 0 {
			w.c.Crash(id, false)
			return id
		}
	}
	require.FailNow(t, "no connected client", "p%d", p.ID())
	return 0
}

// crashFollower crashes a voter that is not the leader.
func (w *world) crashFollower(t *testing.T) zab.ServerID {
	t.Helper()
	l, ok := w.c.Leader()
	require.True(t, ok)
	for _, id := range w.c.IDs()[:w.c.Voters()] {
		if id != l {
			w.c.Crash(id, false)
			return id
		}
	}
	require.FailNow(t, "no follower")
	return 0
}

// last is the latest entry of kind k about path by proc, if any.
func last(log *recipes.Log, k recipes.Kind, proc int, path string) (recipes.Entry, bool) {
	for i := len(log.Entries) - 1; i >= 0; i-- {
		if e := log.Entries[i]; e.Kind == k && e.Proc == proc && e.Path == path {
			return e, true
		}
	}
	return recipes.Entry{}, false
}
