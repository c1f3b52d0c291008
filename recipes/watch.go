package recipes

import (
	"sort"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// view is one read of a watched node: its children (sorted) or its data.
type view struct {
	exists bool
	names  []string
	data   []byte
	stat   tree.Stat
	// lo and hi are the client's last zxid before the read was sent and
	// after its answer came: the read saw the tree at some zxid between
	// them (a session never reads older than what it has seen).
	lo, hi zab.Zxid
}

// watcher keeps one node's children or data in view, as the seeds'
// configuration and cluster-management clients do: read with a watch, and
// read again when the watch fires (a watch fires once) and on every
// connection. A reconnection within the session gets its watches back by
// setWatches, but a new session has none, and the seeds' clients re-read
// anyway. A node that does not exist is watched for its creation.
//
// Every read bumps gen: answers and watches of an older read change
// nothing, so however often the client reconnects, one read's watch at a
// time acts.
type watcher struct {
	s        *session
	path     string
	children bool
	gen      int
	on       func(v view)
}

// read reads the node, leaving a watch.
func (w *watcher) read() {
	w.gen++
	g, cl := w.gen, w.s.cl
	if cl == nil {
		return
	}
	lo := cl.LastZxid()
	live := func() bool { return w.s.current(cl) && w.gen == g }
	fire := func(ev zab.WatcherEvent) {
		if live() && ev.Type != tree.EventNone {
			w.read()
		}
	}
	answer := func(names []string, data []byte, st tree.Stat, err tree.Code) {
		if !live() {
			return
		}
		switch err {
		case tree.OK:
			sort.Strings(names)
			w.on(view{exists: true, names: names, data: data, stat: st, lo: lo, hi: cl.LastZxid()})
		case tree.NoNode:
			w.absent(cl, g, lo, fire)
		case tree.ConnectionLoss:
			w.read() // queued until the client reconnects
		}
	}
	if w.children {
		cl.GetChildren(w.path, fire, func(names []string, st tree.Stat, err tree.Code) { answer(names, nil, st, err) })
		return
	}
	cl.GetData(w.path, fire, func(data []byte, st tree.Stat, err tree.Code) { answer(nil, data, st, err) })
}

// absent watches a node that was not there for its creation (exists
// leaves a watch either way).
func (w *watcher) absent(cl *client.Client, g int, lo zab.Zxid, fire client.Watcher) {
	live := func() bool { return w.s.current(cl) && w.gen == g }
	cl.Exists(w.path, fire, func(_ tree.Stat, err tree.Code) {
		if !live() {
			return
		}
		switch err {
		case tree.OK:
			w.read() // made meanwhile
		case tree.NoNode:
			w.on(view{lo: lo, hi: cl.LastZxid()})
		case tree.ConnectionLoss:
			w.read()
		}
	})
}

// stop makes every read under way and every watch change nothing.
func (w *watcher) stop() { w.gen++ }
