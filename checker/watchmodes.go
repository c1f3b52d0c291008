package checker

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// The watches a session holds, as the checker follows them. A standard
// watch is followed by the ways it may fire next (its modes): the first
// txnChange after the zxid the server armed it at, or, right after a
// reconnect, whatever setWatches answers for the zxid the new server is
// at, which the client does not see. Replies and events rule modes out; a
// watch left with none was not notified when it had to be, and is
// reported when it fires late (before-data) or never (lost).

// watchTable is one of DataTree's two watch managers.
type watchTable uint8

const (
	tData  watchTable = iota // dataWatches: getData's and exists' watches
	tChild                   // childWatches: getChildren's
)

type stdKey struct {
	path string
	tbl  watchTable
}

// noChange is the trigger of a watch no committed change fires.
const noChange = zab.Zxid(math.MaxInt64)

// watchMode is one way a standard watch may fire next.
type watchMode struct {
	synth bool           // setWatches answers it at once, with no zxid
	typ   tree.EventType // the event it fires with
	n     zab.Zxid       // the change that fires it (noChange: none committed)
	s     zab.Zxid       // the zxid the server armed it at
}

func (m watchMode) describe() string {
	switch {
	case m.synth:
		return fmt.Sprintf("setWatches' %s", m.typ)
	case m.n == noChange:
		return "no committed change"
	}
	return fmt.Sprintf("%s at %s", m.typ, m.n)
}

// refutation is a mode a reply or an event ruled out.
type refutation struct {
	watchMode
	guarantee error // ErrWatchBeforeData (a reply) or ErrWatchOrder (an event)
	why       string
}

// stdWatch is a standard watch of the session on one path and table: the
// client's watchers there, which one event uses up together.
type stdWatch struct {
	key         stdKey
	data, exist bool       // the client holds data (or exist) watches: setWatches sends both lists
	by          *client.Op // the op that set it first
	modes       []watchMode
	refuted     []refutation
	// guilty: every mode was ruled out, so a notification was missed.
	// Invariant: guilty implies refuted is not empty.
	guilty  bool
	overdue string // a reply came long after its change committed, without it
	// muted: the server holds it in another mode, which may never fire
	// it: in 3.8 addWatch(PERSISTENT_RECURSIVE) on the path puts the
	// connection's child watch there in recursive mode, which hears no
	// NodeChildrenChanged (WatcherModeManager; ZOOKEEPER-4466 fixed it in
	// 3.9). Nothing is required of it.
	muted bool
}

func (w *stdWatch) refute(m watchMode, g error, why string) {
	w.refuted = append(w.refuted, refutation{m, g, why})
}

// firesTable reports whether a change of typ on a watched path fires a watch of
// the table (WatchManager.triggerWatch as DataTree calls it).
func firesTable(tbl watchTable, typ tree.EventType) bool {
	switch typ {
	case tree.EventNodeCreated, tree.EventNodeDataChanged:
		return tbl == tData
	case tree.EventNodeChildrenChanged:
		return tbl == tChild
	case tree.EventNodeDeleted:
		return true
	}
	return false
}

// next is the first change on path after zxid z that fires a watch of tbl.
func (ix *changeIndex) next(path string, tbl watchTable, z zab.Zxid) (zab.Zxid, tree.EventType) {
	for _, i := range ix.onPathFrom(path, z) {
		if c := ix.all[i]; firesTable(tbl, c.typ) {
			return c.zxid, c.typ
		}
	}
	return noChange, 0
}

// register: a read answered at zxid R left a watch, which the server
// armed at R. One already there is the same server-side watch.
func (r *sessionRun) register(op *client.Op, tbl watchTable, exist bool) {
	key := stdKey{op.Path, tbl}
	w := r.std[key]
	if w == nil || w.muted {
		// A muted watch is set in standard mode again: it fires as new.
		w = &stdWatch{key: key, by: op}
		n, typ := r.wc.ix.next(op.Path, tbl, op.Zxid)
		w.modes = []watchMode{{typ: typ, n: n, s: op.Zxid}}
		r.std[key] = w
	}
	if exist {
		w.exist = true
	} else if tbl == tData {
		w.data = true
	}
	r.taint(op.Path) // in 3.8 it turns a persistent watch on the path one-shot
}

