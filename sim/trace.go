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
	hash  uint64
	count int64
	keep  bool
	// kept holds the raw events, in chunks so that growing never copies
	// the whole trace; they are formatted only when asked for.
	kept  [][]keptEvent
	types map[reflect.Type]uint64
}

type keptEvent struct {
	ev   Event
	note string
}

const keptChunk = 4096

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
		n := len(t.kept)
		if n == 0 || len(t.kept[n-1]) == keptChunk {
			t.kept = append(t.kept, make([]keptEvent, 0, keptChunk))
			n++
		}
		t.kept[n-1] = append(t.kept[n-1], keptEvent{ev: *ev, note: note})
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

// Record adds a value to the trace for node id: its TraceHash feeds the
// hash, and it is formatted (with its String method) only if the kept
// trace is printed. Cheaper than Note for facts reported on every event.
func (w *World) Record(id NodeID, v any) {
	w.trace.record(w, &Event{At: w.now, Kind: EventCall, Node: id, From: id, Payload: v}, "")
}

// TraceHash is the running hash of everything delivered so far.
func (w *World) TraceHash() uint64 { return w.trace.hash }

// TraceCount is how many events and notes the trace has seen.
func (w *World) TraceCount() int64 { return w.trace.count }

// TraceEntries returns the kept trace (empty without KeepTrace), formatted
// now: payloads are printed as they are at this call.
func (w *World) TraceEntries() []TraceEntry {
	var out []TraceEntry
	for _, chunk := range w.trace.kept {
		for i := range chunk {
			k := &chunk[i]
			text, kind := k.note, "note"
			switch {
			case text != "":
			case k.ev.Kind == EventCall && k.ev.Node != NoNode:
				text = describe(&k.ev) // a Record: a note given as a value
			default:
				text, kind = describe(&k.ev), k.ev.Kind.String()
			}
			out = append(out, TraceEntry{At: k.ev.At, Node: k.ev.Node, Name: w.NodeName(k.ev.Node), Kind: kind, Text: text})
		}
	}
	return out
}

// Delivered is the number of events delivered to nodes and calls run.
func (w *World) Delivered() int64 { return w.delivered }
