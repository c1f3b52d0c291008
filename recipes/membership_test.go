package recipes_test

// Group membership: every member holds an ephemeral node under the group
// and watches the group. Asserted on each member's View and its claims:
// the views converge on the members that are in the group.

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
)

const groupDir = "/group"

func newMembers(w *world) []*recipes.Member {
	var ms []*recipes.Member
	for i, p := range w.procs {
		m := recipes.NewMember(p, w.log, groupDir, "m"+string(rune('1'+i)))
		m.Start()
		ms = append(ms, m)
	}
	w.run(sim.Second)
	return ms
}

// viewsAre: every member of idx holds want, claimed.
func viewsAre(w *world, ms []*recipes.Member, idx []int, want string) bool {
	for _, i := range idx {
		e, ok := last(w.log, recipes.KindView, w.procs[i].ID(), groupDir)
		if strings.Join(ms[i].View(), " ") != want || !ok || e.Note != want {
			return false
		}
	}
	return true
}

// Three members join, one leaves, one joins again: everyone's view
// follows.
func TestMembershipJoinLeave(t *testing.T) {
	w := newWorld(t, 31, 3)
	ms := newMembers(w)
	all := []int{0, 1, 2}
	for _, m := range ms {
		m.Join()
	}
	require.True(t, w.runUntil(3*sim.Second, func() bool { return viewsAre(w, ms, all, "m1 m2 m3") }))
	ms[1].Leave()
	assert.False(t, ms[1].Joined())
	require.True(t, w.runUntil(3*sim.Second, func() bool { return viewsAre(w, ms, all, "m1 m3") }), "the leaver is gone from every view, its own too")
	ms[1].Join()
	require.True(t, w.runUntil(3*sim.Second, func() bool { return viewsAre(w, ms, all, "m1 m2 m3") }))
	assert.Len(t, w.log.Of(recipes.KindUnregister), 1)
}

// A follower crashes, then a member's process: the others' views drop it
// once its session expires.
func TestMembershipMemberCrash(t *testing.T) {
	w := newWorld(t, 32, 3)
	ms := newMembers(w)
	for _, m := range ms {
		m.Join()
	}
	require.True(t, w.runUntil(3*sim.Second, func() bool { return viewsAre(w, ms, []int{0, 1, 2}, "m1 m2 m3") }))
	w.crashFollower(t)
	w.procs[2].Crash()
	ok := w.runUntil(sessionMs*sim.Millisecond+5*sim.Second, func() bool { return viewsAre(w, ms, []int{0, 1}, "m1 m2") })
	assert.True(t, ok, "views %v %v", ms[0].View(), ms[1].View())
}
