package client

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// opStore holds a History's ops compactly: a long run records hundreds of
// thousands, and as Op values (368 bytes, most of them empty slices and a
// Stat) they were a third of a world's heap. An op is an opRec of 88
// bytes; paths and created names are interned (a workload reuses a few
// paths), ACL lists too, byte slices and Stats are varints in one byte
// arena, and the fields few ops have (multi's ops and results, children,
// watch modes) sit in a side table. Every table is append-only and keyed
// by content or position, so nothing depends on map order. Op(i) builds
// the very Op that was stored, nil slices staying nil.
type opStore struct {
	// chunks hold the opRecs, opChunk each: growing never copies them.
	chunks [][]opRec
	n      int

	strs  []string // interned strings; strs[0] is ""
	strID map[string]uint32
	acls  [][]tree.ACL // interned ACL lists; acls[0] is nil
	more  []opMore     // more[0] is unused
	// arena holds byte slices and Stats, each at an offset an opRec
	// keeps (plus one: 0 is none). Slices Op returns alias it, capped, and
	// stored bytes never change: growth copies, and the old array stays
	// good for the slices that alias it.
	arena []byte
}

// opRec is one op as stored. Each uint32 naming a table or the arena is 0
// for none (the zero field).
type opRec struct {
	call, ret int64
	session   zab.SessionID
	zxid      zab.Zxid
	client    int32
	seq       uint32
	xid       int32
	version   int32
	path      uint32 // strs
	created   uint32 // strs
	args      uint32 // arena: Data
	res       uint32 // arena: Stat and RData
	more      uint32 // more
	acl       uint32 // acls
	server    int32
	typ       int16
	err       int16
	mode      int8
	outcome   Outcome
	flags     uint8
}

const (
	opSent = 1 << iota
	opWatch
	// opWide: Type, Err or Mode did not fit its narrow field; the more
	// entry holds all three.
	opWide
	// opWideServer: the server id did not fit 32 bits; the more entry
	// holds it.
	opWideServer
)

// opMore holds the fields few ops set.
type opMore struct {
	ops       []tree.Op
	results   []tree.OpResult
	children  []string
	number    int32
	watchMode tree.AddWatchMode
	typ       tree.OpCode
	err       tree.Code
	mode      tree.CreateMode
	server    zab.ServerID
}

const (
	opChunk = 512
	// Bits of a result blob: which parts follow.
	resStat  = 1
	resRData = 2
)

func (s *opStore) len() int { return s.n }

// rec is the stored op i. Chunks never move, so the pointer stays good.
func (s *opStore) rec(i int) *opRec {
	if i < 0 || i >= s.n {
		panic(fmt.Sprintf("op %d of a history of %d", i, s.n))
	}
	return &s.chunks[i/opChunk][i%opChunk]
}

// add stores op as op number len().
func (s *opStore) add(op *Op) int {
	if s.n%opChunk == 0 {
		s.chunks = append(s.chunks, make([]opRec, opChunk))
	}
	s.n++
	i := s.n - 1
	s.set(s.rec(i), op)
	return i
}

// set stores every field of op into r.
func (s *opStore) set(r *opRec, op *Op) {
	*r = opRec{
		call: op.Call, ret: op.Return, session: op.Session, zxid: op.Zxid,
		client: narrow32(op.Client, "client"), seq: uint32(narrow32(op.Seq, "seq")), xid: op.Xid, version: op.Version,
		path: s.intern(op.Path), created: s.intern(op.Created),
		args: s.putBytes(op.Data), acl: s.internACL(op.ACL),
		outcome: op.Outcome,
	}
	s.setServer(r, op.Server)
	if op.Sent {
		r.flags |= opSent
	}
	if op.Watch {
		r.flags |= opWatch
	}
	s.setCodes(r, op.Type, op.Err, op.Mode)
	s.setResult(r, &op.Stat, op.RData)
	if op.Ops != nil || op.Results != nil || op.Children != nil || op.Number != 0 || op.WatchMode != 0 {
		m := s.moreOf(r)
		m.ops, m.results, m.children, m.number, m.watchMode = op.Ops, op.Results, op.Children, op.Number, op.WatchMode
	}
}

