package recipes_test

// The search story: servers register their role, a master (with a
// backup) holds the master node and rotates the indexing role, the web
// front follows the master's address. Asserted on the Master/Resign and
// Role claims and on the front's Master.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
)

const searchRoot = "/search"

type search struct {
	servers []*recipes.SearchServer
	masters []*recipes.SearchMaster
	front   *recipes.SearchFront
}

// newSearch: processes 0-1 serve (node1, node2), 2-3 are master
// candidates (m1 first, then m2), 4 is the front.
func newSearch(w *world) *search {
	names := []string{"node1", "node2"}
	s := &search{}
	for i, n := range names {
		sv := recipes.NewSearchServer(w.procs[i], w.log, searchRoot, n)
		sv.Start()
		s.servers = append(s.servers, sv)
	}
	for i, addr := range []string{"m1", "m2"} {
		m := recipes.NewSearchMaster(w.procs[2+i], w.log, searchRoot, addr, names, 1)
		m.Start()
		s.masters = append(s.masters, m)
		w.run(500 * sim.Millisecond)
	}
	s.front = recipes.NewSearchFront(w.procs[4], w.log, searchRoot)
	s.front.Start()
	w.run(sim.Second)
	return s
}

// roleOf is the last role server i claimed.
func roleOf(w *world, i int, name string) string {
	e, _ := last(w.log, recipes.KindRole, w.procs[i].ID(), searchRoot+"/nodes/"+name)
	return e.Note
}

// One master and the front on it; rotations move the indexing role round.
func TestSearchMasterRotates(t *testing.T) {
	w := newWorld(t, 61, 5)
	s := newSearch(w)
	require.True(t, s.masters[0].IsMaster())
	assert.False(t, s.masters[1].IsMaster(), "one master")
	assert.Equal(t, "m1", s.front.Master())
	s.masters[1].Rotate() // not master: does nothing
	s.masters[0].Rotate()
	require.True(t, w.runUntil(2*sim.Second, func() bool {
		return roleOf(w, 0, "node1") == recipes.RoleIndexing && roleOf(w, 1, "node2") != recipes.RoleIndexing
	}), "node1 indexes first")
	s.masters[0].Rotate()
	require.True(t, w.runUntil(2*sim.Second, func() bool {
		return roleOf(w, 0, "node1") == recipes.RoleServing && roleOf(w, 1, "node2") == recipes.RoleIndexing
	}), "then node2")
	e, ok := last(w.log, recipes.KindView, w.procs[2].ID(), searchRoot+"/nodes")
	require.True(t, ok)
	assert.Equal(t, "node1 node2", e.Note, "the master sees both servers")
}

// The master's process dies (and the front's server crashes): the backup
// becomes master once the session expires, and the front follows it.
func TestSearchBackupTakesOver(t *testing.T) {
	w := newWorld(t, 62, 5)
	s := newSearch(w)
	require.True(t, s.masters[0].IsMaster())
	w.procs[2].Crash()
	w.crashServerOf(t, w.procs[4])
	require.True(t, w.runUntil(sessionMs*sim.Millisecond+5*sim.Second, func() bool {
		return s.masters[1].IsMaster() && s.front.Master() == "m2"
	}), "backup is master, front on %q", s.front.Master())
	assert.Len(t, w.log.Of(recipes.KindMaster), 2, "one master at a time: m1, then m2")
}
