package sim

import (
	"fmt"
	"math"
)

// NodeID names a node of the world; ids count from 0 in the order added.
type NodeID int32

// NoNode is the node of world-level events (faults, the scheduler).
const NoNode NodeID = -1

// TimerID names an armed timer; 0 is never valid.
type TimerID uint64

// EventKind says what an event is.
type EventKind uint8

const (
	EventTimer      EventKind = iota // an armed timer fired; Payload is its payload
	EventMessage                     // a message arrived on Conn from From
	EventConnClosed                  // Conn is closed: by the other end, refused, or reset
	EventFsync                       // an Fsync of File completed; Payload is its token
	EventCall                        // a world-level call scheduled with At (never reaches a node)
)

var kindNames = [...]string{"timer", "message", "closed", "fsync", "call"}

func (k EventKind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("EventKind(%d)", uint8(k))
}

// Event is one thing that happens to a node.
type Event struct {
	At      Time
	Kind    EventKind
	Node    NodeID
	Conn    ConnID
	From    NodeID
	Timer   TimerID
	File    string
	Payload any
}

// Handler is a node's process: it receives the node's events one at a
// time. The event is the world's; copy it to keep it past the call.
type Handler interface{ Handle(ev *Event) }

// Latency is a delay: Base plus a uniform random part in [0, Jitter).
type Latency struct{ Base, Jitter Time }

// Config sets up a world. Zero latencies take the defaults: 0.5 ms ± 0.5 ms
// on the network, 2 ms ± 1 ms per fsync.
type Config struct {
	Seed         uint64
	KeepTrace    bool
	Latency      Latency
	FsyncLatency Latency
	// MaxEvents stops the run after this many delivered events (0: no
	// limit); Exhausted then reports true.
	MaxEvents int64
}

// CrashOptions say what a crash does to the disk beyond losing unsynced
// writes.
type CrashOptions struct {
	// TornTail keeps a random strict prefix of each file's unsynced
	// appended bytes, as a torn last write does.
	TornTail bool
}

type node struct {
	name   string
	h      Handler
	up     bool
	paused bool
	held   []queued
	inc    uint32
	disk   *Disk

	// The local clock reads clockAt + (now - base) * rate.
	clockAt Time
	base    Time
	rate    float64
	// jumped is the sum of the clock's jumps: the monotonic clock
	// (System.nanoTime) is the local clock without them.
	jumped Time
}

func (n *node) local(now Time) Time {
	return n.clockAt + Time(math.Round(float64(now-n.base)*n.rate))
}

// World is the simulated world.
type World struct {
	cfg   Config
	now   Time
	q     queue
	nodes []*node
	rand  *Rand // network jitter and disk tears

	nextTimer TimerID
	timers    map[TimerID]NodeID

	net network

	delivered int64
	trace     trace
	// cur is the event being handled; handlers get a pointer to it, valid
	// for the call only, so delivery allocates nothing.
	cur   Event
	depth int
}

// NewWorld returns an empty world at time 0.
func NewWorld(cfg Config) *World {
	if cfg.Latency == (Latency{}) {
		cfg.Latency = Latency{Base: 500 * Microsecond, Jitter: 500 * Microsecond}
	}
	if cfg.FsyncLatency == (Latency{}) {
		cfg.FsyncLatency = Latency{Base: 2 * Millisecond, Jitter: Millisecond}
	}
	w := &World{cfg: cfg, timers: make(map[TimerID]NodeID)}
	w.rand = Stream(cfg.Seed, "sim/world")
	w.net.init()
	w.trace.keep = cfg.KeepTrace
	return w
}

// Now is the world's virtual time.
func (w *World) Now() Time { return w.now }

// Seed is the run's seed.
func (w *World) Seed() uint64 { return w.cfg.Seed }

// Rand returns the run's stream named purpose.
func (w *World) Rand(purpose string) *Rand { return Stream(w.cfg.Seed, purpose) }

// AddNode adds a running node with handler h and an empty disk.
func (w *World) AddNode(name string, h Handler) NodeID {
	id := NodeID(len(w.nodes))
	w.nodes = append(w.nodes, &node{name: name, h: h, up: true, disk: newDisk(), base: w.now, clockAt: w.now, rate: 1})
	return id
}

func (w *World) node(id NodeID) *node {
	if id < 0 || int(id) >= len(w.nodes) {
		panic(fmt.Sprintf("sim: no node %d", id))
	}
	return w.nodes[id]
}

