package tree

// Tests of Apply, DataTree.processTxn (branch-3.8).
//
// Method: table tests apply hand-written txns — not prepped ones, so that
// replays and txns whose preconditions no longer hold can be fed in, as a
// server replaying its log over a fuzzy snapshot does — and check every
// Stat field, index and result against DataTree.java, citing the method
// each rule comes from. The replay tests then apply whole logs twice and
// compare the trees byte for byte through EncodeSnapshot.

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// txnRunner applies txns to a Tree with increasing zxids and times, and
// logs them so that they can be replayed.
type txnRunner struct {
	tr   *Tree
	zxid int64
	now  int64
	log  []loggedTxn
	// explicit makes apply replace a create's ParentCVersion -1 with the
	// value the leader would have put there, as every txn Prep makes
	// carries. A replayed -1 bumps the cversion again, so a replayable log
	// must be explicit.
	explicit bool
}

type loggedTxn struct {
	hdr TxnHeader
	txn Txn
}

func newTxnRunner() *txnRunner {
	return &txnRunner{tr: New(), zxid: 0x100000000, now: 5_000}
}

// apply stamps txn with the next zxid and time and applies it.
func (r *txnRunner) apply(typ OpCode, session int64, txn Txn) Result {
	r.zxid++
	r.now += 10
	hdr := TxnHeader{SessionID: session, Cxid: int32(r.zxid), Zxid: r.zxid, Time: r.now, Type: typ}
	if r.explicit {
		txn = r.stamp(txn, make(map[string]int32))
	}
	r.log = append(r.log, loggedTxn{hdr, txn})
	return r.tr.Apply(hdr, txn)
}

// stamp fills in ParentCVersion -1 from the tree; bumped counts the
// creates under each parent made by earlier ops of the same multi.
func (r *txnRunner) stamp(txn Txn, bumped map[string]int32) Txn {
	next := func(path string, v int32) int32 {
		if v != -1 {
			return v
		}
		parent := ParentPath(path)
		st, _, _ := r.tr.Lookup(parent)
		bumped[parent]++
		return st.Cversion + bumped[parent]
	}
	switch x := txn.(type) {
	case CreateTxn:
		x.ParentCVersion = next(x.Path, x.ParentCVersion)
		return x
	case CreateContainerTxn:
		x.ParentCVersion = next(x.Path, x.ParentCVersion)
		return x
	case CreateTTLTxn:
		x.ParentCVersion = next(x.Path, x.ParentCVersion)
		return x
	case MultiTxn:
		subs := make([]SubTxn, len(x.Txns))
		for i, sub := range x.Txns {
			subs[i] = SubTxn{Type: sub.Type, Txn: r.stamp(sub.Txn, bumped)}
		}
		return MultiTxn{Txns: subs}
	}
	return txn
}

// ok applies txn and requires it to succeed.
func (r *txnRunner) ok(t require.TestingT, typ OpCode, session int64, txn Txn) Result {
	res := r.apply(typ, session, txn)
	require.Equal(t, OK, res.Err, "%v %+v", typ, txn)
	return res
}

// Txn builders: open ACL, parent cversion -1 ("the parent's plus one").

func txCreate(path, data string) CreateTxn {
	return CreateTxn{Path: path, Data: []byte(data), ACL: OpenACLUnsafe, ParentCVersion: -1}
}

func txEphemeral(path string) CreateTxn {
	c := txCreate(path, "e")
	c.Ephemeral = true
	return c
}

func txContainer(path string) CreateContainerTxn {
	return CreateContainerTxn{Path: path, ACL: OpenACLUnsafe, ParentCVersion: -1}
}

func txTTL(path string, ttl int64) CreateTTLTxn {
	return CreateTTLTxn{Path: path, ACL: OpenACLUnsafe, ParentCVersion: -1, TTL: ttl}
}

func persisted(t require.TestingT, tr *Tree, path string) Stat {
	st, _, ok := tr.Lookup(path)
	require.True(t, ok, "%s should exist", path)
	return st
}

func clientStat(t require.TestingT, tr *Tree, path string) Stat {
	st, code := tr.Exists(path, 0)
	require.Equal(t, OK, code, "%s should exist", path)
	return st
}

// renderTree is every node with its data, ACL and persisted stat, the
// indexes and lastZxid: what two trees must agree on to be the same.
func renderTree(tr *Tree) string {
	var b strings.Builder
	b.WriteString(tr.String())
	for _, s := range tr.Sessions() {
		fmt.Fprintf(&b, "session %#x: %v\n", s, tr.Ephemerals(s))
	}
	fmt.Fprintf(&b, "containers %v\nttls %v\nlastZxid %#x digest %#x\n", tr.Containers(), tr.TTLNodes(), tr.LastZxid(), tr.Digest())
	return b.String()
}

// requireSameTree compares two trees by rendering (for a readable diff)
// and by snapshot bytes.
func requireSameTree(t require.TestingT, want, got *Tree, msgAndArgs ...any) {
	require.Equal(t, renderTree(want), renderTree(got), msgAndArgs...)
	require.True(t, bytes.Equal(EncodeSnapshot(want, nil), EncodeSnapshot(got, nil)), msgAndArgs...)
}

