package jute

import (
	"errors"
	"fmt"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// ServerCodec is the server's end of one client connection: it turns the
// frames a client sends into zab messages and the messages zab sends back
// into frames. It keeps what the wire needs and zab's values do not carry:
// whether the handshake is done, whether the client sent the readOnly
// byte, and the op of each request awaiting its reply. Not safe for
// concurrent use; one per connection.
type ServerCodec struct {
	connected   bool // the ConnectRequest has been decoded
	hasReadOnly bool // it carried the readOnly byte: answer with one
	pending     pendingOps
}

// NewServerCodec returns the codec for a new connection.
func NewServerCodec() *ServerCodec { return &ServerCodec{} }

// RequestError is a request whose header was read but whose op or record
// was not. Code is what ZooKeeper would answer: Unimplemented for an op a
// client may not send (UnimplementedRequestProcessor, which then closes the
// connection), MarshallingError for a bad record (which Java answers in
// order, through the pipeline, keeping the connection). Answering now would
// overtake the requests before it, and Java's client treats a reply out of
// order as a lost connection, so the runtime should log it and close.
type RequestError struct {
	Xid  int32
	Type tree.OpCode
	Code tree.Code
	Err  error
}

func (e *RequestError) Error() string {
	return fmt.Sprintf("jute: request xid=%d %v: %v: %v", e.Xid, e.Type, e.Code, e.Err)
}

func (e *RequestError) Unwrap() error { return e.Err }

// errUnimplemented is the cause of a RequestError for an op a client may
// not send.
var errUnimplemented = errors.New("not an op a client may send")

// Decode decodes one frame's payload (ReadFrame's result). The first frame
// of a connection is a *zab.ConnectRequest, every later one a
// *zab.Request. Errors are returned, never panicked: a frame too short for
// its header, a bad ConnectRequest, or a *RequestError.
//
// The returned message does not alias frame.
func (c *ServerCodec) Decode(frame []byte) (zab.Message, error) {
	if !c.connected {
		m, hasReadOnly, err := decodeConnectRequest(frame)
		if err != nil {
			return nil, err
		}
		c.connected, c.hasReadOnly = true, hasReadOnly
		return m, nil
	}
	r, err := c.decodeRequest(frame)
	if err != nil {
		return nil, err // not a typed nil in the interface
	}
	return r, nil
}

func (c *ServerCodec) decodeRequest(frame []byte) (*zab.Request, error) {
	d := decoder{buf: frame}
	xid := d.i32("RequestHeader.xid")
	op := tree.OpCode(d.i32("RequestHeader.type"))
	if d.err != nil {
		return nil, d.err
	}
	rec, ok := d.requestRecord(op)
	if !ok {
		return nil, &RequestError{Xid: xid, Type: op, Code: tree.Unimplemented, Err: errUnimplemented}
	}
	if d.err != nil {
		return nil, &RequestError{Xid: xid, Type: op, Code: tree.MarshallingError, Err: d.err}
	}
	// zab's server answers auth at once and outside the queue
	// (ZooKeeperServer.processPacket); everything else gets one reply in
	// order.
	if op != tree.OpAuth {
		if err := c.pending.push(xid, op); err != nil {
			return nil, err
		}
	}
	return &zab.Request{Xid: xid, Type: op, Record: rec}, nil
}

// Encode appends the frame (length prefix included) of m to dst: a
// *zab.ConnectResponse or a *zab.Reply, the messages zab's server sends on
// a client connection.
func (c *ServerCodec) Encode(dst []byte, m zab.Message) ([]byte, error) {
	switch m := m.(type) {
	case *zab.ConnectResponse:
		return c.EncodeConnectResponse(dst, m), nil
	case *zab.Reply:
		return c.EncodeReply(dst, m)
	}
	return dst, fmt.Errorf("jute: %T is not sent to clients", m)
}

// EncodeConnectResponse appends the frame of m, with the readOnly byte if
// the client's ConnectRequest had one.
func (c *ServerCodec) EncodeConnectResponse(dst []byte, m *zab.ConnectResponse) []byte {
	return appendConnectResponse(dst, m, c.hasReadOnly)
}

// EncodeReply appends the frame of r: ReplyHeader(xid, zxid, err) and the
// record by its Go type (see reply.go). A reply to a request this codec
// decoded settles that request. On error dst is returned unchanged.
func (c *ServerCodec) EncodeReply(dst []byte, r *zab.Reply) ([]byte, error) {
	op := tree.OpNotification
	if _, event := r.Record.(*zab.WatcherEvent); !event {
		if o, ok := c.pending.take(r.Xid); ok {
			op = o
		}
	}
	b, start := startFrame(dst)
	b = appendI32(b, r.Xid)
	b = appendI64(b, int64(r.Zxid))
	b = appendI32(b, int32(r.Err))
	b, err := appendReplyBody(b, op, r)
	if err != nil {
		return dst, err
	}
	return endFrame(b, start), nil
}

// Pending is the number of decoded requests not yet answered.
func (c *ServerCodec) Pending() int { return c.pending.len() }
