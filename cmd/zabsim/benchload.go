package main

import "github.com/zabsim/zabsim/sim"

// The sim core's no-op nodes that zabsim bench drives, the same as
// sim/bench_test.go's (a _test file the command cannot import; the
// cluster loads are shared from cluster/load.go). They are simulated
// code: deterministic, seeded, and timed only by the caller.

// nopNode answers each event with one more: a timer re-armed 1 µs out
// (timers), or the message sent back on its connection (messages).
type nopNode struct {
	w        *sim.World
	id       sim.NodeID
	messages bool
}

func (n *nopNode) Handle(ev *sim.Event) {
	if n.messages {
		n.w.Send(ev.Conn, n.id, ev.Payload)
		return
	}
	n.w.SetTimer(n.id, sim.Microsecond, nil)
}

// nopWorld is 64 nodes each with a timer armed, or 4 connected pairs with
// 8 messages in flight each: every Step then delivers one event and
// schedules the next.
func nopWorld(messages bool) *sim.World {
	w := sim.NewWorld(sim.Config{Seed: 1})
	var ns []*nopNode
	for i := 0; i < 64 && (!messages || i < 8); i++ {
		n := &nopNode{w: w, messages: messages}
		n.id = w.AddNode("n", n)
		ns = append(ns, n)
		if !messages {
			w.SetTimer(n.id, sim.Time(i), nil)
		}
	}
	for i := 0; messages && i < len(ns); i += 2 {
		c := w.Connect(ns[i].id, ns[i+1].id)
		for k := 0; k < 8; k++ {
			w.Send(c, ns[i].id, uint64(k))
		}
	}
	return w
}