// setCodes stores the op code, result code and create mode, in r if they
// fit its narrow fields.
func (s *opStore) setCodes(r *opRec, typ tree.OpCode, err tree.Code, mode tree.CreateMode) {
	if typ == tree.OpCode(int16(typ)) && err == tree.Code(int16(err)) && mode == tree.CreateMode(int8(mode)) {
		r.typ, r.err, r.mode = int16(typ), int16(err), int8(mode)
		r.flags &^= opWide
		return
	}
	m := s.moreOf(r)
	m.typ, m.err, m.mode = typ, err, mode
	r.flags |= opWide
}

// setServer stores the server an op was sent to, in r if it fits.
func (s *opStore) setServer(r *opRec, id zab.ServerID) {
	if id == zab.ServerID(int32(id)) {
		r.server = int32(id)
		r.flags &^= opWideServer
		return
	}
	s.moreOf(r).server = id
	r.flags |= opWideServer
}

func (s *opStore) server(r *opRec) zab.ServerID {
	if r.flags&opWideServer != 0 {
		return s.more[r.more].server
	}
	return zab.ServerID(r.server)
}

func (s *opStore) setErr(r *opRec, err tree.Code) {
	typ, _, mode := s.codes(r)
	s.setCodes(r, typ, err, mode)
}

func (s *opStore) codes(r *opRec) (tree.OpCode, tree.Code, tree.CreateMode) {
	if r.flags&opWide != 0 {
		m := &s.more[r.more]
		return m.typ, m.err, m.mode
	}
	return tree.OpCode(r.typ), tree.Code(r.err), tree.CreateMode(r.mode)
}

// moreOf is r's side entry, made if it has none.
func (s *opStore) moreOf(r *opRec) *opMore {
	if r.more == 0 {
		if len(s.more) == 0 {
			s.more = append(s.more, opMore{})
		}
		s.more = append(s.more, opMore{})
		r.more = uint32(len(s.more) - 1)
	}
	return &s.more[r.more]
}

// setResult stores a reply's Stat and data.
func (s *opStore) setResult(r *opRec, st *tree.Stat, data []byte) {
	r.res = 0
	var mask uint64
	if *st != (tree.Stat{}) {
		mask |= resStat
	}
	if data != nil {
		mask |= resRData
	}
	if mask == 0 {
		return
	}
	r.res = s.mark()
	s.arena = binary.AppendUvarint(s.arena, mask)
	if mask&resStat != 0 {
		// Zxids and times as deltas from the creation's: a few bytes
		// where the fields take 72.
		for _, v := range [...]int64{st.Czxid, st.Mzxid - st.Czxid, st.Pzxid - st.Czxid, st.Ctime, st.Mtime - st.Ctime,
			int64(st.Version), int64(st.Cversion), int64(st.Aversion), st.EphemeralOwner, int64(st.DataLength), int64(st.NumChildren)} {
			s.arena = binary.AppendVarint(s.arena, v)
		}
	}
	if mask&resRData != 0 {
		s.appendBytes(data)
	}
}

// mark is the arena reference of the next byte appended.
func (s *opStore) mark() uint32 {
	if len(s.arena) >= math.MaxUint32-1 {
		panic(fmt.Sprintf("history arena of %d bytes: past its bound", len(s.arena)))
	}
	return uint32(len(s.arena)) + 1
}

func (s *opStore) putBytes(b []byte) uint32 {
	if b == nil {
		return 0
	}
	ref := s.mark()
	s.appendBytes(b)
	return ref
}

func (s *opStore) appendBytes(b []byte) {
	s.arena = binary.AppendUvarint(s.arena, uint64(len(b)))
	s.arena = append(s.arena, b...)
}

// bytesAt reads a slice appendBytes wrote at off; it returns the slice
// (capped, never nil) and the offset after it.
func (s *opStore) bytesAt(off int) ([]byte, int) {
	n, k := binary.Uvarint(s.arena[off:])
	if k <= 0 {
		panic(fmt.Sprintf("history arena: bad length at %d", off))
	}
	off += k
	end := off + int(n)
	return s.arena[off:end:end], end
}