// pruneByReply: a reply at zxid L rules out every mode whose change is at
// or before L (its event would have come first), and setWatches' answers
// (they come before any later reply).
func (r *sessionRun) pruneByReply(w *stdWatch, op *client.Op, why string) {
	if w.guilty || w.muted {
		return
	}
	live := w.modes[:0:0]
	overdue := r.wc.grace > 0
	for _, m := range w.modes {
		switch {
		case m.synth:
			w.refute(m, ErrWatchBeforeData, why)
		case m.s > op.Zxid:
			// armed past the reply's zxid: not what happened
		case m.n <= op.Zxid:
			w.refute(m, ErrWatchBeforeData, why)
		default:
			live = append(live, m)
			at, ok := r.wc.ix.commitAt[m.n]
			overdue = overdue && ok && op.Return >= at+r.wc.grace
		}
	}
	r.settle(w, live)
	if !w.guilty && overdue && len(live) > 0 && w.overdue == "" {
		m := live[0]
		w.overdue = fmt.Sprintf("%s committed at %d, and %s without it", m.describe(), r.wc.ix.commitAt[m.n], why)
	}
}

// pruneByEvent: an event at zxid T on this connection rules out modes
// whose change is before T, setWatches' answers (they come first), and
// modes armed at or after T (T was applied before them).
func (r *sessionRun) pruneByEvent(w *stdWatch, k int, e *client.Event) {
	if w.guilty || w.muted {
		return
	}
	why := describeEvent(k, e) + " came first"
	live := w.modes[:0:0]
	for _, m := range w.modes {
		switch {
		case m.synth:
			w.refute(m, ErrWatchOrder, why)
		case m.s >= e.Trigger:
			// armed past the event's zxid: not what happened
		case m.n < e.Trigger:
			w.refute(m, ErrWatchOrder, why)
		default:
			live = append(live, m)
		}
	}
	r.settle(w, live)
}

// settle keeps the modes left; a watch with none left is guilty.
func (r *sessionRun) settle(w *stdWatch, live []watchMode) {
	if len(live) == 0 && len(w.refuted) > 0 {
		w.guilty = true
		return
	}
	if len(live) > 0 {
		w.modes = live
	}
}

// judge: the event used up w. It reports whether w accounts for it.
func (r *sessionRun) judge(w *stdWatch, k int, e *client.Event) bool {
	match := func(m watchMode) bool {
		if e.Trigger == zab.NoZxid {
			return m.synth && m.typ == e.Type
		}
		return !m.synth && m.n == e.Trigger && m.typ == e.Type
	}
	if w.muted {
		return true
	}
	if !w.guilty {
		for _, m := range w.modes {
			if match(m) {
				return true
			}
		}
	}
	for _, rf := range w.refuted {
		if !match(rf.watchMode) {
			continue
		}
		switch {
		case rf.guarantee == ErrWatchBeforeData:
			r.wc.report(ErrWatchBeforeData, evWhere(k, e), "%s is the watch set by %s firing for %s, but %s before it",
				describeEvent(k, e), w.by, rf.describe(), rf.why)
		case e.Trigger == zab.NoZxid:
			r.wc.report(ErrWatchOrder, evWhere(k, e), "%s is setWatches' answer for the watch set by %s, but %s",
				describeEvent(k, e), w.by, rf.why)
		} // a real event out of zxid order was reported by checkTrigger
		return true
	}
	if w.guilty {
		rf := w.refuted[0]
		r.wc.report(ErrWatchLost, opWhere(w.by), "the watch set by %s fires next for %s, but %s without it; then %s used it up",
			w.by, rf.describe(), rf.why, describeEvent(k, e))
		return true
	}
	r.wc.report(ErrWatchTrigger, evWhere(k, e), "%s used up the watch set by %s, which fires next for %s",
		describeEvent(k, e), w.by, describeModes(w.modes))
	return true
}

func describeModes(ms []watchMode) string {
	var parts []string
	for i, m := range ms {
		if i == 3 {
			parts = append(parts, fmt.Sprintf("%d more", len(ms)-i))
			break
		}
		parts = append(parts, m.describe())
	}
	return strings.Join(parts, " or ")
}