func TestNewTree(t *testing.T) {
	tr := New()
	assert.Equal(t, []string{"/", "/zookeeper", "/zookeeper/config", "/zookeeper/quota"}, tr.Paths())
	assert.Equal(t, 4, tr.Size())
	assert.Equal(t, int64(0), tr.LastZxid())

	root := persisted(t, tr, "/")
	assert.Equal(t, Stat{NumChildren: 1}, root, "the root: a zero StatPersisted, one child")
	assert.Equal(t, Stat{NumChildren: 2}, persisted(t, tr, "/zookeeper"))
	assert.Equal(t, Stat{}, persisted(t, tr, "/zookeeper/quota"))
	assert.Equal(t, Stat{Aversion: -1}, persisted(t, tr, "/zookeeper/config"), "addConfigNode: setACL(..., -1)")
	_, acl, _ := tr.Lookup(ConfigPath)
	assert.Equal(t, ReadACLUnsafe, acl)
	for _, p := range []string{"/", ZooKeeperPath, QuotaPath} {
		_, acl, _ := tr.Lookup(p)
		assert.Equal(t, OpenACLUnsafe, acl, p)
		assert.True(t, IsSpecialPath(p))
	}
	assert.True(t, IsSpecialPath(ConfigPath))
	assert.False(t, IsSpecialPath("/zookeeper/x"))

	// What a client sees (DataNode.copyStat); REAL-ZOOKEEPER.md: "/ has
	// cversion -1 ... /zookeeper has cversion -2".
	assert.Equal(t, int32(-1), clientStat(t, tr, "/").Cversion)
	assert.Equal(t, int32(-2), clientStat(t, tr, "/zookeeper").Cversion)
	_, st, code := tr.GetData(ConfigPath, nil, 0)
	require.Equal(t, OK, code, "config is readable by anyone")
	assert.Equal(t, int32(-1), st.Aversion)

	assert.Equal(t, []string{"zookeeper"}, tr.Children("/"))
	assert.Equal(t, []string{"config", "quota"}, tr.Children("/zookeeper"))
	assert.Equal(t, tr.RecomputeDigest(), tr.Digest())
	assert.Empty(t, tr.Sessions())
	assert.Empty(t, tr.Containers())
	assert.Empty(t, tr.TTLNodes())
}

type applyCase struct {
	name  string
	setup []loggedTxn // applied with the runner's zxids; must succeed
	typ   OpCode
	sess  int64
	txn   Txn
	want  Code
	check func(t *testing.T, r *txnRunner, before *Tree, res Result)
}

func setupTxn(typ OpCode, session int64, txn Txn) loggedTxn {
	return loggedTxn{TxnHeader{Type: typ, SessionID: session}, txn}
}

func runApplyCases(t *testing.T, cases []applyCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			r := newTxnRunner()
			for _, s := range tt.setup {
				r.ok(t, s.hdr.Type, s.hdr.SessionID, s.txn)
			}
			before, _, err := DecodeSnapshot(EncodeSnapshot(r.tr, nil))
			require.NoError(t, err)
			res := r.apply(tt.typ, tt.sess, tt.txn)
			assert.Equal(t, tt.want, res.Err)
			assert.Equal(t, tt.typ, res.Type)
			assert.Equal(t, r.zxid, r.tr.LastZxid(), "lastZxid advances, failed or not")
			assert.Equal(t, r.tr.RecomputeDigest(), r.tr.Digest(), "digest kept up to date")
			if tt.check != nil {
				tt.check(t, r, before, res)
			}
		})
	}
}

// unchangedBut requires the tree to equal before except for lastZxid.
func unchangedBut(t *testing.T, r *txnRunner, before *Tree) {
	t.Helper()
	before.SetLastZxid(r.tr.LastZxid())
	requireSameTree(t, before, r.tr)
}

