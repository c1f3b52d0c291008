package scenarios

import (
	"fmt"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// watchWorkload gives the watch and session checkers something to judge:
// odd clients write a few nodes and their children; even clients leave
// watches on them (getData, exists, getChildren, re-armed from the
// watcher each time one fires, as applications do), now and then add a
// persistent or recursive watch or remove watches, and own ephemeral and
// sequential nodes.
func watchWorkload(w *Workload) {
	paths := []string{"/w0", "/w1", "/w0/a", "/q"}
	for i, cl := range w.Clients {
		cl := cl
		act := writeOne
		if i%2 == 0 {
			ww := &watcher{w: w, cl: cl, armed: map[string]bool{}}
			act = func(_ *Workload, _ *client.Client, p string) { ww.act(p) }
		}
		w.Loop(sim.Second, w.Uniform(20*sim.Millisecond, 150*sim.Millisecond), func() {
			if Live(cl) {
				act(w, cl, paths[w.Rand.Intn(len(paths))])
			}
		})
	}
}

func writeOne(w *Workload, cl *client.Client, p string) {
	switch w.Rand.Intn(7) {
	case 0:
		cl.Create(p, []byte("v"), tree.OpenACLUnsafe, tree.Persistent, nil)
	case 1, 2:
		cl.SetData(p, []byte(fmt.Sprint(w.Rand.Intn(100))), -1, nil)
	case 3:
		cl.Delete(p, -1, nil)
	case 4:
		cl.Create(p+"/s-", nil, tree.OpenACLUnsafe, tree.PersistentSequential, nil)
	case 5:
		cl.GetChildren(p, nil, func(kids []string, _ tree.Stat, err tree.Code) {
			if err == tree.OK && len(kids) > 0 && Live(cl) && !w.stopped {
				cl.Delete(p+"/"+kids[0], -1, nil)
			}
		})
	case 6:
		cl.Multi([]tree.Op{
			{Type: tree.OpSetData, Request: &tree.SetDataRequest{Path: p, Data: []byte("m"), Version: -1}},
			{Type: tree.OpCreate, Request: &tree.CreateRequest{Path: p + "/m-", ACL: tree.OpenACLUnsafe, Flags: tree.PersistentSequential}},
		}, nil)
	}
}

// watcher is one watching client: it keeps at most one watch of each
// kind on a path, and re-arms it when it fires.
type watcher struct {
	w     *Workload
	cl    *client.Client
	armed map[string]bool // "data /p", "child /p": for lookup only
}

// arm leaves a watch of kind ("data" or "child") on p, re-armed from its
// watcher when it fires, until the node is gone or it is removed.
func (ww *watcher) arm(kind, p string) {
	key := kind + " " + p
	if ww.armed[key] {
		return
	}
	ww.armed[key] = true
	var fire client.Watcher
	fire = func(ev zab.WatcherEvent) {
		ww.armed[key] = false
		switch {
		case !Live(ww.cl) || ww.w.stopped:
		case ev.Type == tree.EventDataWatchRemoved, ev.Type == tree.EventChildWatchRemoved:
		case kind == "child":
			ww.armed[key] = true
			ww.cl.GetChildren(p, fire, func(_ []string, _ tree.Stat, err tree.Code) {
				ww.armed[key] = ww.armed[key] && err == tree.OK
			})
		default:
			ww.armed[key] = true
			ww.cl.Exists(p, fire, func(_ tree.Stat, err tree.Code) {
				ww.armed[key] = ww.armed[key] && (err == tree.OK || err == tree.NoNode)
			})
		}
	}
	switch {
	case kind == "child":
		ww.cl.GetChildren(p, fire, func(_ []string, _ tree.Stat, err tree.Code) {
			ww.armed[key] = ww.armed[key] && err == tree.OK
		})
	case ww.w.Rand.Intn(2) == 0:
		ww.cl.GetData(p, fire, func(_ []byte, _ tree.Stat, err tree.Code) {
			ww.armed[key] = ww.armed[key] && err == tree.OK
		})
	default:
		ww.cl.Exists(p, fire, func(_ tree.Stat, err tree.Code) {
			ww.armed[key] = ww.armed[key] && (err == tree.OK || err == tree.NoNode)
		})
	}
}

func (ww *watcher) act(p string) {
	w, cl := ww.w, ww.cl
	switch w.Rand.Intn(10) {
	case 0, 1:
		ww.arm("data", p)
	case 2:
		ww.arm("child", p)
	case 3:
		cl.GetData(p, nil, nil)
	case 4:
		cl.AddWatch(p, tree.AddWatchMode(w.Rand.Intn(2)), func(zab.WatcherEvent) {}, nil)
	case 5:
		cl.RemoveWatches(p, tree.WatcherType(w.Rand.Intn(3)+1), w.Rand.Intn(2) == 0, nil)
	case 6, 7:
		cl.Create("/q/e-", nil, tree.OpenACLUnsafe, tree.EphemeralSequential, nil)
	case 8:
		cl.Create(fmt.Sprintf("/e%d", cl.ID()), nil, tree.OpenACLUnsafe, tree.Ephemeral, nil)
	case 9:
		cl.Delete(fmt.Sprintf("/e%d", cl.ID()), -1, nil)
	}
}
