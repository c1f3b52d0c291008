package tree

import (
	"fmt"
	"sort"
	"strings"
)

// Tree is ZooKeeper's DataTree (branch-3.8): the znodes, their stats and
// ACLs, the ephemeral, container and TTL indexes, the watch tables and a
// digest kept up to date on every change. Apply is processTxn: it changes
// the tree only through committed transactions, and, like processTxn, is
// idempotent enough to replay a transaction a fuzzy snapshot already holds.
//
// A Tree is not safe for concurrent use.
type Tree struct {
	nodes map[string]*node // keyed by path; the root is "/"
	// ephemerals is DataTree.ephemerals: per session a HashSet whose
	// iteration order clients see (see javaSet). As in Java a set stays
	// when it empties, until the session is killed.
	ephemerals map[int64]*javaSet
	containers map[string]struct{}
	ttls       map[string]struct{}
	dataWatch  watchTable
	childWatch watchTable
	lastZxid   int64
	digest     uint64
}

// node is DataNode. stat is StatPersisted (cversion counts creates only)
// plus NumChildren and DataLength, kept in step with children and data.
// Clients never see it as is: see clientStat.
type node struct {
	data     []byte
	acl      []ACL // shared, never modified in place
	stat     Stat
	children map[string]struct{}
	digest   uint64
}

// The nodes ZooKeeper creates in every tree (DataTree's constructor).
const (
	ZooKeeperPath = "/zookeeper"
	QuotaPath     = "/zookeeper/quota"
	ConfigPath    = "/zookeeper/config"
)

// New returns the tree a fresh server starts with: the root, /zookeeper,
// /zookeeper/quota and /zookeeper/config, the last readable by anyone and
// with aversion -1, as DataTree.addConfigNode leaves it.
func New() *Tree {
	t := &Tree{
		nodes:      make(map[string]*node),
		ephemerals: make(map[int64]*javaSet),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
	}
	t.putNode("/", &node{acl: OpenACLUnsafe})
	t.linkSpecial(ZooKeeperPath, &node{acl: OpenACLUnsafe})
	t.linkSpecial(QuotaPath, &node{acl: OpenACLUnsafe})
	t.linkSpecial(ConfigPath, &node{acl: ReadACLUnsafe, stat: Stat{Aversion: -1}})
	return t
}

// linkSpecial adds one of the built-in nodes without touching its parent's
// cversion or pzxid, as the constructor does.
func (t *Tree) linkSpecial(path string, n *node) {
	parent := t.nodes[ParentPath(path)]
	t.change(ParentPath(path), parent, func() { parent.addChild(BaseName(path)) })
	t.putNode(path, n)
}

// IsSpecialPath reports whether path is one of the nodes ZooKeeper owns
// (DataTree.isSpecialPath).
func IsSpecialPath(path string) bool {
	return path == "/" || path == ZooKeeperPath || path == QuotaPath || path == ConfigPath
}

// clientStat is DataNode.copyStat: the Stat a client is sent. The persisted
// cversion counts creates; a client sees the count of child changes, every
// create but those of the children still present also having been deleted
// (cversion*2 - numChildren, in Java's int arithmetic: a fresh root shows
// -1, /zookeeper -2). Containers and TTL nodes show ephemeralOwner 0
// (getClientEphemeralOwner).
func (n *node) clientStat() Stat {
	s := n.stat
	s.Cversion = s.Cversion*2 - s.NumChildren
	if TypeOfOwner(s.EphemeralOwner) != EphemeralNormal {
		s.EphemeralOwner = 0
	}
	return s
}

func (n *node) addChild(name string) {
	if n.children == nil {
		n.children = make(map[string]struct{})
	}
	n.children[name] = struct{}{}
	n.stat.NumChildren = int32(len(n.children))
}

func (n *node) removeChild(name string) {
	delete(n.children, name)
	n.stat.NumChildren = int32(len(n.children))
}

// putNode inserts a node and adds it to the digest.
func (t *Tree) putNode(path string, n *node) {
	n.stat.DataLength = int32(len(n.data))
	n.digest = nodeDigest(path, n)
	t.digest += n.digest
	t.nodes[path] = n
}

// change runs fn, which modifies n, keeping the digest in step (Java's
// nodes.preChange / postChange).
func (t *Tree) change(path string, n *node, fn func()) {
	t.digest -= n.digest
	fn()
	n.stat.DataLength = int32(len(n.data))
	n.digest = nodeDigest(path, n)
	t.digest += n.digest
}