func TestApplyCreate(t *testing.T) {
	p := setupTxn(OpCreate, 0, txCreate("/p", "parent"))
	runApplyCases(t, []applyCase{
		{name: "create - stat of a new node - pass", setup: []loggedTxn{p},
			typ: OpCreate, sess: sessAlice, txn: txCreate("/p/a", "hello"), want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				st := persisted(t, r.tr, "/p/a")
				assert.Equal(t, Stat{Czxid: r.zxid, Mzxid: r.zxid, Pzxid: r.zxid, Ctime: r.now, Mtime: r.now, DataLength: 5}, st,
					"createStat: czxid=mzxid=pzxid=zxid, ctime=mtime=time, versions 0")
				data, _ := r.tr.Data("/p/a")
				assert.Equal(t, "hello", string(data))
				assert.Equal(t, "/p/a", res.Path)
				assert.Nil(t, res.Stat, "a create (not create2) returns no stat")
				assert.Nil(t, res.Multi)
			}},
		{name: "create - parent cversion, pzxid and children - pass", setup: []loggedTxn{p, setupTxn(OpCreate, 0, txCreate("/p/a", ""))},
			typ: OpCreate, txn: txCreate("/p/b", ""), want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				was := persisted(t, before, "/p")
				st := persisted(t, r.tr, "/p")
				assert.Equal(t, was.Cversion+1, st.Cversion, "parentCVersion -1 means +1")
				assert.Equal(t, r.zxid, st.Pzxid)
				assert.Equal(t, int32(2), st.NumChildren)
				assert.Equal(t, was.Mzxid, st.Mzxid, "the parent's data is not touched")
				assert.Equal(t, was.Version, st.Version)
				assert.Equal(t, []string{"a", "b"}, r.tr.Children("/p"))
			}},
		{name: "create - explicit parent cversion above current - pass", setup: []loggedTxn{p},
			typ: OpCreate, txn: CreateTxn{Path: "/p/a", ACL: OpenACLUnsafe, ParentCVersion: 7}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				st := persisted(t, r.tr, "/p")
				assert.Equal(t, int32(7), st.Cversion)
				assert.Equal(t, r.zxid, st.Pzxid)
			}},
		{name: "create - explicit parent cversion below current does not lower it - pass",
			setup: []loggedTxn{p, setupTxn(OpCreate, 0, CreateTxn{Path: "/p/a", ACL: OpenACLUnsafe, ParentCVersion: 5})},
			typ:   OpCreate, txn: CreateTxn{Path: "/p/b", ACL: OpenACLUnsafe, ParentCVersion: 3}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				was := persisted(t, before, "/p")
				st := persisted(t, r.tr, "/p")
				assert.Equal(t, int32(5), st.Cversion, "createNode: only update when it's larger")
				assert.Equal(t, was.Pzxid, st.Pzxid, "nor is pzxid moved")
				assert.Equal(t, int32(2), st.NumChildren, "the child is added all the same")
				assert.Equal(t, r.zxid, persisted(t, r.tr, "/p/b").Czxid)
			}},
		{name: "create - equal parent cversion does not move pzxid - pass",
			setup: []loggedTxn{p, setupTxn(OpCreate, 0, txCreate("/p/a", ""))},
			typ:   OpCreate, txn: CreateTxn{Path: "/p/b", ACL: OpenACLUnsafe, ParentCVersion: 1}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Equal(t, persisted(t, before, "/p").Pzxid, persisted(t, r.tr, "/p").Pzxid)
			}},
		{name: "create2 - returns the client stat - pass", setup: []loggedTxn{p},
			typ: OpCreate2, txn: txCreate("/p/a", "xy"), want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				require.NotNil(t, res.Stat)
				assert.Equal(t, clientStat(t, r.tr, "/p/a"), *res.Stat)
				assert.Equal(t, r.zxid, res.Stat.Czxid)
				assert.Equal(t, int32(2), res.Stat.DataLength)
			}},
		{name: "create - missing parent - fail", typ: OpCreate, txn: txCreate("/x/y", ""), want: NoNode,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				unchangedBut(t, r, before)
				assert.Nil(t, res.Stat)
			}},
		{name: "create - existing node replaces its ACL - fail",
			setup: []loggedTxn{p, setupTxn(OpCreate, 0, txCreate("/p/a", "old"))},
			typ:   OpCreate, txn: CreateTxn{Path: "/p/a", Data: []byte("new"), ACL: aliceAll, ParentCVersion: 1}, want: NodeExists,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				_, acl, _ := r.tr.Lookup("/p/a")
				assert.Equal(t, aliceAll, acl, "createNode sets existingChild.acl before it throws")
				data, _ := r.tr.Data("/p/a")
				assert.Equal(t, "old", string(data))
				assert.Equal(t, persisted(t, before, "/p/a"), persisted(t, r.tr, "/p/a"))
				assert.Equal(t, persisted(t, before, "/p"), persisted(t, r.tr, "/p"), "cversion 1 is not above the parent's")
			}},
		{name: "create - NodeExists repairs the parent's cversion and pzxid - fail",
			setup: []loggedTxn{p, setupTxn(OpCreate, 0, txCreate("/p/a", ""))},
			typ:   OpCreate, txn: CreateTxn{Path: "/p/a", ACL: OpenACLUnsafe, ParentCVersion: 4}, want: NodeExists,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				st := persisted(t, r.tr, "/p")
				assert.Equal(t, int32(4), st.Cversion, "processTxn: setCversionPzxid after NODEEXISTS")
				assert.Equal(t, r.zxid, st.Pzxid)
				assert.Equal(t, int32(1), st.NumChildren)
			}},
		{name: "create - NodeExists repair with cversion -1 - fail",
			setup: []loggedTxn{p, setupTxn(OpCreate, 0, txCreate("/p/a", ""))},
			typ:   OpCreate, txn: txCreate("/p/a", ""), want: NodeExists,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				st := persisted(t, r.tr, "/p")
				assert.Equal(t, int32(2), st.Cversion, "setCversionPzxid: -1 means +1")
				assert.Equal(t, r.zxid, st.Pzxid)
			}},
		{name: "create2 - NodeExists is not repaired - fail",
			setup: []loggedTxn{p, setupTxn(OpCreate, 0, txCreate("/p/a", ""))},
			typ:   OpCreate2, txn: CreateTxn{Path: "/p/a", ACL: OpenACLUnsafe, ParentCVersion: 4}, want: NodeExists,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Equal(t, persisted(t, before, "/p"), persisted(t, r.tr, "/p"), "the repair is for OpCode.create only")
				assert.Nil(t, res.Stat)
			}},
		{name: "createContainer - NodeExists is not repaired - fail",
			setup: []loggedTxn{p, setupTxn(OpCreate, 0, txCreate("/p/a", ""))},
			typ:   OpCreateContainer, txn: CreateContainerTxn{Path: "/p/a", ACL: OpenACLUnsafe, ParentCVersion: 4}, want: NodeExists,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Equal(t, persisted(t, before, "/p"), persisted(t, r.tr, "/p"))
				assert.Empty(t, r.tr.Containers())
			}},
		{name: "create - the root exists - fail", typ: OpCreate, txn: CreateTxn{Path: "/", ACL: ReadACLUnsafe, ParentCVersion: 3}, want: NodeExists,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				_, acl, _ := r.tr.Lookup("/")
				assert.Equal(t, ReadACLUnsafe, acl, "Java finds the root under \"/\" and replaces its ACL")
				assert.Equal(t, int32(3), persisted(t, r.tr, "/").Cversion, "and repairs it as the parent \"\"")
			}},
		{name: "create - no leading slash - fail", typ: OpCreate, txn: txCreate("a", ""), want: NoNode,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) { unchangedBut(t, r, before) }},
		{name: "create - ephemeral indexed by session - pass", setup: []loggedTxn{p},
			typ: OpCreate, sess: sessAlice, txn: txEphemeral("/p/e"), want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Equal(t, sessAlice, persisted(t, r.tr, "/p/e").EphemeralOwner)
				assert.Equal(t, sessAlice, clientStat(t, r.tr, "/p/e").EphemeralOwner)
				assert.Equal(t, []string{"/p/e"}, r.tr.Ephemerals(sessAlice))
				assert.Equal(t, []int64{sessAlice}, r.tr.Sessions())
				assert.Empty(t, r.tr.Ephemerals(sessBob))
			}},
		{name: "create - persistent from a session is not ephemeral - pass",
			typ: OpCreate, sess: sessAlice, txn: txCreate("/a", ""), want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Equal(t, int64(0), persisted(t, r.tr, "/a").EphemeralOwner)
				assert.Empty(t, r.tr.Sessions())
			}},
		{name: "createContainer - container index, owner hidden from clients - pass",
			typ: OpCreateContainer, sess: sessAlice, txn: txContainer("/c"), want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Equal(t, ContainerOwner, persisted(t, r.tr, "/c").EphemeralOwner)
				assert.Equal(t, []string{"/c"}, r.tr.Containers())
				require.NotNil(t, res.Stat)
				assert.Equal(t, int64(0), res.Stat.EphemeralOwner, "copyStat: getClientEphemeralOwner")
				assert.Equal(t, int64(0), clientStat(t, r.tr, "/c").EphemeralOwner)
				assert.Empty(t, r.tr.Sessions(), "a container is not a session's")
			}},
		{name: "createTTL - TTL index - pass",
			typ: OpCreateTTL, sess: sessAlice, txn: txTTL("/t", 1234), want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				owner := persisted(t, r.tr, "/t").EphemeralOwner
				assert.Equal(t, TTLOwner(1234), owner)
				assert.Equal(t, int64(1234), OwnerTTL(owner))
				assert.Equal(t, []string{"/t"}, r.tr.TTLNodes())
				require.NotNil(t, res.Stat)
				assert.Equal(t, int64(0), res.Stat.EphemeralOwner)
				assert.Empty(t, r.tr.Sessions())
			}},
	})
}

