package client

// Watch tests: which registrations a reply leaves (ZooKeeper.java's
// WatchRegistration classes), who hears a notification
// (ZKWatchManager.materialize), what setWatches re-registers on reconnect
// (primeConnection), and removeWatches (ZKWatchManager.removeWatcher).

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// recorder is a set of named watchers that log what they hear.
type recorder struct{ heard []string }

func (r *recorder) watcher(name string) Watcher {
	return func(ev zab.WatcherEvent) { r.heard = append(r.heard, name+" "+ev.Type.String()+" "+ev.Path) }
}

func (r *recorder) take() []string {
	out := r.heard
	r.heard = nil
	return out
}

func TestSetWatchesOnReconnectListsTheRegisteredWatches(t *testing.T) {
	h := connected(t, Config{})
	var rec recorder
	w := rec.watcher("w")
	h.cl.GetData("/d", w, nil)
	h.cl.Exists("/e", w, nil)
	h.cl.Exists("/d2", w, nil)
	h.cl.GetChildren("/c", w, nil)
	h.cl.GetData("/missing", w, nil)
	h.cl.AddWatch("/p", tree.AddWatchPersistent, w, nil)
	h.cl.AddWatch("/r", tree.AddWatchPersistentRecursive, w, nil)
	h.cl.GetData("/lost", w, nil)
	rs := h.requests()
	require.Len(t, rs, 8)
	assert.Equal(t, &tree.PathWatchRequest{Path: "/d", Watch: true}, rs[0].Record)
	h.answer(rs[0], 0x70, tree.OK, &zab.GetDataResponse{})
	h.answer(rs[1], 0x71, tree.NoNode, nil)
	h.answer(rs[2], 0x72, tree.OK, &zab.StatResponse{})
	h.answer(rs[3], 0x73, tree.OK, &zab.GetChildren2Response{})
	h.answer(rs[4], 0x74, tree.NoNode, nil)
	h.answer(rs[5], 0x75, tree.OK, nil)
	h.answer(rs[6], 0x77, tree.OK, nil)
	h.cl.AddAuth("digest", []byte("a:b"), nil)
	h.requests()
	h.closeConn() // /lost never answered: no watch

	h.cl.Sync("/", nil)
	h.reconnect()
	h.accept(0x42, 6000)
	rs = h.requests()
	require.Len(t, rs, 3, "auth, setWatches, then the queued sync")
	assert.Equal(t, zab.XidAuth, rs[0].Xid)
	sw := rs[1]
	assert.Equal(t, tree.OpSetWatches2, sw.Type, "persistent watches need setWatches2")
	assert.Equal(t, int32(9), sw.Xid, "setWatches takes the next xid and is matched in order")
	assert.Equal(t, &tree.SetWatchesRequest{
		RelativeZxid:               0x77,
		DataWatches:                []string{"/d", "/d2"},
		ExistWatches:               []string{"/e"},
		ChildWatches:               []string{"/c"},
		PersistentWatches:          []string{"/p"},
		PersistentRecursiveWatches: []string{"/r"},
	}, sw.Record)
	assert.Equal(t, tree.OpSync, rs[2].Type)
	// The server answers setWatches first, then the sync; a missed change
	// comes as an event before the setWatches reply.
	h.notify(tree.EventNodeDataChanged, "/d")
	h.answer(sw, 0x78, tree.OK, nil)
	h.answer(rs[2], 0x78, tree.OK, &zab.SyncResponse{Path: "/"})
	assert.Equal(t, Connected, h.cl.State())
	assert.Equal(t, []string{"w NodeDataChanged /d"}, rec.take())
	for _, op := range h.hist.All() {
		assert.NotEqual(t, Pending, op.Outcome, "%s", op)
	}
}

func TestSetWatchesWithoutPersistentWatchesIsTheOldRequest(t *testing.T) {
	h := connected(t, Config{})
	h.cl.GetChildren("/c", func(zab.WatcherEvent) {}, nil)
	h.answer(h.request(), 0x5, tree.OK, &zab.GetChildren2Response{})
	h.closeConn()
	h.reconnect()
	h.accept(0x42, 6000)
	r := h.request()
	assert.Equal(t, tree.OpSetWatches, r.Type)
	assert.Equal(t, []string{"/c"}, r.Record.(*tree.SetWatchesRequest).ChildWatches)
}

func TestNoWatchesNoSetWatches(t *testing.T) {
	h := connected(t, Config{})
	h.closeConn()
	h.reconnect()
	h.accept(0x42, 6000)
	assert.Empty(t, h.out())
}

