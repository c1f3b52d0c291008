package live

import (
	"errors"
	"io"
	"time"

	"github.com/zabsim/zabsim/live/jute"
	"github.com/zabsim/zabsim/zab"
)

// The client port: ZooKeeper's client protocol (package jute) onto the
// server's ConnectRequest, Request, ConnectResponse and Reply values.
//
// A connection's reader only cuts frames; decoding runs on the loop,
// because the connection's jute.ServerCodec pairs each reply with the
// request it answers and so is shared by decode and encode. A connection
// that sends something the server cannot take (an oversized or malformed
// frame, an op a client may not send, a request before the handshake) is
// closed with the reason logged; nobody else notices.

// clientState is one client connection's protocol state (loop only).
type clientState struct {
	codec *jute.ServerCodec
	// arrived holds when each request still awaiting its reply was read,
	// by xid, for the latency the four-letter words report.
	arrived  map[int32]time.Time
	received int64
	sent     int64
}

// readClient reads a client connection: a four-letter word, or frames.
func (c *conn) readClient(r io.Reader) error {
	max := c.n.cfg.MaxBuffer
	frame, word, err := jute.ReadFirstFrame(r, max)
	if err != nil {
		return c.refuse(err)
	}
	if word != "" {
		c.fourLetter(word)
		return nil
	}
	for {
		// The loop runs fn later: it must get this frame, not the
		// variable, which the next read overwrites.
		f := frame
		if !c.n.post(loopItem{fn: func() { c.n.clientFrame(c, f) }}) {
			return nil
		}
		if frame, err = jute.ReadFrame(r, max); err != nil {
			return c.refuse(err)
		}
	}
}

// refuse logs why the client's input ended the connection, unless it just
// hung up.
func (c *conn) refuse(err error) error {
	if errors.Is(err, jute.ErrFrameLength) {
		c.n.log.Printf("client %d (%s): %v: closing", c.id, c.remote(), err)
	}
	return err
}

func (c *conn) remote() string {
	if c.nc == nil {
		return "?"
	}
	return c.nc.RemoteAddr().String()
}

// clientFrame decodes one frame on the loop and steps the server with it.
func (n *Node) clientFrame(c *conn, frame []byte) {
	if n.conns[c.id] != c || c.closedHere || n.failed {
		return
	}
	if c.client == nil {
		c.client = &clientState{codec: jute.NewServerCodec(), arrived: map[int32]time.Time{}}
	}
	m, err := c.client.codec.Decode(frame)
	if err != nil {
		n.dropClient(c, err.Error())
		return
	}
	n.debugf("client %d: %s", c.id, m)
	c.client.received++
	n.stats.packetsReceived++
	if r, ok := m.(*zab.Request); ok {
		if len(c.client.arrived) >= jute.MaxPending {
			clear(c.client.arrived) // replies that never came: forget them
		}
		c.client.arrived[r.Xid] = time.Now()
	}
	n.step(zab.MessageEvent{Conn: c.id, Msg: m})
}

// dropClient closes a client connection the runtime gave up on and tells
// the server it is gone, as if the client had hung up.
func (n *Node) dropClient(c *conn, why string) {
	n.log.Printf("client %d (%s): %s: closing", c.id, c.remote(), why)
	c.abort()
	n.step(zab.ClosedEvent{Conn: c.id}) // admit takes it out of conns
	c.closedHere = true
}

// encodeClient turns a ConnectResponse or Reply into its frame.
func (n *Node) encodeClient(c *conn, m zab.Message) ([]byte, error) {
	if c.client == nil {
		return nil, errors.New("no handshake on this connection")
	}
	return c.client.codec.Encode(nil, m)
}

// clientStats are the counters ServerStats keeps for srvr and mntr.
type clientStats struct {
	packetsReceived int64
	packetsSent     int64
	latencyCount    int64
	latencySum      time.Duration
	latencyMin      time.Duration
	latencyMax      time.Duration
}

// countSent counts a message to a client and, for a reply, its latency.
func (s *clientStats) countSent(c *conn, m zab.Message) {
	s.packetsSent++
	if c.client == nil {
		return
	}
	c.client.sent++
	r, ok := m.(*zab.Reply)
	if !ok {
		return
	}
	at, ok := c.client.arrived[r.Xid]
	if !ok || r.Xid == zab.XidNotification {
		return
	}
	delete(c.client.arrived, r.Xid)
	d := time.Since(at)
	if s.latencyCount == 0 || d < s.latencyMin {
		s.latencyMin = d
	}
	s.latencyMax = max(s.latencyMax, d)
	s.latencySum += d
	s.latencyCount++
}
