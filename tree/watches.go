package tree

import "sort"

// WatcherID names one watcher: the server uses one per client connection,
// as ZooKeeper uses the ServerCnxn. 0 means "no watch".
type WatcherID int64

// WatchEvent is one notification to send: watcher w is told that path
// changed. Zxid is the txn that fired it (0 for events that setWatches
// synthesises).
//
// ACL is the znodeAcl DataTree hands to ServerCnxn.process with the event:
// the new node's for NodeCreated, the node's for NodeDataChanged and
// NodeDeleted, the parent's for NodeChildrenChanged; nil for setWatches'
// answers. branch-3.8 (since 3.8.4, ZOOKEEPER-4799) delivers an event only
// if the watcher's session may READ under it, the watch being used up
// either way; it is the server's to check (CheckACL). Shared with the
// tree: do not modify.
type WatchEvent struct {
	Watcher WatcherID
	Type    EventType
	Path    string
	Zxid    int64
	ACL     []ACL
}

// watchMode is WatcherMode. A (watcher, path) pair has one mode per table,
// and a later watch of another mode replaces it, as WatcherModeManager does
// in 3.8: a standard getData watch set over a persistent one makes it
// one-shot.
type watchMode uint8

const (
	modeStandard watchMode = iota
	modePersistent
	modePersistentRecursive
)

type watchKey struct {
	w    WatcherID
	path string
}

// watchTable is one WatchManager (ZooKeeper keeps one for data and exists
// watches and one for child watches).
type watchTable struct {
	byPath    map[string]map[WatcherID]struct{}
	byWatcher map[WatcherID]map[string]struct{}
	modes     map[watchKey]watchMode // absent = standard
	recursive int                    // watches in recursive mode
}

func (wt *watchTable) add(path string, w WatcherID, mode watchMode) {
	if wt.byPath == nil {
		wt.byPath = make(map[string]map[WatcherID]struct{})
		wt.byWatcher = make(map[WatcherID]map[string]struct{})
		wt.modes = make(map[watchKey]watchMode)
	}
	set := wt.byPath[path]
	if set == nil {
		set = make(map[WatcherID]struct{}, 1)
		wt.byPath[path] = set
	}
	set[w] = struct{}{}
	paths := wt.byWatcher[w]
	if paths == nil {
		paths = make(map[string]struct{})
		wt.byWatcher[w] = paths
	}
	paths[path] = struct{}{}
	wt.setMode(watchKey{w, path}, mode)
}

func (wt *watchTable) setMode(k watchKey, mode watchMode) {
	old := wt.modes[k]
	if old == modePersistentRecursive {
		wt.recursive--
	}
	if mode == modePersistentRecursive {
		wt.recursive++
	}
	if mode == modeStandard {
		delete(wt.modes, k)
	} else {
		wt.modes[k] = mode
	}
}

// remove drops w's watch on path (WatchManager.removeWatcher(path, w)).
func (wt *watchTable) remove(path string, w WatcherID) bool {
	paths := wt.byWatcher[w]
	if _, ok := paths[path]; !ok {
		return false
	}
	delete(paths, path)
	if len(paths) == 0 {
		delete(wt.byWatcher, w)
	}
	set := wt.byPath[path]
	if _, ok := set[w]; !ok {
		return false
	}
	delete(set, w)
	if len(set) == 0 {
		delete(wt.byPath, path)
	}
	wt.setMode(watchKey{w, path}, modeStandard)
	return true
}

// removeWatcher drops every watch of w (a connection closed).
func (wt *watchTable) removeWatcher(w WatcherID) {
	for _, p := range sortedKeys(wt.byWatcher[w]) {
		wt.remove(p, w)
	}
}

// contains is WatchManager.containsWatcher in 3.8, which answers true when
// any watcher watches the path itself, or when w's mode on the path is
// recursive.
func (wt *watchTable) contains(path string, w WatcherID) bool {
	if len(wt.byPath[path]) > 0 {
		return true
	}
	return wt.modes[watchKey{w, path}] == modePersistentRecursive
}

