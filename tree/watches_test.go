package tree

// Tests of the watch tables (WatchManager and WatcherModeManager,
// branch-3.8) and of the reads that set watches (FinalRequestProcessor).
//
// Method: watches are set through the public reads and AddWatch, txns are
// applied with txnRunner, and the events Apply returns are compared in
// full — watcher, type, path, zxid and order — so a missing, extra or
// misordered event fails. Each quirk of 3.8 has its own test that names
// the Java behind it.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	w1 WatcherID = 1
	w2 WatcherID = 2
	w3 WatcherID = 3
)

func ev(w WatcherID, typ EventType, path string, zxid int64) WatchEvent {
	return WatchEvent{Watcher: w, Type: typ, Path: path, Zxid: zxid}
}

// stripACL drops the events' ACLs, for tests about who is told what;
// TestWatchEventACL checks the ACLs.
func stripACL(evs []WatchEvent) []WatchEvent {
	if evs == nil {
		return nil
	}
	out := make([]WatchEvent, len(evs))
	for i, e := range evs {
		e.ACL = nil
		out[i] = e
	}
	return out
}

// watchRunner is a txnRunner over a tree holding /p with data "p".
func watchRunner(t *testing.T) *txnRunner {
	r := newTxnRunner()
	r.ok(t, OpCreate, 0, txCreate("/p", "p"))
	return r
}

func (r *txnRunner) setData(t *testing.T, path string) Result {
	st := persisted(t, r.tr, path)
	return r.ok(t, OpSetData, 0, SetDataTxn{Path: path, Data: []byte("x"), Version: st.Version + 1})
}

func TestWatchGetDataOneShot(t *testing.T) {
	r := watchRunner(t)
	_, _, code := r.tr.GetData("/p", nil, w1)
	require.Equal(t, OK, code)
	assert.Equal(t, 1, r.tr.WatchCount())
	res := r.setData(t, "/p")
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeDataChanged, "/p", r.zxid)}, stripACL(res.Events))
	assert.Zero(t, r.tr.WatchCount(), "a standard watch is used up")
	assert.Empty(t, r.setData(t, "/p").Events, "one-shot")

	r.tr.GetData("/p", nil, w1)
	r.tr.GetData("/p", nil, w1) // the same watch twice is one watch
	assert.Equal(t, 1, r.tr.WatchCount())
	res = r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p"})
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeDeleted, "/p", r.zxid)}, stripACL(res.Events))
	assert.Zero(t, r.tr.WatchCount())
}

func TestWatchGetDataNoWatchZero(t *testing.T) {
	r := watchRunner(t)
	r.tr.GetData("/p", nil, 0)
	r.tr.Exists("/p", 0)
	r.tr.GetChildren("/p", nil, 0)
	assert.Zero(t, r.tr.WatchCount(), "watcher 0 sets no watch")
}

func TestWatchExists(t *testing.T) {
	r := watchRunner(t)
	_, code := r.tr.Exists("/p/x", w1)
	assert.Equal(t, NoNode, code)
	assert.Equal(t, 1, r.tr.WatchCount(), "statNode adds the watch before NoNode")
	res := r.ok(t, OpCreate, 0, txCreate("/p/x", ""))
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeCreated, "/p/x", r.zxid)}, stripACL(res.Events))
	r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p/x"})
	assert.Empty(t, r.ok(t, OpCreate, 0, txCreate("/p/x", "")).Events, "one-shot")

	// On a present node an exists watch is a data watch.
	st, code := r.tr.Exists("/p/x", w1)
	require.Equal(t, OK, code)
	assert.Equal(t, r.zxid, st.Czxid)
	res = r.setData(t, "/p/x")
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeDataChanged, "/p/x", r.zxid)}, stripACL(res.Events))
	r.tr.Exists("/p/x", w1)
	res = r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p/x"})
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeDeleted, "/p/x", r.zxid)}, stripACL(res.Events))
}

// TestExistsNUL: FinalRequestProcessor refuses a path holding NUL before
// statNode, so no watch is left.
func TestExistsNUL(t *testing.T) {
	r := watchRunner(t)
	_, code := r.tr.Exists("/p\x00", w1)
	assert.Equal(t, BadArguments, code)
	assert.Zero(t, r.tr.WatchCount())
}

