package conform

import (
	"encoding/binary"
	"errors"
	"net"
	"sync"
	"time"
)

// tap sits between one go-zookeeper client and its TCP connections and
// reads the frame headers going both ways. go-zookeeper hides a request's
// xid and a reply's header zxid, which a History records (the zxid orders
// a session's reads; see checker.Reads). It also plays the client's
// process dying: once dead it refuses to connect and cuts what is open,
// so the session expires at the servers without a closeSession.
//
// go-zookeeper sends each frame with one Write and reads each with
// io.ReadFull of its length and then its body, so when a call returns its
// reply has passed the tap.
type tap struct {
	addrs map[string]int // address → server id

	mu      sync.Mutex
	reqs    []tapRequest // since the last reset, in the order sent
	replies map[int32]tapReply
	server  int // the server of the current connection
	conn    net.Conn
	dead    bool
}

type tapRequest struct {
	xid    int32
	opcode int32
	server int
}

type tapReply struct {
	zxid int64
	err  int32
}

func newTap(addrs []string) *tap {
	t := &tap{addrs: map[string]int{}, replies: map[int32]tapReply{}}
	for i, a := range addrs {
		t.addrs[a] = i + 1
	}
	return t
}

// dial is the tap's zk.Dialer.
func (t *tap) dial(network, address string, timeout time.Duration) (net.Conn, error) {
	t.mu.Lock()
	dead := t.dead
	t.mu.Unlock()
	if dead {
		return nil, errors.New("conform: the client's process is dead")
	}
	c, err := net.DialTimeout(network, address, timeout)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.dead {
		c.Close()
		return nil, errors.New("conform: the client's process is dead")
	}
	t.conn, t.server = c, t.addrs[address]
	return &tapConn{Conn: c, t: t}, nil
}

// kill makes the client's process die: no more connections, and the one
// open is cut.
func (t *tap) kill() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.dead = true
	if t.conn != nil {
		t.conn.Close()
	}
}

// reset forgets what was seen: the next op's request and reply are the
// ones seen after it.
func (t *tap) reset() {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.reqs = t.reqs[:0]
	clear(t.replies)
}

// lookup finds the last request of this opcode since the reset and its
// reply: whether it was sent, and the reply header's zxid if answered.
func (t *tap) lookup(opcode int32) (req tapRequest, rep tapReply, sent, answered bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for i := len(t.reqs) - 1; i >= 0; i-- {
		if t.reqs[i].opcode == opcode {
			req = t.reqs[i]
			rep, answered = t.replies[req.xid]
			return req, rep, true, answered
		}
	}
	return req, rep, false, false
}

type tapConn struct {
	net.Conn
	t       *tap
	in, out frames
}

func (c *tapConn) Read(b []byte) (int, error) {
	n, err := c.Conn.Read(b)
	c.in.feed(b[:n], func(first bool, f []byte) {
		// The first frame is the ConnectResponse, without a reply header.
		if first || len(f) < 16 {
			return
		}
		xid := int32(binary.BigEndian.Uint32(f[0:4]))
		if xid <= 0 { // notifications, pings, auth
			return
		}
		c.t.mu.Lock()
		c.t.replies[xid] = tapReply{zxid: int64(binary.BigEndian.Uint64(f[4:12])), err: int32(binary.BigEndian.Uint32(f[12:16]))}
		c.t.mu.Unlock()
	})
	return n, err
}

func (c *tapConn) Write(b []byte) (int, error) {
	c.out.feed(b, func(first bool, f []byte) {
		// The first frame is the ConnectRequest, without a request header.
		if first || len(f) < 8 {
			return
		}
		c.t.mu.Lock()
		c.t.reqs = append(c.t.reqs, tapRequest{xid: int32(binary.BigEndian.Uint32(f[0:4])),
			opcode: int32(binary.BigEndian.Uint32(f[4:8])), server: c.t.server})
		c.t.mu.Unlock()
	})
	return c.Conn.Write(b)
}

// frames splits a byte stream into ZooKeeper's length-prefixed frames.
type frames struct {
	buf  []byte
	seen int
}

// frameMax bounds a frame the tap buffers (jute.maxbuffer is 1 MiB by
// default, and a frame beyond it is refused by both ends).
const frameMax = 4 << 20

func (fr *frames) feed(b []byte, each func(first bool, frame []byte)) {
	fr.buf = append(fr.buf, b...)
	for len(fr.buf) >= 4 {
		n := int(binary.BigEndian.Uint32(fr.buf[:4]))
		if n < 0 || n > frameMax {
			fr.buf = nil // not ZooKeeper's framing: stop looking
			return
		}
		if len(fr.buf) < 4+n {
			return
		}
		each(fr.seen == 0, fr.buf[4:4+n])
		fr.seen++
		fr.buf = fr.buf[4+n:]
	}
	if len(fr.buf) == 0 {
		fr.buf = nil
	}
}
