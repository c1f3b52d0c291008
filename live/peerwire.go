package live

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// The peer wire: how zabsim servers talk to each other on their election
// and quorum ports. Only zabsim servers are at either end, so this is not
// ZooKeeper's quorum encoding (QuorumPacket in jute plus Java-serialised
// records); it is a plain length-prefixed binary form that round-trips every
// zab.Message a server sends a peer, field for field, nil slices included.
//
// A connection opens with a fixed hello from the dialler (its myid and the
// port it meant), as QuorumCnxManager.initiateConnection sends the sid
// first; then frames: a 4-byte big-endian length and a payload whose first
// byte says what it holds. Integers are big-endian like jute; byte slices
// and lists carry an int32 length, -1 for nil.

const (
	helloMagic   = "ZBSL"
	helloVersion = 1
	helloLen     = len(helloMagic) + 2 + 8 + 1

	wireNotification byte = 1
	wirePacket       byte = 2

	// peerFrameMax bounds one peer frame. A SNAP carries the whole tree in
	// one packet, so it is large; anything past it is garbage or an attack.
	peerFrameMax = 256 << 20
)

// hello is the first thing a dialler sends on a peer connection.
type hello struct {
	Sid  zab.ServerID
	Port zab.Port
}

func appendHello(dst []byte, h hello) []byte {
	dst = append(dst, helloMagic...)
	dst = binary.BigEndian.AppendUint16(dst, helloVersion)
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.Sid))
	return append(dst, byte(h.Port))
}

func readHello(r io.Reader) (hello, error) {
	var b [helloLen]byte
	if _, err := io.ReadFull(r, b[:]); err != nil {
		return hello{}, fmt.Errorf("reading the hello: %w", err)
	}
	if string(b[:4]) != helloMagic {
		return hello{}, fmt.Errorf("not a zabsim peer (hello starts %q)", b[:4])
	}
	if v := binary.BigEndian.Uint16(b[4:]); v != helloVersion {
		return hello{}, fmt.Errorf("peer wire version %d, want %d", v, helloVersion)
	}
	h := hello{Sid: zab.ServerID(binary.BigEndian.Uint64(b[6:])), Port: zab.Port(b[14])}
	if h.Port != zab.PortElection && h.Port != zab.PortQuorum {
		return hello{}, fmt.Errorf("hello names port %d, not election or quorum", h.Port)
	}
	return h, nil
}

// appendFrame appends a peer message as one frame: length, then payload.
func appendFrame(dst []byte, m zab.Message) ([]byte, error) {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0)
	dst, err := appendPeerMessage(dst, m)
	if err != nil {
		return dst[:start], err
	}
	n := len(dst) - start - 4
	if n > peerFrameMax {
		return dst[:start], fmt.Errorf("%s: %d bytes is over the peer frame limit %d", m, n, peerFrameMax)
	}
	binary.BigEndian.PutUint32(dst[start:], uint32(n))
	return dst, nil
}