func TestOneShotWatchesFireOnce(t *testing.T) {
	h := connected(t, Config{})
	var rec recorder
	h.cl.GetData("/a", rec.watcher("data"), nil)
	h.cl.Exists("/b", rec.watcher("exist"), nil)
	h.cl.GetChildren("/a", rec.watcher("child"), nil)
	rs := h.requests()
	h.answer(rs[0], 0x10, tree.OK, &zab.GetDataResponse{})
	h.answer(rs[1], 0x11, tree.NoNode, nil)
	h.answer(rs[2], 0x12, tree.OK, &zab.GetChildren2Response{})

	h.notify(tree.EventNodeDataChanged, "/a")
	h.notify(tree.EventNodeDataChanged, "/a")
	assert.Equal(t, []string{"data NodeDataChanged /a"}, rec.take(), "used up by the first")
	h.notify(tree.EventNodeCreated, "/b")
	assert.Equal(t, []string{"exist NodeCreated /b"}, rec.take())
	h.notify(tree.EventNodeDeleted, "/a")
	assert.Equal(t, []string{"child NodeDeleted /a"}, rec.take(), "NodeDeleted reaches child watches too")
	h.notify(tree.EventNodeChildrenChanged, "/a")
	assert.Empty(t, rec.take())

	assert.Equal(t, zab.Zxid(0x12), h.cl.LastZxid(), "notifications do not move lastZxidSeen")
	var nodeEvents []Event
	for _, ev := range h.hist.Events {
		if ev.Type != tree.EventNone {
			nodeEvents = append(nodeEvents, ev)
		}
	}
	require.Len(t, nodeEvents, 3, "only delivered events are recorded")
	assert.Equal(t, Event{Client: 1, Session: 0x42, At: h.env.now, Type: tree.EventNodeDataChanged,
		State: tree.StateSyncConnected, Path: "/a", Zxid: 0x12, Trigger: -1, Seq: h.hist.Op(2).Seq + 1}, nodeEvents[0],
		"the header's zxid is recorded, and the event is placed right after the last reply")
}

func TestWatchRegistrationFollowsTheResult(t *testing.T) {
	h := connected(t, Config{})
	var rec recorder
	h.cl.GetData("/none", rec.watcher("getData"), nil)
	h.cl.GetChildren("/none", rec.watcher("getChildren"), nil)
	h.cl.Exists("/none", rec.watcher("exists"), nil)
	h.cl.Exists("/there", rec.watcher("exists-there"), nil)
	rs := h.requests()
	h.answer(rs[0], 0x10, tree.NoNode, nil)
	h.answer(rs[1], 0x10, tree.NoNode, nil)
	h.answer(rs[2], 0x10, tree.NoNode, nil)
	h.answer(rs[3], 0x10, tree.OK, &zab.StatResponse{})
	h.notify(tree.EventNodeCreated, "/none")
	h.notify(tree.EventNodeDeleted, "/there")
	assert.Equal(t, []string{"exists NodeCreated /none", "exists-there NodeDeleted /there"}, rec.take(),
		"getData and getChildren on NoNode leave nothing; exists leaves an exist or a data watch")
	assert.True(t, h.hist.Op(0).Watch)
}

func TestPersistentAndRecursiveWatchesStay(t *testing.T) {
	h := connected(t, Config{})
	var rec recorder
	h.cl.AddWatch("/p", tree.AddWatchPersistent, rec.watcher("p"), nil)
	h.cl.AddWatch("/r", tree.AddWatchPersistentRecursive, rec.watcher("r"), nil)
	h.cl.GetChildren("/r/x", rec.watcher("child"), nil)
	rs := h.requests()
	assert.Equal(t, &tree.AddWatchRequest{Path: "/r", Mode: tree.AddWatchPersistentRecursive}, rs[1].Record)
	h.answer(rs[0], 0x10, tree.OK, nil)
	h.answer(rs[1], 0x10, tree.OK, nil)
	h.answer(rs[2], 0x10, tree.OK, &zab.GetChildren2Response{})

	for _, typ := range []tree.EventType{tree.EventNodeCreated, tree.EventNodeDataChanged, tree.EventNodeChildrenChanged, tree.EventNodeDeleted} {
		h.notify(typ, "/p")
	}
	assert.Equal(t, []string{"p NodeCreated /p", "p NodeDataChanged /p", "p NodeChildrenChanged /p", "p NodeDeleted /p"}, rec.take())

	h.notify(tree.EventNodeCreated, "/r/x/y")
	h.notify(tree.EventNodeDataChanged, "/r")
	h.notify(tree.EventNodeChildrenChanged, "/r/x")
	h.notify(tree.EventNodeDeleted, "/r/x/y")
	h.notify(tree.EventNodeCreated, "/rr")
	assert.Equal(t, []string{"r NodeCreated /r/x/y", "r NodeDataChanged /r", "child NodeChildrenChanged /r/x", "r NodeDeleted /r/x/y"},
		rec.take(), "recursive watches hear every node event below but child events")
}

