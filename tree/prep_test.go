package tree

// Tests of Prepper, the leader's PrepRequestProcessor.
//
// Method: every request is prepped by a Prepper and the txn it yields is
// applied to the Tree, as the leader does. Table tests pin the error code of
// each check of each op, in Java's order, and the exact txns; "pipelined"
// cases prep requests whose predecessors are still outstanding (prepped, not
// applied). Two rapid properties then hold the Prepper against (1) itself
// one request at a time: pipelining must not change a single txn, result or
// node, which is what outstanding changes are for; and (2) a naive map model
// of what clients see.

import (
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"
)

const (
	sessAlice int64 = 0x100000000000001
	sessBob   int64 = 0x100000000000002
	sessAnon  int64 = 0x200000000000003
)

var (
	ipID    = ID{Scheme: "ip", ID: "127.0.0.1"}
	aliceID = ID{Scheme: "digest", ID: DigestID("alice", "secret")}
	bobID   = ID{Scheme: "digest", ID: DigestID("bob", "hunter2")}

	aliceAll = []ACL{{Perms: PermAll, ID: aliceID}}
	noCreate = []ACL{{Perms: PermAll &^ PermCreate, ID: AnyoneID}}
	noDelete = []ACL{{Perms: PermAll &^ PermDelete, ID: AnyoneID}}
	noAdmin  = []ACL{{Perms: PermAll &^ PermAdmin, ID: AnyoneID}}
	noRead   = []ACL{{Perms: PermAll &^ PermRead, ID: AnyoneID}}
)

// authOf gives each test session its authenticated ids; every connection
// has an ip id, which cannot stand in for "auth".
func authOf(session int64) []ID {
	switch session {
	case sessAlice:
		return []ID{ipID, aliceID}
	case sessBob:
		return []ID{ipID, bobID}
	}
	return []ID{ipID}
}

// Request builders; all come from sessAlice unless changed.

func req(typ OpCode, rec any) PrepRequest {
	return PrepRequest{Type: typ, SessionID: sessAlice, Auth: authOf(sessAlice), Record: rec}
}

func createOp(path string, mode CreateMode) *CreateRequest {
	return &CreateRequest{Path: path, Data: []byte("d"), ACL: OpenACLUnsafe, Flags: mode}
}

func mkCreate(path string, mode CreateMode) PrepRequest {
	return req(OpCreate, createOp(path, mode))
}

func mkCreateACL(path string, acl []ACL) PrepRequest {
	r := mkCreate(path, Persistent)
	r.Record.(*CreateRequest).ACL = acl
	return r
}

func mkCreateTTL(path string, mode CreateMode, ttl int64, extended bool) PrepRequest {
	c := createOp(path, mode)
	c.TTL = ttl
	r := req(OpCreateTTL, c)
	r.ExtendedTypes = extended
	return r
}

func mkDelete(path string, version int32) PrepRequest {
	return req(OpDelete, &DeleteRequest{Path: path, Version: version})
}

func mkSetData(path string, version int32) PrepRequest {
	return req(OpSetData, &SetDataRequest{Path: path, Data: []byte("new"), Version: version})
}

func mkSetACL(path string, acl []ACL, version int32) PrepRequest {
	return req(OpSetACL, &SetACLRequest{Path: path, ACL: acl, Version: version})
}

func mkCheck(path string, version int32) PrepRequest {
	return req(OpCheck, &CheckVersionRequest{Path: path, Version: version})
}

func mkMulti(ops ...Op) PrepRequest { return req(OpMulti, &MultiRequest{Ops: ops}) }

func mkClose(session int64) PrepRequest {
	return PrepRequest{Type: OpCloseSession, SessionID: session, Auth: authOf(session)}
}

func as(session int64, r PrepRequest) PrepRequest {
	r.SessionID = session
	r.Auth = authOf(session)
	return r
}

// prepHarness is a leader's Tree and Prepper with a zxid counter and clock.
type prepHarness struct {
	tr      *Tree
	p       *Prepper
	zxid    int64
	now     int64
	pending []prepped // prepped, not yet applied, oldest first
}

type prepped struct {
	hdr TxnHeader
	txn Txn
}

func newPrepHarness() *prepHarness {
	tr := New()
	return &prepHarness{tr: tr, p: NewPrepper(tr), zxid: 0x100000000, now: 1_000}
}

// prep stamps r with the next zxid and time and preps it, leaving it
// outstanding.
func (h *prepHarness) prep(r PrepRequest) (TxnHeader, Txn) {
	h.zxid++
	h.now += 7
	r.Zxid, r.Time = h.zxid, h.now
	hdr, txn := h.p.Prep(r)
	h.pending = append(h.pending, prepped{hdr, txn})
	return hdr, txn
}

// applyOldest applies the oldest outstanding txn, as the leader does on
// commit, and drops its change records.
func (h *prepHarness) applyOldest() Result {
	x := h.pending[0]
	h.pending = h.pending[1:]
	res := h.tr.Apply(x.hdr, x.txn)
	h.p.Applied(x.hdr.Zxid)
	return res
}

// run preps r and applies everything outstanding, returning r's txn and
// result.
func (h *prepHarness) run(r PrepRequest) (TxnHeader, Txn, Result) {
	hdr, txn := h.prep(r)
	var res Result
	for len(h.pending) > 0 {
		res = h.applyOldest()
	}
	return hdr, txn, res
}

// prepCode is the code a prepped request carries: a failed request is an
// error txn; a multi is failed when one of its ops is.
func prepCode(hdr TxnHeader, txn Txn) Code {
	if hdr.Type == OpError {
		return txn.(ErrorTxn).Err
	}
	if m, ok := txn.(MultiTxn); ok {
		for _, s := range m.Txns {
			if s.Type == OpError {
				return s.Txn.(ErrorTxn).Err
			}
		}
	}
	return OK
}

type prepCase struct {
	name    string
	setup   []PrepRequest // each prepped and applied; must succeed
	pending []PrepRequest // prepped, still outstanding when req is prepped
	req     PrepRequest
	want    Code
	// check, if set, looks at req's txn and, after everything is applied,
	// its result and the tree.
	check func(t *testing.T, h *prepHarness, txn Txn, res Result)
}

func runPrepCases(t *testing.T, cases []prepCase) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			h := newPrepHarness()
			for i, r := range tt.setup {
				hdr, txn, res := h.run(r)
				require.Equal(t, OK, prepCode(hdr, txn), "setup %d: %+v", i, r.Record)
				require.Equal(t, OK, res.Err, "setup %d applied", i)
			}
			for i, r := range tt.pending {
				hdr, txn := h.prep(r)
				require.Equal(t, OK, prepCode(hdr, txn), "pending %d: %+v", i, r.Record)
			}
			hdr, txn := h.prep(tt.req)
			assert.Equal(t, tt.want, prepCode(hdr, txn), "prep")
			if tt.want != OK && tt.req.Type != OpMulti {
				assert.Equal(t, OpError, hdr.Type)
				assert.Equal(t, ErrorTxn{Err: tt.want}, txn)
			}
			var res Result
			for len(h.pending) > 0 {
				res = h.applyOldest()
			}
			assert.Equal(t, tt.want, res.Err, "applied")
			assert.Zero(t, h.p.Outstanding())
			if tt.check != nil {
				tt.check(t, h, txn, res)
			}
		})
	}
}

func lookupStat(t *testing.T, h *prepHarness, path string) Stat {
	t.Helper()
	st, _, ok := h.tr.Lookup(path)
	require.True(t, ok, "%s should exist", path)
	return st
}

func assertAbsent(t *testing.T, h *prepHarness, path string) {
	t.Helper()
	_, _, ok := h.tr.Lookup(path)
	assert.False(t, ok, "%s should not exist", path)
}