func TestWatchChildren(t *testing.T) {
	r := watchRunner(t)
	r.tr.GetChildren("/p", nil, w1)
	assert.Empty(t, r.setData(t, "/p").Events, "a child watch ignores the node's data")
	res := r.ok(t, OpCreate, 0, txCreate("/p/a", ""))
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeChildrenChanged, "/p", r.zxid)}, stripACL(res.Events))
	assert.Empty(t, r.ok(t, OpCreate, 0, txCreate("/p/b", "")).Events, "one-shot")

	r.tr.GetChildren("/p", nil, w1)
	assert.Empty(t, r.ok(t, OpCreate, 0, txCreate("/p/a/deep", "")).Events, "a grandchild is not a child")
	res = r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p/b"})
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeChildrenChanged, "/p", r.zxid)}, stripACL(res.Events))

	r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p/a/deep"})
	r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p/a"})
	r.tr.GetChildren("/p", nil, w1)
	res = r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p"})
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeDeleted, "/p", r.zxid)}, stripACL(res.Events),
		"deleting the watched node fires NodeDeleted from the child table")
}

// TestWatchDeleteTellsOnce: deleteNode passes the data table's watchers as
// supress to the child table, so a watcher with both gets one NodeDeleted.
func TestWatchDeleteTellsOnce(t *testing.T) {
	r := watchRunner(t)
	r.ok(t, OpCreate, 0, txCreate("/p/a", ""))
	r.tr.GetData("/p/a", nil, w2)
	r.tr.GetChildren("/p/a", nil, w2)
	r.tr.Exists("/p/a", w2)
	r.tr.GetChildren("/p/a", nil, w1) // children only
	r.tr.GetChildren("/p", nil, w3)
	res := r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p/a"})
	assert.Equal(t, []WatchEvent{
		ev(w2, EventNodeDeleted, "/p/a", r.zxid), // data watchers
		ev(w1, EventNodeDeleted, "/p/a", r.zxid), // child watchers not yet told
		ev(w3, EventNodeChildrenChanged, "/p", r.zxid),
	}, stripACL(res.Events))
	assert.Zero(t, r.tr.WatchCount(), "the suppressed child watch is used up too")
}

func TestWatchPersistent(t *testing.T) {
	r := watchRunner(t)
	r.tr.AddWatch("/p", w1, AddWatchPersistent)
	assert.Equal(t, 2, r.tr.WatchCount(), "one in each table")
	for range 2 {
		res := r.setData(t, "/p")
		assert.Equal(t, []WatchEvent{ev(w1, EventNodeDataChanged, "/p", r.zxid)}, stripACL(res.Events))
	}
	res := r.ok(t, OpCreate, 0, txCreate("/p/a", ""))
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeChildrenChanged, "/p", r.zxid)}, stripACL(res.Events))
	assert.Empty(t, r.ok(t, OpCreate, 0, txCreate("/p/a/b", "")).Events, "not recursive")
	assert.Empty(t, r.setData(t, "/p/a").Events)
	r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p/a/b"})
	res = r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p/a"})
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeChildrenChanged, "/p", r.zxid)}, stripACL(res.Events))
	res = r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p"})
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeDeleted, "/p", r.zxid)}, stripACL(res.Events), "told once though in both tables")
	assert.Equal(t, 2, r.tr.WatchCount(), "and it outlives the node")
	res = r.ok(t, OpCreate, 0, txCreate("/p", ""))
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeCreated, "/p", r.zxid)}, stripACL(res.Events))
}

