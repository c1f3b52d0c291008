package tree

// Tests of EncodeSnapshot and DecodeSnapshot.
//
// Method: a tree holding every kind of node is encoded, decoded and
// encoded again; the bytes, the digest, every index and every node must
// survive, and the decoded tree must go on applying txns exactly as the
// original does. Damage is then exhaustive where it is cheap — every
// truncation, every single-byte change — and structural where the
// checksum would hide it: the test signs hand-made bodies so that the
// decoder's own checks are reached. The fuzz target holds the same two
// promises (an error, never a panic; accepted input re-encodes to itself).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fullTree builds a tree with every kind of node: persistent, ephemerals
// of two sessions, containers, TTL nodes, a child of an ephemeral, ACLs of
// every scheme, empty and binary data, deleted children (cversion above
// numChildren), non-zero versions and aversions.
func fullTree(t require.TestingT) *txnRunner {
	r := newTxnRunner()
	r.explicit = true
	r.ok(t, OpCreate, 0, txCreate("/app", "config"))
	r.ok(t, OpCreate, 0, CreateTxn{Path: "/app/bin", Data: []byte{0, 1, 2, 0xff}, ACL: []ACL{{Perms: PermRead, ID: ipID}, {Perms: PermAll, ID: aliceID}}, ParentCVersion: -1})
	r.ok(t, OpCreate, 0, CreateTxn{Path: "/app/empty", ACL: aliceAll, ParentCVersion: -1})
	r.ok(t, OpCreate, 0, CreateTxn{Path: "/app/ip", ACL: []ACL{{Perms: PermAll, ID: ID{Scheme: "ip", ID: "10.0.0.0/8"}}}, ParentCVersion: -1})
	r.ok(t, OpCreate, 0, txCreate("/app/ünïcödé", "u"))
	r.ok(t, OpCreate, 0, txCreate("/app/a-b", "")) // sorts between /app/a and /app/a/x
	r.ok(t, OpCreate, 0, txCreate("/app/a", ""))
	r.ok(t, OpCreate, 0, txCreate("/app/a/x", ""))
	r.ok(t, OpCreate, 0, txCreate("/app/gone", ""))
	r.ok(t, OpDelete, 0, DeleteTxn{Path: "/app/gone"})
	r.ok(t, OpSetData, 0, SetDataTxn{Path: "/app", Data: []byte("config2"), Version: 1})
	r.ok(t, OpSetACL, 0, SetACLTxn{Path: "/app/a", ACL: ReadACLUnsafe, Version: 1})
	r.ok(t, OpCreate, sessAlice, txEphemeral("/app/alice"))
	r.ok(t, OpCreate, sessAlice, txEphemeral("/alice2"))
	r.ok(t, OpCreate, sessBob, txEphemeral("/app/bob"))
	// DataTree.createNode does not refuse a child of an ephemeral (only
	// PrepRequestProcessor does), so a tree can hold one.
	r.ok(t, OpCreate, 0, txCreate("/app/bob/child", ""))
	r.ok(t, OpCreateContainer, 0, txContainer("/c"))
	r.ok(t, OpCreate, 0, txCreate("/c/x", ""))
	r.ok(t, OpCreateContainer, 0, txContainer("/c2"))
	r.ok(t, OpCreateTTL, 0, txTTL("/ttl", 60_000))
	r.ok(t, OpCreateTTL, 0, txTTL("/c/ttl", MaxTTL))
	r.ok(t, OpCreate, 0, txCreate("/zookeeper/quota/app", ""))
	return r
}

var testSessions = []Session{{ID: sessBob, Timeout: 4000}, {ID: sessAlice, Timeout: 30000}, {ID: sessAnon, Timeout: 1}}

