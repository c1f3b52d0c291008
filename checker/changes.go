package checker

import (
	"sort"
	"strings"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// The agreed commit sequence, and what each of its txns changed as
// DataTree fires watches for it. Shared by the watch and session checkers.

// agreedTxn is one txn of the agreed commit sequence.
type agreedTxn struct {
	entry *zab.LogEntry
	at    int64 // when a server first reported it committed
}

// agreedLog is the agreed commit sequence: every txn a server delivered,
// or a new leader reported committed, once, in zxid order.
func agreedLog(recs []cluster.Record) []agreedTxn {
	at := map[zab.Zxid]int{}
	var log []agreedTxn
	for _, r := range recs {
		if r.Obs.Kind != zab.ObsDeliver && r.Obs.Kind != zab.ObsCommitted {
			continue
		}
		if i, ok := at[r.Obs.Zxid]; ok {
			log[i].at = min(log[i].at, int64(r.At))
			continue
		}
		at[r.Obs.Zxid] = len(log)
		log = append(log, agreedTxn{entry: r.Obs.Entry, at: int64(r.At)})
	}
	sort.Slice(log, func(i, j int) bool { return log[i].entry.Zxid() < log[j].entry.Zxid() })
	return log
}

// txnChange is one watch-firing effect of a committed txn: NodeCreated,
// NodeDeleted or NodeDataChanged on Path itself, or NodeChildrenChanged on
// Path when a child of it came or went.
type txnChange struct {
	zxid zab.Zxid
	sub  int // its place among the txn's changes
	typ  tree.EventType
	path string
	at   int64 // the txn's commit time
}

// naiveNode is a node of the naive tree: just what the checkers need.
type naiveNode struct {
	owner int64    // the session of an ephemeral, else 0
	czxid zab.Zxid // tells incarnations of one path apart
}

// naiveTree is the commit sequence applied to a naive tree: which paths
// exist, and who owns the ephemerals. A txn that could not apply (a
// create of a path that exists, a delete of one that does not) changes
// nothing, as in DataTree.
type naiveTree struct {
	nodes   map[string]*naiveNode
	changes []txnChange
	zxid    zab.Zxid
	at      int64
	sub     int
}

// initialPaths exist in every tree before the first txn (DataTree's
// constructor).
var initialPaths = []string{"/", tree.ZooKeeperPath, tree.QuotaPath, tree.ConfigPath}

func newNaive() *naiveTree {
	n := &naiveTree{nodes: map[string]*naiveNode{}}
	for _, p := range initialPaths {
		n.nodes[p] = &naiveNode{}
	}
	return n
}

func (n *naiveTree) emit(typ tree.EventType, path string) {
	n.changes = append(n.changes, txnChange{zxid: n.zxid, sub: n.sub, typ: typ, path: path, at: n.at})
	n.sub++
}

func (n *naiveTree) create(path string, owner int64) bool {
	if _, ok := n.nodes[path]; ok || path == "/" {
		return false
	}
	if n.nodes[tree.ParentPath(path)] == nil {
		return false
	}
	n.nodes[path] = &naiveNode{owner: owner, czxid: n.zxid}
	n.emit(tree.EventNodeCreated, path)
	n.emit(tree.EventNodeChildrenChanged, tree.ParentPath(path))
	return true
}

func (n *naiveTree) remove(path string) bool {
	if _, ok := n.nodes[path]; !ok || path == "/" {
		return false
	}
	delete(n.nodes, path)
	n.emit(tree.EventNodeDeleted, path)
	n.emit(tree.EventNodeChildrenChanged, tree.ParentPath(path))
	return true
}

// ephemerals lists the paths a session owns, sorted.
func (n *naiveTree) ephemerals(session int64) []string {
	var out []string
	for p, x := range n.nodes {
		if x.owner == session && session != 0 {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// applyCommit applies one committed txn.
func (n *naiveTree) applyCommit(c agreedTxn) {
	n.zxid, n.at, n.sub = c.entry.Zxid(), c.at, 0
	n.apply(c.entry.Hdr.SessionID, c.entry.Hdr.Type, c.entry.Txn)
}

func (n *naiveTree) apply(session int64, typ tree.OpCode, txn tree.Txn) {
	switch t := txn.(type) {
	case tree.CreateTxn:
		owner := int64(0)
		if t.Ephemeral {
			owner = session
		}
		n.create(t.Path, owner)
	case tree.CreateContainerTxn:
		n.create(t.Path, 0)
	case tree.CreateTTLTxn:
		n.create(t.Path, 0)
	case tree.DeleteTxn:
		n.remove(t.Path)
	case tree.SetDataTxn:
		if _, ok := n.nodes[t.Path]; ok {
			n.emit(tree.EventNodeDataChanged, t.Path)
		}
	case tree.CloseSessionTxn:
		n.killSession(session, t.Paths)
	case tree.MultiTxn:
		for _, s := range t.Txns {
			if s.Type == tree.OpError {
				return // a failed multi changes nothing
			}
		}
		for _, s := range t.Txns {
			n.apply(session, s.Type, s.Txn)
		}
	case nil:
		if typ == tree.OpCloseSession {
			n.killSession(session, nil)
		}
	}
}

// killSession is DataTree.killSession: the txn's paths, then whatever
// else the session owns.
func (n *naiveTree) killSession(session int64, paths []string) {
	for _, p := range paths {
		n.remove(p)
	}
	for _, p := range n.ephemerals(session) {
		n.remove(p)
	}
}

// changeIndex is the changes of a commit sequence, by path.
type changeIndex struct {
	all    []txnChange
	byPath map[string][]int // indices into all, ascending
	// underPath caches, per path, the own changes (created, deleted, data)
	// of the path and everything below it: what a recursive watch hears.
	underPath map[string][]int
	// commitAt is when each zxid was committed.
	commitAt map[zab.Zxid]int64
}

func indexChanges(log []agreedTxn) *changeIndex {
	n := newNaive()
	ix := &changeIndex{byPath: map[string][]int{}, underPath: map[string][]int{}, commitAt: map[zab.Zxid]int64{}}
	for _, c := range log {
		n.applyCommit(c)
		ix.commitAt[c.entry.Zxid()] = c.at
	}
	ix.all = n.changes
	for i, c := range ix.all {
		ix.byPath[c.path] = append(ix.byPath[c.path], i)
	}
	return ix
}

// count is how many changes txn z made of typ on path.
func (ix *changeIndex) count(z zab.Zxid, typ tree.EventType, path string) int {
	k := 0
	for _, i := range ix.onPathFrom(path, z-1) {
		c := ix.all[i]
		if c.zxid != z {
			break
		}
		if c.typ == typ {
			k++
		}
	}
	return k
}

// onPathFrom is the changes on path after zxid z, in order.
func (ix *changeIndex) onPathFrom(path string, z zab.Zxid) []int {
	l := ix.byPath[path]
	k := sort.Search(len(l), func(k int) bool { return ix.all[l[k]].zxid > z })
	return l[k:]
}

// below is the own changes of path and of every path under it.
func (ix *changeIndex) below(path string) []int {
	if l, ok := ix.underPath[path]; ok {
		return l
	}
	prefix := path + "/"
	if path == "/" {
		prefix = "/"
	}
	l := []int{}
	for i, c := range ix.all {
		if c.typ == tree.EventNodeChildrenChanged {
			continue
		}
		if c.path == path || strings.HasPrefix(c.path, prefix) {
			l = append(l, i)
		}
	}
	ix.underPath[path] = l
	return l
}

func existsInitially(path string) bool {
	for _, p := range initialPaths {
		if p == path {
			return true
		}
	}
	return false
}
