package live

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/zabsim/zabsim/zab"
)

// conn is one TCP connection as the server sees it: a ConnID, a reader
// goroutine that posts what arrives, and a writer goroutine draining a
// queue, so Env.Send never blocks the loop.
type conn struct {
	n    *Node
	id   zab.ConnID
	port zab.Port     // the port it came in on, or the peer port dialled
	peer zab.ServerID // the server at the other end; 0 for clients
	// remoteIP is the IP address of an accepted connection's other end,
	// set before the loop first sees the connection and never after.
	remoteIP string
	// closedHere: the server closed it (loop only). Its later events are
	// not the server's business.
	closedHere bool
	// client is the client port's per-connection state (loop only).
	client *clientState

	mu      sync.Mutex
	nc      net.Conn // nil while dialling
	queue   [][]byte
	queued  int
	closing bool // the server closed it: flush the queue, then close
	aborted bool // closed at once; nothing more is written
	wake    chan struct{}
}

const (
	// sendQueueMax bounds what may wait to be written on one connection;
	// a peer or client that reads slower than this is cut off, as
	// ZooKeeper's outgoing buffers are bounded.
	sendQueueMax = 64 << 20
	// writeTimeout bounds one write: a peer that stops reading is dead.
	writeTimeout = 30 * time.Second
	// dialTimeout is QuorumCnxManager's cnxTO (5 s).
	dialTimeout = 5 * time.Second
)

func (n *Node) newConn(port zab.Port) *conn {
	c := &conn{n: n, id: zab.ConnID(n.nextConn.Add(1)), port: port, wake: make(chan struct{}, 1)}
	n.openMu.Lock()
	n.open[c.id] = c
	n.openMu.Unlock()
	return c
}

// enqueue hands b to the writer; false if the connection is gone.
func (c *conn) enqueue(b []byte) bool {
	c.mu.Lock()
	if c.aborted || c.closing {
		c.mu.Unlock()
		return false
	}
	if c.queued+len(b) > sendQueueMax {
		c.mu.Unlock()
		c.n.log.Printf("conn %d: over %d bytes wait to be written: cutting it off", c.id, sendQueueMax)
		c.broken()
		return false
	}
	c.queue = append(c.queue, b)
	c.queued += len(b)
	c.mu.Unlock()
	c.signal()
	return true
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// closeAfterFlush is Env.Close: what was sent before still goes out (a
// ConnectResponse refusing a session precedes the close).
func (c *conn) closeAfterFlush() {
	c.mu.Lock()
	c.closing = true
	c.mu.Unlock()
	c.signal()
}

// abort closes the socket now.
func (c *conn) abort() {
	c.mu.Lock()
	c.aborted = true
	nc := c.nc
	c.mu.Unlock()
	if nc != nil {
		nc.Close()
	}
	c.signal()
}

// broken aborts the connection and tells the server, as the other end
// closing it would.
func (c *conn) broken() {
	c.abort()
	c.n.post(loopItem{ev: zab.ClosedEvent{Conn: c.id}})
}

// writeLoop writes the queue in batches (one writev each). dial, if not
// nil, first opens the connection: a failure is a ClosedEvent.
func (c *conn) writeLoop(dial func() (net.Conn, error)) {
	defer c.n.wg.Done()
	defer func() {
		c.n.openMu.Lock()
		delete(c.n.open, c.id)
		c.n.openMu.Unlock()
	}()
	if dial != nil {
		nc, err := dial()
		if err != nil {
			c.n.debugf("conn %d to server %d's %s port: %v", c.id, c.peer, portName(c.port), err)
			c.broken()
			return
		}
		c.mu.Lock()
		aborted := c.aborted
		c.nc = nc
		c.mu.Unlock()
		if aborted {
			nc.Close()
			return
		}
		c.n.wg.Add(1)
		go c.readLoop()
	}
	for {
		c.mu.Lock()
		batch := c.queue
		c.queue, c.queued = nil, 0
		closing, aborted := c.closing, c.aborted
		c.mu.Unlock()
		if aborted {
			return
		}
		if len(batch) > 0 {
			c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
			bufs := net.Buffers(batch)
			if _, err := bufs.WriteTo(c.nc); err != nil {
				c.n.debugf("conn %d: write: %v", c.id, err)
				c.broken()
				return
			}
			continue
		}
		if closing {
			c.nc.Close()
			return
		}
		select {
		case <-c.wake:
		case <-c.n.done:
			c.abort() // the reader may be blocked reading: wake it
			return
		}
	}
}

// readLoop posts what arrives until the connection breaks.
func (c *conn) readLoop() {
	defer c.n.wg.Done()
	r := bufio.NewReaderSize(c.nc, 64<<10)
	var err error
	if c.port == zab.PortClient {
		err = c.readClient(r)
	} else {
		err = c.readPeer(r)
	}
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
		c.n.debugf("conn %d: %v", c.id, err)
	}
	c.broken()
}

func (c *conn) readPeer(r io.Reader) error {
	var buf []byte
	for {
		var err error
		if buf, err = readFrame(r, buf); err != nil {
			return err
		}
		m, err := decodePeerMessage(buf)
		if err == nil {
			err = checkSender(c.peer, m)
		}
		if err != nil {
			c.n.log.Printf("conn %d with server %d: %v: closing", c.id, c.peer, err)
			return err
		}
		if !c.n.post(loopItem{ev: zab.MessageEvent{Conn: c.id, Msg: m}}) {
			return nil
		}
	}
}

// checkSender holds a message's own sender id to the connection's: zab
// learns who speaks from the message (a notification's sid, FOLLOWERINFO's
// sid), as the simulator delivers it, and the hello must agree, so a
// confused or lying peer cannot vote or follow under another's name.
func checkSender(peer zab.ServerID, m zab.Message) error {
	var sid zab.ServerID
	switch m := m.(type) {
	case *zab.Notification:
		sid = m.Sid
	case *zab.Packet:
		if m.Type != zab.PacketFollowerInfo && m.Type != zab.PacketObserverInfo {
			return nil
		}
		sid = m.Sid
	default:
		return nil
	}
	if sid != peer {
		return fmt.Errorf("%s claims to come from server %d", m, sid)
	}
	return nil
}

// dialPeer opens a connection to a peer's port and says who we are.
func (n *Node) dialPeer(to zab.ServerID, port zab.Port) (net.Conn, error) {
	a := n.cfg.Addrs[to]
	p := a.QuorumPort
	if port == zab.PortElection {
		p = a.ElectionPort
	}
	ctx, cancel := context.WithTimeout(context.Background(), dialTimeout)
	defer cancel()
	go func() {
		select {
		case <-n.done:
			cancel()
		case <-ctx.Done():
		}
	}()
	var d net.Dialer
	nc, err := d.DialContext(ctx, "tcp", net.JoinHostPort(a.Host, strconv.Itoa(p)))
	if err != nil {
		return nil, err
	}
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	nc.SetWriteDeadline(time.Now().Add(dialTimeout))
	if _, err := nc.Write(appendHello(nil, hello{Sid: n.cfg.Server.ID, Port: port})); err != nil {
		nc.Close()
		return nil, err
	}
	return nc, nil
}
