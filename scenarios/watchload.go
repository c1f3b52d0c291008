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
		act := watchOne
		if i%2 == 1 {
			act = writeOne
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

func watchOne(w *Workload, cl *client.Client, p string) {
	var rearm client.Watcher
	rearm = func(ev zab.WatcherEvent) {
		if !Live(cl) || w.stopped {
			return
		}
		switch ev.Type {
		case tree.EventNodeChildrenChanged:
			cl.GetChildren(ev.Path, rearm, nil)
		case tree.EventNodeCreated, tree.EventNodeDeleted:
			cl.Exists(ev.Path, rearm, nil)
		case tree.EventNodeDataChanged:
			cl.GetData(ev.Path, rearm, nil)
		}
	}
	switch w.Rand.Intn(12) {
	case 0, 1:
		cl.GetData(p, rearm, nil)
	case 2, 3:
		cl.Exists(p, rearm, nil)
	case 4, 5:
		cl.GetChildren(p, rearm, nil)
	case 6:
		cl.GetData(p, nil, nil)
	case 7:
		cl.AddWatch(p, tree.AddWatchMode(w.Rand.Intn(2)), func(zab.WatcherEvent) {}, nil)
	case 8:
		cl.RemoveWatches(p, tree.WatcherType(w.Rand.Intn(3)+1), w.Rand.Intn(2) == 0, nil)
	case 9:
		cl.Create("/q/e-", nil, tree.OpenACLUnsafe, tree.EphemeralSequential, nil)
	case 10:
		cl.Create(fmt.Sprintf("/e%d", cl.ID()), nil, tree.OpenACLUnsafe, tree.Ephemeral, nil)
	case 11:
		cl.Delete(fmt.Sprintf("/e%d", cl.ID()), -1, nil)
	}
}
