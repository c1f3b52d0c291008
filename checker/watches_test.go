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
// then the leader crash, and a server is cut off for a while. Without
// persistent, watchers only leave standard watches.
func watchingRun(t *testing.T, seed uint64, persistent bool) *cluster.Cluster {
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
			watchSomething(cl, r, paths, persistent)
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

func watchSomething(cl *client.Client, r *sim.Rand, paths []string, persistent bool) {
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
	n := 9
	if persistent {
		n = 12
	}
	switch r.Intn(n) {
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
			c := watchingRun(t, seed, true)
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

// cloneHistory copies a history so a test may tamper with it.
func cloneHistory(h *client.History) *client.History {
	return client.NewHistory(h.Ops(), append([]client.Event(nil), h.Events...))
}

// answeredAfter finds the first op of e's session that returned after e
// with a reply at zxid z or later.
func answeredAfter(h *client.History, e client.Event, z zab.Zxid) *client.Op {
	var best *client.Op
	for _, op := range h.All() {
		if op.Session == e.Session && answered(&op) && op.Seq > e.Seq && op.Zxid >= z && (best == nil || op.Seq < best.Seq) {
			best = &op
		}
	}
	return best
}

// eventsBetween counts the node events of a session strictly between two
// places in the order.
func eventsBetween(h *client.History, s zab.SessionID, from, to int64) int {
	n := 0
	for _, e := range h.Events {
		if e.Session == s && e.Seq > from && e.Seq < to {
			n++
		}
	}
	return n
}

// pickEvent finds a node event, from the middle of the run on, that ok
// accepts.
func pickEvent(t *testing.T, h *client.History, ok func(k int, e client.Event) bool) int {
	for k := len(h.Events) / 2; k < len(h.Events); k++ {
		if e := h.Events[k]; e.Type != tree.EventNone && e.Trigger > 0 && ok(k, e) {
			return k
		}
	}
	t.Fatal("no event to tamper with")
	return -1
}

// The same runs tampered with as a buggy server or client could: each
// tamper must be caught, with the guarantee it breaks.
func TestWatchesCatchTampering(t *testing.T) {
	c := watchingRun(t, 11, false)
	recs := c.Records()
	require.True(t, Watches(c.History(), recs, watchGrace).OK())
	for _, tt := range []struct {
		name   string
		want   error
		tamper func(h *client.History)
	}{
		{"Lost - an event dropped - fail", ErrWatchLost, func(h *client.History) {
			k := pickEvent(t, h, func(_ int, e client.Event) bool { return answeredAfter(h, e, e.Trigger) != nil })
			h.Events = append(h.Events[:k], h.Events[k+1:]...)
		}},
		{"Once - an event delivered twice - fail", ErrWatchOnce, func(h *client.History) {
			k := pickEvent(t, h, func(int, client.Event) bool { return true })
			dup := h.Events[k]
			h.Events = append(h.Events[:k+1], append([]client.Event{dup}, h.Events[k+1:]...)...)
		}},
		{"Order - two events swapped - fail", ErrWatchOrder, func(h *client.History) {
			k := pickEvent(t, h, func(k int, e client.Event) bool {
				if k+1 >= len(h.Events) {
					return false
				}
				f := h.Events[k+1]
				return f.Session == e.Session && f.Type != tree.EventNone && f.Trigger > e.Trigger && f.Path != e.Path
			})
			a, b := h.Events[k], h.Events[k+1]
			a.Seq, b.Seq, a.At, b.At = b.Seq, a.Seq, b.At, a.At
			h.Events[k], h.Events[k+1] = b, a
		}},
		{"BeforeData - an event after a reply showing its change - fail", ErrWatchBeforeData, func(h *client.History) {
			k := pickEvent(t, h, func(_ int, e client.Event) bool {
				op := answeredAfter(h, e, e.Trigger)
				return op != nil && eventsBetween(h, e.Session, e.Seq, op.Seq) == 0
			})
			op := answeredAfter(h, h.Events[k], h.Events[k].Trigger)
			h.Events[k].Seq, h.Events[k].At = op.Seq, op.Return // ties put the reply first
		}},
		{"Trigger - an event for a change its txn did not make - fail", ErrWatchTrigger, func(h *client.History) {
			k := pickEvent(t, h, func(_ int, e client.Event) bool { return e.Type == tree.EventNodeDataChanged })
			h.Events[k].Type = tree.EventNodeCreated
		}},
		{"Trigger - an event for an earlier change than the watch's read - fail", ErrWatchTrigger, func(h *client.History) {
			k := pickEvent(t, h, func(_ int, e client.Event) bool { return e.Type == tree.EventNodeDataChanged })
			// The same path's previous data change, before the watch was set.
			for _, ch := range indexChanges(agreedLog(recs)).all {
				if ch.path == h.Events[k].Path && ch.typ == tree.EventNodeDataChanged && ch.zxid < h.Events[k].Trigger {
					h.Events[k].Trigger = ch.zxid
				}
				if ch.zxid >= h.Events[k].Trigger {
					break
				}
			}
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := cloneHistory(c.History())
			tt.tamper(h)
			v := Watches(h, recs, watchGrace)
			require.False(t, v.OK(), "tampering went unnoticed")
			assert.True(t, v.Has(tt.want), v.String())
		})
	}
}

// A persistent watch that misses a change on its connection is caught.
func TestWatchesCatchPersistentMisses(t *testing.T) {
	c := watchingRun(t, 3, true)
	recs := c.Records()
	h := cloneHistory(c.History())
	sessions := map[zab.SessionID]bool{}
	for _, op := range h.All() {
		if op.Type == tree.OpAddWatch && op.Outcome == client.OK {
			sessions[op.Session] = true
		}
	}
	dropped := 0
	for k := len(h.Events) - 1; k >= 0; k-- {
		if e := h.Events[k]; sessions[e.Session] && e.Trigger > 0 {
			h.Events = append(h.Events[:k], h.Events[k+1:]...)
			dropped++
		}
	}
	require.Greater(t, dropped, 0)
	v := Watches(h, recs, watchGrace)
	assert.True(t, v.Has(ErrWatchLost), v.String())
}

// hist builds a one-session history and its commit sequence by hand, in
// the order things happen. Zxids are small counters in epoch 1.
type hist struct {
	h       client.History
	recs    []cluster.Record
	session zab.SessionID
	now     int64
}

func newHist() *hist {
	b := &hist{session: 0x42}
	b.commit(tree.OpCreateSession, tree.CreateSessionTxn{Timeout: 6000})
	return b
}

func zx(n uint32) zab.Zxid { return zab.MakeZxid(1, n) }

func (b *hist) tick() int64 {
	b.now += int64(sim.Millisecond)
	return b.now
}

// commit appends the next txn of the sequence, by the session.
func (b *hist) commit(typ tree.OpCode, txn tree.Txn) zab.Zxid {
	z := zx(uint32(len(b.recs) + 1))
	e := &zab.LogEntry{Hdr: tree.TxnHeader{SessionID: int64(b.session), Zxid: int64(z), Type: typ}, Txn: txn}
	b.recs = append(b.recs, cluster.Record{At: sim.Time(b.tick()), Server: 1, Obs: zab.Observation{Kind: zab.ObsDeliver, Entry: e, Zxid: z}})
	return z
}

func (b *hist) next() int64 {
	n := int64(b.h.Len() + len(b.h.Events) + 1)
	return n
}

// reply appends an op answered at zxid z.
func (b *hist) reply(typ tree.OpCode, path string, watch bool, z zab.Zxid, err tree.Code) client.Op {
	at := b.tick()
	i := b.h.Append(client.Op{Client: 1, Session: b.session, Type: typ, Path: path, Watch: watch,
		Call: at - 1, Return: at, Seq: b.next(), Outcome: client.OK, Err: err, Zxid: z, Server: 1, Sent: true})
	return b.h.Op(i)
}

// changeLast changes the op appended last.
func (b *hist) changeLast(change func(op *client.Op)) {
	i := b.h.Len() - 1
	op := b.h.Op(i)
	change(&op)
	b.h.Set(i, op)
}

// lost appends an op sent and never answered.
func (b *hist) lost(typ tree.OpCode, path string, watch bool) {
	at := b.tick()
	b.h.Append(client.Op{Client: 1, Session: b.session, Type: typ, Path: path, Watch: watch,
		Call: at - 1, Return: at, Seq: b.next(), Outcome: client.Unknown, Err: tree.ConnectionLoss, Server: 1, Sent: true})
}

func (b *hist) event(typ tree.EventType, path string, trigger zab.Zxid) {
	b.h.Events = append(b.h.Events, client.Event{Client: 1, Session: b.session, At: b.tick(), Type: typ,
		State: tree.StateSyncConnected, Path: path, Trigger: trigger, Seq: b.next()})
}

func (b *hist) state(s tree.KeeperState, seen zab.Zxid) {
	b.h.Events = append(b.h.Events, client.Event{Client: 1, Session: b.session, At: b.tick(), Type: tree.EventNone,
		State: s, Zxid: seen, Seq: b.next()})
}

func (b *hist) check() Verdict { return Watches(&b.h, b.recs, watchGrace) }

func create(path string) tree.Txn { return tree.CreateTxn{Path: path, ACL: tree.OpenACLUnsafe} }
func setData(path string) tree.Txn {
	return tree.SetDataTxn{Path: path, Data: []byte("x")}
}

// What ZooKeeper allows though a naive reading of the guarantees would
// not, each next to the case that breaks them.
func TestWatchesLegalButSurprising(t *testing.T) {
	for _, tt := range []struct {
		name  string
		build func(b *hist)
		want  error // nil: the history is allowed
	}{
		{"Lost - a watch left by an op whose outcome is unknown never fires - pass", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			z := b.commit(tree.OpCreate, create("/a"))
			b.lost(tree.OpGetData, "/a", true)
			b.state(tree.StateDisconnected, z)
			b.state(tree.StateSyncConnected, z)
			z = b.commit(tree.OpSetData, setData("/a"))
			b.reply(tree.OpGetData, "/a", false, z, tree.OK)
		}, nil},
		{"Lost - a watch ends with its expired session - pass", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			z := b.commit(tree.OpCreate, create("/a"))
			b.reply(tree.OpGetData, "/a", true, z, tree.OK)
			b.state(tree.StateDisconnected, z)
			b.commit(tree.OpSetData, setData("/a"))
			b.commit(tree.OpCloseSession, tree.CloseSessionTxn{})
			b.state(tree.StateExpired, z)
		}, nil},
		{"Lost - a watch whose change a later reply shows never fires - fail", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			z := b.commit(tree.OpCreate, create("/a"))
			b.reply(tree.OpGetData, "/a", true, z, tree.OK)
			z = b.commit(tree.OpSetData, setData("/a"))
			b.reply(tree.OpGetData, "/b", false, z, tree.NoNode)
			b.state(tree.StateClosed, z)
		}, ErrWatchLost},
		{"Trigger - an exist watch misses a node created and deleted while away - pass", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			z := b.reply(tree.OpExists, "/a", true, zx(1), tree.NoNode).Zxid
			b.state(tree.StateDisconnected, z)
			b.commit(tree.OpCreate, create("/a"))
			b.commit(tree.OpDelete, tree.DeleteTxn{Path: "/a"})
			b.state(tree.StateSyncConnected, z)
			z = b.commit(tree.OpCreate, create("/b"))
			b.reply(tree.OpGetData, "/b", false, z, tree.OK)
			z = b.commit(tree.OpCreate, create("/a"))
			b.event(tree.EventNodeCreated, "/a", z)
		}, nil},
		{"Trigger - an exist watch misses a node created and deleted while connected - fail", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			b.reply(tree.OpExists, "/a", true, zx(1), tree.NoNode)
			b.commit(tree.OpCreate, create("/a"))
			b.commit(tree.OpDelete, tree.DeleteTxn{Path: "/a"})
			z := b.commit(tree.OpCreate, create("/a"))
			b.event(tree.EventNodeCreated, "/a", z)
		}, ErrWatchTrigger},
		{"Trigger - a data watch hears NodeDataChanged for a node deleted and created again while away - pass", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			z := b.commit(tree.OpCreate, create("/a"))
			b.reply(tree.OpGetData, "/a", true, z, tree.OK)
			b.state(tree.StateDisconnected, z)
			b.commit(tree.OpDelete, tree.DeleteTxn{Path: "/a"})
			z2 := b.commit(tree.OpCreate, create("/a"))
			b.state(tree.StateSyncConnected, z)
			b.event(tree.EventNodeDataChanged, "/a", zab.NoZxid)
			b.reply(tree.OpGetData, "/a", false, z2, tree.OK)
		}, nil},
		{"BeforeData - setWatches' answer after a reply on the new connection - fail", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			z := b.commit(tree.OpCreate, create("/a"))
			b.reply(tree.OpGetData, "/a", true, z, tree.OK)
			b.state(tree.StateDisconnected, z)
			z2 := b.commit(tree.OpSetData, setData("/a"))
			b.state(tree.StateSyncConnected, z)
			b.reply(tree.OpGetData, "/b", false, z2, tree.NoNode)
			b.event(tree.EventNodeDataChanged, "/a", zab.NoZxid)
		}, ErrWatchBeforeData},
		{"Once - a persistent watch hears a change again on a new connection - pass", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			b.reply(tree.OpAddWatch, "/a", true, zx(1), tree.OK)
			z := b.commit(tree.OpCreate, create("/a"))
			b.event(tree.EventNodeCreated, "/a", z)
			b.state(tree.StateDisconnected, zx(1))
			b.state(tree.StateSyncConnected, zx(1)) // notifications do not move lastZxidSeen
			b.event(tree.EventNodeCreated, "/a", z)
			b.reply(tree.OpGetData, "/a", false, z, tree.OK)
		}, nil},
		{"Once - a persistent watch hears a change twice on one connection - fail", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			b.reply(tree.OpAddWatch, "/a", true, zx(1), tree.OK)
			z := b.commit(tree.OpCreate, create("/a"))
			b.event(tree.EventNodeCreated, "/a", z)
			b.event(tree.EventNodeCreated, "/a", z)
		}, ErrWatchOnce},
		{"Order - events go back in zxid order across a reconnect - pass", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			za := b.commit(tree.OpCreate, create("/a"))
			b.reply(tree.OpGetData, "/a", true, za, tree.OK)
			zb := b.commit(tree.OpCreate, create("/b"))
			zc := b.commit(tree.OpSetData, setData("/a"))
			b.event(tree.EventNodeDataChanged, "/a", zc)
			b.state(tree.StateDisconnected, za)
			b.state(tree.StateSyncConnected, za)                // to a server still at za:
			b.reply(tree.OpExists, "/b", true, za, tree.NoNode) // notifications do not move lastZxidSeen
			b.event(tree.EventNodeCreated, "/b", zb)
		}, nil},
		{"Order - events go back in zxid order on one connection - fail", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			za := b.commit(tree.OpCreate, create("/a"))
			b.reply(tree.OpGetData, "/a", true, za, tree.OK)
			b.reply(tree.OpExists, "/b", true, za, tree.NoNode)
			zb := b.commit(tree.OpCreate, create("/b"))
			zc := b.commit(tree.OpSetData, setData("/a"))
			b.event(tree.EventNodeDataChanged, "/a", zc)
			b.event(tree.EventNodeCreated, "/b", zb)
		}, ErrWatchOrder},
		{"Lost - 3.8 turns a child watch recursive when addWatch(recursive) names its path - pass", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			za := b.commit(tree.OpCreate, create("/a"))
			b.reply(tree.OpGetChildren2, "/a", true, za, tree.OK)
			b.reply(tree.OpAddWatch, "/a", true, za, tree.OK)
			b.changeLast(func(op *client.Op) { op.WatchMode = tree.AddWatchPersistentRecursive })
			z := b.commit(tree.OpCreate, create("/a/c"))
			b.event(tree.EventNodeCreated, "/a/c", z)
			b.reply(tree.OpGetChildren2, "/a", false, z, tree.OK)
		}, nil},
		{"Lost - a persistent watch misses changes while away - pass", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			b.reply(tree.OpAddWatch, "/a", true, zx(1), tree.OK)
			b.state(tree.StateDisconnected, zx(1))
			b.commit(tree.OpCreate, create("/a"))
			z := b.commit(tree.OpSetData, setData("/a"))
			b.state(tree.StateSyncConnected, zx(1))
			b.reply(tree.OpGetData, "/a", false, z, tree.OK)
			z = b.commit(tree.OpSetData, setData("/a"))
			b.event(tree.EventNodeDataChanged, "/a", z)
			b.reply(tree.OpGetData, "/a", false, z, tree.OK)
		}, nil},
		{"Lost - a persistent watch misses a change on its connection - fail", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			b.reply(tree.OpAddWatch, "/a", true, zx(1), tree.OK)
			b.commit(tree.OpCreate, create("/a"))
			z := b.commit(tree.OpSetData, setData("/a"))
			b.event(tree.EventNodeDataChanged, "/a", z)
			b.reply(tree.OpGetData, "/a", false, z, tree.OK)
		}, ErrWatchLost},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newHist()
			tt.build(b)
			v := b.check()
			if tt.want == nil {
				assert.True(t, v.OK(), v.String())
				return
			}
			require.False(t, v.OK(), "allowed")
			assert.True(t, v.Has(tt.want), v.String())
		})
	}
}