func TestApplyDelete(t *testing.T) {
	p := setupTxn(OpCreate, 0, txCreate("/p", ""))
	pa := setupTxn(OpCreate, 0, txCreate("/p/a", ""))
	runApplyCases(t, []applyCase{
		{name: "delete - parent pzxid moves, cversion does not - pass", setup: []loggedTxn{p, pa, setupTxn(OpCreate, 0, txCreate("/p/b", ""))},
			typ: OpDelete, txn: DeleteTxn{Path: "/p/a"}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				was, st := persisted(t, before, "/p"), persisted(t, r.tr, "/p")
				assert.Equal(t, was.Cversion, st.Cversion, "deleteNode never touches cversion")
				assert.Equal(t, r.zxid, st.Pzxid)
				assert.Equal(t, int32(1), st.NumChildren)
				assert.Equal(t, []string{"b"}, r.tr.Children("/p"))
				_, _, ok := r.tr.Lookup("/p/a")
				assert.False(t, ok)
				assert.Equal(t, "/p/a", res.Path)
				// copyStat: 2 creates, 1 delete = 3 changes.
				assert.Equal(t, int32(2*2-1), clientStat(t, r.tr, "/p").Cversion)
			}},
		{name: "delete - missing child still moves the parent's pzxid - fail", setup: []loggedTxn{p},
			typ: OpDelete, txn: DeleteTxn{Path: "/p/gone"}, want: NoNode,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Equal(t, r.zxid, persisted(t, r.tr, "/p").Pzxid, "deleteNode updates pzxid before the NoNode")
			}},
		{name: "delete - missing parent - fail", typ: OpDelete, txn: DeleteTxn{Path: "/x/y"}, want: NoNode,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) { unchangedBut(t, r, before) }},
		{name: "delete - the root - fail", typ: OpDelete, txn: DeleteTxn{Path: "/"}, want: NoNode,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) { unchangedBut(t, r, before) }},
		{name: "delete - no leading slash - fail", typ: OpDelete, txn: DeleteTxn{Path: "zookeeper"}, want: NoNode,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) { unchangedBut(t, r, before) }},
		{name: "delete - ephemeral leaves the session index - pass", setup: []loggedTxn{setupTxn(OpCreate, sessAlice, txEphemeral("/e")), setupTxn(OpCreate, sessAlice, txEphemeral("/f"))},
			typ: OpDelete, sess: sessBob, txn: DeleteTxn{Path: "/e"}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Equal(t, []string{"/f"}, r.tr.Ephemerals(sessAlice))
			}},
		{name: "delete - last ephemeral of a session - pass", setup: []loggedTxn{setupTxn(OpCreate, sessAlice, txEphemeral("/e"))},
			typ: OpDelete, txn: DeleteTxn{Path: "/e"}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Empty(t, r.tr.Ephemerals(sessAlice))
				assert.Empty(t, r.tr.Sessions())
			}},
		{name: "deleteContainer - container index - pass", setup: []loggedTxn{setupTxn(OpCreateContainer, 0, txContainer("/c"))},
			typ: OpDeleteContainer, txn: DeleteTxn{Path: "/c"}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) { assert.Empty(t, r.tr.Containers()) }},
		{name: "delete - TTL index - pass", setup: []loggedTxn{setupTxn(OpCreateTTL, 0, txTTL("/t", 10))},
			typ: OpDelete, txn: DeleteTxn{Path: "/t"}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) { assert.Empty(t, r.tr.TTLNodes()) }},
	})
}

// TestApplyDeleteOlderZxid: a delete replayed with a zxid below the
// parent's pzxid does not lower it (deleteNode: "Only update pzxid when the
// zxid is larger").
func TestApplyDeleteOlderZxid(t *testing.T) {
	r := newTxnRunner()
	r.ok(t, OpCreate, 0, txCreate("/p", ""))
	r.ok(t, OpCreate, 0, txCreate("/p/a", ""))
	r.ok(t, OpCreate, 0, txCreate("/p/b", ""))
	pz := persisted(t, r.tr, "/p").Pzxid
	res := r.tr.Apply(TxnHeader{Zxid: pz - 1, Type: OpDelete}, DeleteTxn{Path: "/p/a"})
	require.Equal(t, OK, res.Err)
	assert.Equal(t, pz, persisted(t, r.tr, "/p").Pzxid)
	assert.Equal(t, r.zxid, r.tr.LastZxid(), "lastZxid does not go back")
}