func TestSnapshotRoundTrip(t *testing.T) {
	for name, build := range map[string]func(t require.TestingT) *Tree{
		"new":  func(require.TestingT) *Tree { return New() },
		"full": func(t require.TestingT) *Tree { return fullTree(t).tr },
	} {
		t.Run(name, func(t *testing.T) {
			orig := build(t)
			b := EncodeSnapshot(orig, testSessions)
			got, sessions, err := DecodeSnapshot(b)
			require.NoError(t, err)
			assert.Equal(t, testSessions, sessions, "sessions in their order")
			assert.Equal(t, b, EncodeSnapshot(got, sessions), "re-encodes to the same bytes")
			requireSameTree(t, orig, got)
			assert.Equal(t, orig.Digest(), got.Digest())
			assert.Equal(t, got.RecomputeDigest(), got.Digest())
			assert.Equal(t, orig.LastZxid(), got.LastZxid())
			assert.Equal(t, orig.Sessions(), got.Sessions())
			for _, s := range orig.Sessions() {
				assert.Equal(t, orig.Ephemerals(s), got.Ephemerals(s))
			}
			assert.Equal(t, orig.Containers(), got.Containers())
			assert.Equal(t, orig.TTLNodes(), got.TTLNodes())
			require.Equal(t, orig.Paths(), got.Paths())
			for _, p := range orig.Paths() {
				ws, wacl, _ := orig.Lookup(p)
				gs, gacl, _ := got.Lookup(p)
				assert.Equal(t, ws, gs, "%s: stat, NumChildren and DataLength included", p)
				assert.Equal(t, wacl, gacl, p)
				wd, _ := orig.Data(p)
				gd, _ := got.Data(p)
				assert.True(t, bytes.Equal(wd, gd), p)
				assert.Equal(t, orig.Children(p), got.Children(p), p)
				wc, _ := orig.Exists(p, 0)
				gc, _ := got.Exists(p, 0)
				assert.Equal(t, wc, gc, "%s: client stat", p)
			}
			assert.Zero(t, got.WatchCount(), "watches are not in snapshots")
		})
	}
}

// TestSnapshotThenApply: the decoded tree applies the rest of a log
// exactly as the original does.
func TestSnapshotThenApply(t *testing.T) {
	r := fullTree(t)
	got, _, err := DecodeSnapshot(EncodeSnapshot(r.tr, nil))
	require.NoError(t, err)
	mark := len(r.log)
	r.ok(t, OpCloseSession, sessAlice, CloseSessionTxn{Paths: []string{"/alice2", "/app/alice"}})
	r.ok(t, OpCloseSession, sessBob, nil) // leaves /app/bob/child an orphan
	r.ok(t, OpDelete, 0, DeleteTxn{Path: "/c/x"})
	r.ok(t, OpDelete, 0, DeleteTxn{Path: "/c/ttl"})
	r.ok(t, OpDelete, 0, DeleteTxn{Path: "/ttl"})
	r.ok(t, OpCreate, 0, txCreate("/app/a/x/y", "y"))
	r.ok(t, OpSetData, 0, SetDataTxn{Path: "/app/bin", Data: []byte("b"), Version: 1})
	for _, x := range r.log[mark:] {
		res := got.Apply(x.hdr, x.txn)
		require.Equal(t, OK, res.Err, "%v", x.hdr.Type)
	}
	assert.Equal(t, renderTree(r.tr), renderTree(got))
	assert.Empty(t, got.Sessions())
	assert.Empty(t, got.TTLNodes())
}

func asSnapshotError(t *testing.T, err error) *SnapshotError {
	t.Helper()
	var se *SnapshotError
	require.Error(t, err)
	require.True(t, errors.As(err, &se), "want a *SnapshotError, got %T: %v", err, err)
	return se
}

func TestSnapshotTruncated(t *testing.T) {
	b := EncodeSnapshot(fullTree(t).tr, testSessions)
	for n := range len(b) {
		tr, sessions, err := DecodeSnapshot(b[:n])
		se := asSnapshotError(t, err)
		require.Nil(t, tr, "length %d", n)
		require.Nil(t, sessions, "length %d", n)
		require.GreaterOrEqual(t, se.Offset, 0)
		require.LessOrEqual(t, se.Offset, n)
		require.NotEmpty(t, se.Error())
	}
	_, _, err := DecodeSnapshot(append(append([]byte(nil), b...), 0))
	asSnapshotError(t, err)
}

