package recipes_test

// Configuration management: one node, every client watching it. Asserted
// on each client's Value and on the View claims: every watcher ends on
// the latest value, and its claims go forward in zxid.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
)

const cfgPath = "/config/app"

func newConfigs(w *world) []*recipes.ConfigClient {
	var cs []*recipes.ConfigClient
	for _, p := range w.procs {
		c := recipes.NewConfigClient(p, w.log, cfgPath)
		c.Start()
		cs = append(cs, c)
	}
	w.run(sim.Second)
	return cs
}

// converged: every client holds want, and its last claim says so.
func converged(w *world, cs []*recipes.ConfigClient, want string) bool {
	for i, c := range cs {
		e, ok := last(w.log, recipes.KindView, w.procs[i].ID(), cfgPath)
		if string(c.Value()) != want || !ok || e.Note != want {
			return false
		}
	}
	return true
}

// assertForward: each process's view claims go forward in zxid.
func assertForward(t *testing.T, log *recipes.Log, path string) {
	t.Helper()
	prev := map[int]uint64{}
	for _, e := range log.Of(recipes.KindView) {
		if e.Path != path {
			continue
		}
		assert.GreaterOrEqual(t, e.Value, prev[e.Proc], "p%d's views go forward: %s", e.Proc, e)
		prev[e.Proc] = e.Value
	}
}

// The administrator publishes three values in a row: every watcher
// (the publisher too) converges on the last.
func TestConfigPublishConverges(t *testing.T) {
	w := newWorld(t, 21, 4)
	cs := newConfigs(w)
	for _, c := range cs {
		assert.Nil(t, c.Value(), "no node yet")
	}
	for _, v := range []string{"v1", "v2", "v3"} {
		cs[0].Publish([]byte(v))
		w.run(300 * sim.Millisecond)
	}
	require.True(t, w.runUntil(3*sim.Second, func() bool { return converged(w, cs, "v3") }), "every client holds v3")
	assertForward(t, w.log, cfgPath)
}

// A follower crashes, and a client's own server crashes, around a
// publish: the clients reconnect and still converge.
func TestConfigConvergesThroughServerCrashes(t *testing.T) {
	w := newWorld(t, 22, 3)
	cs := newConfigs(w)
	cs[0].Publish([]byte("v1"))
	require.True(t, w.runUntil(3*sim.Second, func() bool { return converged(w, cs, "v1") }))
	w.crashServerOf(t, w.procs[1])
	cs[0].Publish([]byte("v2"))
	w.run(sim.Second)
	require.True(t, w.runUntil(10*sim.Second, func() bool { return converged(w, cs, "v2") }), "v2 everywhere")
	assertForward(t, w.log, cfgPath)
}
