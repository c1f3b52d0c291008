package jute

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/zabsim/zabsim/tree"
)

// The primitive types of jute's BinaryOutputArchive/BinaryInputArchive:
// big-endian ints and longs, a boolean as one byte, a ustring or buffer as
// an int length and the bytes, a vector as an int count and the elements.
// A null buffer or vector is written with length -1; jute tells it apart
// from an empty one, and so do we (nil versus empty slice). A null ustring
// is also -1, but Go strings cannot be null: we read -1 as "" and always
// write a string's length.

// ErrMalformed is wrapped by every error about the bytes of a record:
// truncated, a negative or oversized length, an unknown type inside a
// multi.
var ErrMalformed = errors.New("jute: malformed record")

// Sizes of the smallest encoding of each element type, used to bound a
// vector's count by the bytes left before anything is allocated.
const (
	sizeInt    = 4
	sizeLong   = 8
	sizeString = 4                      // an empty ustring
	sizeACL    = sizeInt + 2*sizeString // perms, scheme, id
	sizeStat   = 6*sizeLong + 5*sizeInt // czxid, mzxid, ctime, mtime, owner, pzxid; five ints
)

// decoder reads jute primitives from one frame. The first failure sticks:
// every later read returns a zero value, so record decoders read straight
// through and check err once.
type decoder struct {
	buf []byte
	off int
	err error
}

func (d *decoder) fail(field, format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: %s at offset %d: %s", ErrMalformed, field, d.off, fmt.Sprintf(format, args...))
	}
}

func (d *decoder) remaining() int { return len(d.buf) - d.off }

// need reports whether n more bytes are there, failing if not.
func (d *decoder) need(n int, field string) bool {
	if d.err != nil {
		return false
	}
	if n > d.remaining() {
		d.fail(field, "need %d bytes, %d left", n, d.remaining())
		return false
	}
	return true
}

func (d *decoder) i32(field string) int32 {
	if !d.need(sizeInt, field) {
		return 0
	}
	v := int32(binary.BigEndian.Uint32(d.buf[d.off:]))
	d.off += sizeInt
	return v
}

func (d *decoder) i64(field string) int64 {
	if !d.need(sizeLong, field) {
		return 0
	}
	v := int64(binary.BigEndian.Uint64(d.buf[d.off:]))
	d.off += sizeLong
	return v
}

// boolean is DataInput.readBoolean: any byte but 0 is true.
func (d *decoder) boolean(field string) bool {
	if !d.need(1, field) {
		return false
	}
	v := d.buf[d.off] != 0
	d.off++
	return v
}

// length reads a buffer's or vector's length: -1 (null) comes back as -1,
// anything else below zero or beyond what elemMin-sized elements could fill
// from the bytes left is an error.
func (d *decoder) length(field string, elemMin int) int {
	start := d.off
	n := d.i32(field)
	if d.err != nil || n == -1 {
		return -1
	}
	left := d.remaining()
	if n < 0 {
		d.off = start
		d.fail(field, "length %d is negative", n)
		return -1
	}
	if int64(n)*int64(elemMin) > int64(left) {
		d.off = start
		d.fail(field, "length %d needs at least %d bytes, %d left", n, int64(n)*int64(elemMin), left)
		return -1
	}
	return int(n)
}

// str reads a ustring; null reads as "".
func (d *decoder) str(field string) string {
	n := d.length(field, 1)
	if n <= 0 {
		return ""
	}
	s := string(d.buf[d.off : d.off+n])
	d.off += n
	return s
}

// buffer reads a buffer into a new slice: nil for null, empty for empty.
func (d *decoder) buffer(field string) []byte {
	n := d.length(field, 1)
	if n < 0 {
		return nil
	}
	b := make([]byte, n)
	copy(b, d.buf[d.off:])
	d.off += n
	return b
}

func (d *decoder) strings(field string) []string {
	n := d.length(field, sizeString)
	if n < 0 {
		return nil
	}
	out := make([]string, n)
	for i := range out {
		out[i] = d.str(field)
	}
	return out
}

func (d *decoder) acls(field string) []tree.ACL {
	n := d.length(field, sizeACL)
	if n < 0 {
		return nil
	}
	out := make([]tree.ACL, n)
	for i := range out {
		out[i].Perms = tree.Perms(d.i32(field))
		out[i].ID.Scheme = d.str(field)
		out[i].ID.ID = d.str(field)
	}
	return out
}

func (d *decoder) stat(field string) tree.Stat {
	if !d.need(sizeStat, field) {
		return tree.Stat{}
	}
	return tree.Stat{
		Czxid:          d.i64(field),
		Mzxid:          d.i64(field),
		Ctime:          d.i64(field),
		Mtime:          d.i64(field),
		Version:        d.i32(field),
		Cversion:       d.i32(field),
		Aversion:       d.i32(field),
		EphemeralOwner: d.i64(field),
		DataLength:     d.i32(field),
		NumChildren:    d.i32(field),
		Pzxid:          d.i64(field),
	}
}

// The writers append to b and return it, as strconv.Append* do.

func appendI32(b []byte, v int32) []byte { return binary.BigEndian.AppendUint32(b, uint32(v)) }

func appendI64(b []byte, v int64) []byte { return binary.BigEndian.AppendUint64(b, uint64(v)) }

func appendBool(b []byte, v bool) []byte {
	if v {
		return append(b, 1)
	}
	return append(b, 0)
}

func appendString(b []byte, s string) []byte {
	b = appendI32(b, int32(len(s)))
	return append(b, s...)
}

func appendBuffer(b, v []byte) []byte {
	if v == nil {
		return appendI32(b, -1)
	}
	b = appendI32(b, int32(len(v)))
	return append(b, v...)
}

func appendStrings(b []byte, v []string) []byte {
	if v == nil {
		return appendI32(b, -1)
	}
	b = appendI32(b, int32(len(v)))
	for _, s := range v {
		b = appendString(b, s)
	}
	return b
}

func appendACLs(b []byte, v []tree.ACL) []byte {
	if v == nil {
		return appendI32(b, -1)
	}
	b = appendI32(b, int32(len(v)))
	for _, a := range v {
		b = appendI32(b, int32(a.Perms))
		b = appendString(b, a.ID.Scheme)
		b = appendString(b, a.ID.ID)
	}
	return b
}

func appendStat(b []byte, s tree.Stat) []byte {
	b = appendI64(b, s.Czxid)
	b = appendI64(b, s.Mzxid)
	b = appendI64(b, s.Ctime)
	b = appendI64(b, s.Mtime)
	b = appendI32(b, s.Version)
	b = appendI32(b, s.Cversion)
	b = appendI32(b, s.Aversion)
	b = appendI64(b, s.EphemeralOwner)
	b = appendI32(b, s.DataLength)
	b = appendI32(b, s.NumChildren)
	return appendI64(b, s.Pzxid)
}