// Lookup returns a node's persisted stat (StatPersisted: the cversion
// counts creates, containers and TTL nodes keep their tagged owner, as
// PrepRequestProcessor and ContainerManager read it) with NumChildren and
// DataLength, its ACL, and whether it exists. The reads and Result.Stat
// give clients the translated stat instead (DataNode.copyStat). The ACL is
// shared: callers must not modify it.
func (t *Tree) Lookup(path string) (Stat, []ACL, bool) {
	n := t.nodes[path]
	if n == nil {
		return Stat{}, nil, false
	}
	return n.stat, n.acl, true
}

// Size is the number of nodes, the root and the built-in ones included.
func (t *Tree) Size() int { return len(t.nodes) }

// LastZxid is the zxid of the newest transaction applied
// (lastProcessedZxid).
func (t *Tree) LastZxid() int64 { return t.lastZxid }

// SetLastZxid sets lastProcessedZxid, as loading a snapshot does from the
// snapshot's name: a fuzzy snapshot may hold changes past its name, and the
// transactions after the name are replayed over it.
func (t *Tree) SetLastZxid(z int64) { t.lastZxid = z }

// Ephemerals returns the paths of a session's ephemeral nodes, sorted.
func (t *Tree) Ephemerals(session int64) []string {
	out := t.javaEphemerals(session).items()
	sort.Strings(out)
	return out
}

// javaEphemerals is DataTree.getEphemerals: a clone of the session's set
// (an empty set if it has none), iterated in Java's order.
func (t *Tree) javaEphemerals(session int64) *javaSet {
	if set := t.ephemerals[session]; set != nil {
		return set.clone()
	}
	return &javaSet{}
}

