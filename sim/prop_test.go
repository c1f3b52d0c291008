package sim

import (
	"fmt"
	"testing"

	"pgregory.net/rapid"
)

// Under any jitter and any schedule of partitions and heals, each
// connection delivers exactly what was sent on it, once, in order.
func TestPropFIFOPerConnection(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := NewWorld(Config{
			Seed:    rapid.Uint64().Draw(t, "seed"),
			Latency: Latency{Base: Time(rapid.Int64Range(0, int64(5*Millisecond)).Draw(t, "base")), Jitter: Time(rapid.Int64Range(1, int64(20*Millisecond)).Draw(t, "jitter"))},
		})
		ns := newNodes(w, 3)
		var conns []ConnID
		for i := 0; i < 3; i++ {
			conns = append(conns, w.Connect(ns[i].id, ns[(i+1)%3].id))
		}
		sent := map[ConnID][]int{}
		steps := rapid.IntRange(1, 200).Draw(t, "steps")
		for s := 0; s < steps; s++ {
			switch rapid.IntRange(0, 9).Draw(t, "action") {
			case 0:
				a := NodeID(rapid.IntRange(0, 2).Draw(t, "a"))
				b := NodeID(rapid.IntRange(0, 2).Draw(t, "b"))
				if rapid.Bool().Draw(t, "oneway") {
					w.PartitionOneWay([]NodeID{a}, []NodeID{b})
				} else {
					w.Partition([]NodeID{a}, []NodeID{b})
				}
			case 1:
				w.Heal()
			case 2:
				w.RunFor(Time(rapid.Int64Range(0, int64(30*Millisecond)).Draw(t, "run")))
			default:
				i := rapid.IntRange(0, 2).Draw(t, "conn")
				c := conns[i]
				from := ns[i].id
				if rapid.Bool().Draw(t, "reverse") {
					from = ns[(i+1)%3].id
				}
				v := len(sent[c]) * 2
				if from != ns[i].id {
					v++
				}
				w.Send(c, from, v)
				sent[c] = append(sent[c], v)
			}
		}
		w.Heal()
		w.RunFor(Minute)
		for i, c := range conns {
			var fwd, back []int
			for _, v := range sent[c] {
				if v%2 == 0 {
					fwd = append(fwd, v)
				} else {
					back = append(back, v)
				}
			}
			check := func(r *recorder, want []int) {
				var got []int
				for _, ev := range r.events {
					if ev.Kind == EventMessage && ev.Conn == c {
						got = append(got, ev.Payload.(int))
					}
				}
				if fmt.Sprint(got) != fmt.Sprint(want) {
					t.Fatalf("conn %d: delivered %v, sent %v", c, got, want)
				}
			}
			check(ns[(i+1)%3], fwd)
			check(ns[i], back)
		}
	})
}

// After any sequence of writes, fsyncs and a crash, each file holds exactly
// what its last completed fsync made durable (plus, with a torn tail, a
// strict prefix of the bytes appended since).
func TestPropCrashLosesExactlyUnsynced(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		w := NewWorld(Config{Seed: rapid.Uint64().Draw(t, "seed")})
		ns := newNodes(w, 1)
		id := ns[0].id
		d := w.Disk(id)
		names := []string{"a", "b", "c"}
		type model struct {
			data, durable []byte
			exists, ever  bool
		}
		m := map[string]*model{}
		for _, n := range names {
			m[n] = &model{}
		}
		// pending fsyncs complete in order: keep their captures.
		type capture struct {
			name string
			data []byte
		}
		var pending []capture
		steps := rapid.IntRange(1, 60).Draw(t, "steps")
		for s := 0; s < steps; s++ {
			n := names[rapid.IntRange(0, 2).Draw(t, "file")]
			f := m[n]
			switch rapid.IntRange(0, 5).Draw(t, "op") {
			case 0, 1:
				b := []byte(rapid.StringN(1, 8, -1).Draw(t, "bytes"))
				d.Append(n, b)
				f.data = append(append([]byte(nil), f.data...), b...)
				f.exists = true
			case 2:
				b := []byte(rapid.StringN(0, 8, -1).Draw(t, "bytes"))
				d.WriteFile(n, b)
				f.data = append([]byte(nil), b...)
				f.exists = true
			case 3:
				if f.exists {
					w.Fsync(id, n, 0)
					pending = append(pending, capture{n, append([]byte(nil), f.data...)})
				}
			case 4:
				w.RunFor(Time(rapid.Int64Range(0, int64(10*Millisecond)).Draw(t, "run")))
				// Fsyncs whose events were delivered are durable.
				done := len(ns[0].payloads(EventFsync))
				for _, c := range pending[:done] {
					m[c.name].durable = c.data
					m[c.name].ever = true
				}
			case 5:
				if f.exists && len(f.data) > 0 {
					size := rapid.IntRange(0, len(f.data)).Draw(t, "size")
					if err := d.Truncate(n, int64(size)); err != nil {
						t.Fatal(err)
					}
					f.data = f.data[:size:size]
					// The cut is durable at once, and in-flight fsyncs
					// complete without the tail.
					if len(f.durable) > size {
						f.durable = f.durable[:size:size]
					}
					for i := range pending {
						if pending[i].name == n && len(pending[i].data) > size {
							pending[i].data = pending[i].data[:size:size]
						}
					}
				}
			}
		}
		torn := rapid.Bool().Draw(t, "torn")
		w.Crash(id, CrashOptions{TornTail: torn})
		for _, n := range names {
			f := m[n]
			got, ok := d.ReadFile(n)
			if !f.ever {
				if ok {
					t.Fatalf("%s: never synced but survived with %q", n, got)
				}
				continue
			}
			if !ok {
				t.Fatalf("%s: synced %q but vanished", n, f.durable)
			}
			if string(got) == string(f.durable) {
				continue
			}
			extended := len(f.data) >= len(f.durable) && string(f.data[:len(f.durable)]) == string(f.durable)
			if !torn || !extended || len(got) <= len(f.durable) || len(got) >= len(f.data) || string(f.data[:len(got)]) != string(got) {
				t.Fatalf("%s: after crash %q, durable %q, written %q, torn=%t", n, got, f.durable, f.data, torn)
			}
		}
	})
}