func TestSnapshotByteFlips(t *testing.T) {
	b := EncodeSnapshot(fullTree(t).tr, testSessions)
	for i := range b {
		for _, mask := range []byte{0x01, 0x80, 0xff} {
			c := append([]byte(nil), b...)
			c[i] ^= mask
			tr, _, err := DecodeSnapshot(c)
			asSnapshotError(t, err)
			require.Nil(t, tr, "byte %d ^ %#x", i, mask)
		}
	}
}

// snapBody writes a snapshot body field by field, for bodies the encoder
// would never write; sign appends the checksum.
type snapBody struct{ b []byte }

func newSnapBody(version uint32, lastZxid int64, digest uint64) *snapBody {
	s := &snapBody{b: []byte(snapMagic)}
	s.u32(version)
	s.u64(uint64(lastZxid))
	s.u64(digest)
	return s
}

func (s *snapBody) u32(v uint32) *snapBody {
	s.b = binary.BigEndian.AppendUint32(s.b, v)
	return s
}

func (s *snapBody) u64(v uint64) *snapBody {
	s.b = binary.BigEndian.AppendUint64(s.b, v)
	return s
}

func (s *snapBody) str(v string) *snapBody {
	s.u32(uint32(len(v)))
	s.b = append(s.b, v...)
	return s
}

// node writes a node with open ACL and a zero stat but for owner.
func (s *snapBody) node(path, data string, owner int64) *snapBody {
	s.str(path).str(data)
	s.u32(1).u32(uint32(PermAll)).str("world").str("anyone")
	for range 5 {
		s.u64(0)
	}
	s.u32(0).u32(0).u32(0)
	return s.u64(uint64(owner))
}

func (s *snapBody) sign() []byte { return signSnapshot(s.b) }

func signSnapshot(body []byte) []byte {
	out := append([]byte(nil), body...)
	return binary.BigEndian.AppendUint32(out, crc32.Checksum(body, castagnoli))
}

// digestOf is the digest a tree of these (open-ACL, zero-stat) nodes has.
func digestOf(t *testing.T, nodes ...[2]string) uint64 {
	var sum uint64
	for _, n := range nodes {
		var data []byte
		if n[1] != "" {
			data = []byte(n[1])
		}
		sum += nodeDigest(n[0], &node{data: data, acl: OpenACLUnsafe})
	}
	return sum
}