func TestWatchPersistentRecursive(t *testing.T) {
	r := watchRunner(t)
	r.ok(t, OpCreate, 0, txCreate("/q", ""))
	r.tr.AddWatch("/p", w1, AddWatchPersistentRecursive)
	steps := []struct {
		typ  OpCode
		txn  Txn
		want []WatchEvent // zxid filled in
	}{
		{OpCreate, txCreate("/p/a", ""), []WatchEvent{ev(w1, EventNodeCreated, "/p/a", 0)}},
		{OpCreate, txCreate("/p/a/b", ""), []WatchEvent{ev(w1, EventNodeCreated, "/p/a/b", 0)}},
		{OpSetData, SetDataTxn{Path: "/p/a/b", Version: 1}, []WatchEvent{ev(w1, EventNodeDataChanged, "/p/a/b", 0)}},
		{OpSetData, SetDataTxn{Path: "/p", Version: 1}, []WatchEvent{ev(w1, EventNodeDataChanged, "/p", 0)}},
		{OpCreate, txCreate("/q/x", ""), nil},
		{OpSetData, SetDataTxn{Path: "/q", Version: 1}, nil},
		{OpDelete, DeleteTxn{Path: "/p/a/b"}, []WatchEvent{ev(w1, EventNodeDeleted, "/p/a/b", 0)}},
		{OpSetACL, SetACLTxn{Path: "/p/a", ACL: OpenACLUnsafe, Version: 1}, nil},
		{OpDelete, DeleteTxn{Path: "/p/a"}, []WatchEvent{ev(w1, EventNodeDeleted, "/p/a", 0)}},
		{OpDelete, DeleteTxn{Path: "/p"}, []WatchEvent{ev(w1, EventNodeDeleted, "/p", 0)}},
		{OpCreate, txCreate("/p", ""), []WatchEvent{ev(w1, EventNodeCreated, "/p", 0)}},
	}
	for i, s := range steps {
		res := r.ok(t, s.typ, 0, s.txn)
		for j := range s.want {
			s.want[j].Zxid = r.zxid
		}
		assert.Equal(t, s.want, stripACL(res.Events), "step %d: %v %+v (never NodeChildrenChanged)", i, s.typ, s.txn)
	}
}

func TestWatchRecursiveOnRoot(t *testing.T) {
	r := watchRunner(t)
	r.tr.AddWatch("/", w1, AddWatchPersistentRecursive)
	r.tr.AddWatch("/p", w1, AddWatchPersistentRecursive) // two ancestors: one event
	res := r.ok(t, OpCreate, 0, txCreate("/p/a", ""))
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeCreated, "/p/a", r.zxid)}, stripACL(res.Events))
	res = r.ok(t, OpCreate, 0, txCreate("/z", ""))
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeCreated, "/z", r.zxid)}, stripACL(res.Events))
}

// TestWatchStandardOverPersistent: WatcherModeManager keeps one mode per
// (watcher, path) and table, and addWatch with the default mode removes
// the entry, so a getData watch set over a persistent watch makes the
// data table's watch one-shot; the child table keeps its persistent one.
func TestWatchStandardOverPersistent(t *testing.T) {
	r := watchRunner(t)
	r.tr.AddWatch("/p", w1, AddWatchPersistent)
	r.tr.GetData("/p", nil, w1)
	res := r.setData(t, "/p")
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeDataChanged, "/p", r.zxid)}, stripACL(res.Events))
	assert.Empty(t, r.setData(t, "/p").Events, "the data watch was made one-shot")
	for _, c := range []string{"/p/a", "/p/b"} {
		res = r.ok(t, OpCreate, 0, txCreate(c, ""))
		assert.Equal(t, []WatchEvent{ev(w1, EventNodeChildrenChanged, "/p", r.zxid)}, stripACL(res.Events), "the child watch is still persistent")
	}
	r.tr.AddWatch("/p", w1, AddWatchPersistent)
	for range 2 {
		assert.Len(t, r.setData(t, "/p").Events, 1, "a persistent watch set again is persistent again")
	}
}

func TestWatchStandardOverRecursive(t *testing.T) {
	r := watchRunner(t)
	r.tr.AddWatch("/p", w1, AddWatchPersistentRecursive)
	r.tr.GetData("/p", nil, w1)
	assert.Equal(t, 1, r.tr.childWatch.recursive)
	assert.Equal(t, 0, r.tr.dataWatch.recursive, "recursiveQty follows the mode change")
	assert.Empty(t, r.ok(t, OpCreate, 0, txCreate("/p/a", "")).Events,
		"the data table lost the recursive mode; the child table's never fires NodeCreated")
	res := r.setData(t, "/p")
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeDataChanged, "/p", r.zxid)}, stripACL(res.Events))
	assert.Empty(t, r.setData(t, "/p").Events)
}

