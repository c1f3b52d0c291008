package client

import (
	"sort"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// Watcher receives watch events.
type Watcher func(zab.WatcherEvent)

// watchTable is ZKWatchManager: the client's own record of its watches,
// which decides who hears an event and what to re-register on reconnect.
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

func take(m map[string][]Watcher, path string, into []Watcher) []Watcher {
	into = append(into, m[path]...)
	delete(m, path)
	return into
}

// materialize is ZKWatchManager.materialize: which watchers an event
// reaches. One-shot watches are used up; persistent ones stay.
func (w *watchTable) materialize(ev zab.WatcherEvent) []Watcher {
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
		out = take(w.exist, p, out)
		out = take(w.child, p, out)
	default:
		return nil
	}
	out = append(out, w.persistent[p]...)
	if ev.Type != tree.EventNodeChildrenChanged {
		for q := p; ; q = tree.ParentPath(q) {
			out = append(out, w.recursive[q]...)
			if q == "/" {
				break
			}
		}
	}
	return out
}

// setWatches is what primeConnection re-registers: every watch path, with
// the last zxid seen, as setWatches (or setWatches2 if persistent watches
// exist).
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
	if n+np == 0 {
		return nil, 0, false
	}
	if np > 0 {
		return req, tree.OpSetWatches2, true
	}
	return req, tree.OpSetWatches, true
}

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

// remove drops the watches of a type on a path and returns them, for
// removeWatches.
func (w *watchTable) remove(path string, typ tree.WatcherType) (data, child []Watcher) {
	if typ == tree.WatcherData || typ == tree.WatcherAny {
		data = take(w.data, path, data)
		data = take(w.exist, path, data)
		data = take(w.persistent, path, data)
		data = take(w.recursive, path, data)
	}
	if typ == tree.WatcherChildren || typ == tree.WatcherAny {
		child = take(w.child, path, child)
	}
	return data, child
}

func (w *watchTable) has(path string, typ tree.WatcherType) bool {
	d := len(w.data[path]) + len(w.exist[path]) + len(w.persistent[path]) + len(w.recursive[path])
	ch := len(w.child[path])
	switch typ {
	case tree.WatcherData:
		return d > 0
	case tree.WatcherChildren:
		return ch > 0
	}
	return d+ch > 0
}

// dispatch delivers a notification to the watchers it reaches.
func (c *Client) dispatch(ev zab.WatcherEvent) {
	ws := c.watches.materialize(ev)
	c.record(ev)
	for _, w := range ws {
		w(ev)
	}
}
