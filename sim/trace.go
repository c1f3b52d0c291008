package sim

import (
	"fmt"
	"reflect"
)

// The trace: every delivered event, and every note, feeds a running hash,
// so two runs that differ anywhere differ in hash. With KeepTrace the
// events are also kept as printable entries.

// TraceEntry is one kept line of the trace.
type TraceEntry struct {
	At   Time
	Node NodeID
	Name string // the node's name
	Kind string
	Text string
}

func (e TraceEntry) String() string {
	return fmt.Sprintf("%12s %-8s %-7s %s", e.At, e.Name, e.Kind, e.Text)
}

type trace struct {
	hash    uint64
	count   int64
	keep    bool
	entries []TraceEntry
	types   map[reflect.Type]uint64
}

const hashPrime = 0x100000001b3

func mix(h, v uint64) uint64 {
	h ^= v
	h *= hashPrime
	return h ^ h>>29
}

func hashString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= hashPrime
	}
	return h
}

// Hasher is implemented by payloads that contribute their content to the
// trace hash.
type Hasher interface{ TraceHash() uint64 }

func (t *trace) payloadHash(p any) uint64 {
	switch p := p.(type) {
	case nil:
		return 0
	case Hasher:
		return p.TraceHash()
	case uint64:
		return p
	case int64:
		return uint64(p)
	case int:
		return uint64(p)
	case string:
		return hashString(p)
	case func():
		return 0xca11
	}
	typ := reflect.TypeOf(p)
	h, ok := t.types[typ]
	if !ok {
		if t.types == nil {
			t.types = make(map[reflect.Type]uint64)
		}
		h = hashString(typ.String())
		t.types[typ] = h
	}
	return h
}

func (t *trace) record(w *World, ev *Event, note string) {
	h := t.hash
	h = mix(h, uint64(ev.At))
	h = mix(h, uint64(ev.Kind)|uint64(uint32(ev.Node))<<8|uint64(uint32(ev.From))<<40)
	h = mix(h, uint64(ev.Conn))
	h = mix(h, uint64(ev.Timer))
	if ev.File != "" {
		h = mix(h, hashString(ev.File))
	}
	h = mix(h, t.payloadHash(ev.Payload))
	if note != "" {
		h = mix(h, hashString(note))
	}
	t.hash = h
	t.count++
	if t.keep {
		text := note
		if text == "" {
			text = describe(ev)
		}
		kind := ev.Kind.String()
		if note != "" {
			kind = "note"
		}
		t.entries = append(t.entries, TraceEntry{At: ev.At, Node: ev.Node, Name: w.NodeName(ev.Node), Kind: kind, Text: text})
	}
}

func describe(ev *Event) string {
	var p string
	switch x := ev.Payload.(type) {
	case nil:
	case fmt.Stringer:
		p = x.String()
	case func():
		p = "call"
	default:
		p = fmt.Sprintf("%v", x)
	}
	switch ev.Kind {
	case EventMessage:
		return fmt.Sprintf("conn %d from %d: %s", ev.Conn, ev.From, p)
	case EventConnClosed:
		return fmt.Sprintf("conn %d closed by %d", ev.Conn, ev.From)
	case EventFsync:
		return fmt.Sprintf("fsync %s %s", ev.File, p)
	case EventTimer:
		return fmt.Sprintf("timer %d %s", ev.Timer, p)
	}
	return p
}

// Note adds a line to the trace (and its hash) for node id, or for the
// world with NoNode: faults and scheduler decisions are traced this way.
func (w *World) Note(id NodeID, text string) {
	w.trace.record(w, &Event{At: w.now, Kind: EventCall, Node: id, From: id}, text)
}

// TraceHash is the running hash of everything delivered so far.
func (w *World) TraceHash() uint64 { return w.trace.hash }

// TraceCount is how many events and notes the trace has seen.
func (w *World) TraceCount() int64 { return w.trace.count }

// TraceEntries returns the kept trace (empty without KeepTrace).
func (w *World) TraceEntries() []TraceEntry { return w.trace.entries }

// Delivered is the number of events delivered to nodes and calls run.
func (w *World) Delivered() int64 { return w.delivered }