// Sessions returns the sessions that own ephemeral nodes, in order.
func (t *Tree) Sessions() []int64 {
	ids := make([]int64, 0, len(t.ephemerals))
	for id, set := range t.ephemerals {
		if set.size > 0 {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// Containers returns the paths of container nodes, sorted: the candidates
// ContainerManager checks for deletion.
func (t *Tree) Containers() []string { return sortedKeys(t.containers) }

// TTLNodes returns the paths of TTL nodes, sorted.
func (t *Tree) TTLNodes() []string { return sortedKeys(t.ttls) }

// Paths returns every node's path in sorted order.
func (t *Tree) Paths() []string {
	out := make([]string, 0, len(t.nodes))
	for p := range t.nodes {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]struct{}) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// createNode is DataTree.createNode. parentCVersion -1 means "the parent's
// cversion plus one"; a replayed create never lowers a parent's cversion.
//
// The stat returned is the client's (copyStat). A create of "/" finds the
// root already there, as Java's does (the root is both "" and "/").
func (t *Tree) createNode(path string, data []byte, acl []ACL, owner int64, parentCVersion int32, zxid, time int64, events *[]WatchEvent) (Stat, Code) {
	if !strings.HasPrefix(path, "/") {
		return Stat{}, NoNode
	}
	parentPath := ParentPath(path)
	parent := t.nodes[parentPath]
	if parent == nil {
		return Stat{}, NoNode
	}
	if existing := t.nodes[path]; existing != nil {
		// Java replaces the existing node's ACL before it throws: a
		// replayed create leaves the ACL the txn carried.
		t.change(path, existing, func() { existing.acl = acl })
		return Stat{}, NodeExists
	}
	t.change(parentPath, parent, func() {
		if parentCVersion == -1 {
			parentCVersion = parent.stat.Cversion + 1
		}
		if parentCVersion > parent.stat.Cversion {
			parent.stat.Cversion = parentCVersion
			parent.stat.Pzxid = zxid
		}
		parent.addChild(BaseName(path))
	})
	n := &node{
		data: data,
		acl:  acl,
		stat: Stat{Czxid: zxid, Mzxid: zxid, Pzxid: zxid, Ctime: time, Mtime: time, EphemeralOwner: owner},
	}
	t.putNode(path, n)
	switch TypeOfOwner(owner) {
	case EphemeralContainer:
		t.containers[path] = struct{}{}
	case EphemeralTTL:
		t.ttls[path] = struct{}{}
	case EphemeralNormal:
		t.addEphemeral(owner, path)
	}
	t.triggerCreate(events, path, acl, parentPath, parent.acl, zxid)
	return n.clientStat(), OK
}

// deleteNode is DataTree.deleteNode. The parent's pzxid moves forward even
// when the child is already gone (a replay over a fuzzy snapshot); its
// cversion is not touched, as in ZooKeeper.
//
// NB: a path without a leading '/' is NoNode here, as in createNode; Java
// throws StringIndexOutOfBoundsException for it. Deleting "/" is NoNode;
// Java would drop the root's "/" alias.
func (t *Tree) deleteNode(path string, zxid int64, events *[]WatchEvent) Code {
	if path == "/" || !strings.HasPrefix(path, "/") {
		return NoNode
	}
	parentPath := ParentPath(path)
	parent := t.nodes[parentPath]
	if parent == nil {
		return NoNode
	}
	t.change(parentPath, parent, func() {
		parent.removeChild(BaseName(path))
		if zxid > parent.stat.Pzxid {
			parent.stat.Pzxid = zxid
		}
	})
	n := t.nodes[path]
	if n == nil {
		return NoNode
	}
	delete(t.nodes, path)
	t.digest -= n.digest
	owner := n.stat.EphemeralOwner
	switch TypeOfOwner(owner) {
	case EphemeralContainer:
		delete(t.containers, path)
	case EphemeralTTL:
		delete(t.ttls, path)
	case EphemeralNormal:
		if set := t.ephemerals[owner]; set != nil {
			set.remove(path) // NB: Java keeps the emptied set
		}
	}
	t.triggerDelete(events, path, n.acl, parentPath, parent.acl, zxid)
	return OK
}

// setData is DataTree.setData: version is the node's new version, as the
// leader computed it.
func (t *Tree) setData(path string, data []byte, version int32, zxid, time int64, events *[]WatchEvent) (Stat, Code) {
	n := t.nodes[path]
	if n == nil {
		return Stat{}, NoNode
	}
	t.change(path, n, func() {
		n.data = data
		n.stat.Mtime = time
		n.stat.Mzxid = zxid
		n.stat.Version = version
	})
	t.triggerData(events, path, n.acl, zxid)
	return n.clientStat(), OK
}

// setACL is DataTree.setACL: version is the new aversion. No watch fires.
func (t *Tree) setACL(path string, acl []ACL, version int32) (Stat, Code) {
	n := t.nodes[path]
	if n == nil {
		return Stat{}, NoNode
	}
	t.change(path, n, func() {
		n.stat.Aversion = version
		n.acl = acl
	})
	return n.clientStat(), OK
}

// setCversionPzxid is DataTree.setCversionPzxid, used when a replayed
// create finds its node already there.
func (t *Tree) setCversionPzxid(path string, cversion int32, zxid int64) Code {
	n := t.nodes[path]
	if n == nil {
		return NoNode
	}
	if cversion == -1 {
		cversion = n.stat.Cversion + 1
	}
	if cversion > n.stat.Cversion {
		t.change(path, n, func() {
			n.stat.Cversion = cversion
			n.stat.Pzxid = zxid
		})
	}
	return OK
}

// killSession deletes a session's ephemerals: the paths the closeSession
// txn names, in its order, then any the tree still holds for the session
// (a txn written before 3.6 names none), in the set's order
// (DataTree.killSession).
func (t *Tree) killSession(session, zxid int64, paths []string, events *[]WatchEvent) {
	left := t.ephemerals[session]
	delete(t.ephemerals, session)
	for _, p := range paths {
		t.deleteNode(p, zxid, events)
		if left != nil {
			left.remove(p)
		}
	}
	if left == nil {
		return
	}
	for _, p := range left.items() {
		t.deleteNode(p, zxid, events)
	}
}

// addEphemeral puts path in its session's set (DataTree.createNode).
func (t *Tree) addEphemeral(owner int64, path string) {
	set := t.ephemerals[owner]
	if set == nil {
		set = &javaSet{}
		t.ephemerals[owner] = set
	}
	set.add(path)
}

func (t *Tree) String() string {
	var b strings.Builder
	for _, p := range t.Paths() {
		n := t.nodes[p]
		fmt.Fprintf(&b, "%s %q %v %v\n", p, n.data, n.acl, n.stat)
	}
	return b.String()
}
