package checker

// The watch checker's tests: real runs of clients that leave watches and
// re-arm them while others write, under crashes and partitions that make
// clients reconnect (so setWatches answers for what they missed), must
// pass; the same runs with one event dropped, repeated, swapped or moved
// must fail with the guarantee they break; and hand-built histories of
// what ZooKeeper allows but a naive reading would not must pass.

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

const watchGrace = int64(20 * sim.Second)

// watchingRun is writers changing a few nodes and their children while
// watchers read them with watches, re-arm each watch when it fires, and
// now and then add persistent watches or remove watches; a follower and
// then the leader crash, and a server is cut off for a while.
func watchingRun(t *testing.T, seed uint64) *cluster.Cluster {
	t.Helper()
	c, err := cluster.New(cluster.Config{Seed: seed, Voters: 3, Observers: 1})
	require.NoError(t, err)
	c.Start()
	c.World.RunFor(3 * sim.Second)
	r := c.World.Rand("test")
	paths := []string{"/w0", "/w1", "/w0/a", "/w1/b"}
	for i := 0; i < 3; i++ {
		cl := c.AddClient(client.Config{})
		cl.Start()
		var tick func()
		tick = func() {
			if cl.State() != client.Connected && cl.State() != client.Connecting {
				return
			}
			writeSomething(cl, r, paths)
			c.World.After(sim.Time(r.Int63n(int64(150*sim.Millisecond))), tick)
		}
		c.World.After(sim.Second, tick)
	}
	for i := 0; i < 3; i++ {
		cl := c.AddClient(client.Config{})
		cl.Start()
		var tick func()
		tick = func() {
			if cl.State() != client.Connected && cl.State() != client.Connecting {
				return
			}
			watchSomething(cl, r, paths)
			c.World.After(sim.Time(r.Int63n(int64(400*sim.Millisecond))), tick)
		}
		c.World.After(sim.Second, tick)
	}
	c.World.RunFor(5 * sim.Second)
	l, ok := c.Leader()
	require.True(t, ok)
	f := l%4 + 1 // a follower or the observer
	c.Crash(f, false)
	c.World.After(2*sim.Second, func() { _ = c.Restart(f) })
	c.World.RunFor(6 * sim.Second)
	if l, ok := c.Leader(); ok {
		c.Crash(l, true)
		c.World.After(3*sim.Second, func() { _ = c.Restart(l) })
	}
	c.World.RunFor(10 * sim.Second)
	cut := zab.ServerID(r.Intn(4) + 1)
	c.World.Isolate(c.NodeOf(cut))
	c.World.RunFor(8 * sim.Second)
	c.World.Heal()
	c.World.RunFor(10 * sim.Second)
	return c
}

func writeSomething(cl *client.Client, r *sim.Rand, paths []string) {
	p := paths[r.Intn(len(paths))]
	switch r.Intn(6) {
	case 0:
		cl.Create(p, []byte("v"), tree.OpenACLUnsafe, tree.Persistent, nil)
	case 1:
		cl.Create(p+"/e-", nil, tree.OpenACLUnsafe, tree.EphemeralSequential, nil)
	case 2, 3:
		cl.SetData(p, []byte(fmt.Sprint(r.Intn(9))), -1, nil)
	case 4:
		cl.Delete(p, -1, nil)
	case 5:
		cl.Multi([]tree.Op{
			{Type: tree.OpSetData, Request: &tree.SetDataRequest{Path: p, Data: []byte("m"), Version: -1}},
			{Type: tree.OpSetData, Request: &tree.SetDataRequest{Path: p, Data: []byte("n"), Version: -1}},
		}, nil)
	}
}

func watchSomething(cl *client.Client, r *sim.Rand, paths []string) {
	p := paths[r.Intn(len(paths))]
	var rearm client.Watcher
	rearm = func(ev zab.WatcherEvent) {
		if cl.State() != client.Connected && cl.State() != client.Connecting {
			return
		}
		switch ev.Type {
		case tree.EventNodeChildrenChanged:
			cl.GetChildren(ev.Path, rearm, nil)
		case tree.EventNodeCreated, tree.EventNodeDeleted:
			cl.Exists(ev.Path, rearm, nil)
		default:
			cl.GetData(ev.Path, rearm, nil)
		}
	}
	ignore := func(zab.WatcherEvent) {}
	switch r.Intn(12) {
	case 0, 1, 2:
		cl.GetData(p, rearm, nil)
	case 3, 4, 5:
		cl.Exists(p, rearm, nil)
	case 6, 7:
		cl.GetChildren(p, rearm, nil)
	case 8:
		cl.GetData(p, nil, nil) // a plain read: data the events must precede
	case 9:
		cl.AddWatch(p, tree.AddWatchMode(r.Intn(2)), ignore, nil)
	case 10:
		cl.RemoveWatches(p, tree.WatcherType(r.Intn(3)+1), r.Intn(2) == 0, nil)
	case 11:
		cl.Sync(p, nil)
	}
}

func nodeEvents(h *client.History) int {
	n := 0
	for _, e := range h.Events {
		if e.Type != tree.EventNone {
			n++
		}
	}
	return n
}

func reconnects(h *client.History) int {
	n := 0
	seen := map[zab.SessionID]bool{}
	for _, e := range h.Events {
		if e.Type == tree.EventNone && e.State == tree.StateSyncConnected {
			if seen[e.Session] {
				n++
			}
			seen[e.Session] = true
		}
	}
	return n
}

func TestWatchesOnRealRuns(t *testing.T) {
	synth := 0
	for seed := uint64(1); seed <= 6; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			c := watchingRun(t, seed)
			h := c.History()
			v := Watches(h, c.Records(), watchGrace)
			assert.True(t, v.OK(), v.String())
			assert.Greater(t, nodeEvents(h), 100, "watches fired")
			assert.Greater(t, reconnects(h), 0, "clients reconnected, so setWatches ran")
			for _, e := range h.Events {
				if e.Trigger == zab.NoZxid {
					synth++
				}
			}
		})
	}
	assert.Greater(t, synth, 0, "some setWatches answered at once for a change made while the client was away")
}