func TestApplySetData(t *testing.T) {
	a := setupTxn(OpCreate, 0, txCreate("/a", "old"))
	runApplyCases(t, []applyCase{
		{name: "setData - version from the txn, mzxid, mtime, length - pass", setup: []loggedTxn{a},
			typ: OpSetData, txn: SetDataTxn{Path: "/a", Data: []byte("newer"), Version: 42}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				was, st := persisted(t, before, "/a"), persisted(t, r.tr, "/a")
				assert.Equal(t, int32(42), st.Version, "the version is the txn's, not +1")
				assert.Equal(t, r.zxid, st.Mzxid)
				assert.Equal(t, r.now, st.Mtime)
				assert.Equal(t, int32(5), st.DataLength)
				assert.Equal(t, was.Czxid, st.Czxid)
				assert.Equal(t, was.Ctime, st.Ctime)
				assert.Equal(t, was.Pzxid, st.Pzxid)
				assert.Equal(t, was.Cversion, st.Cversion)
				data, _ := r.tr.Data("/a")
				assert.Equal(t, "newer", string(data))
				require.NotNil(t, res.Stat)
				assert.Equal(t, clientStat(t, r.tr, "/a"), *res.Stat)
				assert.Equal(t, persisted(t, before, "/"), persisted(t, r.tr, "/"), "the parent is not touched")
			}},
		{name: "setData - empty data - pass", setup: []loggedTxn{a},
			typ: OpSetData, txn: SetDataTxn{Path: "/a", Version: 1}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Equal(t, int32(0), persisted(t, r.tr, "/a").DataLength)
			}},
		{name: "setData - missing node - fail", typ: OpSetData, txn: SetDataTxn{Path: "/a", Version: 1}, want: NoNode,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Nil(t, res.Stat)
				unchangedBut(t, r, before)
			}},
	})
}

func TestApplySetACL(t *testing.T) {
	a := setupTxn(OpCreate, 0, txCreate("/a", "d"))
	runApplyCases(t, []applyCase{
		{name: "setACL - ACL and aversion from the txn - pass", setup: []loggedTxn{a},
			typ: OpSetACL, txn: SetACLTxn{Path: "/a", ACL: aliceAll, Version: 9}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				st, acl, _ := r.tr.Lookup("/a")
				assert.Equal(t, aliceAll, acl)
				assert.Equal(t, int32(9), st.Aversion)
				was := persisted(t, before, "/a")
				was.Aversion = 9
				assert.Equal(t, was, st, "only the aversion changes (no mzxid)")
				require.NotNil(t, res.Stat)
				assert.Equal(t, int32(9), res.Stat.Aversion)
				assert.Empty(t, stripACL(res.Events))
			}},
		{name: "setACL - missing node - fail", typ: OpSetACL, txn: SetACLTxn{Path: "/a", ACL: aliceAll, Version: 1}, want: NoNode,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Nil(t, res.Stat)
				unchangedBut(t, r, before)
			}},
	})
}

func TestApplyOtherTxns(t *testing.T) {
	a := setupTxn(OpCreate, 0, txCreate("/a", "d"))
	runApplyCases(t, []applyCase{
		{name: "check - changes nothing - pass", setup: []loggedTxn{a}, typ: OpCheck, txn: CheckVersionTxn{Path: "/a", Version: 1}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) {
				assert.Equal(t, "/a", res.Path)
				unchangedBut(t, r, before)
			}},
		{name: "createSession - changes nothing - pass", typ: OpCreateSession, sess: sessAlice, txn: CreateSessionTxn{Timeout: 4000}, want: OK,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) { unchangedBut(t, r, before) }},
		{name: "error - carries its code - fail", setup: []loggedTxn{a}, typ: OpError, txn: ErrorTxn{Err: BadVersion}, want: BadVersion,
			check: func(t *testing.T, r *txnRunner, before *Tree, res Result) { unchangedBut(t, r, before) }},
	})
}

