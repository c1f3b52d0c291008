package sim

// The network is connection-oriented, like TCP: a connection is reliable
// and FIFO in each direction while it lives; different connections reorder
// freely. A partition holds a link's messages and delivers them, in order,
// when it heals — unless an end closes the connection first, which loses
// them. Closing tells the other end after everything already sent on that
// direction. The violation switch breaks these promises on purpose, so the
// checkers can be shown to catch what a broken network does.

// ConnID names a connection; 0 is never valid.
type ConnID uint64

// Violation makes the world break its own model: each message inside a
// connection is dropped with DropProb, or overtakes with ReorderProb; with
// FsyncLies every fsync reports done but makes nothing durable, as a disk
// with a volatile write cache that ignores flushes does, so a crash loses
// what the process was told was safe.
type Violation struct {
	DropProb    float64
	ReorderProb float64
	FsyncLies   bool
}

type link struct{ from, to NodeID }

type conn struct {
	ends [2]NodeID // ends[0] connected to ends[1]
	open [2]bool   // whether each end still holds the connection
	// last is, per direction (0: ends[0]→ends[1]), the latest delivery
	// time scheduled, so nothing overtakes inside the connection.
	last [2]Time
	// held is, per direction, what a partition holds back, in order.
	held [2][]queued
	// reset: Cut broke the connection; nothing more is delivered on it
	// but the close notifications.
	reset bool
}

type network struct {
	conns     []*conn // index ConnID-1; nil once both ends closed
	blocked   map[link]bool
	latency   map[link]Latency
	violation Violation
}

func (nw *network) init() {
	nw.blocked = make(map[link]bool)
	nw.latency = make(map[link]Latency)
}

func (nw *network) get(c ConnID) *conn {
	if c == 0 || int(c) > len(nw.conns) {
		return nil
	}
	return nw.conns[c-1]
}

// side returns which end of c node is (0 or 1), or -1.
func (cn *conn) side(id NodeID) int {
	switch id {
	case cn.ends[0]:
		return 0
	case cn.ends[1]:
		return 1
	}
	return -1
}

func (w *World) linkLatency(from, to NodeID) Latency {
	if l, ok := w.net.latency[link{from, to}]; ok {
		return l
	}
	return w.cfg.Latency
}

// Connect opens a connection from one node to another. It returns at once;
// if the other node is down the connection is refused, and from learns it
// as an EventConnClosed after a network delay. The receiving end learns of
// the connection from its first message (Event.Conn names it).
func (w *World) Connect(from, to NodeID) ConnID {
	w.node(from)
	target := w.node(to)
	cn := &conn{ends: [2]NodeID{from, to}, open: [2]bool{true, true}}
	w.net.conns = append(w.net.conns, cn)
	id := ConnID(len(w.net.conns))
	if !w.nodes[from].up {
		cn.open = [2]bool{} // a crashed node's handler running on: nothing happens
		w.net.conns[id-1] = nil
		return id
	}
	if !target.up {
		cn.open[1] = false
		w.notifyClosed(id, cn, 1)
	}
	return id
}

// ConnOpen reports whether either end still holds the connection.
func (w *World) ConnOpen(c ConnID) bool {
	cn := w.net.get(c)
	return cn != nil && (cn.open[0] || cn.open[1])
}

// ConnEnds returns a connection's two nodes, the connecting one first.
func (w *World) ConnEnds(c ConnID) (NodeID, NodeID) {
	cn := w.net.get(c)
	if cn == nil {
		return NoNode, NoNode
	}
	return cn.ends[0], cn.ends[1]
}

// Send queues payload from one end of c to the other. It reports false if
// the sender's end is closed. A message to an end that is gone is lost.
func (w *World) Send(c ConnID, from NodeID, payload any) bool {
	cn := w.net.get(c)
	if cn == nil {
		return false
	}
	s := cn.side(from)
	if s < 0 || !cn.open[s] || !w.nodes[from].up {
		return false
	}
	if cn.reset {
		return true // lost: the sender learns of the reset soon
	}
	to := cn.ends[1-s]
	item := queued{ev: Event{Kind: EventMessage, Node: to, From: from, Conn: c, Payload: payload}, inc: w.nodes[to].inc}
	w.transmit(cn, s, item)
	return true
}

// transmit sends an item along direction s of cn: held if the link is
// blocked (or already holding), else scheduled no earlier than the
// direction's last delivery.
func (w *World) transmit(cn *conn, s int, item queued) {
	from, to := cn.ends[s], cn.ends[1-s]
	if w.net.blocked[link{from, to}] || len(cn.held[s]) > 0 {
		cn.held[s] = append(cn.held[s], item)
		return
	}
	at := w.now + w.delay(w.linkLatency(from, to))
	if v := w.net.violation; item.ev.Kind == EventMessage && (v.DropProb > 0 || v.ReorderProb > 0) {
		if w.rand.Chance(v.DropProb) {
			return
		}
		if w.rand.Chance(v.ReorderProb) {
			// Hold this one back past the clamp, so later messages on
			// the connection overtake it.
			l := w.linkLatency(from, to)
			w.q.push(at+l.Base+l.Jitter+w.delay(Latency{Jitter: 2*(l.Base+l.Jitter) + 1}), item)
			return
		}
	}
	if at < cn.last[s] {
		at = cn.last[s]
	}
	cn.last[s] = at
	w.q.push(at, item)
}

// notifyClosed tells the end opposite closedSide that the connection is
// gone, after what is already in flight.
func (w *World) notifyClosed(c ConnID, cn *conn, closedSide int) {
	other := 1 - closedSide
	to := cn.ends[other]
	if !cn.open[other] {
		return
	}
	item := queued{ev: Event{Kind: EventConnClosed, Node: to, From: cn.ends[closedSide], Conn: c}, inc: w.nodes[to].inc}
	w.transmit(cn, closedSide, item)
}