// TestWatchOrder: the data table's event first, then the parent's
// NodeChildrenChanged; within one event, watchers by id.
func TestWatchOrder(t *testing.T) {
	r := watchRunner(t)
	for _, w := range []WatcherID{9, 3, 5} {
		r.tr.Exists("/p/a", w)
		r.tr.GetChildren("/p", nil, w+100)
	}
	r.tr.AddWatch("/", 4, AddWatchPersistentRecursive)
	res := r.ok(t, OpCreate, 0, txCreate("/p/a", ""))
	z := r.zxid
	assert.Equal(t, []WatchEvent{
		ev(3, EventNodeCreated, "/p/a", z), ev(4, EventNodeCreated, "/p/a", z), ev(5, EventNodeCreated, "/p/a", z), ev(9, EventNodeCreated, "/p/a", z),
		ev(103, EventNodeChildrenChanged, "/p", z), ev(105, EventNodeChildrenChanged, "/p", z), ev(109, EventNodeChildrenChanged, "/p", z),
	}, stripACL(res.Events))
}

func TestRemoveWatcher(t *testing.T) {
	r := watchRunner(t)
	r.ok(t, OpCreate, 0, txCreate("/q", ""))
	r.tr.GetData("/p", nil, w1)
	r.tr.GetChildren("/p", nil, w1)
	r.tr.Exists("/missing", w1)
	r.tr.AddWatch("/q", w1, AddWatchPersistent)
	r.tr.AddWatch("/", w1, AddWatchPersistentRecursive)
	r.tr.GetData("/p", nil, w2)
	r.tr.RemoveWatcher(w1)
	assert.Equal(t, 1, r.tr.WatchCount(), "only w2's watch is left")
	assert.Zero(t, r.tr.dataWatch.recursive)
	assert.Zero(t, r.tr.childWatch.recursive)
	res := r.setData(t, "/p")
	assert.Equal(t, []WatchEvent{ev(w2, EventNodeDataChanged, "/p", r.zxid)}, stripACL(res.Events))
	assert.Empty(t, r.ok(t, OpCreate, 0, txCreate("/missing", "")).Events)
	assert.Empty(t, r.setData(t, "/q").Events)
	r.tr.RemoveWatcher(w1) // again: nothing to do
	r.tr.RemoveWatcher(77)
}