func TestApplyCloseSession(t *testing.T) {
	setup := func(t *testing.T) *txnRunner {
		r := newTxnRunner()
		r.ok(t, OpCreate, 0, txCreate("/p", ""))
		r.ok(t, OpCreate, sessAlice, txEphemeral("/p/a1"))
		r.ok(t, OpCreate, sessAlice, txEphemeral("/p/a2"))
		r.ok(t, OpCreate, sessAlice, txEphemeral("/a3"))
		r.ok(t, OpCreate, sessBob, txEphemeral("/p/b1"))
		return r
	}
	t.Run("closeSession - txn paths and leftovers - pass", func(t *testing.T) {
		r := setup(t)
		// The txn names one ephemeral and a path already gone; the tree's
		// index supplies the rest (killSession's paths2DeleteLocal).
		res := r.apply(OpCloseSession, sessAlice, CloseSessionTxn{Paths: []string{"/p/a2", "/p/nothere"}})
		assert.Equal(t, OK, res.Err, "NoNode for a listed path is ignored")
		assert.Equal(t, []string{"/", "/p", "/p/b1", "/zookeeper", "/zookeeper/config", "/zookeeper/quota"}, r.tr.Paths())
		assert.Empty(t, r.tr.Ephemerals(sessAlice))
		assert.Equal(t, []int64{sessBob}, r.tr.Sessions())
		st := persisted(t, r.tr, "/p")
		assert.Equal(t, r.zxid, st.Pzxid)
		assert.Equal(t, int32(3), st.Cversion, "deletes do not move cversion")
		assert.Equal(t, r.tr.RecomputeDigest(), r.tr.Digest())
	})
	t.Run("closeSession - a listed path of another session is deleted - pass", func(t *testing.T) {
		r := setup(t)
		r.ok(t, OpCloseSession, sessAlice, CloseSessionTxn{Paths: []string{"/p/b1"}})
		assert.Empty(t, r.tr.Sessions(), "deleteNodes deletes what the txn names, whoever owns it")
	})
	t.Run("closeSession - without a txn record (pre-3.6) - pass", func(t *testing.T) {
		r := setup(t)
		r.ok(t, OpCloseSession, sessAlice, nil)
		assert.Empty(t, r.tr.Ephemerals(sessAlice))
		assert.Equal(t, []string{"/p/b1"}, r.tr.Ephemerals(sessBob))
	})
	t.Run("closeSession - of a session without ephemerals - pass", func(t *testing.T) {
		r := setup(t)
		before := renderTree(r.tr)
		r.ok(t, OpCloseSession, sessAnon, CloseSessionTxn{})
		r.tr.SetLastZxid(r.zxid - 1)
		assert.Equal(t, before, renderTree(r.tr))
	})
	t.Run("closeSession - fires NodeDeleted and NodeChildrenChanged - pass", func(t *testing.T) {
		r := setup(t)
		_, _, code := r.tr.GetChildren("/p", nil, 9)
		require.Equal(t, OK, code)
		res := r.ok(t, OpCloseSession, sessAlice, CloseSessionTxn{Paths: []string{"/a3", "/p/a1", "/p/a2"}})
		assert.Equal(t, []WatchEvent{{Watcher: 9, Type: EventNodeChildrenChanged, Path: "/p", Zxid: r.zxid}}, stripACL(res.Events),
			"the child watch is one-shot: only the first delete fires it")
	})
}

func TestApplyMulti(t *testing.T) {
	setup := func(t *testing.T) *txnRunner {
		r := newTxnRunner()
		r.ok(t, OpCreate, 0, txCreate("/a", "a"))
		r.ok(t, OpCreate, 0, txCreate("/gone", ""))
		return r
	}
	t.Run("multi - all ok applies in order - pass", func(t *testing.T) {
		r := setup(t)
		res := r.apply(OpMulti, sessAlice, MultiTxn{Txns: []SubTxn{
			{OpCreate, txCreate("/m", "")},
			{OpCreate2, txCreate("/m/c", "c")}, // needs the op before it
			{OpSetData, SetDataTxn{Path: "/a", Data: []byte("b"), Version: 1}},
			{OpCheck, CheckVersionTxn{Path: "/a", Version: 2}},
			{OpDelete, DeleteTxn{Path: "/gone"}},
			{OpCreateContainer, txContainer("/m/k")},
		}})
		require.Equal(t, OK, res.Err)
		require.Len(t, res.Multi, 6)
		assert.Equal(t, OpResult{Type: OpCreate, Path: "/m"}, res.Multi[0], "create: path only")
		assert.Equal(t, OpCreate2, res.Multi[1].Type)
		assert.Equal(t, "/m/c", res.Multi[1].Path)
		require.NotNil(t, res.Multi[1].Stat, "create2: path and stat")
		assert.Equal(t, clientStat(t, r.tr, "/m/c"), *res.Multi[1].Stat)
		require.NotNil(t, res.Multi[2].Stat, "setData: stat")
		assert.Equal(t, int32(1), res.Multi[2].Stat.Version)
		assert.Equal(t, OpResult{Type: OpCheck}, res.Multi[3])
		assert.Equal(t, OpResult{Type: OpDelete}, res.Multi[4])
		assert.Equal(t, int64(0), res.Multi[5].Stat.EphemeralOwner)
		for _, p := range []string{"/m", "/m/c", "/m/k"} {
			assert.Equal(t, r.zxid, persisted(t, r.tr, p).Czxid, "every op has the multi's zxid")
		}
		assert.Equal(t, r.zxid, persisted(t, r.tr, "/a").Mzxid)
		assert.Equal(t, []string{"/m/k"}, r.tr.Containers())
		assert.Equal(t, r.zxid, r.tr.LastZxid())
	})
	t.Run("multi - an error txn applies nothing - fail", func(t *testing.T) {
		r := setup(t)
		before := renderTree(r.tr)
		res := r.apply(OpMulti, sessAlice, MultiTxn{Txns: []SubTxn{
			{OpCreate, txCreate("/m", "")},
			{OpSetData, SetDataTxn{Path: "/a", Data: []byte("b"), Version: 1}},
			{OpError, ErrorTxn{Err: BadVersion}},
			{OpError, ErrorTxn{Err: RuntimeInconsistency}},
			{OpDelete, DeleteTxn{Path: "/gone"}}, // not what Prep makes, but processTxn turns it into an error too
		}})
		assert.Equal(t, BadVersion, res.Err, "the multi's code is its first failure")
		assert.Equal(t, []OpResult{
			{Type: OpError, Err: OK},
			{Type: OpError, Err: OK},
			{Type: OpError, Err: BadVersion},
			{Type: OpError, Err: RuntimeInconsistency},
			{Type: OpError, Err: RuntimeInconsistency},
		}, res.Multi)
		assert.Empty(t, stripACL(res.Events))
		r.tr.SetLastZxid(r.zxid - 1)
		assert.Equal(t, before, renderTree(r.tr))
	})
	t.Run("multi - a failing op without error txns does not stop the rest - fail", func(t *testing.T) {
		// Only a replay makes this: processTxn catches each op's exception
		// and goes on.
		r := setup(t)
		res := r.apply(OpMulti, 0, MultiTxn{Txns: []SubTxn{
			{OpCreate, txCreate("/a", "dup")},
			{OpSetData, SetDataTxn{Path: "/nope", Version: 1}},
			{OpCreate, txCreate("/new", "")},
		}})
		assert.Equal(t, NodeExists, res.Err)
		require.Len(t, res.Multi, 3)
		assert.Equal(t, NodeExists, res.Multi[0].Err)
		assert.Equal(t, NoNode, res.Multi[1].Err)
		assert.Equal(t, OK, res.Multi[2].Err)
		assert.Equal(t, r.zxid, persisted(t, r.tr, "/new").Czxid)
		assert.Equal(t, int32(4), persisted(t, r.tr, "/").Cversion,
			"the NodeExists repair runs for a sub-create too (2 → 3), then /new makes 4")
	})
	t.Run("multi - empty - pass", func(t *testing.T) {
		r := setup(t)
		res := r.apply(OpMulti, 0, MultiTxn{})
		assert.Equal(t, OK, res.Err)
		assert.Empty(t, res.Multi)
	})
	t.Run("multi - events in op order - pass", func(t *testing.T) {
		r := setup(t)
		r.tr.GetData("/a", nil, 1)
		r.tr.Exists("/m", 2)
		r.tr.GetChildren("/", nil, 3)
		res := r.ok(t, OpMulti, 0, MultiTxn{Txns: []SubTxn{
			{OpSetData, SetDataTxn{Path: "/a", Version: 1}},
			{OpCreate, txCreate("/m", "")},
		}})
		assert.Equal(t, []WatchEvent{
			{Watcher: 1, Type: EventNodeDataChanged, Path: "/a", Zxid: r.zxid},
			{Watcher: 2, Type: EventNodeCreated, Path: "/m", Zxid: r.zxid},
			{Watcher: 3, Type: EventNodeChildrenChanged, Path: "/", Zxid: r.zxid},
		}, stripACL(res.Events))
	})
}

