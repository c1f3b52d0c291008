package jute

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// ClientCodec is the client's end of one connection: requests to frames,
// frames to replies. It is what tests and a differential harness use to
// speak to a server as Java's client does. Not safe for concurrent use.
type ClientCodec struct {
	// OldClient leaves the readOnly byte out of the ConnectRequest, as
	// pre-3.4 clients and go-zookeeper do.
	OldClient bool

	connected bool
	pending   pendingOps
}

// Encode appends the frame of m to dst: a *zab.ConnectRequest first, then
// *zab.Request values. Each request is remembered until its reply so the
// reply's record can be read by the request's type.
func (c *ClientCodec) Encode(dst []byte, m zab.Message) ([]byte, error) {
	switch m := m.(type) {
	case *zab.ConnectRequest:
		return appendConnectRequest(dst, m, !c.OldClient), nil
	case *zab.Request:
		return c.EncodeRequest(dst, m)
	}
	return dst, fmt.Errorf("jute: %T is not sent to servers", m)
}

// EncodeRequest appends the frame of RequestHeader(xid, type) and the
// op's record. On error dst is returned unchanged.
func (c *ClientCodec) EncodeRequest(dst []byte, r *zab.Request) ([]byte, error) {
	b, start := startFrame(dst)
	b = appendI32(b, r.Xid)
	b = appendI32(b, int32(r.Type))
	b, err := appendRequestRecord(b, r.Type, r.Record)
	if err != nil {
		return dst, err
	}
	if err := c.pending.push(r.Xid, r.Type); err != nil {
		return dst, err
	}
	return endFrame(b, start), nil
}

// Decode decodes one frame's payload from the server: the first is a
// *zab.ConnectResponse, later ones *zab.Reply. A notification (xid -1)
// carries a *zab.WatcherEvent; any other reply settles the oldest request
// with its xid, whose type says which record to read, and only when err is
// 0, as ClientCnxn.readResponse does. A reply to no request is an error.
func (c *ClientCodec) Decode(frame []byte) (zab.Message, error) {
	if !c.connected {
		m, _, err := decodeConnectResponse(frame)
		if err != nil {
			return nil, err
		}
		c.connected = true
		return m, nil
	}
	d := decoder{buf: frame}
	r := &zab.Reply{
		Xid:  d.i32("ReplyHeader.xid"),
		Zxid: zab.Zxid(d.i64("ReplyHeader.zxid")),
		Err:  tree.Code(d.i32("ReplyHeader.err")),
	}
	if d.err != nil {
		return nil, d.err
	}
	if r.Xid == zab.XidNotification {
		r.Record = &zab.WatcherEvent{Type: tree.EventType(d.i32("WatcherEvent.type")),
			State: tree.KeeperState(d.i32("WatcherEvent.state")), Path: d.str("WatcherEvent.path")}
		if d.err != nil {
			return nil, d.err
		}
		return r, nil
	}
	op, ok := c.pending.take(r.Xid)
	if !ok {
		return nil, fmt.Errorf("jute: reply xid=%d err=%v answers no request", r.Xid, r.Err)
	}
	if r.Err == tree.OK {
		r.Record = d.replyRecord(op)
	}
	if d.err != nil {
		return nil, fmt.Errorf("jute: reply xid=%d to %v: %w", r.Xid, op, d.err)
	}
	return r, nil
}

// Pending is the number of requests sent and not yet answered.
func (c *ClientCodec) Pending() int { return c.pending.len() }