func TestCheckAndRemoveWatches(t *testing.T) {
	type step struct {
		check, remove WatcherType
		wantCheck     Code
		wantRemove    Code
	}
	cases := []struct {
		name  string
		setup func(tr *Tree)
		path  string
		steps []step
	}{
		{name: "data watch", setup: func(tr *Tree) { tr.GetData("/p", nil, w1) }, path: "/p", steps: []step{
			{check: WatcherChildren, wantCheck: NoWatcher, remove: WatcherChildren, wantRemove: NoWatcher},
			{check: WatcherData, wantCheck: OK, remove: WatcherData, wantRemove: OK},
			{check: WatcherData, wantCheck: NoWatcher, remove: WatcherData, wantRemove: NoWatcher},
			{check: WatcherAny, wantCheck: NoWatcher, remove: WatcherAny, wantRemove: NoWatcher},
		}},
		{name: "child watch", setup: func(tr *Tree) { tr.GetChildren("/p", nil, w1) }, path: "/p", steps: []step{
			{check: WatcherData, wantCheck: NoWatcher, remove: WatcherData, wantRemove: NoWatcher},
			{check: WatcherAny, wantCheck: OK, remove: WatcherAny, wantRemove: OK},
			{check: WatcherChildren, wantCheck: NoWatcher, remove: WatcherChildren, wantRemove: NoWatcher},
		}},
		{name: "exists watch on a missing node", setup: func(tr *Tree) { tr.Exists("/nope", w1) }, path: "/nope", steps: []step{
			{check: WatcherData, wantCheck: OK, remove: WatcherChildren, wantRemove: NoWatcher},
			{check: WatcherData, wantCheck: OK, remove: WatcherData, wantRemove: OK},
		}},
		{name: "persistent watch is in both tables", setup: func(tr *Tree) { tr.AddWatch("/p", w1, AddWatchPersistent) }, path: "/p", steps: []step{
			{check: WatcherChildren, wantCheck: OK, remove: WatcherChildren, wantRemove: OK},
			{check: WatcherChildren, wantCheck: NoWatcher, remove: WatcherData, wantRemove: OK},
			{check: WatcherAny, wantCheck: NoWatcher, remove: WatcherAny, wantRemove: NoWatcher},
		}},
		{name: "recursive watch does not cover a descendant", setup: func(tr *Tree) { tr.AddWatch("/p", w1, AddWatchPersistentRecursive) }, path: "/p/a", steps: []step{
			{check: WatcherAny, wantCheck: NoWatcher, remove: WatcherAny, wantRemove: NoWatcher},
		}},
		// WatchManager.containsWatcher: "at the leaf node, all watcher
		// types match" — it asks whether anyone watches the path, not w.
		{name: "another watcher's watch answers checkWatches", setup: func(tr *Tree) { tr.GetData("/p", nil, w2) }, path: "/p", steps: []step{
			{check: WatcherData, wantCheck: OK, remove: WatcherData, wantRemove: NoWatcher},
			{check: WatcherChildren, wantCheck: NoWatcher, remove: WatcherAny, wantRemove: NoWatcher},
		}},
		// WatcherType.fromInt throws; FinalRequestProcessor's catch-all
		// answers MARSHALLINGERROR.
		{name: "unknown watcher type", setup: func(tr *Tree) { tr.GetData("/p", nil, w1) }, path: "/p", steps: []step{
			{check: WatcherType(0), wantCheck: MarshallingError, remove: WatcherType(4), wantRemove: MarshallingError},
			{check: WatcherData, wantCheck: OK, remove: WatcherData, wantRemove: OK},
		}},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			r := watchRunner(t)
			tt.setup(r.tr)
			for i, s := range tt.steps {
				assert.Equal(t, s.wantCheck, r.tr.CheckWatches(tt.path, w1, s.check), "step %d check %v", i, s.check)
				code, events := r.tr.RemoveWatches(tt.path, w1, s.remove, false)
				assert.Equal(t, s.wantRemove, code, "step %d remove %v", i, s.remove)
				assert.Empty(t, events, "the server sends nothing for removeWatches")
			}
		})
	}
}

func TestRemoveWatchesStopsEvents(t *testing.T) {
	r := watchRunner(t)
	r.tr.GetData("/p", nil, w1)
	r.tr.GetChildren("/p", nil, w1)
	code, _ := r.tr.RemoveWatches("/p", w1, WatcherData, true)
	require.Equal(t, OK, code)
	assert.Empty(t, r.setData(t, "/p").Events)
	res := r.ok(t, OpCreate, 0, txCreate("/p/a", ""))
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeChildrenChanged, "/p", r.zxid)}, stripACL(res.Events))
}

