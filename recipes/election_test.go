package recipes_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
)

func startCandidates(w *world) []*recipes.Candidate {
	var cs []*recipes.Candidate
	for _, p := range w.procs {
		c := recipes.NewCandidate(p, w.log, "/election")
		c.Start()
		cs = append(cs, c)
	}
	return cs
}

// masters lists the candidates that consider themselves master, among
// those whose process runs (a dead process's state means nothing).
func masters(w *world, cs []*recipes.Candidate) []int {
	var out []int
	for i, c := range cs {
		if c.IsMaster() && w.procs[i].Up() {
			out = append(out, i)
		}
	}
	return out
}

// Five candidates, no faults: exactly one master, the first to join. Its
// process dies; once its session expires a new master is elected, within
// the session timeout plus a second.
func TestElectionOneMasterAndFailover(t *testing.T) {
	w := newWorld(t, 1, 5)
	cs := startCandidates(w)
	w.run(3 * sim.Second)
	m := masters(w, cs)
	require.Len(t, m, 1)
	joins := w.log.Of(recipes.KindJoin)
	require.Len(t, joins, 5)
	first := joins[0]
	for _, j := range joins {
		if j.Seq < first.Seq {
			first = j
		}
	}
	assert.Equal(t, first.Proc, m[0]+1, "the smallest node's candidate is master")

	old := m[0]
	died := w.now()
	w.procs[old].Crash()
	ok := w.runUntil(sessionMs*sim.Millisecond+sim.Second, func() bool { return len(masters(w, cs)) == 1 && masters(w, cs)[0] != old })
	require.True(t, ok, "a new master within the session timeout and a second")
	assert.Len(t, masters(w, cs), 1)
	elected := w.log.Of(recipes.KindMaster)
	require.Len(t, elected, 2)
	assert.Greater(t, elected[1].At, died+int64(sessionMs)*1e6/2, "not before the old session could expire")
}

// No herd: a deletion in the line wakes only the candidate right after it,
// and nobody watches the election node's children.
func TestElectionNoHerd(t *testing.T) {
	w := newWorld(t, 2, 5)
	cs := startCandidates(w)
	w.run(3 * sim.Second)
	m := masters(w, cs)
	require.Len(t, m, 1)
	h := w.c.History()
	before := len(h.Events)
	cs[m[0]].Resign() // deletes its node
	w.run(2 * sim.Second)
	require.Len(t, masters(w, cs), 1)
	assert.NotEqual(t, m[0], masters(w, cs)[0])

	w.procs[masters(w, cs)[0]].Crash() // its node goes when the session expires
	w.run(sessionMs*sim.Millisecond + 2*sim.Second)
	require.Len(t, masters(w, cs), 1)

	deleted := map[string]int{}
	for _, ev := range h.Events[before:] {
		assert.NotEqual(t, tree.EventNodeChildrenChanged, ev.Type, "nobody watches the children: %s", ev)
		if ev.Type == tree.EventNodeDeleted {
			deleted[ev.Path]++
		}
	}
	require.Len(t, deleted, 2, "two masters' nodes went")
	for path, n := range deleted {
		assert.Equal(t, 1, n, "the deletion of %s notified at most one candidate", path)
	}
}

// A master cut off from the ensemble for longer than the session timeout
// considers itself no longer master by then; another is elected once the
// session expires; the old candidate, healed, learns its session expired
// and joins again with a new session, not as master.
func TestElectionSessionLoss(t *testing.T) {
	w := newWorld(t, 3, 3)
	cs := startCandidates(w)
	w.run(3 * sim.Second)
	m := masters(w, cs)
	require.Len(t, m, 1)
	old := cs[m[0]]
	oldSession := old.Client().SessionID()
	cut := w.now()
	w.c.World.Isolate(w.procs[m[0]].Node())
	w.run(sessionMs*sim.Millisecond + 3*sim.Second)
	assert.False(t, old.IsMaster())
	require.Len(t, masters(w, cs), 1, "another master while the old one is cut off")
	resigns := w.log.Of(recipes.KindResign)
	require.NotEmpty(t, resigns)
	assert.Equal(t, "disconnected longer than the session timeout", resigns[0].Note)
	assert.LessOrEqual(t, resigns[0].At, cut+int64(sessionMs)*1e6*2, "stepped down within the read timeout plus the session timeout")

	w.c.World.Heal()
	w.run(5 * sim.Second)
	assert.NotEqual(t, oldSession, old.Client().SessionID(), "a new session")
	assert.False(t, old.IsMaster())
	assert.Len(t, masters(w, cs), 1)
	joins := w.log.Of(recipes.KindJoin)
	last := joins[len(joins)-1]
	assert.Equal(t, old.Client().SessionID(), last.Session, "joined again on the new session")
}

// The election checker on a real run: a master cut off for longer than the
// session timeout keeps the classic rule, and a candidate that ignores it
// (a deliberate bug) is caught.
func TestElectionCheckerOnIsolatedMaster(t *testing.T) {
	for _, buggy := range []bool{false, true} {
		w := newWorld(t, 3, 3)
		cs := startCandidates(w)
		for _, c := range cs {
			c.IgnoreSessionTimeout = buggy
		}
		w.run(3 * sim.Second)
		m := masters(w, cs)
		require.Len(t, m, 1)
		w.c.World.Isolate(w.procs[m[0]].Node())
		w.run(sessionMs*sim.Millisecond + 3*sim.Second)
		w.c.World.Heal()
		w.run(5 * sim.Second)
		for _, c := range cs {
			c.Stop()
		}
		w.run(sim.Second)
		v := checker.Election(w.log, w.c.History(), w.c.Records(), "/election", checker.RecipeOptions{
			SessionTimeout: sessionMs * 1e6, Slack: 1e8, HealAt: w.now(), End: w.now()})
		if buggy {
			assert.True(t, v.Has(checker.ErrHeldPastSession), "caught: %s", v)
		} else {
			assert.True(t, v.OK(), "%s", v)
		}
	}
}