// TestLastZxid: lastProcessedZxid only moves forward (processTxn:
// "if (rc.zxid > lastProcessedZxid)"), and moves for failed txns too.
func TestLastZxid(t *testing.T) {
	tr := New()
	tr.Apply(TxnHeader{Zxid: 10, Type: OpCreate}, txCreate("/a", ""))
	assert.Equal(t, int64(10), tr.LastZxid())
	tr.Apply(TxnHeader{Zxid: 5, Type: OpCreate}, txCreate("/b", ""))
	assert.Equal(t, int64(10), tr.LastZxid(), "an older txn does not move it back")
	res := tr.Apply(TxnHeader{Zxid: 11, Type: OpDelete}, DeleteTxn{Path: "/nope"})
	assert.Equal(t, NoNode, res.Err)
	assert.Equal(t, int64(11), tr.LastZxid(), "a failed txn moves it")
	tr.Apply(TxnHeader{Zxid: 12, Type: OpError}, ErrorTxn{Err: NoAuth})
	assert.Equal(t, int64(12), tr.LastZxid())
	tr.SetLastZxid(3)
	assert.Equal(t, int64(3), tr.LastZxid(), "loading a snapshot sets it outright")
}

// replayLog is a session's worth of txns touching every kind of change,
// recreations and ephemerals of two sessions included.
func replayLog(t *testing.T) *txnRunner {
	r := newTxnRunner()
	r.explicit = true
	r.ok(t, OpCreate, 0, txCreate("/p", "p"))
	r.ok(t, OpCreate, sessAlice, txEphemeral("/p/e"))
	r.ok(t, OpCreate2, 0, txCreate("/p/a", "a"))
	r.ok(t, OpSetData, 0, SetDataTxn{Path: "/p/a", Data: []byte("a1"), Version: 1})
	r.ok(t, OpSetACL, 0, SetACLTxn{Path: "/p/a", ACL: aliceAll, Version: 1})
	r.ok(t, OpCreateContainer, 0, txContainer("/c"))
	r.ok(t, OpCreate, 0, txCreate("/c/x", ""))
	r.ok(t, OpDelete, 0, DeleteTxn{Path: "/c/x"})
	r.ok(t, OpCreateTTL, 0, txTTL("/t", 500))
	r.ok(t, OpCloseSession, sessAlice, CloseSessionTxn{Paths: []string{"/p/e"}})
	r.ok(t, OpCreate, sessBob, txEphemeral("/p/e")) // recreated by another session
	r.ok(t, OpMulti, 0, MultiTxn{Txns: []SubTxn{
		{OpCreate, txCreate("/p/m", "")},
		{OpSetData, SetDataTxn{Path: "/p/a", Data: []byte("a2"), Version: 2}},
		{OpDelete, DeleteTxn{Path: "/t"}},
	}})
	r.apply(OpMulti, 0, MultiTxn{Txns: []SubTxn{{OpCreate, txCreate("/q", "")}, {OpError, ErrorTxn{Err: NoNode}}}})
	r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p/m"})
	r.ok(t, OpCreate, 0, txCreate("/p/m", "again"))
	r.ok(t, OpSetACL, 0, SetACLTxn{Path: "/p", ACL: ReadACLUnsafe, Version: 1})
	r.ok(t, OpCreate, sessAlice, txEphemeral("/p/e2"))
	r.ok(t, OpCloseSession, sessAlice, nil)
	return r
}