func TestSetWatches(t *testing.T) {
	r := newTxnRunner()
	r.ok(t, OpCreate, 0, txCreate("/old", ""))     // mzxid, pzxid <= rel
	r.ok(t, OpCreate, 0, txCreate("/kids", ""))    // pzxid moves after rel
	r.ok(t, OpCreate, 0, txCreate("/changed", "")) // mzxid moves after rel
	rel := r.zxid
	r.ok(t, OpCreate, 0, txCreate("/kids/a", ""))
	r.setData(t, "/changed")
	r.ok(t, OpCreate, 0, txCreate("/born", ""))

	events := r.tr.SetWatches(rel, SetWatchesRequest{
		RelativeZxid:               rel,
		DataWatches:                []string{"/old", "/changed", "/gone", "/kids"},
		ExistWatches:               []string{"/born", "/notyet"},
		ChildWatches:               []string{"/kids", "/old", "/gone"},
		PersistentWatches:          []string{"/old"},
		PersistentRecursiveWatches: []string{"/kids"},
	}, w1)
	assert.Equal(t, []WatchEvent{
		{Watcher: w1, Type: EventNodeDataChanged, Path: "/changed"}, // mzxid > rel
		{Watcher: w1, Type: EventNodeDeleted, Path: "/gone"},
		{Watcher: w1, Type: EventNodeCreated, Path: "/born"},
		{Watcher: w1, Type: EventNodeChildrenChanged, Path: "/kids"}, // pzxid > rel
		{Watcher: w1, Type: EventNodeDeleted, Path: "/gone"},
	}, events, "missed events, in request order, with no zxid")
	// Armed: data table /old, /kids, /notyet; child table /old; then
	// persistent /old replaces the standard ones in both tables and
	// recursive /kids replaces the data one and adds a child one.
	assert.Equal(t, 3+2, r.tr.WatchCount())
	assert.Equal(t, OK, r.tr.CheckWatches("/notyet", w1, WatcherData))

	res := r.ok(t, OpCreate, 0, txCreate("/notyet", ""))
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeCreated, "/notyet", r.zxid)}, stripACL(res.Events))
	for range 2 {
		res = r.setData(t, "/old")
		assert.Equal(t, []WatchEvent{ev(w1, EventNodeDataChanged, "/old", r.zxid)}, stripACL(res.Events), "persistent replaced the standard one")
	}
	res = r.ok(t, OpCreate, 0, txCreate("/kids/b", ""))
	assert.Equal(t, []WatchEvent{ev(w1, EventNodeCreated, "/kids/b", r.zxid)}, stripACL(res.Events), "recursive")
}

func TestSetWatchesBoundary(t *testing.T) {
	r := newTxnRunner()
	r.ok(t, OpCreate, 0, txCreate("/a", ""))
	// mzxid == rel and pzxid == rel: nothing missed.
	events := r.tr.SetWatches(r.zxid, SetWatchesRequest{DataWatches: []string{"/a"}, ChildWatches: []string{"/a"}}, w1)
	assert.Empty(t, events)
	assert.Equal(t, 2, r.tr.WatchCount())
	events = r.tr.SetWatches(r.zxid-1, SetWatchesRequest{DataWatches: []string{"/a"}, ChildWatches: []string{"/a"}}, w2)
	assert.Equal(t, []WatchEvent{
		{Watcher: w2, Type: EventNodeDataChanged, Path: "/a"},
		{Watcher: w2, Type: EventNodeChildrenChanged, Path: "/a"},
	}, events)
	assert.Equal(t, 2, r.tr.WatchCount(), "answered watches are not armed")
}

// TestReadsACL: FinalRequestProcessor looks the node up (NoNode), then
// checks the ACL (NoAuth), and only then reads and leaves the watch.
func TestReadsACL(t *testing.T) {
	r := newTxnRunner()
	r.ok(t, OpCreate, 0, CreateTxn{Path: "/secret", Data: []byte("s"), ACL: noRead, ParentCVersion: -1})
	r.ok(t, OpCreate, 0, CreateTxn{Path: "/secret/kid", ACL: OpenACLUnsafe, ParentCVersion: -1})
	r.ok(t, OpCreate, 0, CreateTxn{Path: "/mine", Data: []byte("m"), ACL: aliceAll, ParentCVersion: -1})

	_, _, code := r.tr.GetData("/none", nil, w1)
	assert.Equal(t, NoNode, code)
	_, _, code = r.tr.GetChildren("/none", nil, w1)
	assert.Equal(t, NoNode, code)
	assert.Zero(t, r.tr.WatchCount(), "no watch on NoNode for getData/getChildren")

	data, st, code := r.tr.GetData("/secret", authOf(sessAlice), w1)
	assert.Equal(t, NoAuth, code)
	assert.Nil(t, data)
	assert.Equal(t, Stat{}, st)
	kids, _, code := r.tr.GetChildren("/secret", authOf(sessAlice), w1)
	assert.Equal(t, NoAuth, code)
	assert.Nil(t, kids)
	assert.Zero(t, r.tr.WatchCount(), "no watch on NoAuth")

	_, _, code = r.tr.GetData("/mine", authOf(sessBob), w1)
	assert.Equal(t, NoAuth, code, "another user's digest")
	data, _, code = r.tr.GetData("/mine", authOf(sessAlice), w1)
	assert.Equal(t, OK, code)
	assert.Equal(t, "m", string(data))
	data, _, code = r.tr.GetData("/secret", []ID{{Scheme: "super", ID: "admin"}}, 0)
	assert.Equal(t, OK, code, "super passes every ACL")
	assert.Equal(t, "s", string(data))
	assert.Equal(t, 1, r.tr.WatchCount())

	n, code := r.tr.AllChildrenNumber("/secret", nil)
	assert.Equal(t, NoAuth, code)
	assert.Zero(t, n)
	n, code = r.tr.AllChildrenNumber("/secret", []ID{{Scheme: "super"}})
	assert.Equal(t, OK, code)
	assert.Equal(t, 1, n)
	_, code = r.tr.AllChildrenNumber("/none", nil)
	assert.Equal(t, NoNode, code)
	n, _ = r.tr.AllChildrenNumber("/", nil)
	assert.Equal(t, r.tr.Size()-1, n, "getAllChildrenNumber(\"/\"): nodes.size() - 2 (\"\" and \"/\")")
	n, _ = r.tr.AllChildrenNumber("/zookeeper", nil)
	assert.Equal(t, 2, n)
}