// NodeName returns the name a node was added with.
func (w *World) NodeName(id NodeID) string {
	if id == NoNode {
		return "world"
	}
	return w.node(id).name
}

// NumNodes is how many nodes the world has.
func (w *World) NumNodes() int { return len(w.nodes) }

// SetHandler replaces a node's handler.
func (w *World) SetHandler(id NodeID, h Handler) { w.node(id).h = h }

// Up reports whether a node is running (not crashed).
func (w *World) Up(id NodeID) bool { return w.node(id).up }

// Paused reports whether a node is paused.
func (w *World) Paused(id NodeID) bool { return w.node(id).paused }

// NodeNow is the node's own clock, which may drift and jump.
func (w *World) NodeNow(id NodeID) Time { return w.node(id).local(w.now) }

// NodeElapsed is the node's monotonic clock (System.nanoTime, Go's
// monotonic reading): it runs at the node's drifting rate but never jumps.
func (w *World) NodeElapsed(id NodeID) Time {
	n := w.node(id)
	return n.local(w.now) - n.jumped
}

// SetClockDrift makes a node's clock run ppm parts per million fast
// (negative: slow) from now on; the clock stays continuous.
func (w *World) SetClockDrift(id NodeID, ppm float64) {
	n := w.node(id)
	n.clockAt = n.local(w.now)
	n.base = w.now
	n.rate = 1 + ppm/1e6
	if n.rate <= 0 {
		panic(fmt.Sprintf("sim: clock drift %g ppm stops the clock", ppm))
	}
}

// AdjustClock jumps a node's clock by delta (NTP stepping it, an operator
// setting it); it may go backwards. Timers already armed keep their
// virtual deadlines: a jump does not make them fire early or late; nor
// does NodeElapsed move.
func (w *World) AdjustClock(id NodeID, delta Time) {
	n := w.node(id)
	n.clockAt = n.local(w.now) + delta
	n.base = w.now
	n.jumped += delta
}

// SetTimer arms a timer on a node that fires after d of the node's own
// clock, with payload as the event's payload.
func (w *World) SetTimer(id NodeID, d Time, payload any) TimerID {
	n := w.node(id)
	if !n.up {
		return 0 // the rest of a handler whose node just crashed
	}
	if d < 0 {
		d = 0
	}
	virtual := Time(math.Ceil(float64(d) / n.rate))
	w.nextTimer++
	t := w.nextTimer
	w.timers[t] = id
	w.q.push(w.now+virtual, queued{ev: Event{Kind: EventTimer, Node: id, From: id, Timer: t, Payload: payload}, inc: n.inc})
	return t
}

// CancelTimer disarms a timer; cancelling a fired or unknown timer is a
// no-op.
func (w *World) CancelTimer(t TimerID) { delete(w.timers, t) }

// At schedules fn to run at virtual time t (now, if t is past), outside any
// node: how faults and schedulers act on the world.
func (w *World) At(t Time, fn func()) {
	if t < w.now {
		t = w.now
	}
	w.q.push(t, queued{ev: Event{Kind: EventCall, Node: NoNode, From: NoNode, Payload: fn}})
}

// After schedules fn after d of virtual time.
func (w *World) After(d Time, fn func()) { w.At(w.now+d, fn) }

// Pause stops a node's process: its events and timers wait and arrive at
// once, in their order, when it resumes.
func (w *World) Pause(id NodeID) { w.node(id).paused = true }

// Resume restarts a paused node's process.
func (w *World) Resume(id NodeID) {
	n := w.node(id)
	if !n.paused {
		return
	}
	n.paused = false
	held := n.held
	n.held = nil
	// Delivered here and now, in order: queued anew they could fall behind
	// a message on the same connection that comes due at this instant.
	for i, item := range held {
		if !n.up || n.paused {
			n.held = append(n.held, held[i:]...) // the node crashed or paused again meanwhile
			if !n.up {
				n.held = nil
			}
			return
		}
		w.dispatch(item)
	}
}

// Crash kills a node: its pending events and timers are dropped, its
// connections break (the other ends learn of it), and its disk loses what
// was not fsynced.
func (w *World) Crash(id NodeID, opts CrashOptions) {
	n := w.node(id)
	if !n.up {
		return
	}
	n.up = false
	n.paused = false
	n.held = nil
	n.inc++
	w.net.crash(w, id)
	n.disk.crash(opts.TornTail, w.rand)
}