// readFrame reads one frame's payload into buf (grown as needed).
func readFrame(r io.Reader, buf []byte) ([]byte, error) {
	var l [4]byte
	if _, err := io.ReadFull(r, l[:]); err != nil {
		return buf, err
	}
	n := binary.BigEndian.Uint32(l[:])
	if n > peerFrameMax {
		return buf, fmt.Errorf("peer frame of %d bytes is over the limit %d", n, peerFrameMax)
	}
	if cap(buf) < int(n) {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if _, err := io.ReadFull(r, buf); err != nil {
		return buf, err
	}
	return buf, nil
}

// appendPeerMessage appends m's payload. It fails only on a message no
// server sends a peer, or a request record it does not know.
func appendPeerMessage(dst []byte, m zab.Message) ([]byte, error) {
	w := wbuf{b: dst}
	switch m := m.(type) {
	case *zab.Notification:
		w.u8(wireNotification)
		w.i64(int64(m.Leader))
		w.i64(int64(m.Zxid))
		w.i64(int64(m.ElectionEpoch))
		w.i32(int32(m.State))
		w.i64(int64(m.Sid))
		w.i64(int64(m.PeerEpoch))
	case *zab.Packet:
		w.u8(wirePacket)
		if err := w.packet(m); err != nil {
			return dst, err
		}
	default:
		return dst, fmt.Errorf("peer wire: cannot encode %T", m)
	}
	return w.b, nil
}

func (w *wbuf) packet(p *zab.Packet) error {
	w.i32(int32(p.Type))
	w.i64(int64(p.Zxid))
	w.boolean(p.Entry != nil)
	if p.Entry != nil {
		at := len(w.b)
		w.i32(0)
		w.b = zab.AppendLogEntry(w.b, p.Entry)
		binary.BigEndian.PutUint32(w.b[at:], uint32(len(w.b)-at-4))
	}
	w.i64(int64(p.Sid))
	w.i32(p.Version)
	w.i64(int64(p.CurrentEpoch))
	w.bytes(p.Snapshot)
	w.boolean(p.Request != nil)
	if r := p.Request; r != nil {
		w.i64(int64(r.SessionID))
		w.i32(r.Cxid)
		w.i32(int32(r.Type))
		if err := w.record(r.Record, 0); err != nil {
			return fmt.Errorf("peer wire: %s: %w", p, err)
		}
		w.ids(r.Auth)
		w.i64(int64(r.Owner))
	}
	w.count(len(p.Touches), p.Touches == nil)
	for _, t := range p.Touches {
		w.i64(int64(t.SessionID))
		w.i32(t.Timeout)
	}
	w.i64(int64(p.SyncRound))
	w.i64(int64(p.Session))
	w.i32(p.Timeout)
	w.boolean(p.Valid)
	return nil
}

// Tags of the request records a forwarded REQUEST may carry.
const (
	recNil byte = iota
	recCreate
	recDelete
	recSetData
	recSetACL
	recCheck
	recMulti
	recCreateSession
	recPath
	recPathWatch
)

func (w *wbuf) record(r any, depth int) error {
	switch r := r.(type) {
	case nil:
		w.u8(recNil)
	case *tree.CreateRequest:
		w.u8(recCreate)
		w.str(r.Path)
		w.bytes(r.Data)
		w.acl(r.ACL)
		w.i32(int32(r.Flags))
		w.i64(r.TTL)
	case *tree.DeleteRequest:
		w.u8(recDelete)
		w.str(r.Path)
		w.i32(r.Version)
	case *tree.SetDataRequest:
		w.u8(recSetData)
		w.str(r.Path)
		w.bytes(r.Data)
		w.i32(r.Version)
	case *tree.SetACLRequest:
		w.u8(recSetACL)
		w.str(r.Path)
		w.acl(r.ACL)
		w.i32(r.Version)
	case *tree.CheckVersionRequest:
		w.u8(recCheck)
		w.str(r.Path)
		w.i32(r.Version)
	case *tree.MultiRequest:
		if depth > 0 {
			return errors.New("multi inside a multi")
		}
		w.u8(recMulti)
		w.count(len(r.Ops), r.Ops == nil)
		for _, op := range r.Ops {
			w.i32(int32(op.Type))
			if err := w.record(op.Request, depth+1); err != nil {
				return err
			}
		}
	case *tree.CreateSessionRequest:
		w.u8(recCreateSession)
		w.i32(r.Timeout)
	case *tree.PathRequest:
		w.u8(recPath)
		w.str(r.Path)
	case *tree.PathWatchRequest:
		w.u8(recPathWatch)
		w.str(r.Path)
		w.boolean(r.Watch)
	default:
		return fmt.Errorf("cannot encode request record %T", r)
	}
	return nil
}

// decodePeerMessage parses one frame's payload. Garbage is an error, never
// a panic, and never makes it allocate more than the payload's size.
func decodePeerMessage(b []byte) (zab.Message, error) {
	r := &rbuf{b: b}
	var m zab.Message
	switch kind := r.u8(); kind {
	case wireNotification:
		m = &zab.Notification{Leader: zab.ServerID(r.i64()), Zxid: zab.Zxid(r.i64()),
			ElectionEpoch: zab.Epoch(r.i64()), State: zab.State(r.i32()), Sid: zab.ServerID(r.i64()),
			PeerEpoch: zab.Epoch(r.i64())}
	case wirePacket:
		m = r.packet()
	default:
		if r.err == nil {
			r.err = fmt.Errorf("unknown peer message kind %d", kind)
		}
	}
	if r.err != nil {
		return nil, fmt.Errorf("peer wire: %w", r.err)
	}
	if r.off != len(b) {
		return nil, fmt.Errorf("peer wire: %d trailing bytes after %s", len(b)-r.off, m)
	}
	return m, nil
}

func (r *rbuf) packet() *zab.Packet {
	p := &zab.Packet{Type: zab.PacketType(r.i32()), Zxid: zab.Zxid(r.i64())}
	if r.boolean() {
		raw := r.bytes()
		if r.err == nil {
			p.Entry, r.err = zab.DecodeLogEntry(raw)
		}
	}
	p.Sid = zab.ServerID(r.i64())
	p.Version = r.i32()
	p.CurrentEpoch = zab.Epoch(r.i64())
	p.Snapshot = r.bytes()
	if r.boolean() {
		fr := &zab.ForwardedRequest{SessionID: zab.SessionID(r.i64()), Cxid: r.i32(), Type: tree.OpCode(r.i32())}
		fr.Record = r.record(0)
		fr.Auth = r.ids()
		fr.Owner = zab.ServerID(r.i64())
		p.Request = fr
	}
	if n := r.count(12); n >= 0 {
		p.Touches = make([]zab.SessionTouch, n)
		for i := range p.Touches {
			p.Touches[i] = zab.SessionTouch{SessionID: zab.SessionID(r.i64()), Timeout: r.i32()}
		}
	}
	p.SyncRound = uint64(r.i64())
	p.Session = zab.SessionID(r.i64())
	p.Timeout = r.i32()
	p.Valid = r.boolean()
	return p
}

func (r *rbuf) record(depth int) any {
	switch tag := r.u8(); tag {
	case recNil:
		return nil
	case recCreate:
		return &tree.CreateRequest{Path: r.str(), Data: r.bytes(), ACL: r.acl(), Flags: tree.CreateMode(r.i32()), TTL: r.i64()}
	case recDelete:
		return &tree.DeleteRequest{Path: r.str(), Version: r.i32()}
	case recSetData:
		return &tree.SetDataRequest{Path: r.str(), Data: r.bytes(), Version: r.i32()}
	case recSetACL:
		return &tree.SetACLRequest{Path: r.str(), ACL: r.acl(), Version: r.i32()}
	case recCheck:
		return &tree.CheckVersionRequest{Path: r.str(), Version: r.i32()}
	case recMulti:
		if depth > 0 {
			r.fail("multi inside a multi")
			return nil
		}
		m := &tree.MultiRequest{}
		if n := r.count(5); n >= 0 {
			m.Ops = make([]tree.Op, n)
			for i := range m.Ops {
				m.Ops[i] = tree.Op{Type: tree.OpCode(r.i32()), Request: r.record(depth + 1)}
			}
		}
		return m
	case recCreateSession:
		return &tree.CreateSessionRequest{Timeout: r.i32()}
	case recPath:
		return &tree.PathRequest{Path: r.str()}
	case recPathWatch:
		return &tree.PathWatchRequest{Path: r.str(), Watch: r.boolean()}
	default:
		r.fail(fmt.Sprintf("unknown request record tag %d", tag))
		return nil
	}
}

// wbuf appends big-endian fields.
type wbuf struct{ b []byte }

func (w *wbuf) u8(v byte)    { w.b = append(w.b, v) }
func (w *wbuf) i32(v int32)  { w.b = binary.BigEndian.AppendUint32(w.b, uint32(v)) }
func (w *wbuf) i64(v int64)  { w.b = binary.BigEndian.AppendUint64(w.b, uint64(v)) }
func (w *wbuf) str(s string) { w.i32(int32(len(s))); w.b = append(w.b, s...) }

func (w *wbuf) boolean(v bool) {
	if v {
		w.u8(1)
	} else {
		w.u8(0)
	}
}

func (w *wbuf) count(n int, isNil bool) {
	if isNil {
		w.i32(-1)
		return
	}
	w.i32(int32(n))
}

func (w *wbuf) bytes(b []byte) {
	w.count(len(b), b == nil)
	w.b = append(w.b, b...)
}

func (w *wbuf) acl(acl []tree.ACL) {
	w.count(len(acl), acl == nil)
	for _, a := range acl {
		w.i32(int32(a.Perms))
		w.str(a.ID.Scheme)
		w.str(a.ID.ID)
	}
}

func (w *wbuf) ids(ids []tree.ID) {
	w.count(len(ids), ids == nil)
	for _, id := range ids {
		w.str(id.Scheme)
		w.str(id.ID)
	}
}

// rbuf reads what wbuf wrote. The first error sticks; every read after it
// returns zero values, so decoders read straight through and check once.
type rbuf struct {
	b   []byte
	off int
	err error
}

func (r *rbuf) fail(why string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s at offset %d", why, r.off)
	}
}