func TestPrepCreate(t *testing.T) {
	ephA := mkCreate("/e", Ephemeral)
	runPrepCases(t, []prepCase{
		{name: "Create - persistent - pass", req: mkCreate("/a", Persistent), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				root, _, _ := h.tr.Lookup("/")
				assert.Equal(t, CreateTxn{Path: "/a", Data: []byte("d"), ACL: OpenACLUnsafe, ParentCVersion: txn.(CreateTxn).ParentCVersion}, txn)
				assert.Equal(t, root.Cversion, txn.(CreateTxn).ParentCVersion)
				st := lookupStat(t, h, "/a")
				assert.Equal(t, int64(0), st.EphemeralOwner)
				assert.Equal(t, st.Czxid, root.Pzxid)
			}},
		{name: "Create - existing node - fail", setup: []PrepRequest{mkCreate("/a", Persistent)},
			req: mkCreate("/a", Persistent), want: NodeExists},
		{name: "Create - root - fail", req: mkCreate("/", Persistent), want: NodeExists},
		{name: "Create - missing parent - fail", req: mkCreate("/a/b", Persistent), want: NoNode},
		{name: "Create - child of ephemeral - fail", setup: []PrepRequest{ephA},
			req: mkCreate("/e/c", Persistent), want: NoChildrenForEphemerals},
		{name: "Create - sequential child of ephemeral - fail", setup: []PrepRequest{ephA},
			req: mkCreate("/e/c", EphemeralSequential), want: NoChildrenForEphemerals},
		{name: "Create - NodeExists before NoChildrenForEphemerals - fail", setup: []PrepRequest{ephA},
			req: mkCreate("/e", Persistent), want: NodeExists},
		{name: "Create - under /zookeeper - pass", req: mkCreate("/zookeeper/x", Persistent), want: OK},
		{name: "Create - ephemeral - pass", req: mkCreate("/e", Ephemeral), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.True(t, txn.(CreateTxn).Ephemeral)
				assert.Equal(t, sessAlice, lookupStat(t, h, "/e").EphemeralOwner)
				assert.Equal(t, []string{"/e"}, h.tr.Ephemerals(sessAlice))
			}},
		{name: "Create - container - pass", req: req(OpCreateContainer, createOp("/c", Container)), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.IsType(t, CreateContainerTxn{}, txn)
				assert.Equal(t, ContainerOwner, lookupStat(t, h, "/c").EphemeralOwner)
			}},
		{name: "Create - create2 keeps its op code - pass", req: req(OpCreate2, createOp("/a", Persistent)), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, OpCreate2, res.Type)
			}},
		{name: "Create - no leading slash - fail", req: mkCreate("a", Persistent), want: BadArguments},
		{name: "Create - empty path - fail", req: mkCreate("", Persistent), want: BadArguments},
		{name: "Create - NUL in path - fail", req: mkCreate("/a\x00b", Persistent), want: BadArguments},
		{name: "Create - relative path - fail", setup: []PrepRequest{mkCreate("/a", Persistent)},
			req: mkCreate("/a/..", Persistent), want: BadArguments},
		{name: "Create - trailing slash, not sequential - fail", setup: []PrepRequest{mkCreate("/a", Persistent)},
			req: mkCreate("/a/", Persistent), want: BadArguments},
		// Java validates the full path only after the parent lookup.
		{name: "Create - malformed path with missing parent is NoNode - fail",
			req: mkCreate("/a//b", Persistent), want: NoNode},
		{name: "Create - invalid flags - fail", req: mkCreate("/a", CreateMode(7)), want: BadArguments},
		{name: "Create - TTL without extended types - fail", req: mkCreateTTL("/t", PersistentWithTTL, 100, false), want: Unimplemented},
		{name: "Create - Unimplemented before BadArguments - fail", req: mkCreateTTL("bad", PersistentWithTTL, 0, false), want: Unimplemented},
		{name: "Create - TTL with extended types - pass", req: mkCreateTTL("/t", PersistentWithTTL, 100, true), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, int64(100), txn.(CreateTTLTxn).TTL)
				assert.Equal(t, TTLOwner(100), lookupStat(t, h, "/t").EphemeralOwner)
			}},
		{name: "Create - TTL zero - fail", req: mkCreateTTL("/t", PersistentWithTTL, 0, true), want: BadArguments},
		{name: "Create - TTL above max - fail", req: mkCreateTTL("/t", PersistentWithTTL, MaxTTL+1, true), want: BadArguments},
		{name: "Create - TTL given for a non-TTL mode - fail", req: mkCreateTTL("/t", Persistent, 5, true), want: BadArguments},
		{name: "Create - TTL mode on a plain create - fail", req: func() PrepRequest {
			r := mkCreate("/t", PersistentWithTTL)
			r.ExtendedTypes = true
			return r
		}(), want: BadArguments},
		{name: "Create - empty ACL - fail", req: mkCreateACL("/a", nil), want: InvalidACL},
		{name: "Create - unknown scheme - fail", req: mkCreateACL("/a", []ACL{{Perms: PermAll, ID: ID{Scheme: "kerberos", ID: "x"}}}), want: InvalidACL},
		{name: "Create - world id other than anyone - fail", req: mkCreateACL("/a", []ACL{{Perms: PermAll, ID: ID{Scheme: "world", ID: "everyone"}}}), want: InvalidACL},
		{name: "Create - malformed digest id - fail", req: mkCreateACL("/a", []ACL{{Perms: PermAll, ID: ID{Scheme: "digest", ID: "nocolon"}}}), want: InvalidACL},
		{name: "Create - auth ACL without authenticated ids - fail", req: as(sessAnon, mkCreateACL("/a", CreatorAllACL)), want: InvalidACL},
		{name: "Create - InvalidACL before NoNode - fail", req: mkCreateACL("/x/y", nil), want: InvalidACL},
		{name: "Create - auth ACL expands to the digest id - pass", req: mkCreateACL("/a", CreatorAllACL), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				_, acl, _ := h.tr.Lookup("/a")
				assert.Equal(t, aliceAll, acl)
				assert.Equal(t, aliceAll, txn.(CreateTxn).ACL)
			}},
		{name: "Create - duplicate ACL entries dropped - pass",
			req: mkCreateACL("/a", []ACL{OpenACLUnsafe[0], OpenACLUnsafe[0], aliceAll[0]}), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, []ACL{OpenACLUnsafe[0], aliceAll[0]}, txn.(CreateTxn).ACL)
			}},
		{name: "Create - no CREATE permission on parent - fail", setup: []PrepRequest{mkCreateACL("/a", noCreate)},
			req: mkCreate("/a/b", Persistent), want: NoAuth},
		{name: "Create - other user's digest ACL - fail", setup: []PrepRequest{mkCreateACL("/a", aliceAll)},
			req: as(sessBob, mkCreate("/a/b", Persistent)), want: NoAuth},
		{name: "Create - own digest ACL - pass", setup: []PrepRequest{mkCreateACL("/a", aliceAll)},
			req: mkCreate("/a/b", Persistent), want: OK},
		{name: "Create - NoAuth before NodeExists - fail", setup: []PrepRequest{mkCreate("/a", Persistent), mkCreate("/a/b", Persistent), mkSetACL("/a", noCreate, -1)},
			req: mkCreate("/a/b", Persistent), want: NoAuth},
		{name: "Create - NoNode before NoAuth - fail", setup: []PrepRequest{mkCreateACL("/a", noCreate)},
			req: mkCreate("/a/b/c", Persistent), want: NoNode},
	})
}

// TestPrepCreateTTLWithPlainMode pins a Java quirk: createTTL with a
// non-TTL mode and a negative TTL passes every check (validateTTL only
// refuses a TTL >= 0 for such modes) and yields a CreateTTLTxn whose TTL
// DataTree.processTxn then refuses (EphemeralType.TTL.toEphemeralOwner
// throws). It is not applied here.
func TestPrepCreateTTLWithPlainMode(t *testing.T) {
	h := newPrepHarness()
	hdr, txn := h.prep(mkCreateTTL("/t", Persistent, -1, true))
	assert.Equal(t, OpCreateTTL, hdr.Type)
	assert.Equal(t, int64(-1), txn.(CreateTTLTxn).TTL)
}