// reconnect: a new connection; the client sent setWatches with the last
// zxid it saw, and the server answered for its own zxid S, somewhere from
// rel to the first reply on the connection.
func (r *sessionRun) reconnect(e *client.Event) {
	r.rel = e.Zxid
	r.window = true
	r.lastT, r.lastEv = 0, -1
	r.seen = map[evKey]int{}
	r.resent = map[string]bool{}
	for k := range r.std {
		r.resent[k.path] = true
	}
	hi := noChange
	if it, ok := r.nextOnConn(func(it watchItem) bool { return it.op != nil && answered(it.op) && it.op.Zxid > 0 }); ok {
		hi = it.op.Zxid
	}
	why := fmt.Sprintf("the session had seen %s when it reconnected at %d", e.Zxid, e.At)
	for _, w := range r.stdWatches() {
		if w.guilty {
			continue
		}
		// setWatches re-adds child watches before recursive ones.
		w.muted = w.muted || w.key.tbl == tChild && r.pers[persKey{w.key.path, true}] != nil
		if w.muted {
			continue
		}
		var live []watchMode
		synth := false
		for _, m := range w.modes {
			switch {
			case m.synth:
				synth = true // lost with the connection: setWatches asks again
			case m.n <= r.rel:
				w.refute(m, ErrWatchBeforeData, why)
			default:
				live = append(live, m)
			}
		}
		if len(live) == 0 && !synth && len(w.refuted) > 0 {
			w.guilty = true
			continue
		}
		w.modes = r.evaluate(w, r.rel, hi)
		w.overdue = ""
	}
	for _, pw := range r.pers {
		pw.known, pw.low, pw.clean = false, r.rel, true
	}
	for k, pw := range r.pers {
		if r.pers[persKey{k.path, !k.recursive}] != nil {
			pw.clean = false // one (watcher, path) has one mode: the last re-added wins
		}
	}
}

// evaluate is DataTree.setWatches for w at every zxid S the server may
// have been at, from rel to hi: what it answers at once, or the change
// that fires the watch it re-arms.
func (r *sessionRun) evaluate(w *stdWatch, rel, hi zab.Zxid) []watchMode {
	ix := r.wc.ix
	p := w.key.path
	l := ix.byPath[p]
	exists := existsInitially(p)
	k := 0
	for ; k < len(l) && ix.all[l[k]].zxid <= rel; k++ {
		exists = applyExists(exists, ix.all[l[k]].typ)
	}
	modified, kids := false, false // mzxid > rel, pzxid > rel
	var out []watchMode
	add := func(m watchMode) {
		for _, x := range out {
			if x.synth == m.synth && x.typ == m.typ && x.n == m.n {
				return
			}
		}
		out = append(out, m)
	}
	at := func(s zab.Zxid) {
		synth := setWatchesAnswer(w, exists, modified, kids)
		if synth != 0 {
			add(watchMode{synth: true, typ: synth, s: s})
			return
		}
		n, typ := ix.next(p, w.key.tbl, s)
		add(watchMode{typ: typ, n: n, s: s})
	}
	at(rel)
	for k < len(l) {
		z := ix.all[l[k]].zxid
		if z > hi {
			break
		}
		for ; k < len(l) && ix.all[l[k]].zxid == z; k++ {
			switch c := ix.all[l[k]]; c.typ {
			case tree.EventNodeCreated:
				exists, modified, kids = true, true, true
			case tree.EventNodeDeleted:
				exists = false
			case tree.EventNodeDataChanged:
				modified = true
			case tree.EventNodeChildrenChanged:
				kids = true
			}
		}
		at(z)
	}
	return out
}

func applyExists(exists bool, typ tree.EventType) bool {
	switch typ {
	case tree.EventNodeCreated:
		return true
	case tree.EventNodeDeleted:
		return false
	}
	return exists
}

// setWatchesAnswer is what DataTree.setWatches answers at once for w (0:
// nothing, it re-arms the watch), given whether the node exists and
// whether its mzxid and pzxid are past the client's relative zxid. The
// data list goes first, then the exist list; an event uses up all of the
// client's watchers it reaches.
func setWatchesAnswer(w *stdWatch, exists, modified, kids bool) tree.EventType {
	switch {
	case w.key.tbl == tChild && !exists:
		return tree.EventNodeDeleted
	case w.key.tbl == tChild && kids:
		return tree.EventNodeChildrenChanged
	case w.key.tbl == tChild:
		return 0
	case w.data && !exists:
		return tree.EventNodeDeleted
	case w.data && modified:
		return tree.EventNodeDataChanged
	case exists && (w.exist || !w.data):
		return tree.EventNodeCreated
	}
	return 0
}

// persKey names a persistent watch: its path and whether it is recursive.
type persKey struct {
	path      string
	recursive bool
}

// persWatch is a persistent watch (addWatch). While its connection's
// server holds it in its mode (clean), every change it hears after
// checked must be notified before the next reply.
type persWatch struct {
	key     persKey
	by      *client.Op
	known   bool     // the zxid it is armed at is known: after a reconnect, only from the first reply
	low     zab.Zxid // the zxid below which it hears nothing
	checked zab.Zxid // its changes up to here were notified
	clean   bool
}

