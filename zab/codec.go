package zab

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"

	"github.com/zabsim/zabsim/tree"
)

// The binary form of a LogEntry, as the transaction log stores it: the
// TxnHeader fields, then a tag and the record's fields, big-endian like
// jute. Byte slices and lists carry a length, -1 for nil.

type encoder struct{ b []byte }

func (e *encoder) i32(v int32)  { e.b = binary.BigEndian.AppendUint32(e.b, uint32(v)) }
func (e *encoder) i64(v int64)  { e.b = binary.BigEndian.AppendUint64(e.b, uint64(v)) }
func (e *encoder) u8(v byte)    { e.b = append(e.b, v) }
func (e *encoder) str(s string) { e.i32(int32(len(s))); e.b = append(e.b, s...) }
func (e *encoder) boolean(v bool) {
	if v {
		e.u8(1)
	} else {
		e.u8(0)
	}
}

func (e *encoder) bytes(b []byte) {
	if b == nil {
		e.i32(-1)
		return
	}
	e.i32(int32(len(b)))
	e.b = append(e.b, b...)
}

func (e *encoder) acl(acl []tree.ACL) {
	if acl == nil {
		e.i32(-1)
		return
	}
	e.i32(int32(len(acl)))
	for _, a := range acl {
		e.i32(int32(a.Perms))
		e.str(a.ID.Scheme)
		e.str(a.ID.ID)
	}
}

const (
	tagCreate byte = iota + 1
	tagCreateContainer
	tagCreateTTL
	tagDelete
	tagSetData
	tagSetACL
	tagCheck
	tagCreateSession
	tagCloseSession
	tagError
	tagMulti
)

// encodeEntry appends the binary form of e to dst.
func encodeEntry(dst []byte, e *LogEntry) []byte {
	enc := encoder{b: dst}
	h := e.Hdr
	enc.i64(h.SessionID)
	enc.i32(h.Cxid)
	enc.i64(h.Zxid)
	enc.i64(h.Time)
	enc.i32(int32(h.Type))
	enc.txn(e.Txn)
	return enc.b
}

func (e *encoder) txn(t tree.Txn) {
	switch t := t.(type) {
	case tree.CreateTxn:
		e.u8(tagCreate)
		e.str(t.Path)
		e.bytes(t.Data)
		e.acl(t.ACL)
		e.boolean(t.Ephemeral)
		e.i32(t.ParentCVersion)
	case tree.CreateContainerTxn:
		e.u8(tagCreateContainer)
		e.str(t.Path)
		e.bytes(t.Data)
		e.acl(t.ACL)
		e.i32(t.ParentCVersion)
	case tree.CreateTTLTxn:
		e.u8(tagCreateTTL)
		e.str(t.Path)
		e.bytes(t.Data)
		e.acl(t.ACL)
		e.i32(t.ParentCVersion)
		e.i64(t.TTL)
	case tree.DeleteTxn:
		e.u8(tagDelete)
		e.str(t.Path)
	case tree.SetDataTxn:
		e.u8(tagSetData)
		e.str(t.Path)
		e.bytes(t.Data)
		e.i32(t.Version)
	case tree.SetACLTxn:
		e.u8(tagSetACL)
		e.str(t.Path)
		e.acl(t.ACL)
		e.i32(t.Version)
	case tree.CheckVersionTxn:
		e.u8(tagCheck)
		e.str(t.Path)
		e.i32(t.Version)
	case tree.CreateSessionTxn:
		e.u8(tagCreateSession)
		e.i32(t.Timeout)
	case tree.CloseSessionTxn:
		e.u8(tagCloseSession)
		e.i32(int32(len(t.Paths)))
		for _, p := range t.Paths {
			e.str(p)
		}
	case tree.ErrorTxn:
		e.u8(tagError)
		e.i32(int32(t.Err))
	case tree.MultiTxn:
		e.u8(tagMulti)
		e.i32(int32(len(t.Txns)))
		for _, st := range t.Txns {
			e.i32(int32(st.Type))
			e.txn(st.Txn)
		}
	default:
		panic(fmt.Sprintf("encode: unknown txn type %T", t))
	}
}

// errShort is returned when a record ends early.
var errShort = errors.New("record ends early")

type decoder struct {
	b   []byte
	off int
	err error
}

func (d *decoder) need(n int) bool {
	if d.err != nil {
		return false
	}
	if n < 0 || len(d.b)-d.off < n {
		d.err = errShort
		return false
	}
	return true
}

func (d *decoder) u8() byte {
	if !d.need(1) {
		return 0
	}
	d.off++
	return d.b[d.off-1]
}