// fire is WatchManager.triggerWatch: it collects the watchers of path and,
// if any recursive watch exists, of its ancestors with a recursive mode;
// standard watches at the path are used up. suppress names watchers that
// were already told (a delete tells data watchers, then child watchers
// that were not). It returns the watchers, sorted.
func (wt *watchTable) fire(path string, typ EventType, suppress []WatcherID) []WatcherID {
	if len(wt.byPath) == 0 {
		return nil
	}
	var hit []WatcherID
	at := path
	for {
		atParent := at != path
		for w := range wt.byPath[at] {
			mode := wt.modes[watchKey{w, at}]
			switch {
			case mode == modePersistentRecursive:
				if typ != EventNodeChildrenChanged {
					hit = append(hit, w)
				}
			case !atParent:
				hit = append(hit, w)
			}
		}
		if !atParent {
			// Use up the standard watches at the path itself.
			for w := range wt.byPath[at] {
				if wt.modes[watchKey{w, at}] == modeStandard {
					wt.remove(at, w)
				}
			}
		}
		if wt.recursive == 0 || at == "/" {
			break
		}
		at = ParentPath(at)
	}
	if len(hit) == 0 {
		return nil
	}
	sort.Slice(hit, func(i, j int) bool { return hit[i] < hit[j] })
	out := hit[:0]
	for i, w := range hit {
		if i > 0 && hit[i-1] == w {
			continue
		}
		if containsWatcher(suppress, w) {
			continue
		}
		out = append(out, w)
	}
	return out
}

func containsWatcher(ws []WatcherID, w WatcherID) bool {
	for _, x := range ws {
		if x == w {
			return true
		}
	}
	return false
}

func appendEvents(events *[]WatchEvent, ws []WatcherID, typ EventType, path string, zxid int64, acl []ACL) {
	for _, w := range ws {
		*events = append(*events, WatchEvent{Watcher: w, Type: typ, Path: path, Zxid: zxid, ACL: acl})
	}
}

// triggerCreate fires the watches of a create: NodeCreated on the node
// (with the node's ACL), then NodeChildrenChanged on its parent (with the
// parent's), as DataTree.createNode does.
func (t *Tree) triggerCreate(events *[]WatchEvent, path string, acl []ACL, parentPath string, parentACL []ACL, zxid int64) {
	appendEvents(events, t.dataWatch.fire(path, EventNodeCreated, nil), EventNodeCreated, path, zxid, acl)
	appendEvents(events, t.childWatch.fire(parentPath, EventNodeChildrenChanged, nil), EventNodeChildrenChanged, parentPath, zxid, parentACL)
}

// triggerData fires the watches of a setData.
func (t *Tree) triggerData(events *[]WatchEvent, path string, acl []ACL, zxid int64) {
	appendEvents(events, t.dataWatch.fire(path, EventNodeDataChanged, nil), EventNodeDataChanged, path, zxid, acl)
}

// triggerDelete fires the watches of a delete: NodeDeleted to data and
// exists watchers, then to child watchers not yet told (both with the
// node's ACL), then NodeChildrenChanged on the parent (with its ACL).
func (t *Tree) triggerDelete(events *[]WatchEvent, path string, acl []ACL, parentPath string, parentACL []ACL, zxid int64) {
	told := t.dataWatch.fire(path, EventNodeDeleted, nil)
	appendEvents(events, told, EventNodeDeleted, path, zxid, acl)
	appendEvents(events, t.childWatch.fire(path, EventNodeDeleted, told), EventNodeDeleted, path, zxid, acl)
	appendEvents(events, t.childWatch.fire(parentPath, EventNodeChildrenChanged, nil), EventNodeChildrenChanged, parentPath, zxid, parentACL)
}

// AddWatch is addWatch: a persistent or persistent-recursive watch on path,
// in both tables, whether or not the node exists.
func (t *Tree) AddWatch(path string, w WatcherID, mode AddWatchMode) {
	m := modePersistent
	if mode == AddWatchPersistentRecursive {
		m = modePersistentRecursive
	}
	t.dataWatch.add(path, w, m)
	t.childWatch.add(path, w, m)
}