func TestSnapshotStructuralErrors(t *testing.T) {
	rootOnly := digestOf(t, [2]string{"/", ""})
	rootA := digestOf(t, [2]string{"/", ""}, [2]string{"/a", "d"})
	cases := []struct {
		name   string
		b      []byte
		reason string
	}{
		{"too short", []byte("ZSNP1234"), "too short"},
		{"bad magic", signSnapshot(append([]byte("ZSNQ"), make([]byte, 30)...)), "bad magic"},
		{"unknown version", newSnapBody(2, 0, 0).u32(0).u32(0).sign(), "unknown snapshot version 2"},
		{"no nodes", newSnapBody(1, 0, 0).u32(0).u32(0).sign(), "no root"},
		{"first node not the root", newSnapBody(1, 0, 0).u32(0).u32(1).node("/a", "", 0).sign(), "must be the root"},
		{"out of order", newSnapBody(1, 0, 0).u32(0).u32(3).node("/", "", 0).node("/b", "", 0).node("/a", "", 0).sign(), "out of order"},
		{"duplicate", newSnapBody(1, 0, 0).u32(0).u32(3).node("/", "", 0).node("/a", "", 0).node("/a", "", 0).sign(), "out of order"},
		{"invalid path", newSnapBody(1, 0, 0).u32(0).u32(2).node("/", "", 0).node("/a/", "", 0).sign(), "invalid path"},
		{"relative path", newSnapBody(1, 0, 0).u32(0).u32(2).node("/", "", 0).node("/..", "", 0).sign(), "relative"},
		{"missing parent", newSnapBody(1, 0, 0).u32(0).u32(2).node("/", "", 0).node("/a/b", "", 0).sign(), "parent \"/a\" is missing"},
		{"trailing garbage", newSnapBody(1, 0, rootOnly).u32(0).u32(1).node("/", "", 0).u32(7).sign(), "trailing garbage"},
		{"digest mismatch", newSnapBody(1, 0, rootOnly+1).u32(0).u32(1).node("/", "", 0).sign(), "digest"},
		{"session count too large", newSnapBody(1, 0, 0).u32(1 << 30).sign(), "session count"},
		{"node count too large", newSnapBody(1, 0, 0).u32(0).u32(0xffffffff).sign(), "node count"},
		{"acl count too large", newSnapBody(1, 0, 0).u32(0).u32(1).str("/").str("").u32(0x7fffffff).str(string(make([]byte, 100))).sign(), "acl count"},
		{"path length too large", newSnapBody(1, 0, 0).u32(0).u32(1).u32(0xfffffff0).sign(), "node count"},
		{"data length past the end", newSnapBody(1, 0, 0).u32(0).u32(1).str("/").u32(1000).sign(), "node count"},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			tr, _, err := DecodeSnapshot(tt.b)
			se := asSnapshotError(t, err)
			assert.Nil(t, tr)
			assert.Contains(t, se.Reason, tt.reason)
		})
	}
	t.Run("well-formed hand-made body is accepted", func(t *testing.T) {
		b := newSnapBody(1, 9, rootA).u32(1).u64(uint64(sessAlice)).u32(100).u32(2).node("/", "", 0).node("/a", "d", 0).sign()
		tr, sessions, err := DecodeSnapshot(b)
		require.NoError(t, err)
		assert.Equal(t, []Session{{ID: sessAlice, Timeout: 100}}, sessions)
		assert.Equal(t, int64(9), tr.LastZxid())
		assert.Equal(t, []string{"/", "/a"}, tr.Paths())
		assert.Equal(t, b, EncodeSnapshot(tr, sessions))
	})
}

// FuzzDecodeSnapshot: any input gives a tree or a *SnapshotError, never a
// panic, and an accepted input re-encodes to itself. The input is tried
// as is and re-signed, so that mutations get past the checksum to the
// parser.
func FuzzDecodeSnapshot(f *testing.F) {
	f.Add(EncodeSnapshot(New(), nil))
	f.Add(EncodeSnapshot(fullTree(f).tr, testSessions))
	small := newTxnRunner()
	small.ok(f, OpCreate, sessAlice, txEphemeral("/e"))
	f.Add(EncodeSnapshot(small.tr, []Session{{ID: sessAlice, Timeout: 10}}))
	f.Fuzz(func(t *testing.T, b []byte) {
		inputs := [][]byte{b}
		if len(b) >= 4 {
			inputs = append(inputs, signSnapshot(b[:len(b)-4]))
		}
		for _, in := range inputs {
			tr, sessions, err := DecodeSnapshot(in)
			if err != nil {
				var se *SnapshotError
				if !errors.As(err, &se) {
					t.Fatalf("error %T is not a *SnapshotError: %v", err, err)
				}
				if tr != nil || sessions != nil {
					t.Fatal("a failed decode returned a tree")
				}
				continue
			}
			if out := EncodeSnapshot(tr, sessions); !bytes.Equal(out, in) {
				t.Fatalf("accepted input re-encodes differently:\n in %x\nout %x", in, out)
			}
			if tr.Digest() != tr.RecomputeDigest() {
				t.Fatal("decoded digest is not the nodes'")
			}
		}
	})
}
