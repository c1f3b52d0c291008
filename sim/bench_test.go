package sim

import "testing"

type nopHandler struct {
	w    *World
	id   NodeID
	mode int
}

func (h *nopHandler) Handle(ev *Event) {
	switch h.mode {
	case 0: // re-arm: one timer event per delivery
		h.w.SetTimer(h.id, Microsecond, nil)
	case 1: // ping-pong on a connection
		h.w.Send(ev.Conn, h.id, ev.Payload)
	}
}

// BenchmarkTimers measures the event loop: schedule, pop, hash and
// deliver one timer event.
func BenchmarkTimers(b *testing.B) {
	w := NewWorld(Config{Seed: 1})
	for i := 0; i < 64; i++ {
		h := &nopHandler{w: w}
		h.id = w.AddNode("n", h)
		w.SetTimer(h.id, Time(i), nil)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}

// BenchmarkMessages measures messages through the network: send with
// latency and FIFO clamp, deliver, answer.
func BenchmarkMessages(b *testing.B) {
	w := NewWorld(Config{Seed: 1})
	var hs []*nopHandler
	for i := 0; i < 8; i++ {
		h := &nopHandler{w: w, mode: 1}
		h.id = w.AddNode("n", h)
		hs = append(hs, h)
	}
	for i := 0; i < 8; i += 2 {
		c := w.Connect(hs[i].id, hs[i+1].id)
		for k := 0; k < 8; k++ {
			w.Send(c, hs[i].id, uint64(k))
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		w.Step()
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