func TestGetACL(t *testing.T) {
	r := newTxnRunner()
	mixed := []ACL{{Perms: PermRead, ID: AnyoneID}, {Perms: PermAll, ID: aliceID}, {Perms: PermRead, ID: ipID}}
	r.ok(t, OpCreate, 0, CreateTxn{Path: "/m", ACL: mixed, ParentCVersion: -1})
	r.ok(t, OpCreate, 0, CreateTxn{Path: "/admin", ACL: []ACL{{Perms: PermAdmin, ID: aliceID}}, ParentCVersion: -1})
	r.ok(t, OpSetACL, 0, SetACLTxn{Path: "/m", ACL: mixed, Version: 3})

	acl, st, code := r.tr.GetACL("/m", authOf(sessBob))
	require.Equal(t, OK, code, "READ suffices")
	assert.Equal(t, []ACL{{Perms: PermRead, ID: AnyoneID}, {Perms: PermAll, ID: ID{Scheme: "digest", ID: "alice:x"}}, {Perms: PermRead, ID: ipID}}, acl,
		"without ADMIN digest ids are masked")
	assert.Equal(t, int32(3), st.Aversion)
	_, stored, _ := r.tr.Lookup("/m")
	assert.Equal(t, mixed, stored, "the tree's ACL is not touched")

	acl, _, code = r.tr.GetACL("/m", authOf(sessAlice))
	require.Equal(t, OK, code)
	assert.Equal(t, mixed, acl, "ADMIN sees the hashes")

	_, _, code = r.tr.GetACL("/admin", authOf(sessBob))
	assert.Equal(t, NoAuth, code)
	acl, _, code = r.tr.GetACL("/admin", authOf(sessAlice))
	assert.Equal(t, OK, code, "ADMIN alone suffices")
	assert.Equal(t, aliceID.ID, acl[0].ID.ID)
	_, _, code = r.tr.GetACL("/none", nil)
	assert.Equal(t, NoNode, code)
}

// TestMaskDigest pins id.replaceAll(":.*", ":x").
func TestMaskDigest(t *testing.T) {
	for in, want := range map[string]string{
		"alice:hash=":  "alice:x",
		"a:b:c":        "a:x",
		"nocolon":      "nocolon",
		":":            ":x",
		"a:b\nc:d":     "a:x\nc:x",
		"a:\u2028b":    "a:x\u2028b",
		"u\xff:\xfe":   "u\xff:x",
		"":             "",
		"name:\r\n:zz": "name:x\r\n:x",
	} {
		assert.Equal(t, want, maskDigest(in), "%q", in)
	}
}