// TestReplayIdempotent: a server that loads a fuzzy snapshot replays the
// txns after the snapshot's name, some of which the snapshot already
// holds. Replaying any suffix of the log over the tree that already has
// all of it must give the same tree.
func TestReplayIdempotent(t *testing.T) {
	t.Run("a create with parent cversion -1 is not idempotent", func(t *testing.T) {
		// Why logs must carry explicit cversions (every Prep'd txn does).
		r := newTxnRunner()
		r.ok(t, OpCreate, 0, txCreate("/a", ""))
		r.tr.Apply(r.log[0].hdr, r.log[0].txn)
		assert.Equal(t, int32(2), persisted(t, r.tr, "/").Cversion)
	})
	want := replayLog(t)
	for k := range want.log {
		t.Run(fmt.Sprintf("replay from txn %d", k), func(t *testing.T) {
			got := replayLog(t)
			for _, x := range got.log[k:] {
				got.tr.Apply(x.hdr, x.txn)
			}
			requireSameTree(t, want.tr, got.tr)
		})
	}
}

// TestReplayRepairsParentCversion is the scenario processTxn's comment
// describes: the parent /p was serialized before a closeSession deleted
// its ephemeral child and another session recreated it; the child was
// serialized after. Replaying, the closeSession (a pre-3.6 one, naming no
// paths) does not delete the new child, so the recreate hits NodeExists,
// and only setCversionPzxid brings /p to where the log leaves it.
func TestReplayRepairsParentCversion(t *testing.T) {
	want := newTxnRunner()
	want.ok(t, OpCreate, 0, txCreate("/p", ""))
	want.ok(t, OpCreate, sessAlice, CreateTxn{Path: "/p/e", ACL: OpenACLUnsafe, Ephemeral: true, ParentCVersion: 1})
	want.ok(t, OpCloseSession, sessAlice, nil)
	want.ok(t, OpCreate, sessBob, CreateTxn{Path: "/p/e", ACL: OpenACLUnsafe, Ephemeral: true, ParentCVersion: 2})
	log := want.log

	// The fuzzy snapshot: everything applied, but /p as it was after txn 1.
	fuzzy := newTxnRunner()
	for _, x := range log {
		fuzzy.tr.Apply(x.hdr, x.txn)
	}
	p := fuzzy.tr.nodes["/p"]
	fuzzy.tr.change("/p", p, func() {
		p.stat.Cversion = 1
		p.stat.Pzxid = log[1].hdr.Zxid
	})
	fuzzy.tr.SetLastZxid(log[0].hdr.Zxid)

	for i, x := range log[1:] {
		res := fuzzy.tr.Apply(x.hdr, x.txn)
		if i == 2 {
			assert.Equal(t, NodeExists, res.Err, "the recreate finds Bob's node")
		}
	}
	assert.Equal(t, sessBob, persisted(t, fuzzy.tr, "/p/e").EphemeralOwner)
	requireSameTree(t, want.tr, fuzzy.tr)
}

// TestReplayACLQuirk: a create replayed over a snapshot that holds a later
// setACL puts the create's ACL back, with the later aversion, until the
// setACL is replayed too.
func TestReplayACLQuirk(t *testing.T) {
	want := newTxnRunner()
	want.explicit = true
	want.ok(t, OpCreate, 0, txCreate("/a", ""))
	want.ok(t, OpSetACL, 0, SetACLTxn{Path: "/a", ACL: aliceAll, Version: 1})
	got := newTxnRunner()
	for _, x := range want.log {
		got.tr.Apply(x.hdr, x.txn)
	}
	res := got.tr.Apply(want.log[0].hdr, want.log[0].txn)
	require.Equal(t, NodeExists, res.Err)
	st, acl, _ := got.tr.Lookup("/a")
	assert.Equal(t, OpenACLUnsafe, acl, "the create's ACL is back")
	assert.Equal(t, int32(1), st.Aversion, "with the setACL's aversion")
	assert.Equal(t, got.tr.RecomputeDigest(), got.tr.Digest())
	got.tr.Apply(want.log[1].hdr, want.log[1].txn)
	requireSameTree(t, want.tr, got.tr)
}

func TestClientStatCversion(t *testing.T) {
	r := newTxnRunner()
	r.ok(t, OpCreate, 0, txCreate("/p", ""))
	for i := range 5 {
		r.ok(t, OpCreate, 0, txCreate(fmt.Sprintf("/p/%d", i), ""))
	}
	r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p/0"})
	r.ok(t, OpDelete, 0, DeleteTxn{Path: "/p/1"})
	assert.Equal(t, int32(5), persisted(t, r.tr, "/p").Cversion, "persisted: creates")
	st := clientStat(t, r.tr, "/p")
	assert.Equal(t, int32(7), st.Cversion, "client: creates and deletes (copyStat)")
	assert.Equal(t, int32(3), st.NumChildren)
	_, gst, _ := r.tr.GetData("/p", nil, 0)
	_, cst, _ := r.tr.GetChildren("/p", nil, 0)
	_, ast, _ := r.tr.GetACL("/p", nil)
	assert.Equal(t, st, gst)
	assert.Equal(t, st, cst)
	assert.Equal(t, st, ast)
	res := r.ok(t, OpSetData, 0, SetDataTxn{Path: "/p", Version: 1})
	assert.Equal(t, int32(7), res.Stat.Cversion)
	res = r.ok(t, OpSetACL, 0, SetACLTxn{Path: "/p", ACL: OpenACLUnsafe, Version: 1})
	assert.Equal(t, int32(7), res.Stat.Cversion)
}

// TestValidACLIDDigest pins DigestAuthenticationProvider.isValid:
// id.split(":").length == 2, with Java's split dropping trailing empty
// strings.
func TestValidACLIDDigest(t *testing.T) {
	for id, want := range map[string]bool{
		"user:hash": true,
		":hash":     true,
		"user:":     false, // ["user"]
		"user:h:":   true,  // ["user", "h"]
		"a:b:c":     false,
		"nocolon":   false,
		"":          false,
		":":         false,
		"user::":    false,
	} {
		assert.Equal(t, want, ValidACLID(ID{Scheme: "digest", ID: id}), "%q", id)
	}
}