func TestPrepSequentialNames(t *testing.T) {
	h := newPrepHarness()
	created := func(r PrepRequest) string {
		t.Helper()
		hdr, txn, res := h.run(r)
		require.Equal(t, OK, prepCode(hdr, txn))
		require.Equal(t, OK, res.Err)
		return res.Path
	}
	created(mkCreate("/p", Persistent))
	assert.Equal(t, "/p/seq-0000000000", created(mkCreate("/p/seq-", PersistentSequential)))
	assert.Equal(t, "/p/x", created(mkCreate("/p/x", Persistent)))
	// Persistent and ephemeral sequential children share the parent's counter.
	assert.Equal(t, "/p/eseq-0000000002", created(mkCreate("/p/eseq-", EphemeralSequential)))
	assert.Equal(t, "/p/0000000003", created(mkCreate("/p/", PersistentSequential)))
	// A delete does not advance the counter (DataTree.deleteNode leaves cversion).
	hdr, txn, res := h.run(mkDelete("/p/x", -1))
	require.Equal(t, OK, prepCode(hdr, txn))
	require.Equal(t, OK, res.Err)
	assert.Equal(t, "/p/0000000004", created(mkCreate("/p/", EphemeralSequential)))
	assert.Equal(t, int32(5), lookupStat(t, h, "/p").Cversion)
	// Pipelined: three sequential creates before any applies.
	var names []string
	for range 3 {
		_, txn := h.prep(mkCreate("/p/q-", PersistentSequential))
		names = append(names, txn.(CreateTxn).Path)
	}
	assert.Equal(t, []string{"/p/q-0000000005", "/p/q-0000000006", "/p/q-0000000007"}, names)
	for len(h.pending) > 0 {
		require.Equal(t, OK, h.applyOldest().Err)
	}
	// The name clashes with an existing node when the counter is reused.
	created(mkCreate("/p2", Persistent))
	created(mkCreate("/p2/0000000001", Persistent))
	hdr, txn = h.prep(mkCreate("/p2/", PersistentSequential))
	assert.Equal(t, NodeExists, prepCode(hdr, txn))
	h.applyOldest()
}

func TestPrepSequenceSuffixMatchesJava(t *testing.T) {
	// String.format(Locale.ENGLISH, "%010d", int) in Java.
	assert.Equal(t, "0000000000", sequenceSuffix(0))
	assert.Equal(t, "0000000042", sequenceSuffix(42))
	assert.Equal(t, "-000000001", sequenceSuffix(-1))
	assert.Equal(t, "2147483647", sequenceSuffix(math.MaxInt32))
	assert.Equal(t, "-2147483648", sequenceSuffix(math.MinInt32))
}

func TestPrepDelete(t *testing.T) {
	withChild := []PrepRequest{mkCreate("/a", Persistent), mkCreate("/a/b", Persistent)}
	runPrepCases(t, []prepCase{
		{name: "Delete - existing - pass", setup: withChild, req: mkDelete("/a/b", -1), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, DeleteTxn{Path: "/a/b"}, txn)
				assertAbsent(t, h, "/a/b")
				st := lookupStat(t, h, "/a")
				assert.Equal(t, int32(0), st.NumChildren)
				assert.Equal(t, int32(1), st.Cversion)
			}},
		{name: "Delete - matching version - pass", setup: withChild, req: mkDelete("/a/b", 0), want: OK},
		{name: "Delete - bad version - fail", setup: withChild, req: mkDelete("/a/b", 3), want: BadVersion},
		{name: "Delete - non-empty - fail", setup: withChild, req: mkDelete("/a", -1), want: NotEmpty},
		{name: "Delete - BadVersion before NotEmpty - fail", setup: withChild, req: mkDelete("/a", 7), want: BadVersion},
		{name: "Delete - missing node - fail", req: mkDelete("/a", -1), want: NoNode},
		{name: "Delete - missing parent - fail", req: mkDelete("/a/b", -1), want: NoNode},
		{name: "Delete - root - fail", req: mkDelete("/", -1), want: BadArguments},
		{name: "Delete - /zookeeper - fail", req: mkDelete("/zookeeper", -1), want: BadArguments},
		{name: "Delete - /zookeeper/config - fail", req: mkDelete("/zookeeper/config", -1), want: BadArguments},
		{name: "Delete - /zookeeper/quota - fail", req: mkDelete("/zookeeper/quota", -1), want: BadArguments},
		{name: "Delete - empty path - fail", req: mkDelete("", -1), want: BadArguments},
		{name: "Delete - no slash - fail", req: mkDelete("a", -1), want: BadArguments},
		{name: "Delete - trailing slash does not exist - fail", setup: withChild, req: mkDelete("/a/", -1), want: NoNode},
		{name: "Delete - no DELETE permission on parent - fail",
			setup: []PrepRequest{mkCreateACL("/a", noDelete), mkCreate("/a/b", Persistent)},
			req:   mkDelete("/a/b", -1), want: NoAuth},
		{name: "Delete - NoAuth before NoNode - fail", setup: []PrepRequest{mkCreateACL("/a", noDelete)},
			req: mkDelete("/a/b", -1), want: NoAuth},
		{name: "Delete - node's own ACL does not matter - pass",
			setup: []PrepRequest{mkCreate("/a", Persistent), mkCreateACL("/a/b", aliceAll)},
			req:   as(sessBob, mkDelete("/a/b", -1)), want: OK},
		{name: "Delete - another session's ephemeral - pass", setup: []PrepRequest{mkCreate("/e", Ephemeral)},
			req: as(sessBob, mkDelete("/e", -1)), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Empty(t, h.tr.Ephemerals(sessAlice))
			}},
	})
}

func TestPrepDeleteContainer(t *testing.T) {
	container := req(OpCreateContainer, createOp("/c", Container))
	dc := func(path string) PrepRequest { return req(OpDeleteContainer, &DeleteRequest{Path: path}) }
	runPrepCases(t, []prepCase{
		{name: "DeleteContainer - empty container - pass", setup: []PrepRequest{container}, req: dc("/c"), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assertAbsent(t, h, "/c")
			}},
		{name: "DeleteContainer - with children - fail", setup: []PrepRequest{container, mkCreate("/c/x", Persistent)},
			req: dc("/c"), want: NotEmpty},
		{name: "DeleteContainer - session ephemeral - fail", setup: []PrepRequest{mkCreate("/e", Ephemeral)},
			req: dc("/e"), want: BadVersion},
		{name: "DeleteContainer - persistent node, no ACL check - pass",
			setup: []PrepRequest{mkCreateACL("/a", noDelete), mkCreate("/a/b", Persistent)}, req: dc("/a/b"), want: OK},
		{name: "DeleteContainer - missing - fail", req: dc("/c"), want: NoNode},
		{name: "DeleteContainer - special path - fail", req: dc("/zookeeper"), want: BadArguments},
	})
}

func TestPrepSetData(t *testing.T) {
	a := []PrepRequest{mkCreate("/a", Persistent)}
	runPrepCases(t, []prepCase{
		{name: "SetData - any version - pass", setup: a, req: mkSetData("/a", -1), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, SetDataTxn{Path: "/a", Data: []byte("new"), Version: 1}, txn)
				require.NotNil(t, res.Stat)
				assert.Equal(t, int32(1), res.Stat.Version)
				st := lookupStat(t, h, "/a")
				assert.Equal(t, st.Mzxid, h.zxid)
				assert.Equal(t, st.Mtime, h.now)
			}},
		{name: "SetData - matching version - pass", setup: a, req: mkSetData("/a", 0), want: OK},
		{name: "SetData - bad version - fail", setup: a, req: mkSetData("/a", 1), want: BadVersion},
		{name: "SetData - missing node - fail", req: mkSetData("/a", -1), want: NoNode},
		{name: "SetData - /zookeeper/config - fail", req: mkSetData("/zookeeper/config", -1), want: NoAuth},
		{name: "SetData - root - pass", req: mkSetData("/", -1), want: OK},
		{name: "SetData - invalid path - fail", req: mkSetData("/a/", -1), want: BadArguments},
		{name: "SetData - no WRITE permission - fail", setup: []PrepRequest{mkCreateACL("/a", ReadACLUnsafe)},
			req: mkSetData("/a", -1), want: NoAuth},
		{name: "SetData - NoAuth before BadVersion - fail", setup: []PrepRequest{mkCreateACL("/a", aliceAll)},
			req: as(sessBob, mkSetData("/a", 9)), want: NoAuth},
	})
}

