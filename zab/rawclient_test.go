package zab

import (
	"github.com/zabsim/zabsim/tree"
)

// rawClient speaks the client protocol by hand, for testing the server's
// side of it without the client library.
type rawClient struct {
	net     *testNet
	id      ServerID // negative
	conn    ConnID
	session SessionID
	timeout int32
	xid     int32
	got     []Message // every message received, in order
	closed  bool
}

func (n *testNet) newRawClient() *rawClient {
	id := ServerID(-1 - len(n.clients))
	c := &rawClient{net: n, id: id}
	n.clients[id] = c
	return c
}

func (c *rawClient) receive(ev Event) {
	switch ev := ev.(type) {
	case MessageEvent:
		c.got = append(c.got, ev.Msg)
		if r, ok := ev.Msg.(*ConnectResponse); ok {
			c.session, c.timeout = r.SessionID, r.Timeout
		}
	case ClosedEvent:
		c.closed = true
	}
}

// connect opens a connection to server and sends the handshake.
func (c *rawClient) connect(server ServerID, req ConnectRequest) {
	c.net.nextID++
	c.conn = ConnID(c.net.nextID)
	c.closed = false
	c.net.conns[c.conn] = &testConn{from: c.id, to: server, open: !c.net.down[server]}
	if c.net.down[server] {
		c.closed = true
		return
	}
	if req.Timeout == 0 {
		req.Timeout = 6000
	}
	c.send(&req)
}

func (c *rawClient) send(m Message) {
	conn := c.net.conns[c.conn]
	if conn == nil || !conn.open {
		return
	}
	c.net.push(delivery{at: c.net.now + c.net.latency, to: conn.to, ev: MessageEvent{Conn: c.conn, Msg: m}})
}

// request sends an op and returns its xid.
func (c *rawClient) request(op tree.OpCode, rec any) int32 {
	c.xid++
	c.send(&Request{Xid: c.xid, Type: op, Record: rec})
	return c.xid
}

// reply finds the reply to xid.
func (c *rawClient) reply(xid int32) *Reply {
	for _, m := range c.got {
		if r, ok := m.(*Reply); ok && r.Xid == xid {
			return r
		}
	}
	return nil
}

// events lists the watch events received, in order.
func (c *rawClient) events() []*WatcherEvent {
	var evs []*WatcherEvent
	for _, m := range c.got {
		if r, ok := m.(*Reply); ok && r.Xid == XidNotification {
			evs = append(evs, r.Record.(*WatcherEvent))
		}
	}
	return evs
}

// indexOf returns the position of the reply to xid among received messages.
func (c *rawClient) indexOf(xid int32) int {
	for i, m := range c.got {
		if r, ok := m.(*Reply); ok && r.Xid == xid {
			return i
		}
	}
	return -1
}
