package tree

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"math"
	"slices"
)

// A snapshot is the whole tree and the live sessions in one checksummed
// blob: what a server writes to snapshot.<zxid> and what a leader sends
// with SNAP. Layout (big-endian):
//
//	magic "ZSNP" | version u32 | lastZxid i64 | digest u64
//	sessions u32 | { id i64 | timeout i32 }*
//	nodes u32    | { path | data | acls u32 { perms i32 | scheme | id }* | stat }*
//	crc32c u32 of everything before it
//
// strings and data are u32 length + bytes; nodes come in path order, so a
// parent always precedes its children. Decoding trusts nothing: every
// length is bounds-checked and a bad snapshot is a *SnapshotError, never a
// panic or a partial tree.

const (
	snapMagic   = "ZSNP"
	snapVersion = 1
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// Session is a live session as a snapshot records it.
type Session struct {
	ID      int64
	Timeout int32 // ms
}

// SnapshotError says why a snapshot could not be read and where.
type SnapshotError struct {
	Offset int
	Reason string
}

func (e *SnapshotError) Error() string {
	return fmt.Sprintf("corrupt snapshot at byte %d: %s", e.Offset, e.Reason)
}

// EncodeSnapshot serializes t and the sessions.
func EncodeSnapshot(t *Tree, sessions []Session) []byte {
	paths := t.Paths()
	size := 32 + 12*len(sessions)
	for _, p := range paths {
		n := t.nodes[p]
		size += 8 + len(p) + len(n.data) + 4 + 64
		for _, a := range n.acl {
			size += 12 + len(a.ID.Scheme) + len(a.ID.ID)
		}
	}
	b := make([]byte, 0, size)
	b = append(b, snapMagic...)
	b = binary.BigEndian.AppendUint32(b, snapVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(t.lastZxid))
	b = binary.BigEndian.AppendUint64(b, t.digest)
	b = binary.BigEndian.AppendUint32(b, uint32(len(sessions)))
	for _, s := range sessions {
		b = binary.BigEndian.AppendUint64(b, uint64(s.ID))
		b = binary.BigEndian.AppendUint32(b, uint32(s.Timeout))
	}
	b = binary.BigEndian.AppendUint32(b, uint32(len(paths)))
	for _, p := range paths {
		n := t.nodes[p]
		b = appendBytes(b, []byte(p))
		b = appendBytes(b, n.data)
		b = binary.BigEndian.AppendUint32(b, uint32(len(n.acl)))
		for _, a := range n.acl {
			b = binary.BigEndian.AppendUint32(b, uint32(a.Perms))
			b = appendBytes(b, []byte(a.ID.Scheme))
			b = appendBytes(b, []byte(a.ID.ID))
		}
		s := &n.stat
		for _, v := range [...]int64{s.Czxid, s.Mzxid, s.Pzxid, s.Ctime, s.Mtime} {
			b = binary.BigEndian.AppendUint64(b, uint64(v))
		}
		for _, v := range [...]int32{s.Version, s.Cversion, s.Aversion} {
			b = binary.BigEndian.AppendUint32(b, uint32(v))
		}
		b = binary.BigEndian.AppendUint64(b, uint64(s.EphemeralOwner))
	}
	return binary.BigEndian.AppendUint32(b, crc32.Checksum(b, castagnoli))
}

func appendBytes(b, s []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// snapReader reads a snapshot, remembering the first error.
type snapReader struct {
	b   []byte
	off int
	err *SnapshotError
}

func (r *snapReader) fail(reason string, args ...any) {
	if r.err == nil {
		r.err = &SnapshotError{Offset: r.off, Reason: fmt.Sprintf(reason, args...)}
	}
}

func (r *snapReader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b)-r.off {
		r.fail("%s: need %d bytes, %d left", what, n, len(r.b)-r.off)
		return nil
	}
	out := r.b[r.off : r.off+n]
	r.off += n
	return out
}

func (r *snapReader) u32(what string) uint32 {
	if b := r.take(4, what); b != nil {
		return binary.BigEndian.Uint32(b)
	}
	return 0
}

func (r *snapReader) u64(what string) uint64 {
	if b := r.take(8, what); b != nil {
		return binary.BigEndian.Uint64(b)
	}
	return 0
}

// count reads a count of items that take at least min bytes each, so a
// corrupt count cannot make the decoder allocate more than the input.
func (r *snapReader) count(min int, what string) int {
	n := r.u32(what)
	if r.err == nil && uint64(n)*uint64(min) > uint64(len(r.b)-r.off) {
		r.fail("%s: %d items cannot fit in %d bytes", what, n, len(r.b)-r.off)
		return 0
	}
	return int(n)
}

func (r *snapReader) bytes(what string) []byte {
	n := r.u32(what + " length")
	if n > math.MaxInt32 {
		r.fail("%s: length %d too large", what, n)
		return nil
	}
	return r.take(int(n), what)
}

// DecodeSnapshot reads a snapshot written by EncodeSnapshot.
func DecodeSnapshot(b []byte) (*Tree, []Session, error) {
	if len(b) < len(snapMagic)+8 {
		return nil, nil, &SnapshotError{Offset: 0, Reason: fmt.Sprintf("%d bytes is too short for a snapshot", len(b))}
	}
	if string(b[:len(snapMagic)]) != snapMagic {
		return nil, nil, &SnapshotError{Offset: 0, Reason: fmt.Sprintf("bad magic %q", b[:len(snapMagic)])}
	}
	body, sum := b[:len(b)-4], binary.BigEndian.Uint32(b[len(b)-4:])
	if got := crc32.Checksum(body, castagnoli); got != sum {
		return nil, nil, &SnapshotError{Offset: len(body), Reason: fmt.Sprintf("checksum %#08x, want %#08x (truncated or damaged)", got, sum)}
	}
	r := &snapReader{b: body, off: len(snapMagic)}
	if v := r.u32("version"); v != snapVersion {
		r.off -= 4
		return nil, nil, &SnapshotError{Offset: r.off, Reason: fmt.Sprintf("unknown snapshot version %d", v)}
	}
	lastZxid := int64(r.u64("last zxid"))
	digest := r.u64("digest")
	ns := r.count(12, "session count")
	sessions := make([]Session, 0, ns)
	for i := 0; i < ns && r.err == nil; i++ {
		id := int64(r.u64("session id"))
		to := int32(r.u32("session timeout"))
		sessions = append(sessions, Session{ID: id, Timeout: to})
	}
	t := &Tree{
		nodes:      make(map[string]*node),
		ephemerals: make(map[int64]*javaSet),
		containers: make(map[string]struct{}),
		ttls:       make(map[string]struct{}),
		lastZxid:   lastZxid,
	}
	nn := r.count(72, "node count")
	prev := ""
	for i := 0; i < nn && r.err == nil; i++ {
		start := r.off
		path := string(r.bytes("path"))
		data := r.bytes("data")
		na := r.count(12, "acl count")
		var acl []ACL
		for j := 0; j < na && r.err == nil; j++ {
			perms := Perms(r.u32("acl perms"))
			scheme := string(r.bytes("acl scheme"))
			id := string(r.bytes("acl id"))
			acl = append(acl, ACL{Perms: perms, ID: ID{Scheme: scheme, ID: id}})
		}
		var st Stat
		st.Czxid = int64(r.u64("czxid"))
		st.Mzxid = int64(r.u64("mzxid"))
		st.Pzxid = int64(r.u64("pzxid"))
		st.Ctime = int64(r.u64("ctime"))
		st.Mtime = int64(r.u64("mtime"))
		st.Version = int32(r.u32("version"))
		st.Cversion = int32(r.u32("cversion"))
		st.Aversion = int32(r.u32("aversion"))
		st.EphemeralOwner = int64(r.u64("ephemeral owner"))
		if r.err != nil {
			break
		}
		bad := func(reason string, args ...any) {
			r.off = start
			r.fail("node %q: %s", path, fmt.Sprintf(reason, args...))
		}
		switch {
		case i == 0 && path != "/":
			bad("the first node must be the root")
		case i > 0 && path <= prev:
			bad("out of order after %q", prev)
		case i > 0 && ValidatePath(path, false) != nil:
			bad("%v", ValidatePath(path, false))
		}
		if r.err != nil {
			break
		}
		if slices.Equal(acl, OpenACLUnsafe) {
			acl = OpenACLUnsafe
		}
		if len(data) == 0 {
			data = nil
		} else {
			data = append([]byte(nil), data...)
		}
		n := &node{data: data, acl: acl, stat: st}
		if path != "/" {
			parent := t.nodes[ParentPath(path)]
			if parent == nil {
				bad("parent %q is missing", ParentPath(path))
				break
			}
			// NB: a child of an ephemeral is accepted, as
			// DataTree.deserialize accepts it: createNode does not refuse
			// one, so Apply can build such a tree and its snapshot must
			// load.
			parent.addChild(BaseName(path))
		}
		t.nodes[path] = n
		switch TypeOfOwner(st.EphemeralOwner) {
		case EphemeralContainer:
			t.containers[path] = struct{}{}
		case EphemeralTTL:
			t.ttls[path] = struct{}{}
		case EphemeralNormal:
			// NB: in the snapshot's order; Java adds them in its
			// serialization order (children in HashSet order), so a
			// loaded set may iterate otherwise than the live one did.
			t.addEphemeral(st.EphemeralOwner, path)
		}
		prev = path
	}
	if r.err == nil && r.off != len(body) {
		r.fail("%d bytes of trailing garbage", len(body)-r.off)
	}
	if r.err == nil && len(t.nodes) == 0 {
		r.fail("no root node")
	}
	if r.err != nil {
		return nil, nil, r.err
	}
	for p, n := range t.nodes {
		n.stat.DataLength = int32(len(n.data))
		n.digest = nodeDigest(p, n)
		t.digest += n.digest
	}
	if t.digest != digest {
		return nil, nil, &SnapshotError{Offset: len(snapMagic) + 12, Reason: fmt.Sprintf("digest %#x does not match the nodes' %#x", digest, t.digest)}
	}
	return t, sessions, nil
}