func TestPrepCheckAndIncVersion(t *testing.T) {
	tests := []struct {
		name              string
		current, expected int32
		want              int32
		code              Code
	}{
		{"Version - any - pass", 4, -1, 5, OK},
		{"Version - matching - pass", 4, 4, 5, OK},
		{"Version - stale - fail", 4, 3, 0, BadVersion},
		// 3.8 predates ZOOKEEPER-4743: the version wraps like Java's int,
		// through -1.
		{"Version - wraps like Java's int - pass", math.MaxInt32, -1, math.MinInt32, OK},
		{"Version - reaches -1 - pass", -2, -2, -1, OK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, code := checkAndIncVersion(tt.current, tt.expected)
			assert.Equal(t, tt.code, code)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestPrepSetACL(t *testing.T) {
	a := []PrepRequest{mkCreate("/a", Persistent)}
	runPrepCases(t, []prepCase{
		{name: "SetACL - any version - pass", setup: a, req: mkSetACL("/a", aliceAll, -1), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, SetACLTxn{Path: "/a", ACL: aliceAll, Version: 1}, txn)
				st, acl, _ := h.tr.Lookup("/a")
				assert.Equal(t, int32(1), st.Aversion)
				assert.Equal(t, int32(0), st.Version)
				assert.Equal(t, aliceAll, acl)
			}},
		{name: "SetACL - matching aversion - pass", setup: a, req: mkSetACL("/a", aliceAll, 0), want: OK},
		{name: "SetACL - data version is not the aversion - fail",
			setup: []PrepRequest{mkCreate("/a", Persistent), mkSetData("/a", -1)},
			req:   mkSetACL("/a", aliceAll, 1), want: BadVersion},
		{name: "SetACL - missing node - fail", req: mkSetACL("/a", aliceAll, -1), want: NoNode},
		{name: "SetACL - InvalidACL before NoNode - fail", req: mkSetACL("/a", nil, -1), want: InvalidACL},
		{name: "SetACL - auth ACL without authenticated ids - fail", setup: a,
			req: as(sessAnon, mkSetACL("/a", CreatorAllACL, -1)), want: InvalidACL},
		{name: "SetACL - no ADMIN permission - fail", setup: []PrepRequest{mkCreateACL("/a", noAdmin)},
			req: mkSetACL("/a", OpenACLUnsafe, -1), want: NoAuth},
		{name: "SetACL - invalid path - fail", req: mkSetACL("a", OpenACLUnsafe, -1), want: BadArguments},
	})
}

func TestPrepCheck(t *testing.T) {
	a := []PrepRequest{mkCreate("/a", Persistent)}
	runPrepCases(t, []prepCase{
		{name: "Check - matching version - pass", setup: a, req: mkCheck("/a", 0), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				// checkAndIncVersion's result: the version plus one.
				assert.Equal(t, CheckVersionTxn{Path: "/a", Version: 1}, txn)
			}},
		{name: "Check - any version - pass", setup: a, req: mkCheck("/a", -1), want: OK},
		{name: "Check - bad version - fail", setup: a, req: mkCheck("/a", 2), want: BadVersion},
		{name: "Check - missing node - fail", req: mkCheck("/a", -1), want: NoNode},
		{name: "Check - no READ permission - fail", setup: []PrepRequest{mkCreateACL("/a", noRead)},
			req: mkCheck("/a", -1), want: NoAuth},
		{name: "Check - invalid path - fail", req: mkCheck("/a/../b", -1), want: BadArguments},
	})
}

func TestPrepSessions(t *testing.T) {
	runPrepCases(t, []prepCase{
		{name: "CreateSession - timeout in txn - pass",
			req: req(OpCreateSession, &CreateSessionRequest{Timeout: 4000}), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, CreateSessionTxn{Timeout: 4000}, txn)
			}},
		{name: "CreateSession - no record - fail", req: req(OpCreateSession, nil), want: MarshallingError},
		{name: "CloseSession - deletes its ephemerals, in Java HashSet order - pass",
			setup: []PrepRequest{mkCreate("/p", Persistent), mkCreate("/z", Ephemeral), mkCreate("/p/e", Ephemeral),
				as(sessBob, mkCreate("/b", Ephemeral)), mkCreate("/keep", Persistent)},
			req: mkClose(sessAlice), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, CloseSessionTxn{Paths: []string{"/p/e", "/z"}}, txn)
				assertAbsent(t, h, "/z")
				assertAbsent(t, h, "/p/e")
				lookupStat(t, h, "/b")
				lookupStat(t, h, "/keep")
				assert.Equal(t, int32(0), lookupStat(t, h, "/p").NumChildren)
			}},
		{name: "CloseSession - no ephemerals - pass", req: mkClose(sessBob), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, CloseSessionTxn{Paths: []string{}}, txn)
			}},
		{name: "Reconfig - disabled - fail", req: req(OpReconfig, nil), want: ReconfigDisabled},
		{name: "Create - wrong record type - fail", req: req(OpCreate, &DeleteRequest{Path: "/a"}), want: MarshallingError},
	})
}

