package client

import (
	"sort"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// Watcher receives watch events.
//
// NB: Java keeps watchers in sets, so one Watcher object registered twice on
// a path fires once. Go funcs cannot be compared: here every registration is
// its own, as if each call passed a new Watcher object.
type Watcher func(zab.WatcherEvent)

// watchTable is ZKWatchManager: the client's own record of its watches. It
// decides who hears an event and what setWatches re-registers.
type watchTable struct {
	data, exist, child    map[string][]Watcher
	persistent, recursive map[string][]Watcher
}

func (w *watchTable) init() {
	w.data = map[string][]Watcher{}
	w.exist = map[string][]Watcher{}
	w.child = map[string][]Watcher{}
	w.persistent = map[string][]Watcher{}
	w.recursive = map[string][]Watcher{}
}

func (w *watchTable) add(m map[string][]Watcher, path string, ws Watcher) {
	m[path] = append(m[path], ws)
}

// take removes and appends the watchers of path in m.
func take(m map[string][]Watcher, path string, into []Watcher) []Watcher {
	into = append(into, m[path]...)
	delete(m, path)
	return into
}

// materialize is ZKWatchManager.materialize for a node event: the one-shot
// watches it reaches are used up, persistent ones stay. Persistent-recursive
// watches on the path and its ancestors hear everything but
// NodeChildrenChanged (ZOOKEEPER-4475's fix; childToRecursive restores 3.8's
// behaviour).
func (w *watchTable) materialize(ev zab.WatcherEvent, childToRecursive bool) []Watcher {
	var out []Watcher
	p := ev.Path
	switch ev.Type {
	case tree.EventNodeDataChanged, tree.EventNodeCreated:
		out = take(w.data, p, out)
		out = take(w.exist, p, out)
	case tree.EventNodeChildrenChanged:
		out = take(w.child, p, out)
	case tree.EventNodeDeleted:
		out = take(w.data, p, out)
		out = take(w.exist, p, out) // "shouldn't happen", but Java does it
		out = take(w.child, p, out)
	default:
		return nil
	}
	out = append(out, w.persistent[p]...)
	if ev.Type == tree.EventNodeChildrenChanged && !childToRecursive {
		return out
	}
	for q := p; ; q = tree.ParentPath(q) { // PathParentIterator.forAll
		out = append(out, w.recursive[q]...)
		if q == "/" || q == "" {
			return out
		}
	}
}

// setWatches is what primeConnection re-registers: every watched path with
// the last zxid seen, as setWatches, or setWatches2 once persistent watches
// exist. NB: Java splits the lists into 128 KiB batches; one request here.
func (w *watchTable) setWatches(rel zab.Zxid) (*tree.SetWatchesRequest, tree.OpCode, bool) {
	req := &tree.SetWatchesRequest{
		RelativeZxid:               int64(rel),
		DataWatches:                keys(w.data),
		ExistWatches:               keys(w.exist),
		ChildWatches:               keys(w.child),
		PersistentWatches:          keys(w.persistent),
		PersistentRecursiveWatches: keys(w.recursive),
	}
	n := len(req.DataWatches) + len(req.ExistWatches) + len(req.ChildWatches)
	np := len(req.PersistentWatches) + len(req.PersistentRecursiveWatches)
	switch {
	case n+np == 0:
		return nil, 0, false
	case np > 0:
		return req, tree.OpSetWatches2, true
	}
	return req, tree.OpSetWatches, true
}

// keys returns the watched paths of m, sorted.
func keys(m map[string][]Watcher) []string {
	out := make([]string, 0, len(m))
	for k, ws := range m {
		if len(ws) > 0 {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// contains is ZKWatchManager.containsWatcher with a null watcher: whether
// removeWatches of typ has anything to remove on path. NB: as in 3.8, Data
// counts persistent watches although only Any removes them.
func (w *watchTable) contains(path string, typ tree.WatcherType) bool {
	data := len(w.data[path]) + len(w.exist[path])
	persistent := len(w.persistent[path]) + len(w.recursive[path])
	child := len(w.child[path])
	switch typ {
	case tree.WatcherChildren:
		return child > 0
	case tree.WatcherData:
		return data+persistent > 0
	case tree.WatcherAny:
		return data+persistent+child > 0
	}
	return false
}

// removed is what removeWatcher took off a path, by the event each group
// hears.
type removed struct {
	typ tree.EventType
	ws  []Watcher
}

// remove is ZKWatchManager.removeWatcher for every watcher of typ on path.
func (w *watchTable) remove(path string, typ tree.WatcherType) []removed {
	var child, data, persistent []Watcher
	if typ == tree.WatcherChildren || typ == tree.WatcherAny {
		child = take(w.child, path, nil)
	}
	if typ == tree.WatcherData || typ == tree.WatcherAny {
		data = take(w.data, path, nil)
		data = take(w.exist, path, data)
	}
	if typ == tree.WatcherAny {
		persistent = take(w.persistent, path, nil)
		persistent = take(w.recursive, path, persistent)
	}
	var out []removed
	for _, g := range []removed{{tree.EventChildWatchRemoved, child}, {tree.EventDataWatchRemoved, data},
		{tree.EventPersistentWatchRemoved, persistent}} {
		if len(g.ws) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// notify handles a watch notification from the server; trigger is the
// zxid its header carries (recorded, never used: lastZxidSeen stays).
func (c *Client) notify(ev zab.WatcherEvent, trigger zab.Zxid) {
	c.queueEventFrom(ev, trigger, c.watches.materialize(ev, c.cfg.ChildEventsToRecursive))
}

// sessionEvent announces a session state change to the default watcher.
func (c *Client) sessionEvent(state tree.KeeperState) {
	c.queueEvent(zab.WatcherEvent{Type: tree.EventNone, State: state}, nil)
}

// queueEvent is EventThread.queueEvent: a session event that repeats the
// last state passed on is dropped; the event is recorded and its watchers
// are called in turn by the event thread.
func (c *Client) queueEvent(ev zab.WatcherEvent, ws []Watcher) {
	c.queueEventFrom(ev, 0, ws)
}

// queueEventFrom is queueEvent for a notification whose header carried
// trigger.
func (c *Client) queueEventFrom(ev zab.WatcherEvent, trigger zab.Zxid, ws []Watcher) {
	if ev.Type == tree.EventNone && ev.State == c.sessionState {
		return
	}
	c.sessionState = ev.State
	if ev.Type == tree.EventNone && c.defaultWatcher != nil {
		ws = []Watcher{c.defaultWatcher}
	}
	if ev.Type != tree.EventNone && len(ws) == 0 {
		return // nobody to deliver it to
	}
	c.hist.Events = append(c.hist.Events, Event{Client: c.cfg.ID, Session: c.session, At: c.hist.now(),
		Type: ev.Type, State: ev.State, Path: ev.Path, Zxid: c.lastZxid, Trigger: trigger, Seq: c.hist.next()})
	for _, w := range ws {
		c.queue(func() { w(ev) })
	}
}
