package recipes_test

// The naming service: instances register under an agreed path and a
// resolver lists them. Asserted on what Resolve answered and on the
// Register claims: a resolver sees exactly the live instances.

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
)

// resolve asks n for service's instances and runs until it answers.
func resolve(t *testing.T, w *world, n *recipes.NameService, service string) []string {
	t.Helper()
	var got []string
	done := false
	n.Resolve(service, func(names []string, err tree.Code) {
		require.Equal(t, tree.OK, err)
		got, done = names, true
	})
	require.True(t, w.runUntil(2*sim.Second, func() bool { return done }), "resolve answered")
	return got
}

// registered is the node names the processes last claimed under dir.
func registered(log *recipes.Log, dir string, procs ...int) []string {
	var out []string
	for _, p := range procs {
		for i := len(log.Entries) - 1; i >= 0; i-- {
			if e := log.Entries[i]; e.Proc == p && e.Kind == recipes.KindRegister && tree.ParentPath(e.Path) == dir {
				out = append(out, tree.BaseName(e.Path))
				break
			}
		}
	}
	return out
}

func newNaming(w *world) []*recipes.NameService {
	var ns []*recipes.NameService
	for _, p := range w.procs {
		n := recipes.NewNameService(p, w.log, "/services")
		n.Start()
		ns = append(ns, n)
	}
	w.run(sim.Second)
	return ns
}

// Two instances register; a third process resolves both, then only the
// one left after the other unregisters.
func TestNamingRegisterResolve(t *testing.T) {
	w := newWorld(t, 11, 3)
	ns := newNaming(w)
	ns[0].Register("echo", "10.0.0.1:80")
	ns[1].Register("echo", "10.0.0.2:80")
	w.run(sim.Second)
	dir := ns[2].ServiceDir("echo")
	both := registered(w.log, dir, w.procs[0].ID(), w.procs[1].ID())
	require.Len(t, both, 2, "both registered")
	assert.ElementsMatch(t, both, resolve(t, w, ns[2], "echo"))
	assert.Empty(t, resolve(t, w, ns[2], "nothing"), "an unknown service has no instances")

	ns[0].Unregister("echo")
	w.run(sim.Second)
	assert.Equal(t, both[1:], resolve(t, w, ns[2], "echo"))
	es := w.log.Of(recipes.KindResolve)
	require.NotEmpty(t, es)
	assert.Equal(t, both[1], es[len(es)-1].Note, "the resolve is claimed")
}

// The resolver's server crashes and an instance's process crashes: the
// resolver reconnects, the instance on a live process stays, and the dead
// one leaves the list once its session expires.
func TestNamingServerAndInstanceCrash(t *testing.T) {
	w := newWorld(t, 12, 3)
	ns := newNaming(w)
	ns[0].Register("echo", "10.0.0.1:80")
	ns[1].Register("echo", "10.0.0.2:80")
	w.run(sim.Second)
	dir := ns[2].ServiceDir("echo")
	both := registered(w.log, dir, w.procs[0].ID(), w.procs[1].ID())
	require.Len(t, both, 2)
	w.crashServerOf(t, w.procs[2])
	w.procs[0].Crash()
	var got []string
	ok := w.runUntil(sessionMs*sim.Millisecond+5*sim.Second, func() bool {
		got = nil
		ns[2].Resolve("echo", func(names []string, err tree.Code) {
			if err == tree.OK {
				got = names
			}
		})
		w.run(200 * sim.Millisecond)
		return strings.Join(got, " ") == both[1]
	})
	assert.True(t, ok, "resolves to the live instance only; last %v", got)
}
