package recipes_test

// The Dubbo-style registry: providers register ephemeral nodes, a
// consumer watches them and picks one per call. Asserted on the Pick
// claims: a connected consumer picks only live providers, round robin.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
)

const regRoot = "/dubbo"

// newRegistry: processes 0..n-2 provide p1, p2, ...; the last consumes.
func newRegistry(w *world) ([]*recipes.Provider, *recipes.ServiceConsumer) {
	var ps []*recipes.Provider
	for i, p := range w.procs[:len(w.procs)-1] {
		pr := recipes.NewProvider(p, w.log, regRoot, "Bar", "p"+string(rune('1'+i)))
		pr.Start()
		pr.Register()
		ps = append(ps, pr)
	}
	c := recipes.NewServiceConsumer(w.procs[len(w.procs)-1], w.log, regRoot, "Bar", "c1")
	c.Start()
	w.run(sim.Second)
	return ps, c
}

// picks makes n picks and returns them.
func picks(c *recipes.ServiceConsumer, n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		if p, ok := c.Pick(); ok {
			out = append(out, p)
		}
	}
	return out
}

// Three providers: the consumer's picks go round all three; one
// unregisters and the picks skip it.
func TestRegistryPicksLiveProviders(t *testing.T) {
	w := newWorld(t, 41, 4)
	ps, c := newRegistry(w)
	require.Equal(t, []string{"p1", "p2", "p3"}, c.Providers())
	assert.ElementsMatch(t, []string{"p1", "p2", "p3", "p1", "p2", "p3"}, picks(c, 6), "round robin")
	assert.Len(t, w.log.Of(recipes.KindPick), 6, "each pick claimed")
	ps[1].Unregister()
	require.True(t, w.runUntil(2*sim.Second, func() bool { return len(c.Providers()) == 2 }))
	assert.NotContains(t, picks(c, 4), "p2")
	ps[1].Register()
	require.True(t, w.runUntil(2*sim.Second, func() bool { return len(c.Providers()) == 3 }), "it comes back")
}

// A provider's process crashes and the consumer's server crashes: the
// consumer reconnects and, once the provider's session has expired, never
// picks it again.
func TestRegistryDropsCrashedProvider(t *testing.T) {
	w := newWorld(t, 42, 3)
	_, c := newRegistry(w)
	require.Equal(t, []string{"p1", "p2"}, c.Providers())
	w.procs[0].Crash()
	w.crashServerOf(t, w.procs[2])
	require.True(t, w.runUntil(sessionMs*sim.Millisecond+5*sim.Second, func() bool {
		return len(c.Providers()) == 1
	}), "the dead provider is dropped: %v", c.Providers())
	assert.Equal(t, []string{"p2", "p2", "p2"}, picks(c, 3))
}