func (s *opStore) getBytes(ref uint32) []byte {
	if ref == 0 {
		return nil
	}
	b, _ := s.bytesAt(int(ref - 1))
	return b
}

func (s *opStore) getResult(ref uint32, st *tree.Stat) (rdata []byte) {
	if ref == 0 {
		return nil
	}
	off := int(ref - 1)
	mask, k := binary.Uvarint(s.arena[off:])
	off += k
	if mask&resStat != 0 {
		var v [11]int64
		for j := range v {
			x, k := binary.Varint(s.arena[off:])
			if k <= 0 {
				panic(fmt.Sprintf("history arena: bad stat at %d", off))
			}
			v[j], off = x, off+k
		}
		*st = tree.Stat{Czxid: v[0], Mzxid: v[0] + v[1], Pzxid: v[0] + v[2], Ctime: v[3], Mtime: v[3] + v[4],
			Version: int32(v[5]), Cversion: int32(v[6]), Aversion: int32(v[7]), EphemeralOwner: v[8],
			DataLength: int32(v[9]), NumChildren: int32(v[10])}
	}
	if mask&resRData != 0 {
		rdata, _ = s.bytesAt(off)
	}
	return rdata
}

// intern is s's index in strs, which it joins if new.
func (s *opStore) intern(str string) uint32 {
	if str == "" {
		return 0
	}
	if id, ok := s.strID[str]; ok {
		return id
	}
	if s.strID == nil {
		s.strID = map[string]uint32{}
		s.strs = append(s.strs, "")
	}
	if len(s.strs) >= math.MaxUint32 {
		panic(fmt.Sprintf("history: %d distinct paths, past the bound", len(s.strs)))
	}
	s.strs = append(s.strs, str)
	s.strID[str] = uint32(len(s.strs) - 1)
	return uint32(len(s.strs) - 1)
}

// aclScan bounds the search for an equal ACL list: workloads use a few.
const aclScan = 64

// internACL is the index of an ACL list equal to acl, which joins acls if
// none of the first aclScan is. The list is stored as given, not copied.
func (s *opStore) internACL(acl []tree.ACL) uint32 {
	if acl == nil {
		return 0
	}
	if len(s.acls) == 0 {
		s.acls = append(s.acls, nil)
	}
	for i, a := range s.acls[1:min(len(s.acls), aclScan)] {
		if a != nil && slices.Equal(a, acl) {
			return uint32(i + 1)
		}
	}
	if len(s.acls) >= math.MaxUint32 {
		panic(fmt.Sprintf("history: %d ACL lists, past the bound", len(s.acls)))
	}
	s.acls = append(s.acls, acl)
	return uint32(len(s.acls) - 1)
}

// op builds the stored op i.
func (s *opStore) op(i int) Op {
	r := s.rec(i)
	op := Op{
		Index: i, Client: int(r.client), Session: r.session, Xid: r.xid,
		Path: s.strs0(r.path), Data: s.getBytes(r.args), Version: r.version, ACL: s.acls0(r.acl),
		Watch: r.flags&opWatch != 0, Call: r.call, Return: r.ret, Outcome: r.outcome, Seq: int64(r.seq),
		Zxid: r.zxid, Server: s.server(r), Sent: r.flags&opSent != 0, Created: s.strs0(r.created),
	}
	op.Type, op.Err, op.Mode = s.codes(r)
	op.RData = s.getResult(r.res, &op.Stat)
	if r.more != 0 {
		m := &s.more[r.more]
		op.Ops, op.Results, op.Children, op.Number, op.WatchMode = m.ops, m.results, m.children, m.number, m.watchMode
	}
	return op
}

func (s *opStore) strs0(id uint32) string {
	if id == 0 {
		return ""
	}
	return s.strs[id]
}

func (s *opStore) acls0(id uint32) []tree.ACL {
	if id == 0 {
		return nil
	}
	return s.acls[id]
}

// narrow32 is v as an int32; a value past int32 breaks an invariant of
// the history (client ids, result numbers).
func narrow32[T ~int | ~int64](v T, what string) int32 {
	if int64(v) != int64(int32(v)) {
		panic(fmt.Sprintf("history: %s %d does not fit 32 bits", what, int64(v)))
	}
	return int32(v)
}