// TestPrepPipelined preps requests behind outstanding ones that touch the
// same nodes: each must see its predecessors' effects before they apply.
func TestPrepPipelined(t *testing.T) {
	runPrepCases(t, []prepCase{
		{name: "Create - child of pending create - pass",
			pending: []PrepRequest{mkCreate("/a", Persistent)}, req: mkCreate("/a/b", Persistent), want: OK},
		{name: "Create - pending create of the same path - fail",
			pending: []PrepRequest{mkCreate("/a", Persistent)}, req: mkCreate("/a", Persistent), want: NodeExists},
		{name: "Create - after pending delete of the same path - pass",
			setup: []PrepRequest{mkCreate("/a", Persistent)}, pending: []PrepRequest{mkDelete("/a", -1)},
			req: mkCreate("/a", Ephemeral), want: OK},
		{name: "Create - child of pending ephemeral - fail",
			pending: []PrepRequest{mkCreate("/e", Ephemeral)}, req: mkCreate("/e/x", Persistent), want: NoChildrenForEphemerals},
		{name: "Create - under pending delete - fail",
			setup: []PrepRequest{mkCreate("/a", Persistent)}, pending: []PrepRequest{mkDelete("/a", -1)},
			req: mkCreate("/a/b", Persistent), want: NoNode},
		{name: "Create - under a pending setACL of the parent - fail",
			setup:   []PrepRequest{mkCreate("/a", Persistent)},
			pending: []PrepRequest{mkSetACL("/a", noCreate, -1)}, req: mkCreate("/a/b", Persistent), want: NoAuth},
		{name: "Create - under a pending setACL of the root - fail",
			pending: []PrepRequest{mkSetACL("/", noCreate, -1)}, req: mkCreate("/a", Persistent), want: NoAuth},
		{name: "Delete - pending child - fail",
			setup: []PrepRequest{mkCreate("/a", Persistent)}, pending: []PrepRequest{mkCreate("/a/b", Persistent)},
			req: mkDelete("/a", -1), want: NotEmpty},
		{name: "Delete - pending child deleted too - pass",
			setup:   []PrepRequest{mkCreate("/a", Persistent)},
			pending: []PrepRequest{mkCreate("/a/b", Persistent), mkDelete("/a/b", 0)}, req: mkDelete("/a", 0), want: OK},
		{name: "Delete - parent after pending closeSession removed its ephemerals - pass",
			setup:   []PrepRequest{mkCreate("/a", Persistent), mkCreate("/a/e", Ephemeral)},
			pending: []PrepRequest{mkClose(sessAlice)}, req: mkDelete("/a", -1), want: OK},
		{name: "SetData - version from pending setData - pass",
			setup: []PrepRequest{mkCreate("/a", Persistent)}, pending: []PrepRequest{mkSetData("/a", 0), mkSetData("/a", 1)},
			req: mkSetData("/a", 2), want: OK},
		{name: "SetData - stale version behind pending setData - fail",
			setup: []PrepRequest{mkCreate("/a", Persistent)}, pending: []PrepRequest{mkSetData("/a", 0)},
			req: mkSetData("/a", 0), want: BadVersion},
		{name: "SetACL - aversion from pending setACL - pass",
			setup: []PrepRequest{mkCreate("/a", Persistent)}, pending: []PrepRequest{mkSetACL("/a", OpenACLUnsafe, 0)},
			req: mkSetACL("/a", OpenACLUnsafe, 1), want: OK},
		{name: "CloseSession - pending ephemeral included - pass",
			setup:   []PrepRequest{mkCreate("/p", Persistent), mkCreate("/e1", Ephemeral)},
			pending: []PrepRequest{mkCreate("/p/e2", EphemeralSequential), as(sessBob, mkCreate("/b", Ephemeral))},
			req:     mkClose(sessAlice), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				// java.util.HashSet's order: {"/e1"} cloned into a table
				// of 2, then the add doubles it to 4.
				assert.Equal(t, CloseSessionTxn{Paths: []string{"/p/e20000000000", "/e1"}}, txn)
				assert.Empty(t, h.tr.Ephemerals(sessAlice))
				assert.Equal(t, []string{"/b"}, h.tr.Ephemerals(sessBob))
			}},
		{name: "CloseSession - pending delete of ephemeral excluded - pass",
			setup:   []PrepRequest{mkCreate("/e1", Ephemeral), mkCreate("/e2", Ephemeral)},
			pending: []PrepRequest{as(sessBob, mkDelete("/e1", -1))},
			req:     mkClose(sessAlice), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, CloseSessionTxn{Paths: []string{"/e2"}}, txn)
			}},
		{name: "CloseSession - recreated by the session after a pending delete - pass",
			setup:   []PrepRequest{mkCreate("/e", Ephemeral)},
			pending: []PrepRequest{mkDelete("/e", -1), mkCreate("/e", Ephemeral)},
			req:     mkClose(sessAlice), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, CloseSessionTxn{Paths: []string{"/e"}}, txn)
				assertAbsent(t, h, "/e")
			}},
	})
}

// TestPrepCloseSessionOrder is the case TestPrepPipelineProperty found:
// a closeSession prepped behind the creates of its ephemerals lists them
// in another order than one prepped after they applied, as ZooKeeper 3.8
// does (checked with java.util.HashSet on JDK 17 and 25: the committed
// set is cloned into a table sized for it, a set with nothing committed
// is a new one of 16 bins; see closeSessionUnordered). Every replica
// applies the leader's order, so the trees agree either way.
func TestPrepCloseSessionOrder(t *testing.T) {
	for _, tt := range []struct {
		name              string
		reqs              []PrepRequest // the last is alice's closeSession
		oneAtATime, piped []string
	}{
		{name: "the case rapid found",
			reqs: []PrepRequest{mkCreate("/a", Persistent), mkCreate("/a/x", Persistent),
				mkMulti(Op{Type: OpCreate, Request: createOp("/a/x/z", Ephemeral)},
					Op{Type: OpCreate, Request: createOp("/a/y", Ephemeral)}),
				mkClose(sessAlice)},
			oneAtATime: []string{"/a/y", "/a/x/z"}, // 4 bins: 2, 3
			piped:      []string{"/a/x/z", "/a/y"}, // 16 bins: 7, 10
		},
		{name: "minimal",
			reqs: []PrepRequest{mkCreate("/a", Persistent), mkCreate("/a/x", Ephemeral), mkCreate("/a/y", Ephemeral),
				mkClose(sessAlice)},
			oneAtATime: []string{"/a/x", "/a/y"}, // 4 bins: 1, 2
			piped:      []string{"/a/y", "/a/x"}, // 16 bins: 10, 13
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			last := len(tt.reqs) - 1

			// Each request prepped after its predecessor applied.
			h := newPrepHarness()
			for _, r := range tt.reqs {
				hdr, txn, res := h.run(r)
				require.Equal(t, OK, prepCode(hdr, txn))
				require.Equal(t, OK, res.Err)
				if r.Type == OpCloseSession {
					assert.Equal(t, CloseSessionTxn{Paths: tt.oneAtATime}, txn)
				}
			}
			wantDigest := treeDigest(t, h.tr)

			// The leader preps the creates and the closeSession before it
			// applies any of them but the first; a follower applies the
			// same txns.
			h = newPrepHarness()
			follower := New()
			hdr, txn, _ := h.run(tt.reqs[0])
			require.Equal(t, OK, follower.Apply(hdr, txn).Err)
			for _, r := range tt.reqs[1:] {
				hdr, txn := h.prep(r)
				require.Equal(t, OK, prepCode(hdr, txn))
			}
			assert.Equal(t, CloseSessionTxn{Paths: tt.piped}, h.pending[last-1].txn)
			for len(h.pending) > 0 {
				x := h.pending[0]
				require.Equal(t, OK, h.applyOldest().Err)
				require.Equal(t, OK, follower.Apply(x.hdr, x.txn).Err)
			}
			assert.Equal(t, wantDigest, treeDigest(t, h.tr))
			assert.Equal(t, wantDigest, treeDigest(t, follower))
			assert.Empty(t, h.tr.Ephemerals(sessAlice))
		})
	}
}