func TestChildEventsToRecursiveIs3_8(t *testing.T) {
	h := connected(t, Config{ChildEventsToRecursive: true})
	var rec recorder
	h.cl.AddWatch("/", tree.AddWatchPersistentRecursive, rec.watcher("r"), nil)
	h.answer(h.request(), 0x10, tree.OK, nil)
	h.notify(tree.EventNodeChildrenChanged, "/a")
	assert.Equal(t, []string{"r NodeChildrenChanged /a"}, rec.take(), "ZOOKEEPER-4475")
}

func TestRemoveWatches(t *testing.T) {
	h := connected(t, Config{})
	var rec recorder
	var codes []tree.Code
	code := func(err tree.Code) { codes = append(codes, err) }
	h.cl.GetData("/a", rec.watcher("data"), nil)
	h.cl.GetChildren("/a", rec.watcher("child"), nil)
	h.cl.AddWatch("/a", tree.AddWatchPersistent, rec.watcher("p"), nil)
	rs := h.requests()
	h.answer(rs[0], 0x10, tree.OK, &zab.GetDataResponse{})
	h.answer(rs[1], 0x10, tree.OK, &zab.GetChildren2Response{})
	h.answer(rs[2], 0x10, tree.OK, nil)

	h.cl.RemoveWatches("/none", tree.WatcherAny, false, code)
	h.answer(h.request(), 0x10, tree.OK, nil)
	assert.Equal(t, []tree.Code{tree.NoWatcher}, codes, "the client holds no watch there")

	h.cl.RemoveWatches("/a", tree.WatcherData, false, code)
	r := h.request()
	assert.Equal(t, tree.OpRemoveWatches, r.Type)
	assert.Equal(t, &tree.RemoveWatchesRequest{Path: "/a", Type: tree.WatcherData}, r.Record)
	h.answer(r, 0x10, tree.NoWatcher, nil)
	assert.Equal(t, tree.NoWatcher, codes[1], "not local: the server's answer stands")
	assert.Empty(t, rec.take())

	h.cl.RemoveWatches("/a", tree.WatcherData, false, code)
	h.answer(h.request(), 0x10, tree.OK, nil)
	assert.Equal(t, tree.OK, codes[2])
	assert.Equal(t, []string{"data DataWatchRemoved /a"}, rec.take(), "Data leaves persistent watches")

	h.cl.RemoveWatches("/a", tree.WatcherAny, true, code)
	h.request()
	h.closeConn()
	assert.Equal(t, tree.OK, codes[3], "local: removed even though the connection dropped")
	assert.Equal(t, []string{"child ChildWatchRemoved /a", "p PersistentWatchRemoved /a"}, rec.take())
	h.reconnect()
	h.accept(0x42, 6000)
	assert.Empty(t, h.out(), "nothing left to re-register")
}

// The History keeps what the checkers need to judge watches: the zxid a
// notification's header carries, the mode of an addWatch, and the order
// in which replies and events came, which times alone do not give (all
// of these arrive at one instant).
func TestHistoryOrdersRepliesAndEvents(t *testing.T) {
	h := connected(t, Config{})
	var rec recorder
	h.cl.GetData("/a", rec.watcher("data"), nil)
	h.cl.AddWatch("/r", tree.AddWatchPersistentRecursive, rec.watcher("r"), nil)
	h.cl.GetData("/b", nil, nil)
	rs := h.requests()
	h.answer(rs[0], 0x10, tree.OK, &zab.GetDataResponse{})
	h.answer(rs[1], 0x10, tree.OK, nil)
	h.deliver(&zab.Reply{Xid: zab.XidNotification, Zxid: 0x11,
		Record: &zab.WatcherEvent{Type: tree.EventNodeDataChanged, State: tree.StateSyncConnected, Path: "/a"}})
	h.answer(rs[2], 0x11, tree.OK, &zab.GetDataResponse{})

	ops, evs := h.hist.Ops(), h.hist.Events
	require.Len(t, ops, 3)
	ev := evs[len(evs)-1]
	assert.Equal(t, zab.Zxid(0x11), ev.Trigger, "the txn that fired it")
	assert.Equal(t, tree.AddWatchPersistentRecursive, ops[1].WatchMode)
	assert.Less(t, ops[1].Seq, ev.Seq)
	assert.Less(t, ev.Seq, ops[2].Seq, "the event came before the reply that shows its change")
	assert.Equal(t, ev.At, ops[2].Return, "at the same instant")
	assert.Positive(t, evs[0].Seq, "session events are placed too")
	assert.Zero(t, evs[0].Trigger)
}