// RemoveWatcher drops every watch of w, as a closed connection does.
func (t *Tree) RemoveWatcher(w WatcherID) {
	t.dataWatch.removeWatcher(w)
	t.childWatch.removeWatcher(w)
}

// CheckWatches is checkWatches: NoWatcher unless the table(s) of typ hold a
// watch on path (DataTree.containsWatcher, with 3.8's reading of it). An
// unknown typ is MarshallingError: WatcherType.fromInt throws a
// RuntimeException, which FinalRequestProcessor answers so.
func (t *Tree) CheckWatches(path string, w WatcherID, typ WatcherType) Code {
	found := false
	switch typ {
	case WatcherChildren:
		found = t.childWatch.contains(path, w)
	case WatcherData:
		found = t.dataWatch.contains(path, w)
	case WatcherAny:
		found = t.childWatch.contains(path, w) || t.dataWatch.contains(path, w)
	default:
		return MarshallingError
	}
	if !found {
		return NoWatcher
	}
	return OK
}

// RemoveWatches is removeWatches: it drops w's watches of typ on path, or
// answers NoWatcher. The server sends no event for it: the client library
// tells its own watchers. local is the client's flag and changes nothing
// here; the events returned are always none.
func (t *Tree) RemoveWatches(path string, w WatcherID, typ WatcherType, local bool) (Code, []WatchEvent) {
	_ = local
	removed := false
	switch typ {
	case WatcherChildren:
		removed = t.childWatch.remove(path, w)
	case WatcherData:
		removed = t.dataWatch.remove(path, w)
	case WatcherAny:
		c := t.childWatch.remove(path, w)
		d := t.dataWatch.remove(path, w)
		removed = c || d
	default:
		return MarshallingError, nil // as CheckWatches
	}
	if !removed {
		return NoWatcher, nil
	}
	return OK, nil
}

// SetWatches is setWatches(2) on reconnect: each watch is re-armed, or
// answered at once with the event the client missed while away (relative
// to the last zxid it saw).
func (t *Tree) SetWatches(relZxid int64, req SetWatchesRequest, w WatcherID) []WatchEvent {
	var out []WatchEvent
	ev := func(typ EventType, path string) {
		out = append(out, WatchEvent{Watcher: w, Type: typ, Path: path})
	}
	for _, p := range req.DataWatches {
		switch n := t.nodes[p]; {
		case n == nil:
			ev(EventNodeDeleted, p)
		case n.stat.Mzxid > relZxid:
			ev(EventNodeDataChanged, p)
		default:
			t.dataWatch.add(p, w, modeStandard)
		}
	}
	for _, p := range req.ExistWatches {
		if t.nodes[p] != nil {
			ev(EventNodeCreated, p)
		} else {
			t.dataWatch.add(p, w, modeStandard)
		}
	}
	for _, p := range req.ChildWatches {
		switch n := t.nodes[p]; {
		case n == nil:
			ev(EventNodeDeleted, p)
		case n.stat.Pzxid > relZxid:
			ev(EventNodeChildrenChanged, p)
		default:
			t.childWatch.add(p, w, modeStandard)
		}
	}
	for _, p := range req.PersistentWatches {
		t.childWatch.add(p, w, modePersistent)
		t.dataWatch.add(p, w, modePersistent)
	}
	for _, p := range req.PersistentRecursiveWatches {
		t.childWatch.add(p, w, modePersistentRecursive)
		t.dataWatch.add(p, w, modePersistentRecursive)
	}
	return out
}

// WatchCount is the number of (watcher, path) watches in both tables.
func (t *Tree) WatchCount() int {
	n := 0
	for _, s := range t.dataWatch.byPath {
		n += len(s)
	}
	for _, s := range t.childWatch.byPath {
		n += len(s)
	}
	return n
}