func (r *sessionRun) addPersistent(op *client.Op) {
	key := persKey{op.Path, op.WatchMode == tree.AddWatchPersistentRecursive}
	r.taint(op.Path) // a watch of the other mode on the path is replaced
	if w := r.std[stdKey{op.Path, tChild}]; w != nil && key.recursive {
		w.muted = true
	}
	pw := r.pers[key]
	if pw == nil {
		r.pers[key] = &persWatch{key: key, by: op, known: true, low: op.Zxid, checked: op.Zxid, clean: true}
		return
	}
	pw.known, pw.clean, pw.checked = true, true, max(pw.checked, op.Zxid)
}

// taint: an op on path may have changed the mode the server holds a
// persistent watch there in (a standard watch set over it, removeWatches),
// so its changes are not required until the next reconnect re-adds it.
func (r *sessionRun) taint(path string) {
	for _, rec := range []bool{false, true} {
		if pw := r.pers[persKey{path, rec}]; pw != nil {
			pw.clean = false
		}
	}
}

func (r *sessionRun) persWatches() []*persWatch {
	out := make([]*persWatch, 0, len(r.pers))
	for _, pw := range r.pers {
		out = append(out, pw)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].key, out[j].key
		return a.path < b.path || a.path == b.path && !a.recursive && b.recursive
	})
	return out
}

// heard lists the changes a persistent watch hears, in order.
func (r *sessionRun) heard(pw *persWatch) []int {
	if pw.key.recursive {
		return r.wc.ix.below(pw.key.path)
	}
	return r.wc.ix.byPath[pw.key.path]
}

// checkPersistent: a reply at zxid L; a clean persistent watch must have
// heard every change of its up to L.
func (r *sessionRun) checkPersistent(op *client.Op) {
	ix := r.wc.ix
	for _, pw := range r.persWatches() {
		if !pw.known || !pw.clean {
			pw.known = true
			pw.checked = max(pw.checked, op.Zxid)
			continue
		}
		l := r.heard(pw)
		k := sort.Search(len(l), func(k int) bool { return ix.all[l[k]].zxid > pw.checked })
		for ; k < len(l) && ix.all[l[k]].zxid <= op.Zxid; k++ {
			c := ix.all[l[k]]
			key := evKey{c.zxid, c.typ, c.path}
			if r.seen[key] > 0 {
				continue
			}
			r.missedPersistent(pw, c, key, op)
			pw.clean = false // one finding per watch and connection
			break
		}
		pw.checked = max(pw.checked, op.Zxid)
	}
}

func (r *sessionRun) missedPersistent(pw *persWatch, c txnChange, key evKey, op *client.Op) {
	later, ok := r.nextOnConn(func(it watchItem) bool {
		if it.op != nil {
			return false
		}
		e := &r.wc.h.Events[it.ev]
		return evKey{e.Trigger, e.Type, e.Path} == key
	})
	if ok {
		e := &r.wc.h.Events[later.ev]
		r.wc.report(ErrWatchBeforeData, evWhere(later.ev, e), "%s is the persistent watch set by %s hearing %s %s at %s, but op #%d answered at %s at %d before it",
			describeEvent(later.ev, e), pw.by, c.typ, c.path, c.zxid, op.Index, op.Zxid, op.Return)
		return
	}
	r.wc.report(ErrWatchLost, opWhere(pw.by), "the persistent watch set by %s never heard %s %s at %s, though op #%d answered at %s at %d on the same connection",
		pw.by, c.typ, c.path, c.zxid, op.Index, op.Zxid, op.Return)
}

// persistentHears reports whether a persistent watch of the session hears
// the event, from a change after it was armed.
func (r *sessionRun) persistentHears(e *client.Event) bool {
	// setWatches answers no persistent watch at once, but what it answers
	// for a standard watch reaches the persistent ones on the path too:
	// when the data list's answer used up the standard watchers, the
	// child list's answer reaches only those.
	if e.Trigger == zab.NoZxid && !(r.window && r.resent[e.Path]) {
		return false
	}
	for _, pw := range r.persWatches() {
		hears := pw.key.path == e.Path
		if pw.key.recursive {
			// NB: a 3.8 client also hands NodeChildrenChanged to recursive
			// watchers (ZOOKEEPER-4475), when another watch made the server send it.
			hears = underPath(e.Path, pw.key.path)
		}
		if hears && (e.Trigger > pw.low || e.Trigger <= 0) {
			return true
		}
	}
	return false
}