func TestPrepMulti(t *testing.T) {
	setup := []PrepRequest{mkCreate("/m", Persistent), mkCreate("/m/c", Persistent)}
	runPrepCases(t, []prepCase{
		{name: "Multi - create then setData and check of the new node - pass", setup: setup,
			req: mkMulti(
				Op{Type: OpCreate, Request: createOp("/n", Persistent)},
				Op{Type: OpSetData, Request: &SetDataRequest{Path: "/n", Data: []byte("x"), Version: 0}},
				Op{Type: OpCheck, Request: &CheckVersionRequest{Path: "/n", Version: 1}},
				Op{Type: OpCreate, Request: createOp("/n/", PersistentSequential)},
				Op{Type: OpDelete, Request: &DeleteRequest{Path: "/m/c", Version: 0}},
			), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				require.Len(t, res.Multi, 5)
				for i, r := range res.Multi {
					assert.Equal(t, OK, r.Err, "op %d", i)
				}
				assert.Equal(t, OpMulti, res.Type)
				assert.Equal(t, "/n", res.Multi[0].Path)
				require.NotNil(t, res.Multi[1].Stat)
				assert.Equal(t, int32(1), res.Multi[1].Stat.Version)
				assert.Equal(t, "/n/0000000000", res.Multi[3].Path)
				st := lookupStat(t, h, "/n")
				assert.Equal(t, int32(1), st.Version)
				assert.Equal(t, int32(1), st.NumChildren)
				assertAbsent(t, h, "/m/c")
			}},
		{name: "Multi - bad version at op 3 of 4 - fail", setup: setup,
			req: mkMulti(
				Op{Type: OpCreate, Request: createOp("/m/a", Persistent)},
				Op{Type: OpSetData, Request: &SetDataRequest{Path: "/m", Data: []byte("x"), Version: 0}},
				Op{Type: OpCheck, Request: &CheckVersionRequest{Path: "/m", Version: 0}}, // now 1
				Op{Type: OpDelete, Request: &DeleteRequest{Path: "/m/c", Version: -1}},
			), want: BadVersion,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				m := txn.(MultiTxn)
				require.Len(t, m.Txns, 4)
				assert.Equal(t, OpCreate, m.Txns[0].Type, "ops before the failure keep their txns")
				assert.Equal(t, OpSetData, m.Txns[1].Type)
				assert.Equal(t, SubTxn{Type: OpError, Txn: ErrorTxn{Err: BadVersion}}, m.Txns[2])
				assert.Equal(t, SubTxn{Type: OpError, Txn: ErrorTxn{Err: RuntimeInconsistency}}, m.Txns[3])
				assert.Equal(t, OpMulti, res.Type)
				var codes []Code
				for _, r := range res.Multi {
					codes = append(codes, r.Err)
				}
				assert.Equal(t, []Code{OK, OK, BadVersion, RuntimeInconsistency}, codes)
				assertAbsent(t, h, "/m/a")
				assert.Equal(t, int32(0), lookupStat(t, h, "/m").Version)
				lookupStat(t, h, "/m/c")
			}},
		{name: "Multi - failing first op - fail", setup: setup,
			req: mkMulti(
				Op{Type: OpDelete, Request: &DeleteRequest{Path: "/m", Version: -1}},
				Op{Type: OpCreate, Request: createOp("/m/z", Persistent)},
			), want: NotEmpty},
		{name: "Multi - empty - pass", req: mkMulti(), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, MultiTxn{Txns: []SubTxn{}}, txn)
			}},
		{name: "Multi - container mode makes createContainer - pass",
			req: mkMulti(Op{Type: OpCreate, Request: createOp("/c", Container)}), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, OpCreateContainer, txn.(MultiTxn).Txns[0].Type)
				assert.Equal(t, ContainerOwner, lookupStat(t, h, "/c").EphemeralOwner)
			}},
		{name: "Multi - create2 kept - pass",
			req: mkMulti(Op{Type: OpCreate2, Request: createOp("/c", Persistent)}), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, OpCreate2, txn.(MultiTxn).Txns[0].Type)
			}},
		{name: "Multi - createTTL with a plain mode becomes create - pass",
			req: mkMulti(Op{Type: OpCreateTTL, Request: createOp("/c", Persistent)}), want: OK,
			check: func(t *testing.T, h *prepHarness, txn Txn, res Result) {
				assert.Equal(t, OpCreate, txn.(MultiTxn).Txns[0].Type)
			}},
		{name: "Multi - TTL mode under a create op code - fail",
			req: mkMulti(Op{Type: OpCreate, Request: createOp("/c", PersistentWithTTL)}), want: MarshallingError},
		{name: "Multi - read op - fail", setup: setup,
			req: mkMulti(Op{Type: OpGetData, Request: &PathWatchRequest{Path: "/m"}}), want: MarshallingError},
		{name: "Multi - setACL is not a multi op - fail", setup: setup,
			req: mkMulti(Op{Type: OpSetACL, Request: &SetACLRequest{Path: "/m", ACL: OpenACLUnsafe, Version: -1}}), want: MarshallingError},
		{name: "Multi - wrong record - fail",
			req: mkMulti(Op{Type: OpDelete, Request: createOp("/c", Persistent)}), want: MarshallingError},
	})
}

// TestPrepMultiRollback: a failed multi leaves exactly the outstanding
// records there were before it, so a later request sees the state of the
// requests before the multi, not the multi's aborted changes.
func TestPrepMultiRollback(t *testing.T) {
	h := newPrepHarness()
	h.prep(mkCreate("/a", Persistent))
	require.Equal(t, 2, h.p.Outstanding()) // "/" and "/a"
	_, txn := h.prep(mkMulti(
		Op{Type: OpCreate, Request: createOp("/a/", PersistentSequential)},
		Op{Type: OpSetData, Request: &SetDataRequest{Path: "/a", Version: 0}},
		Op{Type: OpCheck, Request: &CheckVersionRequest{Path: "/nope", Version: 0}},
	))
	assert.Equal(t, NoNode, prepCode(TxnHeader{}, txn))
	assert.Equal(t, 2, h.p.Outstanding())
	checkPrepperInvariants(t, h.p)

	_, txn = h.prep(mkCreate("/a/", PersistentSequential))
	assert.Equal(t, "/a/0000000000", txn.(CreateTxn).Path)
	_, txn = h.prep(mkSetData("/a", 0))
	assert.Equal(t, int32(1), txn.(SetDataTxn).Version)
	for len(h.pending) > 0 {
		h.applyOldest()
	}
	assert.Zero(t, h.p.Outstanding())
	lookupStat(t, h, "/a/0000000000")
}

func TestPrepAppliedAndReset(t *testing.T) {
	h := newPrepHarness()
	h.prep(mkCreate("/a", Persistent))
	h.prep(mkCreate("/a/b", Persistent))
	assert.Equal(t, 4, h.p.Outstanding())
	checkPrepperInvariants(t, h.p)
	h.applyOldest()
	assert.Equal(t, 2, h.p.Outstanding())
	// "/a" has a newer record (the second create's parent), which stays.
	_, ok := h.p.byPath["/a"]
	assert.True(t, ok)
	_, ok = h.p.byPath["/"]
	assert.False(t, ok)
	checkPrepperInvariants(t, h.p)

	h.p.Reset()
	assert.Zero(t, h.p.Outstanding())
	assert.Empty(t, h.p.byPath)
	// After a reset only the committed tree counts: "/a/b" is unknown.
	hdr, txn := h.p.Prep(PrepRequest{Type: OpSetData, Zxid: h.zxid + 1, Record: &SetDataRequest{Path: "/a/b", Version: -1}})
	assert.Equal(t, NoNode, prepCode(hdr, txn))
}

func TestPrepPanicsOnBrokenInvariants(t *testing.T) {
	h := newPrepHarness()
	h.prep(mkCreate("/a", Persistent))
	assert.Panics(t, func() { h.p.Prep(PrepRequest{Type: OpCreate, Zxid: h.zxid, Record: createOp("/b", Persistent)}) },
		"a zxid not above the outstanding ones")
	assert.Panics(t, func() { h.p.Prep(PrepRequest{Type: OpGetData, Zxid: h.zxid + 1}) }, "a read")
}

// checkPrepperInvariants checks the field invariants of Prepper.
func checkPrepperInvariants(t require.TestingT, p *Prepper) {
	newest := make(map[string]*changeRecord)
	for i, c := range p.changes {
		if i > 0 {
			require.LessOrEqual(t, p.changes[i-1].zxid, c.zxid, "zxids along changes")
		}
		require.NotEqual(t, "", c.path)
		newest[c.path] = c
	}
	require.Equal(t, len(newest), len(p.byPath), "byPath has exactly the paths of changes")
	for path, c := range newest {
		require.Same(t, c, p.byPath[path], "byPath[%s] is its newest record", path)
	}
}

// treeDigest renders every node with its stat, ACL and data, in path
// order, through the Tree's public reads.
func treeDigest(t require.TestingT, tr *Tree) string {
	var b strings.Builder
	super := []ID{{Scheme: "super", ID: ""}}
	var noWatch WatcherID
	var walk func(path string)
	walk = func(path string) {
		data, st, code := tr.GetData(path, super, noWatch)
		require.Equal(t, OK, code, path)
		_, acl, ok := tr.Lookup(path)
		require.True(t, ok, path)
		fmt.Fprintf(&b, "%s %v %v %q\n", path, st, acl, data)
		kids, _, code := tr.GetChildren(path, super, noWatch)
		require.Equal(t, OK, code, path)
		kids = append([]string(nil), kids...)
		sort.Strings(kids)
		for _, k := range kids {
			walk(JoinPath(path, k))
		}
	}
	walk("/")
	return b.String()
}

