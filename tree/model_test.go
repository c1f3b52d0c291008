package tree

// Property tests of Apply against a naive model of DataTree.
//
// Method: rapid drives a state machine whose actions apply random txns —
// hand-drawn ones whose preconditions may not hold (so NoNode and
// NodeExists come back, and the replay repairs run), old txns replayed
// with their original headers, and valid ones made by the Prepper from
// random requests — to a Tree and to treeModel, a flat map of path to
// node written from DataTree.java with none of the Tree's indexes, digest
// or sharing. After every action the invariant compares every node's
// stat, data, ACL and children, the session, container and TTL indexes
// and lastZxid, and checks that the incremental digest equals one
// computed from scratch. A "snapshot" action round-trips the tree through
// EncodeSnapshot/DecodeSnapshot and carries on with the decoded tree.
//
// Txns that would orphan a node (deleting a node that has children, which
// DataTree.deleteNode allows but no valid log contains) are skipped: a
// snapshot cannot hold an orphan, in ZooKeeper or here.

import (
	"bytes"
	"sort"
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

// mNode is a model node: DataNode's fields, children by name.
type mNode struct {
	data                              string
	acl                               []ACL
	czxid, mzxid, pzxid, ctime, mtime int64
	version, cversion, aversion       int32
	owner                             int64
	children                          map[string]bool
}

type treeModel struct {
	nodes    map[string]*mNode
	lastZxid int64
}

// newTreeModel copies a tree's nodes into a model.
func newTreeModel(tr *Tree) *treeModel {
	m := &treeModel{nodes: make(map[string]*mNode), lastZxid: tr.LastZxid()}
	for _, p := range tr.Paths() {
		st, acl, _ := tr.Lookup(p)
		data, _ := tr.Data(p)
		n := &mNode{data: string(data), acl: acl, czxid: st.Czxid, mzxid: st.Mzxid, pzxid: st.Pzxid,
			ctime: st.Ctime, mtime: st.Mtime, version: st.Version, cversion: st.Cversion,
			aversion: st.Aversion, owner: st.EphemeralOwner, children: make(map[string]bool)}
		for _, c := range tr.Children(p) {
			n.children[c] = true
		}
		m.nodes[p] = n
	}
	return m
}

func (m *treeModel) clone() *treeModel {
	c := &treeModel{nodes: make(map[string]*mNode, len(m.nodes)), lastZxid: m.lastZxid}
	for p, n := range m.nodes {
		cp := *n
		cp.children = make(map[string]bool, len(n.children))
		for k := range n.children {
			cp.children[k] = true
		}
		c.nodes[p] = &cp
	}
	return c
}

// parentName is Java's path.substring(0, lastSlash), with "" as "/".
func parentName(path string) string {
	i := len(path) - 1
	for i >= 0 && path[i] != '/' {
		i--
	}
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

func childName(path string) string {
	i := len(path) - 1
	for i >= 0 && path[i] != '/' {
		i--
	}
	return path[i+1:]
}

func (m *treeModel) create(path string, data []byte, acl []ACL, owner int64, pcv int32, hdr TxnHeader) Code {
	if len(path) == 0 || path[0] != '/' {
		return NoNode
	}
	parent := m.nodes[parentName(path)]
	if parent == nil {
		return NoNode
	}
	if n := m.nodes[path]; n != nil {
		n.acl = acl
		return NodeExists
	}
	if pcv == -1 {
		pcv = parent.cversion + 1
	}
	if pcv > parent.cversion {
		parent.cversion = pcv
		parent.pzxid = hdr.Zxid
	}
	parent.children[childName(path)] = true
	m.nodes[path] = &mNode{data: string(data), acl: acl, czxid: hdr.Zxid, mzxid: hdr.Zxid, pzxid: hdr.Zxid,
		ctime: hdr.Time, mtime: hdr.Time, owner: owner, children: make(map[string]bool)}
	return OK
}

func (m *treeModel) del(path string, zxid int64) Code {
	if path == "/" {
		return NoNode
	}
	parent := m.nodes[parentName(path)]
	if parent == nil {
		return NoNode
	}
	delete(parent.children, childName(path))
	if zxid > parent.pzxid {
		parent.pzxid = zxid
	}
	if m.nodes[path] == nil {
		return NoNode
	}
	delete(m.nodes, path)
	return OK
}

// apply is processTxn, written out again.
func (m *treeModel) apply(hdr TxnHeader, txn Txn, top bool) (Code, []Code) {
	code := OK
	var multi []Code
	switch x := txn.(type) {
	case CreateTxn:
		owner := int64(0)
		if x.Ephemeral {
			owner = hdr.SessionID
		}
		code = m.create(x.Path, x.Data, x.ACL, owner, x.ParentCVersion, hdr)
		if code == NodeExists && hdr.Type == OpCreate {
			// setCversionPzxid on the parent.
			p := m.nodes[parentName(x.Path)]
			if p == nil {
				code = NoNode
				break
			}
			cv := x.ParentCVersion
			if cv == -1 {
				cv = p.cversion + 1
			}
			if cv > p.cversion {
				p.cversion, p.pzxid = cv, hdr.Zxid
			}
		}
	case CreateContainerTxn:
		code = m.create(x.Path, x.Data, x.ACL, ContainerOwner, x.ParentCVersion, hdr)
	case CreateTTLTxn:
		code = m.create(x.Path, x.Data, x.ACL, TTLOwner(x.TTL), x.ParentCVersion, hdr)
	case DeleteTxn:
		code = m.del(x.Path, hdr.Zxid)
	case SetDataTxn:
		n := m.nodes[x.Path]
		if n == nil {
			code = NoNode
			break
		}
		n.data, n.mtime, n.mzxid, n.version = string(x.Data), hdr.Time, hdr.Zxid, x.Version
	case SetACLTxn:
		n := m.nodes[x.Path]
		if n == nil {
			code = NoNode
			break
		}
		n.acl, n.aversion = x.ACL, x.Version
	case CloseSessionTxn:
		for _, p := range x.Paths {
			m.del(p, hdr.Zxid)
		}
		m.killRest(hdr)
	case nil:
		if hdr.Type == OpCloseSession {
			m.killRest(hdr)
		}
	case ErrorTxn:
		code = x.Err
	case MultiTxn:
		code, multi = m.applyMulti(hdr, x)
	}
	if top && hdr.Zxid > m.lastZxid {
		m.lastZxid = hdr.Zxid
	}
	return code, multi
}

func (m *treeModel) killRest(hdr TxnHeader) {
	for _, p := range m.ephemerals(hdr.SessionID) {
		m.del(p, hdr.Zxid)
	}
}

func (m *treeModel) applyMulti(hdr TxnHeader, x MultiTxn) (Code, []Code) {
	failed := false
	for _, s := range x.Txns {
		failed = failed || s.Type == OpError
	}
	code := OK
	var codes []Code
	postFailed := false
	for _, s := range x.Txns {
		var c Code
		switch {
		case s.Type == OpError:
			postFailed = true
			c = s.Txn.(ErrorTxn).Err
		case failed && postFailed:
			c = RuntimeInconsistency
		case failed:
			c = OK
		default:
			sub := hdr
			sub.Type = s.Type
			c, _ = m.apply(sub, s.Txn, false)
		}
		codes = append(codes, c)
		if c != OK && code == OK {
			code = c
		}
	}
	return code, codes
}

func (m *treeModel) ephemerals(session int64) []string {
	var out []string
	for p, n := range m.nodes {
		if n.owner == session && TypeOfOwner(n.owner) == EphemeralNormal {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

func (m *treeModel) ofType(typ EphemeralType) []string {
	out := []string{}
	for p, n := range m.nodes {
		if TypeOfOwner(n.owner) == typ {
			out = append(out, p)
		}
	}
	sort.Strings(out)
	return out
}

// ephemeralParent reports whether some session's ephemeral has a child.
func (m *treeModel) ephemeralParent() bool {
	for _, n := range m.nodes {
		if len(n.children) > 0 && TypeOfOwner(n.owner) == EphemeralNormal {
			return true
		}
	}
	return false
}

// orphaned reports whether some node is not its parent's child.
func (m *treeModel) orphaned() bool {
	for p := range m.nodes {
		if p == "/" {
			continue
		}
		parent := m.nodes[parentName(p)]
		if parent == nil || !parent.children[childName(p)] {
			return true
		}
	}
	return false
}

// requireAgrees compares every node and index of tr with m.
func (m *treeModel) requireAgrees(t *rapid.T, tr *Tree) {
	paths := make([]string, 0, len(m.nodes))
	for p := range m.nodes {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	require.Equal(t, paths, tr.Paths(), "the nodes")
	for _, p := range paths {
		n := m.nodes[p]
		kids := make([]string, 0, len(n.children))
		for c := range n.children {
			kids = append(kids, c)
		}
		sort.Strings(kids)
		want := Stat{Czxid: n.czxid, Mzxid: n.mzxid, Pzxid: n.pzxid, Ctime: n.ctime, Mtime: n.mtime,
			Version: n.version, Cversion: n.cversion, Aversion: n.aversion, EphemeralOwner: n.owner,
			DataLength: int32(len(n.data)), NumChildren: int32(len(kids))}
		st, acl, ok := tr.Lookup(p)
		require.True(t, ok, p)
		require.Equal(t, want, st, "%s: stat", p)
		require.Equal(t, n.acl, acl, "%s: ACL", p)
		data, _ := tr.Data(p)
		require.Equal(t, n.data, string(data), "%s: data", p)
		require.Equal(t, kids, append([]string{}, tr.Children(p)...), "%s: children", p)
	}
	var sessions []int64
	for _, s := range genSessions {
		want := m.ephemerals(s)
		got := tr.Ephemerals(s)
		if len(want) == 0 {
			require.Empty(t, got, "session %#x", s)
			continue
		}
		sessions = append(sessions, s)
		require.Equal(t, want, got, "session %#x", s)
	}
	sort.Slice(sessions, func(i, j int) bool { return sessions[i] < sessions[j] })
	if len(sessions) == 0 {
		require.Empty(t, tr.Sessions())
	} else {
		require.Equal(t, sessions, tr.Sessions())
	}
	require.Equal(t, m.ofType(EphemeralContainer), tr.Containers())
	require.Equal(t, m.ofType(EphemeralTTL), tr.TTLNodes())
	require.Equal(t, m.lastZxid, tr.LastZxid())
}

// Generators. Paths come from a small namespace so txns collide; every
// session is one of prep_test's three.

var (
	modelPaths = []string{"/", "/a", "/a", "/b", "/a/x", "/a/x", "/a/y", "/b/x", "/a/x/z", "/c", "/zookeeper/x", "/zookeeper"}
	modelACLs  = [][]ACL{OpenACLUnsafe, OpenACLUnsafe, aliceAll, ReadACLUnsafe, {{Perms: PermRead, ID: ipID}, {Perms: PermAll, ID: bobID}}}
)

func drawPath(t *rapid.T) string { return rapid.SampledFrom(modelPaths).Draw(t, "path") }

// drawParentCVersion: -1, the value Prep would write, or one near it (a
// replay, or a txn from a leader whose view was older).
func drawParentCVersion(t *rapid.T, m *treeModel, path string) int32 {
	cur := int32(0)
	if p := m.nodes[parentName(path)]; p != nil {
		cur = p.cversion
	}
	switch rapid.IntRange(0, 3).Draw(t, "pcvKind") {
	case 0:
		return -1
	case 1:
		return cur + rapid.Int32Range(-2, 3).Draw(t, "pcvDelta")
	}
	return cur + 1
}

func drawCreateTxn(t *rapid.T, m *treeModel) SubTxn {
	path := drawPath(t)
	data := []byte(rapid.StringMatching(`[a-z]{0,3}`).Draw(t, "data"))
	acl := rapid.SampledFrom(modelACLs).Draw(t, "acl")
	pcv := drawParentCVersion(t, m, path)
	switch rapid.IntRange(0, 5).Draw(t, "createKind") {
	case 0:
		return SubTxn{OpCreate2, CreateTxn{Path: path, Data: data, ACL: acl, ParentCVersion: pcv}}
	case 1:
		return SubTxn{OpCreate, CreateTxn{Path: path, Data: data, ACL: acl, Ephemeral: true, ParentCVersion: pcv}}
	case 2:
		return SubTxn{OpCreateContainer, CreateContainerTxn{Path: path, Data: data, ACL: acl, ParentCVersion: pcv}}
	case 3:
		ttl := rapid.Int64Range(1, MaxTTL).Draw(t, "ttl")
		return SubTxn{OpCreateTTL, CreateTTLTxn{Path: path, Data: data, ACL: acl, ParentCVersion: pcv, TTL: ttl}}
	}
	return SubTxn{OpCreate, CreateTxn{Path: path, Data: data, ACL: acl, ParentCVersion: pcv}}
}

// drawSubTxn draws one op a multi may hold (no setACL: processTxn refuses
// it in a multi).
func drawSubTxn(t *rapid.T, m *treeModel) SubTxn {
	path := drawPath(t)
	version := rapid.Int32Range(-1, 4).Draw(t, "version")
	switch rapid.IntRange(0, 5).Draw(t, "subKind") {
	case 0, 1:
		return drawCreateTxn(t, m)
	case 2:
		typ := rapid.SampledFrom([]OpCode{OpDelete, OpDeleteContainer}).Draw(t, "deleteType")
		return SubTxn{typ, DeleteTxn{Path: path}}
	case 3:
		return SubTxn{OpSetData, SetDataTxn{Path: path, Data: []byte("s"), Version: version}}
	case 4:
		return SubTxn{OpCheck, CheckVersionTxn{Path: path, Version: version}}
	}
	code := rapid.SampledFrom([]Code{BadVersion, NoNode, NodeExists, NotEmpty, RuntimeInconsistency}).Draw(t, "errCode")
	return SubTxn{OpError, ErrorTxn{Err: code}}
}

// modelMachine is the state of TestApplyAgainstModel.
type modelMachine struct {
	tr   *Tree
	p    *Prepper
	m    *treeModel
	zxid int64
	now  int64
	log  []loggedTxn // every txn applied, for replays
}

func (s *modelMachine) header(typ OpCode, session int64) TxnHeader {
	s.zxid++
	s.now += 3
	return TxnHeader{SessionID: session, Cxid: int32(s.zxid), Zxid: s.zxid, Time: s.now, Type: typ}
}

// run applies hdr/txn to the model and the tree and compares the results;
// it skips a txn that would leave an orphan.
func (s *modelMachine) run(t *rapid.T, hdr TxnHeader, txn Txn) {
	next := s.m.clone()
	wantCode, wantMulti := next.apply(hdr, txn, true)
	if next.orphaned() {
		t.Skip("would orphan a node")
	}
	s.m = next
	res := s.tr.Apply(hdr, txn)
	s.log = append(s.log, loggedTxn{hdr, txn})
	require.Equal(t, wantCode, res.Err, "%v %+v", hdr.Type, txn)
	require.Equal(t, hdr.Type, res.Type)
	if wantMulti != nil {
		got := make([]Code, len(res.Multi))
		for i, r := range res.Multi {
			got[i] = r.Err
		}
		require.Equal(t, wantMulti, got, "multi results")
	}
	if res.Stat != nil {
		path := res.Path
		st, code := s.tr.Exists(path, 0)
		require.Equal(t, OK, code)
		require.Equal(t, st, *res.Stat, "a result's stat is the client's")
	}
}

func (s *modelMachine) session(t *rapid.T) int64 {
	return rapid.SampledFrom(genSessions).Draw(t, "session")
}

func (s *modelMachine) Create(t *rapid.T) {
	c := drawCreateTxn(t, s.m)
	s.run(t, s.header(c.Type, s.session(t)), c.Txn)
}

func (s *modelMachine) Delete(t *rapid.T) {
	s.run(t, s.header(OpDelete, 0), DeleteTxn{Path: drawPath(t)})
}

func (s *modelMachine) SetData(t *rapid.T) {
	txn := SetDataTxn{Path: drawPath(t), Data: []byte(rapid.StringMatching(`[a-z]{0,4}`).Draw(t, "data")),
		Version: rapid.Int32Range(-1, 5).Draw(t, "version")}
	s.run(t, s.header(OpSetData, 0), txn)
}

func (s *modelMachine) SetACL(t *rapid.T) {
	txn := SetACLTxn{Path: drawPath(t), ACL: rapid.SampledFrom(modelACLs).Draw(t, "acl"),
		Version: rapid.Int32Range(-1, 5).Draw(t, "aversion")}
	s.run(t, s.header(OpSetACL, 0), txn)
}

func (s *modelMachine) Multi(t *rapid.T) {
	n := rapid.IntRange(0, 4).Draw(t, "ops")
	var m MultiTxn
	for range n {
		m.Txns = append(m.Txns, drawSubTxn(t, s.m))
	}
	s.run(t, s.header(OpMulti, s.session(t)), m)
}

func (s *modelMachine) CloseSession(t *rapid.T) {
	session := s.session(t)
	hdr := s.header(OpCloseSession, session)
	switch rapid.IntRange(0, 2).Draw(t, "closeKind") {
	case 0:
		s.run(t, hdr, nil) // pre-3.6: no paths
	case 1:
		// The session's ephemerals, some left out (killSession deletes
		// the rest), perhaps one more path (deleted whoever owns it).
		var paths []string
		for _, p := range s.m.ephemerals(session) {
			if rapid.Bool().Draw(t, "listed") {
				paths = append(paths, p)
			}
		}
		if rapid.IntRange(0, 3).Draw(t, "extra") == 0 {
			paths = append(paths, drawPath(t))
		}
		s.run(t, hdr, CloseSessionTxn{Paths: paths})
	default:
		s.run(t, hdr, CloseSessionTxn{Paths: s.m.ephemerals(session)})
	}
}

// Replay re-applies a txn already applied, with its own header, as a
// server does over a fuzzy snapshot.
func (s *modelMachine) Replay(t *rapid.T) {
	if len(s.log) == 0 {
		t.Skip("nothing to replay")
	}
	x := rapid.SampledFrom(s.log).Draw(t, "replayed")
	s.run(t, x.hdr, x.txn)
}

// Prepped applies the txn the Prepper makes of a random request. Prep
// assumes what it enforces, that no ephemeral has children (its
// closeSession panics otherwise), so it is not asked while raw txns have
// made one.
func (s *modelMachine) Prepped(t *rapid.T) {
	if s.m.ephemeralParent() {
		t.Skip("an ephemeral has children")
	}
	r := drawRequest(t)
	hdr := s.header(r.Type, r.SessionID)
	r.Zxid, r.Time = hdr.Zxid, hdr.Time
	hdr, txn := s.p.Prep(r)
	defer s.p.Reset() // applied or skipped, nothing stays outstanding
	s.run(t, hdr, txn)
	s.p.Applied(hdr.Zxid)
	require.Zero(t, s.p.Outstanding())
}

// Snapshot round-trips the tree and goes on with the decoded one.
func (s *modelMachine) Snapshot(t *rapid.T) {
	sessions := []Session{{ID: sessAlice, Timeout: 10}}
	b := EncodeSnapshot(s.tr, sessions)
	got, gotSessions, err := DecodeSnapshot(b)
	require.NoError(t, err)
	require.Equal(t, sessions, gotSessions)
	require.True(t, bytes.Equal(b, EncodeSnapshot(got, gotSessions)), "re-encodes to the same bytes")
	require.Equal(t, renderTree(s.tr), renderTree(got))
	s.tr = got
	s.p = NewPrepper(got)
}

func (s *modelMachine) Check(t *rapid.T) {
	s.m.requireAgrees(t, s.tr)
	require.Equal(t, s.tr.RecomputeDigest(), s.tr.Digest(), "incremental digest")
}

func TestApplyAgainstModel(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		tr := New()
		s := &modelMachine{tr: tr, p: NewPrepper(tr), m: newTreeModel(tr), zxid: 0x100000000, now: 1000}
		t.Repeat(rapid.StateMachineActions(s))
	})
}