// Restart brings a crashed node back with a new process h on its disk.
func (w *World) Restart(id NodeID, h Handler) {
	n := w.node(id)
	if n.up {
		panic(fmt.Sprintf("sim: restart of running node %s", n.name))
	}
	n.up = true
	n.h = h
}

// Disk returns a node's disk.
func (w *World) Disk(id NodeID) *Disk { return w.node(id).disk }

// Fsync makes durable what file holds now; it completes after the fsync
// latency, in order with the disk's other fsyncs, as an EventFsync with
// token as payload. A crash before completion loses it.
func (w *World) Fsync(id NodeID, file string, token uint64) {
	n := w.node(id)
	if !n.up {
		return
	}
	op := n.disk.startFsync(file)
	done := w.now + w.delay(w.cfg.FsyncLatency)
	if done < n.disk.lastFsync {
		done = n.disk.lastFsync
	}
	n.disk.lastFsync = done
	w.q.push(done, queued{ev: Event{Kind: EventFsync, Node: id, From: id, File: file, Payload: token}, inc: n.inc, fs: op})
}

func (w *World) delay(l Latency) Time {
	d := l.Base
	if l.Jitter > 0 {
		d += Time(w.rand.Int63n(int64(l.Jitter))) // determinism-ok: the world's own seeded stream, not math/rand's
	}
	return d
}

// Pending is the number of queued events plus those that paused nodes and
// partitions hold.
func (w *World) Pending() int {
	n := w.q.len()
	for _, nd := range w.nodes {
		n += len(nd.held)
	}
	for _, cn := range w.net.conns {
		if cn != nil {
			n += len(cn.held[0]) + len(cn.held[1])
		}
	}
	return n
}

// Exhausted reports whether MaxEvents stopped the run.
func (w *World) Exhausted() bool { return w.cfg.MaxEvents > 0 && w.delivered >= w.cfg.MaxEvents }

// Step runs the next event. It reports false when there is none, or the
// event budget is spent.
func (w *World) Step() bool {
	if w.q.len() == 0 || w.Exhausted() {
		return false
	}
	at, item := w.q.pop()
	w.now = at
	w.dispatch(item)
	return true
}

// RunUntil runs every event due at or before t and leaves the clock at t.
func (w *World) RunUntil(t Time) {
	for w.q.len() > 0 && w.q.peek() <= t && !w.Exhausted() {
		at, item := w.q.pop()
		w.now = at
		w.dispatch(item)
	}
	if t > w.now && !w.Exhausted() {
		w.now = t
	}
}

// RunFor runs for d of virtual time.
func (w *World) RunFor(d Time) { w.RunUntil(w.now + d) }

// RunWhile steps while cond holds and events remain.
func (w *World) RunWhile(cond func() bool) {
	for cond() && w.Step() {
	}
}

func (w *World) dispatch(item queued) {
	ev := &item.ev
	ev.At = w.now
	if ev.Kind == EventCall {
		w.delivered++
		w.trace.record(w, ev, "")
		ev.Payload.(func())()
		return
	}
	n := w.nodes[ev.Node]
	if !n.up || item.inc != n.inc {
		return // the process it was for is gone
	}
	if item.fs != nil {
		// The disk finishes the fsync whether or not the process runs.
		if !w.net.violation.FsyncLies {
			n.disk.finishFsync(item.fs)
		}
		item.fs = nil
	}
	if n.paused {
		n.held = append(n.held, item)
		return
	}
	switch ev.Kind {
	case EventTimer:
		if _, live := w.timers[ev.Timer]; !live {
			return
		}
		delete(w.timers, ev.Timer)
	case EventMessage:
		if !w.net.deliverable(ev.Conn, ev.Node) {
			return
		}
	case EventConnClosed:
		if !w.net.closedAt(ev.Conn, ev.Node) {
			return
		}
	}
	w.delivered++
	w.trace.record(w, ev, "")
	if w.depth > 0 {
		// A delivery inside another (a Resume from a handler): the outer
		// handler still holds w.cur.
		cp := *ev
		n.h.Handle(&cp)
		return
	}
	w.depth++
	w.cur = *ev
	n.h.Handle(&w.cur)
	w.depth--
}