func (d *decoder) i32() int32 {
	if !d.need(4) {
		return 0
	}
	d.off += 4
	return int32(binary.BigEndian.Uint32(d.b[d.off-4:]))
}

func (d *decoder) i64() int64 {
	if !d.need(8) {
		return 0
	}
	d.off += 8
	return int64(binary.BigEndian.Uint64(d.b[d.off-8:]))
}

func (d *decoder) boolean() bool { return d.u8() != 0 }

func (d *decoder) length() int {
	n := d.i32()
	if n < -1 || int(n) > len(d.b)-d.off {
		if d.err == nil {
			d.err = fmt.Errorf("bad length %d at offset %d", n, d.off-4)
		}
		return 0
	}
	return int(n)
}

func (d *decoder) str() string {
	n := d.length()
	if n <= 0 || !d.need(n) {
		return ""
	}
	d.off += n
	return string(d.b[d.off-n : d.off])
}

func (d *decoder) bytes() []byte {
	n := d.length()
	if n < 0 || d.err != nil {
		return nil
	}
	if !d.need(n) {
		return nil
	}
	d.off += n
	return append([]byte{}, d.b[d.off-n:d.off]...)
}

func (d *decoder) acl() []tree.ACL {
	n := d.length()
	if n < 0 || d.err != nil {
		return nil
	}
	acl := make([]tree.ACL, 0, min(n, 64))
	for i := 0; i < n && d.err == nil; i++ {
		perms := tree.Perms(d.i32())
		acl = append(acl, tree.ACL{Perms: perms, ID: tree.ID{Scheme: d.str(), ID: d.str()}})
	}
	return acl
}

// decodeEntry parses one LogEntry; it never panics on bad input.
func decodeEntry(b []byte) (*LogEntry, error) {
	d := &decoder{b: b}
	e := &LogEntry{}
	e.Hdr.SessionID = d.i64()
	e.Hdr.Cxid = d.i32()
	e.Hdr.Zxid = d.i64()
	e.Hdr.Time = d.i64()
	e.Hdr.Type = tree.OpCode(d.i32())
	e.Txn = d.txn(0)
	if d.err != nil {
		return nil, d.err
	}
	if d.off != len(b) {
		return nil, fmt.Errorf("%d trailing bytes after the record", len(b)-d.off)
	}
	return e, nil
}

func (d *decoder) txn(depth int) tree.Txn {
	switch tag := d.u8(); tag {
	case tagCreate:
		return tree.CreateTxn{Path: d.str(), Data: d.bytes(), ACL: d.acl(), Ephemeral: d.boolean(), ParentCVersion: d.i32()}
	case tagCreateContainer:
		return tree.CreateContainerTxn{Path: d.str(), Data: d.bytes(), ACL: d.acl(), ParentCVersion: d.i32()}
	case tagCreateTTL:
		return tree.CreateTTLTxn{Path: d.str(), Data: d.bytes(), ACL: d.acl(), ParentCVersion: d.i32(), TTL: d.i64()}
	case tagDelete:
		return tree.DeleteTxn{Path: d.str()}
	case tagSetData:
		return tree.SetDataTxn{Path: d.str(), Data: d.bytes(), Version: d.i32()}
	case tagSetACL:
		return tree.SetACLTxn{Path: d.str(), ACL: d.acl(), Version: d.i32()}
	case tagCheck:
		return tree.CheckVersionTxn{Path: d.str(), Version: d.i32()}
	case tagCreateSession:
		return tree.CreateSessionTxn{Timeout: d.i32()}
	case tagCloseSession:
		n := d.length()
		t := tree.CloseSessionTxn{}
		for i := 0; i < n && d.err == nil; i++ {
			t.Paths = append(t.Paths, d.str())
		}
		return t
	case tagError:
		return tree.ErrorTxn{Err: tree.Code(d.i32())}
	case tagMulti:
		return d.multi(depth)
	default:
		if d.err == nil {
			d.err = fmt.Errorf("unknown txn tag %d at offset %d", tag, d.off-1)
		}
		return nil
	}
}

func (d *decoder) multi(depth int) tree.Txn {
	if depth > 0 {
		d.err = fmt.Errorf("nested multi at offset %d", d.off)
		return nil
	}
	n := d.length()
	t := tree.MultiTxn{}
	for i := 0; i < n && d.err == nil && i < math.MaxInt16; i++ {
		typ := tree.OpCode(d.i32())
		t.Txns = append(t.Txns, tree.SubTxn{Type: typ, Txn: d.txn(depth + 1)})
	}
	return t
}
