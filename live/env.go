package live

import (
	"net"
	"time"

	"github.com/zabsim/zabsim/zab"
)

// Node is the zab.Env of its server. Every method runs on the loop, inside
// Step: it touches the loop's state without locks and hands work to other
// goroutines without waiting for them.
var _ zab.Env = (*Node)(nil)

// Now is the wall clock, advanced by the monotonic clock from the start:
// txn times are real times, and a wall clock step does not move them.
func (n *Node) Now() int64 { return n.startWall + int64(time.Since(n.started)) }

// Elapsed is the monotonic clock since the node was built.
func (n *Node) Elapsed() int64 { return int64(time.Since(n.started)) }

func (n *Node) Rand() uint64 { return n.rng.Uint64() }

// Connect dials in the background; a refusal comes back as a ClosedEvent.
func (n *Node) Connect(to zab.ServerID, port zab.Port) zab.ConnID {
	c := n.newConn(port)
	c.peer = to
	n.conns[c.id] = c
	n.wg.Add(1)
	go c.writeLoop(func() (net.Conn, error) { return n.dialPeer(to, port) })
	return c.id
}

// Send encodes m now (the server may reuse what it points to after Step)
// and queues the bytes for the connection's writer.
func (n *Node) Send(id zab.ConnID, m zab.Message) {
	c := n.conns[id]
	if c == nil || c.closedHere {
		return // sending on a connection that is gone: the simulator drops it too
	}
	var b []byte
	var err error
	if c.port == zab.PortClient {
		n.debugf("client %d: %s", id, m)
		b, err = n.encodeClient(c, m)
	} else {
		b, err = appendFrame(nil, m)
	}
	if err != nil {
		n.log.Printf("conn %d: cannot send %s: %v: closing", id, m, err)
		c.broken()
		return
	}
	c.enqueue(b)
	if p, ok := m.(*zab.Packet); ok && p.Type == zab.PacketProposal {
		n.proposals.note(p.Zxid, len(b)-4)
	}
	if c.port == zab.PortClient {
		n.stats.countSent(c, m)
	}
}

// RemoteAddr is the address an accepted connection comes from, which "ip"
// ACLs match ("" for connections this node dialled).
func (n *Node) RemoteAddr(id zab.ConnID) string {
	if c := n.conns[id]; c != nil {
		return c.remoteIP
	}
	return ""
}

func (n *Node) Close(id zab.ConnID) {
	c := n.conns[id]
	if c == nil {
		return
	}
	c.closedHere = true
	delete(n.conns, id)
	c.closeAfterFlush()
}

func (n *Node) SetTimer(d int64, t zab.Timer) zab.TimerID {
	n.nextTimer++
	id := n.nextTimer
	n.timers[id] = time.AfterFunc(time.Duration(d), func() {
		n.post(loopItem{ev: zab.TimerEvent{ID: id, Timer: t}})
	})
	return id
}

func (n *Node) CancelTimer(id zab.TimerID) {
	if t := n.timers[id]; t != nil {
		t.Stop()
		delete(n.timers, id)
	}
}

func (n *Node) Disk() zab.Disk { return n.disk }

// Fsync opens the file now and leaves the sync to the fsync worker, which
// reports it as an FsyncEvent.
func (n *Node) Fsync(file string, token uint64) {
	n.queueFsync(n.disk.startFsync(file, token))
}

// Observe logs the facts an operator wants to see; with Debug, all.
func (n *Node) Observe(o zab.Observation) {
	switch o.Kind {
	case zab.ObsState, zab.ObsEstablished, zab.ObsFatal, zab.ObsSessionExpired, zab.ObsSync, zab.ObsRecover:
		n.log.Print(o)
	default:
		n.debugf("%s", o)
	}
	if n.cfg.Observe != nil {
		n.cfg.Observe(o)
	}
	if o.Kind == zab.ObsFatal {
		n.failed = true
		go n.Stop()
	}
}

func (n *Node) Logf(format string, args ...any) { n.debugf(format, args...) }

func (n *Node) debugf(format string, args ...any) {
	if n.cfg.Debug {
		n.log.Printf(format, args...)
	}
}