// Generators for the properties: a small path alphabet so requests
// collide, three sessions with different auth, every write op.

var (
	genPaths      = []string{"/", "/a", "/a", "/b", "/a/x", "/a/x", "/a/y", "/b/x", "/a/x/z", "/zookeeper/x"}
	genSeqParents = []string{"/a/", "/b/", "/a/s-", "/"}
	genSessions   = []int64{sessAlice, sessBob, sessAnon}
	genACLs       = [][]ACL{OpenACLUnsafe, OpenACLUnsafe, aliceAll, CreatorAllACL, ReadACLUnsafe, noCreate, noDelete, nil}
	genModes      = []CreateMode{Persistent, Ephemeral, PersistentSequential, EphemeralSequential, Container, PersistentWithTTL, PersistentSequentialWithTTL}
)

func drawVersion(t *rapid.T) int32 { return rapid.Int32Range(-1, 2).Draw(t, "version") }

func drawCreate(t *rapid.T) Op {
	mode := rapid.SampledFrom(genModes).Draw(t, "mode")
	path := rapid.SampledFrom(genPaths).Draw(t, "path")
	if mode.IsSequential() {
		path = rapid.SampledFrom(genSeqParents).Draw(t, "seqParent")
	}
	c := &CreateRequest{Path: path, Data: []byte(rapid.StringN(0, 3, -1).Draw(t, "data")),
		ACL: rapid.SampledFrom(genACLs).Draw(t, "acl"), Flags: mode, TTL: -1}
	typ := rapid.SampledFrom([]OpCode{OpCreate, OpCreate2}).Draw(t, "createType")
	switch {
	case mode.IsContainer():
		typ = OpCreateContainer
	case mode.IsTTL():
		typ = OpCreateTTL
		c.TTL = rapid.SampledFrom([]int64{1000, 0}).Draw(t, "ttl")
	}
	return Op{Type: typ, Request: c}
}

func drawOp(t *rapid.T, inMulti bool) Op {
	path := rapid.SampledFrom(genPaths).Draw(t, "path")
	kinds := []string{"create", "create", "delete", "setData", "check", "setACL", "deleteContainer"}
	if inMulti {
		kinds = kinds[:5]
	}
	switch rapid.SampledFrom(kinds).Draw(t, "kind") {
	case "create":
		return drawCreate(t)
	case "delete":
		return Op{Type: OpDelete, Request: &DeleteRequest{Path: path, Version: drawVersion(t)}}
	case "setData":
		return Op{Type: OpSetData, Request: &SetDataRequest{Path: path, Data: []byte("s"), Version: drawVersion(t)}}
	case "check":
		return Op{Type: OpCheck, Request: &CheckVersionRequest{Path: path, Version: drawVersion(t)}}
	case "setACL":
		return Op{Type: OpSetACL, Request: &SetACLRequest{Path: path, ACL: rapid.SampledFrom(genACLs).Draw(t, "acl"), Version: drawVersion(t)}}
	}
	return Op{Type: OpDeleteContainer, Request: &DeleteRequest{Path: path}}
}

func drawRequest(t *rapid.T) PrepRequest {
	session := rapid.SampledFrom(genSessions).Draw(t, "session")
	extended := rapid.IntRange(0, 3).Draw(t, "extended") > 0
	r := PrepRequest{SessionID: session, Auth: authOf(session), ExtendedTypes: extended}
	switch rapid.IntRange(0, 19).Draw(t, "shape") {
	case 0, 1, 2:
		n := rapid.IntRange(0, 4).Draw(t, "ops")
		m := &MultiRequest{}
		for range n {
			m.Ops = append(m.Ops, drawOp(t, true))
		}
		r.Type, r.Record = OpMulti, m
	case 3, 4:
		r.Type = OpCloseSession
	case 5:
		r.Type, r.Record = OpCreateSession, &CreateSessionRequest{Timeout: 5000}
	default:
		op := drawOp(t, false)
		r.Type, r.Record = op.Type, op.Request
	}
	return r
}

// drawRequests draws a run of up to 60 requests after a prelude that
// creates the top-level nodes, so that most requests get past NoNode.
func drawRequests(t *rapid.T) []PrepRequest {
	reqs := []PrepRequest{mkCreate("/a", Persistent), as(sessBob, mkCreate("/b", Persistent))}
	for n := rapid.IntRange(1, 60).Draw(t, "n"); n > 0; n-- {
		reqs = append(reqs, drawRequest(t))
	}
	return reqs
}

type prepOutcome struct {
	hdr TxnHeader
	txn Txn
	res Result
}

// runOneAtATime preps and applies each request before the next is prepped.
func runOneAtATime(t *rapid.T, reqs []PrepRequest) ([]prepOutcome, string) {
	h := newPrepHarness()
	out := make([]prepOutcome, 0, len(reqs))
	for _, r := range reqs {
		hdr, txn, res := h.run(r)
		out = append(out, prepOutcome{hdr, txn, res})
		require.Zero(t, h.p.Outstanding())
	}
	return out, treeDigest(t, h.tr)
}

// runPipelined preps up to window requests ahead of the oldest one not yet
// applied, applying in order; now and then (as rapid chooses) it lets the
// pipeline drain, as a leader does between bursts.
func runPipelined(t *rapid.T, reqs []PrepRequest, window int) ([]prepOutcome, string) {
	h := newPrepHarness()
	out := make([]prepOutcome, 0, len(reqs))
	apply := func() {
		i := len(out) - len(h.pending)
		out[i].res = h.applyOldest()
		checkPrepperInvariants(t, h.p)
	}
	for _, r := range reqs {
		keep := window - 1
		if rapid.IntRange(0, 15).Draw(t, "drain") == 15 {
			keep = 0
		}
		for len(h.pending) > keep {
			apply()
		}
		hdr, txn := h.prep(r)
		out = append(out, prepOutcome{hdr: hdr, txn: txn})
		checkPrepperInvariants(t, h.p)
	}
	for len(h.pending) > 0 {
		apply()
	}
	require.Zero(t, h.p.Outstanding())
	return out, treeDigest(t, h.tr)
}

// TestPrepPipelineProperty is the point of outstanding changes: prepping
// requests ahead of applying them yields exactly the txns, results and
// tree that prepping each after its predecessor applied does — except the
// order of a closeSession's paths (see closeSessionUnordered).
func TestPrepPipelineProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		reqs := drawRequests(t)
		want, wantDigest := runOneAtATime(t, reqs)
		got, gotDigest := runPipelined(t, reqs, rapid.IntRange(1, 12).Draw(t, "window"))
		for i := range want {
			w, g := closeSessionUnordered(want[i]), closeSessionUnordered(got[i])
			require.Equal(t, w.hdr, g.hdr, "request %d header", i)
			require.Equal(t, w.txn, g.txn, "request %d txn", i)
			require.Equal(t, w.res, g.res, "request %d result", i)
		}
		require.Equal(t, wantDigest, gotDigest)
	})
}

// closeSessionUnordered returns o with a closeSession's paths sorted, and
// the watch events its deletes fired too: pipelining may change the order
// of a closeSession's paths, in ZooKeeper as here, and only their order.
//
// The paths are the iteration order of PrepRequestProcessor's es: the
// committed set DataTree.getEphemerals hands out, then es.remove/es.add
// for each outstanding record. What is committed and what is outstanding
// when the closeSession is prepped decides the HashSet's table, and so
// the order. The failing case rapid found (TestPrepCloseSessionOrder):
// with /a/x/z and /a/y committed, getEphemerals clones the session's set,
// and HashMap.clone sizes the copy for 2 entries, tableSizeFor((int)(2 /
// 0.75f + 1)) = 4 bins, where /a/y (bin 2) comes before /a/x/z (bin 3);
// with both creates still outstanding the session has no set yet,
// getEphemerals returns new HashSet<>() (16 bins) and es.add puts /a/x/z
// in bin 7 before /a/y in bin 10. (A path deleted and re-created behind
// the closeSession likewise moves to its bin's tail in es, not in the
// committed set.) It does no harm: the order is fixed in the txn when it
// is prepped, and every replica deletes the txn's paths in that order.
func closeSessionUnordered(o prepOutcome) prepOutcome {
	cs, ok := o.txn.(CloseSessionTxn)
	if !ok {
		return o
	}
	if cs.Paths != nil {
		cs.Paths = append([]string{}, cs.Paths...)
		sort.Strings(cs.Paths)
	}
	o.txn = cs
	if o.res.Events != nil {
		o.res.Events = append([]WatchEvent{}, o.res.Events...)
		sort.Slice(o.res.Events, func(i, j int) bool {
			return fmt.Sprint(o.res.Events[i]) < fmt.Sprint(o.res.Events[j])
		})
	}
	return o
}