func TestGetEphemerals(t *testing.T) {
	r := newTxnRunner()
	r.ok(t, OpCreate, 0, txCreate("/p", ""))
	r.ok(t, OpCreate, sessAlice, txEphemeral("/p/e"))
	r.ok(t, OpCreate, sessAlice, txEphemeral("/pq"))
	r.ok(t, OpCreate, sessAlice, txEphemeral("/z"))
	r.ok(t, OpCreate, sessBob, txEphemeral("/p/b"))
	all := []string{"/p/e", "/pq", "/z"}
	for prefix, want := range map[string][]string{
		"":      all,
		"/":     all,
		" / \t": all, // trimmed
		"\x01/": all, // Java's trim strips every char <= ' '
		"/p":    {"/p/e", "/pq"},
		"/p/":   {"/p/e"},
		" /p":   nil, // startsWith uses the untrimmed prefix
		"/x":    nil,
	} {
		got := r.tr.GetEphemerals(sessAlice, prefix)
		if want == nil {
			assert.Empty(t, got, "%q", prefix)
			continue
		}
		assert.Equal(t, want, got, "%q", prefix)
	}
	assert.Empty(t, r.tr.GetEphemerals(sessAnon, ""))
}

var superIDs = []ID{{Scheme: "super", ID: "admin"}}

// TestWatchEventACL: each event carries the znodeAcl DataTree passes to
// ServerCnxn.process — createNode: the txn's ACL, then parentAcl;
// setData: the node's; deleteNode: the node's (both tables), then
// parentAcl — for the server to filter by READ (branch-3.8, 3.8.4+).
func TestWatchEventACL(t *testing.T) {
	r := newTxnRunner()
	r.ok(t, OpCreate, 0, CreateTxn{Path: "/p", ACL: noRead, ParentCVersion: -1})
	r.tr.Exists("/p/a", w1)
	r.tr.GetChildren("/p", superIDs, w2) // /p is not readable by others
	r.tr.AddWatch("/", w3, AddWatchPersistentRecursive)
	res := r.ok(t, OpCreate, 0, CreateTxn{Path: "/p/a", ACL: aliceAll, ParentCVersion: -1})
	assert.Equal(t, []WatchEvent{
		{Watcher: w1, Type: EventNodeCreated, Path: "/p/a", Zxid: r.zxid, ACL: aliceAll},
		{Watcher: w3, Type: EventNodeCreated, Path: "/p/a", Zxid: r.zxid, ACL: aliceAll},
		{Watcher: w2, Type: EventNodeChildrenChanged, Path: "/p", Zxid: r.zxid, ACL: noRead},
	}, res.Events)

	r.ok(t, OpSetACL, 0, SetACLTxn{Path: "/p/a", ACL: ReadACLUnsafe, Version: 1})
	r.tr.GetData("/p/a", nil, w1)
	res = r.ok(t, OpSetData, 0, SetDataTxn{Path: "/p/a", Version: 1})
	assert.Equal(t, []WatchEvent{
		{Watcher: w1, Type: EventNodeDataChanged, Path: "/p/a", Zxid: r.zxid, ACL: ReadACLUnsafe},
		{Watcher: w3, Type: EventNodeDataChanged, Path: "/p/a", Zxid: r.zxid, ACL: ReadACLUnsafe},
	}, res.Events, "the node's ACL as it is now")

	r.tr.GetData("/p/a", nil, w1)
	r.tr.GetChildren("/p/a", nil, w2)
	r.tr.GetChildren("/p", superIDs, w2) // /p is not readable by others
	res = r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p/a"})
	assert.Equal(t, []WatchEvent{
		{Watcher: w1, Type: EventNodeDeleted, Path: "/p/a", Zxid: r.zxid, ACL: ReadACLUnsafe},
		{Watcher: w3, Type: EventNodeDeleted, Path: "/p/a", Zxid: r.zxid, ACL: ReadACLUnsafe},
		{Watcher: w2, Type: EventNodeDeleted, Path: "/p/a", Zxid: r.zxid, ACL: ReadACLUnsafe},
		{Watcher: w2, Type: EventNodeChildrenChanged, Path: "/p", Zxid: r.zxid, ACL: noRead},
	}, res.Events)

	events := r.tr.SetWatches(0, SetWatchesRequest{DataWatches: []string{"/p/a"}}, w1)
	assert.Equal(t, []WatchEvent{{Watcher: w1, Type: EventNodeDeleted, Path: "/p/a"}}, events,
		"setWatches calls process(event): no ACL, never filtered")
}