// Close closes node by's end of c. Messages still travelling towards by are
// lost, as are messages a partition holds in either direction; the other
// end learns of the close after what by already sent.
func (w *World) Close(c ConnID, by NodeID) {
	cn := w.net.get(c)
	if cn == nil {
		return
	}
	s := cn.side(by)
	if s < 0 || !cn.open[s] {
		return
	}
	cn.open[s] = false
	cn.held = [2][]queued{}
	if !cn.reset {
		w.notifyClosed(c, cn, s)
	}
	w.net.release(c, cn)
}

// release forgets a connection once neither end holds it.
func (nw *network) release(c ConnID, cn *conn) {
	if !cn.open[0] && !cn.open[1] && len(cn.held[0]) == 0 && len(cn.held[1]) == 0 {
		nw.conns[c-1] = nil
	}
}

// deliverable says whether a message on c may reach node to: its end must
// still hold the connection.
func (nw *network) deliverable(c ConnID, to NodeID) bool {
	cn := nw.get(c)
	if cn == nil {
		return false
	}
	s := cn.side(to)
	return s >= 0 && cn.open[s] && !cn.reset
}

// closedAt marks to's end closed as it learns of the close, and says
// whether it still needed telling.
func (nw *network) closedAt(c ConnID, to NodeID) bool {
	cn := nw.get(c)
	if cn == nil {
		return false
	}
	s := cn.side(to)
	if s < 0 || !cn.open[s] {
		return false
	}
	cn.open[s] = false
	nw.release(c, cn)
	return true
}

// crash closes every connection of a crashed node, as the kernel resets
// them: the other ends learn of it; what the node sent is still delivered.
func (nw *network) crash(w *World, id NodeID) {
	for i, cn := range nw.conns {
		if cn == nil {
			continue
		}
		if s := cn.side(id); s >= 0 && cn.open[s] {
			w.Close(ConnID(i+1), id)
		}
	}
}

// Cut resets every connection between a and b now: whatever is in flight
// is lost, and both ends learn of it after a network delay.
func (w *World) Cut(a, b NodeID) {
	for i, cn := range w.net.conns {
		if cn == nil || cn.reset {
			continue
		}
		if !(cn.ends[0] == a && cn.ends[1] == b || cn.ends[0] == b && cn.ends[1] == a) {
			continue
		}
		c := ConnID(i + 1)
		cn.reset = true
		cn.held = [2][]queued{}
		for s := 0; s < 2; s++ {
			if !cn.open[s] {
				continue
			}
			to, from := cn.ends[s], cn.ends[1-s]
			w.q.push(w.now+w.delay(w.linkLatency(from, to)),
				queued{ev: Event{Kind: EventConnClosed, Node: to, From: from, Conn: c}, inc: w.nodes[to].inc})
		}
	}
}

// Partition blocks every link between a node of a and a node of b, both
// ways.
func (w *World) Partition(a, b []NodeID) {
	for _, x := range a {
		for _, y := range b {
			if x != y {
				w.net.blocked[link{x, y}] = true
				w.net.blocked[link{y, x}] = true
			}
		}
	}
}

// PartitionOneWay blocks the links from every node of from to every node
// of to; the other direction keeps working.
func (w *World) PartitionOneWay(from, to []NodeID) {
	for _, x := range from {
		for _, y := range to {
			if x != y {
				w.net.blocked[link{x, y}] = true
			}
		}
	}
}

// Isolate partitions a node from every other node.
func (w *World) Isolate(id NodeID) {
	others := make([]NodeID, 0, len(w.nodes))
	for i := range w.nodes {
		if NodeID(i) != id {
			others = append(others, NodeID(i))
		}
	}
	w.Partition([]NodeID{id}, others)
}

// Blocked reports whether the link from one node to another is blocked.
func (w *World) Blocked(from, to NodeID) bool { return w.net.blocked[link{from, to}] }

// Heal removes every partition and delivers what they held.
func (w *World) Heal() {
	clear(w.net.blocked)
	w.flushHeld(func(link) bool { return true })
}

// HealLink removes the partition between two nodes, both ways.
func (w *World) HealLink(a, b NodeID) {
	delete(w.net.blocked, link{a, b})
	delete(w.net.blocked, link{b, a})
	w.flushHeld(func(l link) bool { return l == link{a, b} || l == link{b, a} })
}

// flushHeld sends, in connection order, what unblocked links held.
func (w *World) flushHeld(match func(link) bool) {
	for _, cn := range w.net.conns {
		if cn == nil {
			continue
		}
		for s := 0; s < 2; s++ {
			l := link{cn.ends[s], cn.ends[1-s]}
			if len(cn.held[s]) == 0 || !match(l) || w.net.blocked[l] {
				continue
			}
			held := cn.held[s]
			cn.held[s] = nil
			for _, item := range held {
				w.transmit(cn, s, item)
			}
		}
	}
}

// SetLinkLatency overrides the latency between two nodes, both ways.
func (w *World) SetLinkLatency(a, b NodeID, l Latency) {
	w.net.latency[link{a, b}] = l
	w.net.latency[link{b, a}] = l
}

// ClearLinkLatency restores the default latency between two nodes.
func (w *World) ClearLinkLatency(a, b NodeID) {
	delete(w.net.latency, link{a, b})
	delete(w.net.latency, link{b, a})
}

// SetViolation switches the fault-model violation on (or off with the zero
// value).
func (w *World) SetViolation(v Violation) { w.net.violation = v }