// refNode and refModel are the naive reference: a map of path to node,
// with only the rules a client can observe under open ACLs.
type refNode struct {
	data              string
	version, cversion int32
	owner             int64
}

type refModel map[string]*refNode

func (m refModel) children(path string) int {
	n := 0
	for p := range m {
		if p != "/" && ParentPath(p) == path {
			n++
		}
	}
	return n
}

func (m refModel) clone() refModel {
	c := make(refModel, len(m))
	for p, n := range m {
		cp := *n
		c[p] = &cp
	}
	return c
}

func versionOK(current, expected int32) bool { return expected == -1 || expected == current }

// apply runs one op and returns its code and, for a create, the name.
func (m refModel) apply(op Op, session int64) (Code, string) {
	switch r := op.Request.(type) {
	case *CreateRequest:
		parent, ok := m[ParentPath(r.Path)]
		if !ok {
			return NoNode, ""
		}
		name := r.Path
		if r.Flags.IsSequential() {
			name += fmt.Sprintf("%010d", parent.cversion)
		}
		if _, ok := m[name]; ok {
			return NodeExists, ""
		}
		if parent.owner != 0 {
			return NoChildrenForEphemerals, ""
		}
		owner := int64(0)
		if r.Flags.IsEphemeral() {
			owner = session
		}
		m[name] = &refNode{data: string(r.Data), owner: owner}
		parent.cversion++
		return OK, name
	case *DeleteRequest:
		n, ok := m[r.Path]
		switch {
		case r.Path == "/":
			return BadArguments, ""
		case !ok:
			return NoNode, ""
		case !versionOK(n.version, r.Version):
			return BadVersion, ""
		case m.children(r.Path) > 0:
			return NotEmpty, ""
		}
		delete(m, r.Path)
	case *SetDataRequest:
		n, ok := m[r.Path]
		if !ok {
			return NoNode, ""
		}
		if !versionOK(n.version, r.Version) {
			return BadVersion, ""
		}
		n.version++
		n.data = string(r.Data)
	case *CheckVersionRequest:
		n, ok := m[r.Path]
		if !ok {
			return NoNode, ""
		}
		if !versionOK(n.version, r.Version) {
			return BadVersion, ""
		}
	}
	return OK, ""
}

func drawRefOp(t *rapid.T) Op {
	paths := []string{"/a", "/b", "/a/x", "/a/y", "/a/x/z", "/"}
	path := rapid.SampledFrom(paths).Draw(t, "path")
	version := rapid.Int32Range(-1, 2).Draw(t, "version")
	switch rapid.IntRange(0, 4).Draw(t, "kind") {
	case 0, 1:
		mode := rapid.SampledFrom([]CreateMode{Persistent, Ephemeral, PersistentSequential, EphemeralSequential}).Draw(t, "mode")
		if mode.IsSequential() {
			path = rapid.SampledFrom([]string{"/a/", "/b/", "/a/s-"}).Draw(t, "seqParent")
		} else if path == "/" {
			path = "/c"
		}
		return Op{Type: OpCreate, Request: &CreateRequest{Path: path, Data: []byte(path), ACL: OpenACLUnsafe, Flags: mode}}
	case 2:
		return Op{Type: OpDelete, Request: &DeleteRequest{Path: path, Version: version}}
	case 3:
		return Op{Type: OpSetData, Request: &SetDataRequest{Path: path, Data: []byte("v"), Version: version}}
	}
	return Op{Type: OpCheck, Request: &CheckVersionRequest{Path: path, Version: version}}
}

// TestPrepAgainstReference runs requests one at a time through Prep and
// Apply and holds every client-visible result, and then the whole tree,
// against refModel.
func TestPrepAgainstReference(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := newPrepHarness()
		ref := refModel{}
		for _, line := range strings.Split(strings.TrimSpace(treeDigest(t, h.tr)), "\n") {
			path := strings.Fields(line)[0]
			st, _, _ := h.tr.Lookup(path)
			ref[path] = &refNode{version: st.Version, cversion: st.Cversion, owner: st.EphemeralOwner}
		}
		session := func(t *rapid.T) int64 { return rapid.SampledFrom([]int64{sessAlice, sessBob}).Draw(t, "session") }
		t.Repeat(map[string]func(*rapid.T){
			"op": func(t *rapid.T) {
				op, s := drawRefOp(t), session(t)
				wantCode, wantName := ref.apply(op, s)
				_, _, res := h.run(as(s, req(op.Type, op.Request)))
				require.Equal(t, wantCode, res.Err, "%v %+v", op.Type, op.Request)
				if wantName != "" {
					require.Equal(t, wantName, res.Path)
				}
				if sd, ok := op.Request.(*SetDataRequest); ok && wantCode == OK {
					require.Equal(t, ref[sd.Path].version, res.Stat.Version)
				}
			},
			"multi": func(t *rapid.T) {
				ops := rapid.SliceOfN(rapid.Custom(drawRefOp), 1, 4).Draw(t, "ops")
				s := session(t)
				next := ref.clone()
				var want []Code
				var names []string
				failed := false
				for _, op := range ops {
					switch code, name := next.apply(op, s); {
					case failed:
						want = append(want, RuntimeInconsistency)
					case code != OK:
						failed = true
						want = append(want, code)
					default:
						want = append(want, OK)
						names = append(names, name)
					}
				}
				if !failed {
					ref = next
				}
				_, _, res := h.run(as(s, mkMulti(ops...)))
				var got []Code
				var gotNames []string
				for i, r := range res.Multi {
					got = append(got, r.Err)
					if r.Err == OK && !failed {
						if _, ok := ops[i].Request.(*CreateRequest); ok {
							gotNames = append(gotNames, r.Path)
						} else {
							gotNames = append(gotNames, "")
						}
					}
				}
				require.Equal(t, want, got)
				if !failed {
					require.Equal(t, names, gotNames)
				}
			},
			"closeSession": func(t *rapid.T) {
				s := session(t)
				for p, n := range ref {
					if n.owner == s {
						delete(ref, p)
					}
				}
				_, _, res := h.run(mkClose(s))
				require.Equal(t, OK, res.Err)
			},
			"": func(t *rapid.T) {
				seen := 0
				for _, line := range strings.Split(strings.TrimSpace(treeDigest(t, h.tr)), "\n") {
					path := strings.Fields(line)[0]
					n, ok := ref[path]
					require.True(t, ok, "tree has %s, reference does not", path)
					st, _, _ := h.tr.Lookup(path)
					require.Equal(t, *n, refNode{data: n.data, version: st.Version, cversion: st.Cversion, owner: st.EphemeralOwner}, path)
					if !strings.HasPrefix(path, "/zookeeper") && path != "/" {
						var noWatch WatcherID
						data, _, _ := h.tr.GetData(path, []ID{{Scheme: "super"}}, noWatch)
						require.Equal(t, n.data, string(data), path)
					}
					seen++
				}
				require.Equal(t, len(ref), seen, "reference has nodes the tree lacks")
			},
		})
	})
}
