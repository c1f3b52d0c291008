package checker

import (
	"errors"
	"fmt"
	"sort"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// What ZooKeeper promises for watches (the Programmer's Guide, "ZooKeeper
// Watches"; DataTree, WatchManager, ServerCnxn.process, ClientCnxn): a
// standard watch is one-shot and fires for the first committed change
// after the read that set it, with the type DataTree fires; the events of
// a connection come in the zxid order of their changes; a client sees the
// event before any reply that shows the change; and a watch is not lost
// while its session lives: setWatches on a reconnect re-arms it, or
// answers at once for a change made while the client was away.
//
// What ZooKeeper does not promise, and the checker allows: a watch ends
// with its session (expiry or close) and with removeWatches; an exist
// watch misses a node created and deleted while the client was away (the
// Programmer's Guide says so); a data watch on a node deleted and created
// again while away hears NodeDataChanged, not NodeDeleted; persistent
// watches are re-added on a reconnect without catching up, so they may
// miss changes made while away and hear again changes the client had
// heard (notifications do not move lastZxidSeen, so the new server may be
// behind them); across a reconnect events may go back in zxid order for
// the same reason; and in 3.8 a standard watch set over a persistent one
// on the same path makes it one-shot (WatcherModeManager), as does a
// removeWatches of its type. A watch set by an op whose outcome is
// unknown may or may not exist. The run ending before an event arrives is
// no loss: a watch is judged only against replies that came after its
// change (which show the server had applied it), or that came grace after
// it committed.
//
// The checker needs each notification's trigger zxid (Event.Trigger: the
// header zxid 3.9 servers send, ZOOKEEPER-4655) and the order of replies
// and events (Op.Seq, Event.Seq). It does not model ACLs: branch-3.8's
// ZOOKEEPER-4799 drops events the watcher may not read, which zabsim does
// not do.
var (
	ErrWatchOnce       = errors.New("a standard watch fires at most once per registration, and a change is notified at most once per connection")
	ErrWatchTrigger    = errors.New("a watch fires for the first committed change after the read that set it, with that change's event type")
	ErrWatchOrder      = errors.New("a connection's watch events arrive in the zxid order of their changes")
	ErrWatchBeforeData = errors.New("a client sees a watch event before it sees the changed data")
	ErrWatchLost       = errors.New("a watch is not lost while its session lives: it fires once its change is committed, across reconnects too")
)

// Watches checks every session's watch events against the agreed commit
// sequence. grace bounds how long after a change committed a reply that
// does not show it may still come without its event (a lagging server);
// past it, a watch never notified is lost.
func Watches(h *client.History, recs []cluster.Record, grace int64) Verdict {
	wc := &watchChecker{h: h, ix: indexChanges(agreedLog(recs)), grace: grace, counts: map[error]int{}}
	for _, tl := range sessionTimelines(h) {
		r := newSessionRun(wc, tl)
		r.run()
	}
	wc.summarize()
	return wc.v
}

// watchChecker holds what every session's run shares.
type watchChecker struct {
	h      *client.History
	ix     *changeIndex
	grace  int64
	v      Verdict
	counts map[error]int // violations per guarantee, to cap the report
}

const watchReportMax = 5

func (wc *watchChecker) report(g error, where, format string, args ...any) {
	wc.counts[g]++
	if wc.counts[g] <= watchReportMax {
		wc.v.add(g, where, format, args...)
	}
}

func (wc *watchChecker) summarize() {
	for _, g := range []error{ErrWatchOnce, ErrWatchTrigger, ErrWatchOrder, ErrWatchBeforeData, ErrWatchLost} {
		if n := wc.counts[g]; n > watchReportMax {
			wc.v.add(g, fmt.Sprintf("%d findings", n), "and %d more", n-watchReportMax)
		}
	}
}

// watchItem is one thing a session saw: an op's result or an event.
type watchItem struct {
	seq int64
	at  int64
	op  *client.Op
	ev  int // index in History.Events when op is nil
}

// sessionTimeline is one session's results and events in the order they came.
type sessionTimeline struct {
	session zab.SessionID
	items   []watchItem
	unknown []*client.Op // watch-setting ops whose outcome is unknown
}

// sessionTimelines splits a history by session. Items are ordered by Seq; a
// history built without Seq (every Seq 0) is ordered by time.
func sessionTimelines(h *client.History) []*sessionTimeline {
	by := map[zab.SessionID]*sessionTimeline{}
	get := func(s zab.SessionID) *sessionTimeline {
		tl := by[s]
		if tl == nil {
			tl = &sessionTimeline{session: s}
			by[s] = tl
		}
		return tl
	}
	ops := h.Ops()
	for i := range ops {
		op := &ops[i]
		if op.Session == 0 || op.Outcome == client.Pending {
			continue
		}
		if op.Outcome == client.Unknown && op.Watch {
			get(op.Session).unknown = append(get(op.Session).unknown, op)
		}
		get(op.Session).items = append(get(op.Session).items, watchItem{seq: op.Seq, at: op.Return, op: op})
	}
	for i, e := range h.Events {
		if e.Session != 0 {
			get(e.Session).items = append(get(e.Session).items, watchItem{seq: e.Seq, at: e.At, ev: i})
		}
	}
	ids := make([]zab.SessionID, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	out := make([]*sessionTimeline, 0, len(ids))
	for _, id := range ids {
		tl := by[id]
		sort.SliceStable(tl.items, func(i, j int) bool {
			a, b := tl.items[i], tl.items[j]
			if a.seq != 0 && b.seq != 0 {
				return a.seq < b.seq
			}
			return a.at < b.at
		})
		out = append(out, tl)
	}
	return out
}

// evKey names a notification: the txn, the event type and the path.
type evKey struct {
	zxid zab.Zxid
	typ  tree.EventType
	path string
}

// sessionRun replays one session's timeline against its watches.
type sessionRun struct {
	wc   *watchChecker
	tl   *sessionTimeline
	pos  int
	std  map[stdKey]*stdWatch
	pers map[persKey]*persWatch

	rel    zab.Zxid        // lastZxidSeen at the last (re)connect
	window bool            // setWatches' own events may still come
	resent map[string]bool // paths setWatches named on this connection
	lastT  zab.Zxid        // the newest trigger on this connection
	lastEv int             // its event, -1 if none
	seen   map[evKey]int
	ever   map[evKey]bool
	ended  bool
}

func newSessionRun(wc *watchChecker, tl *sessionTimeline) *sessionRun {
	return &sessionRun{wc: wc, tl: tl, std: map[stdKey]*stdWatch{}, pers: map[persKey]*persWatch{},
		lastEv: -1, seen: map[evKey]int{}, ever: map[evKey]bool{}}
}

func (r *sessionRun) run() {
	for r.pos = 0; r.pos < len(r.tl.items) && !r.ended; r.pos++ {
		it := r.tl.items[r.pos]
		if it.op != nil {
			r.result(it.op)
			continue
		}
		e := &r.wc.h.Events[it.ev]
		switch e.Type {
		case tree.EventNone:
			r.sessionEvent(e)
		case tree.EventDataWatchRemoved, tree.EventChildWatchRemoved, tree.EventPersistentWatchRemoved:
			r.removed(it.ev, e)
		case tree.EventNodeCreated, tree.EventNodeDeleted, tree.EventNodeDataChanged, tree.EventNodeChildrenChanged:
			r.notified(it.ev, e)
		}
	}
	if !r.ended {
		r.end("the history ends")
	}
}

func (r *sessionRun) sessionEvent(e *client.Event) {
	switch e.State {
	case tree.StateSyncConnected:
		r.reconnect(e)
	case tree.StateExpired, tree.StateClosed, tree.StateAuthFailed:
		r.end(fmt.Sprintf("the session ended (%s)", e))
	}
}

// result handles an op's result: a reply shows the server's state up to
// its zxid, so every change up to it must have been notified first; a
// watch-setting op then leaves its watch.
func (r *sessionRun) result(op *client.Op) {
	if !answered(op) {
		if op.Type == tree.OpRemoveWatches || op.Watch {
			r.taint(op.Path)
		}
		return
	}
	if op.Zxid > 0 {
		r.replied(op)
	}
	switch op.Type {
	case tree.OpGetData, tree.OpGetChildren, tree.OpGetChildren2:
		if op.Watch && op.Err == tree.OK {
			r.register(op, tblFor(op.Type), false)
		}
	case tree.OpExists:
		if op.Watch && (op.Err == tree.OK || op.Err == tree.NoNode) {
			r.register(op, tData, op.Err == tree.NoNode)
		}
	case tree.OpAddWatch:
		if op.Err == tree.OK || op.Err == tree.NoNode {
			r.addPersistent(op)
		}
	case tree.OpRemoveWatches:
		r.taint(op.Path)
	}
}

func tblFor(t tree.OpCode) watchTable {
	if t == tree.OpGetChildren || t == tree.OpGetChildren2 {
		return tChild
	}
	return tData
}

// replied: a reply at zxid L came. Every change up to L that a watch of
// this connection was waiting for must have been notified before it, and
// setWatches' own events too.
func (r *sessionRun) replied(op *client.Op) {
	r.window = false
	why := fmt.Sprintf("op #%d answered at %s at %d", op.Index, op.Zxid, op.Return)
	for _, w := range r.stdWatches() {
		r.pruneByReply(w, op, why)
	}
	r.checkPersistent(op)
}

// notified handles a node event.
func (r *sessionRun) notified(k int, e *client.Event) {
	key := evKey{e.Trigger, e.Type, e.Path}
	dup := false
	if e.Trigger > 0 {
		dup = r.checkTrigger(k, e, key)
	}
	explained := false
	for _, w := range r.consume(e) {
		explained = r.judge(w, k, e) || explained
	}
	explained = explained || r.persistentHears(e) || r.maybeSet(e)
	switch {
	case explained || dup:
	case e.Trigger > 0 && r.ever[key]:
		r.wc.report(ErrWatchOnce, evWhere(k, e), "%s was already notified, and no watch of the session was waiting for it again", describeEvent(k, e))
	default:
		r.wc.report(ErrWatchTrigger, evWhere(k, e), "%s reached no watch the session had set", describeEvent(k, e))
	}
	r.ever[key] = true
	if e.Trigger > 0 {
		r.window = false
		for _, w := range r.stdWatches() {
			r.pruneByEvent(w, k, e)
		}
	}
}

// checkTrigger checks a notification against its txn and the connection's
// earlier ones; it reports whether it repeats one.
func (r *sessionRun) checkTrigger(k int, e *client.Event, key evKey) bool {
	ix := r.wc.ix
	if r.lastEv >= 0 && e.Trigger < r.lastT {
		r.wc.report(ErrWatchOrder, evWhere(k, e), "%s came after %s on the same connection",
			describeEvent(k, e), describeEvent(r.lastEv, &r.wc.h.Events[r.lastEv]))
	}
	if e.Trigger >= r.lastT {
		r.lastT, r.lastEv = e.Trigger, k
	}
	r.seen[key]++
	made := ix.count(e.Trigger, e.Type, e.Path)
	switch {
	case made == 0:
		r.wc.report(ErrWatchTrigger, evWhere(k, e), "%s, but the committed txn %s made no %s on %s", describeEvent(k, e), e.Trigger, e.Type, e.Path)
		return true
	case r.seen[key] > made:
		r.wc.report(ErrWatchOnce, evWhere(k, e), "%s is notification %d of that change on one connection; txn %s made it %d time(s)",
			describeEvent(k, e), r.seen[key], e.Trigger, made)
		return true
	}
	return false
}

// consume takes the standard watches the event uses up at the client
// (ZKWatchManager.materialize).
func (r *sessionRun) consume(e *client.Event) []*stdWatch {
	var tables []watchTable
	switch e.Type {
	case tree.EventNodeCreated, tree.EventNodeDataChanged:
		tables = []watchTable{tData}
	case tree.EventNodeChildrenChanged:
		tables = []watchTable{tChild}
	case tree.EventNodeDeleted:
		tables = []watchTable{tData, tChild}
	}
	var out []*stdWatch
	for _, t := range tables {
		k := stdKey{e.Path, t}
		if w := r.std[k]; w != nil {
			out = append(out, w)
			delete(r.std, k)
		}
	}
	return out
}

// removed handles the events the client makes when removeWatches takes
// its watches off: they end without firing.
func (r *sessionRun) removed(k int, e *client.Event) {
	var keys []stdKey
	switch e.Type {
	case tree.EventDataWatchRemoved:
		keys = []stdKey{{e.Path, tData}}
	case tree.EventChildWatchRemoved:
		keys = []stdKey{{e.Path, tChild}}
	case tree.EventPersistentWatchRemoved:
		delete(r.pers, persKey{e.Path, false})
		delete(r.pers, persKey{e.Path, true})
	}
	for _, key := range keys {
		if w := r.std[key]; w != nil {
			delete(r.std, key)
			r.endWatch(w, fmt.Sprintf("it was removed (%s)", describeEvent(k, e)))
		}
	}
}

// end: the session ended or the history did; watches that should have
// fired and never did are lost.
func (r *sessionRun) end(why string) {
	for _, w := range r.stdWatches() {
		r.endWatch(w, why)
	}
	r.std = map[stdKey]*stdWatch{}
	r.pers = map[persKey]*persWatch{}
	r.ended = true
}

func (r *sessionRun) endWatch(w *stdWatch, why string) {
	switch {
	case w.guilty:
		rf := w.refuted[0]
		r.wc.report(ErrWatchLost, opWhere(w.by), "the watch set by %s fires next for %s, but %s without it, and %s before it fired",
			w.by, rf.describe(), rf.why, why)
	case w.overdue != "":
		r.wc.report(ErrWatchLost, opWhere(w.by), "the watch set by %s was never notified: %s, and %s", w.by, w.overdue, why)
	}
}

// maybeSet: an op of the session whose outcome is unknown, in flight when
// the event came, may have left a watch that explains it.
func (r *sessionRun) maybeSet(e *client.Event) bool {
	for _, op := range r.tl.unknown {
		if op.Call > e.At || op.Return < e.At {
			continue
		}
		if op.Path == e.Path || (op.Type == tree.OpAddWatch && op.WatchMode == tree.AddWatchPersistentRecursive && underPath(e.Path, op.Path)) {
			return true
		}
	}
	return false
}

func (r *sessionRun) stdWatches() []*stdWatch {
	keys := make([]stdKey, 0, len(r.std))
	for k := range r.std {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].path < keys[j].path || keys[i].path == keys[j].path && keys[i].tbl < keys[j].tbl
	})
	out := make([]*stdWatch, len(keys))
	for i, k := range keys {
		out[i] = r.std[k]
	}
	return out
}

// nextOnConn finds the first item after the current one, before the next
// reconnect, that ok accepts.
func (r *sessionRun) nextOnConn(ok func(it watchItem) bool) (watchItem, bool) {
	for _, it := range r.tl.items[r.pos+1:] {
		if it.op == nil {
			e := &r.wc.h.Events[it.ev]
			if e.Type == tree.EventNone {
				break // the connection ended, or a new one began
			}
		}
		if ok(it) {
			return it, true
		}
	}
	return watchItem{}, false
}

func describeEvent(k int, e *client.Event) string {
	return fmt.Sprintf("event #%d (%s)", k, e)
}

func evWhere(k int, e *client.Event) string {
	return fmt.Sprintf("event #%d c%d at %d", k, e.Client, e.At)
}

func opWhere(op *client.Op) string {
	return fmt.Sprintf("op #%d c%d at %d", op.Index, op.Client, op.Return)
}

// underPath reports whether path is at or below root.
func underPath(path, root string) bool {
	if root == "/" || path == root {
		return true
	}
	return len(path) > len(root) && path[:len(root)] == root && path[len(root)] == '/'
}