func (r *rbuf) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || len(r.b)-r.off < n {
		r.fail(fmt.Sprintf("want %d bytes, %d left", n, len(r.b)-r.off))
		return nil
	}
	r.off += n
	return r.b[r.off-n : r.off]
}

func (r *rbuf) u8() byte {
	if b := r.take(1); b != nil {
		return b[0]
	}
	return 0
}

func (r *rbuf) i32() int32 {
	if b := r.take(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (r *rbuf) i64() int64 {
	if b := r.take(8); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

func (r *rbuf) boolean() bool {
	switch v := r.u8(); v {
	case 0:
		return false
	case 1:
		return true
	default:
		r.fail(fmt.Sprintf("boolean byte %d", v))
		return false
	}
}

// count reads a list length: -1 for nil. Each element takes at least
// minSize bytes, so a count the rest of the payload cannot hold is
// rejected before anything is allocated for it.
func (r *rbuf) count(minSize int) int {
	n := int(r.i32())
	if r.err != nil {
		return -1
	}
	if n < -1 || n*minSize > len(r.b)-r.off {
		r.fail(fmt.Sprintf("bad length %d", n))
		return -1
	}
	return n
}

func (r *rbuf) str() string {
	n := r.count(1)
	if n < 0 {
		if r.err == nil {
			r.fail("nil string")
		}
		return ""
	}
	return string(r.take(n))
}

func (r *rbuf) bytes() []byte {
	n := r.count(1)
	if n < 0 {
		return nil
	}
	return append([]byte{}, r.take(n)...)
}

func (r *rbuf) acl() []tree.ACL {
	n := r.count(12)
	if n < 0 {
		return nil
	}
	acl := make([]tree.ACL, n)
	for i := range acl {
		acl[i] = tree.ACL{Perms: tree.Perms(r.i32()), ID: tree.ID{Scheme: r.str(), ID: r.str()}}
	}
	return acl
}

func (r *rbuf) ids() []tree.ID {
	n := r.count(8)
	if n < 0 {
		return nil
	}
	ids := make([]tree.ID, n)
	for i := range ids {
		ids[i] = tree.ID{Scheme: r.str(), ID: r.str()}
	}
	return ids
}
