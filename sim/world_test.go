package sim

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recorder is a handler that keeps what it is told.
type recorder struct {
	w      *World
	id     NodeID
	events []Event
	on     func(ev *Event)
}

func (r *recorder) Handle(ev *Event) {
	r.events = append(r.events, *ev)
	if r.on != nil {
		r.on(ev)
	}
}

func (r *recorder) payloads(kind EventKind) []any {
	var out []any
	for _, ev := range r.events {
		if ev.Kind == kind {
			out = append(out, ev.Payload)
		}
	}
	return out
}

func newNodes(w *World, n int) []*recorder {
	out := make([]*recorder, n)
	for i := range out {
		r := &recorder{w: w}
		r.id = w.AddNode(fmt.Sprintf("n%d", i), r)
		out[i] = r
	}
	return out
}

func TestSameInstantRunsInScheduleOrder(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	var got []int
	for i := 0; i < 10; i++ {
		w.At(5*Millisecond, func() { got = append(got, i) })
	}
	w.At(Millisecond, func() { got = append(got, -1) })
	w.RunFor(Second)
	assert.Equal(t, []int{-1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, got)
	assert.Equal(t, Second, w.Now())
}

func TestTimersFollowTheNodeClock(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	ns := newNodes(w, 2)
	w.SetClockDrift(ns[1].id, 100_000) // 10% fast
	w.SetTimer(ns[0].id, Second, "a")
	w.SetTimer(ns[1].id, Second, "b")
	w.RunFor(950 * Millisecond)
	assert.Empty(t, ns[0].events)
	require.Len(t, ns[1].events, 1, "a fast clock fires its timer early in virtual time")
	assert.Equal(t, 1045*Millisecond, w.NodeNow(ns[1].id))
	assert.Equal(t, 950*Millisecond, w.NodeNow(ns[0].id))
	w.RunFor(100 * Millisecond)
	assert.Len(t, ns[0].events, 1)

	elapsed := w.NodeElapsed(ns[0].id)
	w.AdjustClock(ns[0].id, -10*Second)
	assert.Equal(t, w.Now()-10*Second, w.NodeNow(ns[0].id), "a clock may be stepped backwards")
	assert.Equal(t, elapsed, w.NodeElapsed(ns[0].id), "the monotonic clock does not jump")
	w.RunFor(Second)
	assert.Equal(t, elapsed+Second, w.NodeElapsed(ns[0].id))
	assert.Equal(t, w.Now(), w.NodeElapsed(ns[0].id))
}

func TestCancelledTimerNeverFires(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	ns := newNodes(w, 1)
	id := w.SetTimer(ns[0].id, Second, "x")
	w.SetTimer(ns[0].id, 2*Second, "y")
	w.CancelTimer(id)
	w.RunFor(5 * Second)
	assert.Equal(t, []any{"y"}, ns[0].payloads(EventTimer))
}

func TestPauseHoldsThenDeliversInOrder(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	ns := newNodes(w, 2)
	c := w.Connect(ns[0].id, ns[1].id)
	w.Pause(ns[1].id)
	for i := 0; i < 5; i++ {
		w.Send(c, ns[0].id, i)
	}
	w.SetTimer(ns[1].id, 10*Millisecond, "t")
	w.RunFor(Second)
	assert.Empty(t, ns[1].events)
	w.Resume(ns[1].id)
	w.RunFor(0)
	assert.Equal(t, []any{0, 1, 2, 3, 4}, ns[1].payloads(EventMessage))
	assert.Equal(t, []any{"t"}, ns[1].payloads(EventTimer))
	for _, ev := range ns[1].events {
		assert.Equal(t, Second, ev.At, "held events arrive at the resume")
	}
}

func TestCrashDropsEventsAndClosesConnections(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	ns := newNodes(w, 2)
	c := w.Connect(ns[0].id, ns[1].id)
	w.Send(c, ns[0].id, "before")
	w.SetTimer(ns[1].id, Second, "lost")
	w.Crash(ns[1].id, CrashOptions{})
	w.Send(c, ns[0].id, "after")
	w.RunFor(2 * Second)
	assert.Empty(t, ns[1].events, "a crashed node gets nothing")
	require.Len(t, ns[0].events, 1)
	assert.Equal(t, EventConnClosed, ns[0].events[0].Kind)
	assert.False(t, w.Send(c, ns[0].id, "x"), "the end learned of the close")

	r := &recorder{w: w}
	w.Restart(ns[1].id, r)
	w.RunFor(2 * Second)
	assert.Empty(t, r.events, "the old timer does not reach the new process")
}

func TestConnectToDownNodeIsRefused(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	ns := newNodes(w, 2)
	w.Crash(ns[1].id, CrashOptions{})
	c := w.Connect(ns[0].id, ns[1].id)
	w.RunFor(Second)
	require.Len(t, ns[0].events, 1)
	assert.Equal(t, EventConnClosed, ns[0].events[0].Kind)
	assert.Equal(t, c, ns[0].events[0].Conn)
}

func TestCloseArrivesAfterDataAndLosesReverseTraffic(t *testing.T) {
	w := NewWorld(Config{Seed: 1, Latency: Latency{Base: Millisecond, Jitter: 5 * Millisecond}})
	ns := newNodes(w, 2)
	c := w.Connect(ns[0].id, ns[1].id)
	for i := 0; i < 20; i++ {
		w.Send(c, ns[0].id, i)
	}
	w.Send(c, ns[1].id, "towards the closer")
	w.Close(c, ns[0].id)
	w.RunFor(Second)
	require.Len(t, ns[1].events, 21)
	assert.Equal(t, EventConnClosed, ns[1].events[20].Kind, "the close comes after every message")
	assert.Empty(t, ns[0].events, "messages towards the end that closed are lost")
	assert.False(t, w.ConnOpen(c))
}

func TestPartitionHoldsAndHealDelivers(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	ns := newNodes(w, 3)
	c := w.Connect(ns[0].id, ns[1].id)
	d := w.Connect(ns[0].id, ns[2].id)
	w.Partition([]NodeID{ns[0].id}, []NodeID{ns[1].id})
	w.Send(c, ns[0].id, "held")
	w.Send(d, ns[0].id, "free")
	w.RunFor(Second)
	assert.Empty(t, ns[1].events)
	assert.Len(t, ns[2].events, 1)
	w.Heal()
	w.RunFor(Second)
	assert.Equal(t, []any{"held"}, ns[1].payloads(EventMessage))
}

func TestOneWayPartition(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	ns := newNodes(w, 2)
	c := w.Connect(ns[0].id, ns[1].id)
	w.PartitionOneWay([]NodeID{ns[0].id}, []NodeID{ns[1].id})
	w.Send(c, ns[0].id, "blocked")
	w.Send(c, ns[1].id, "passes")
	w.RunFor(Second)
	assert.Empty(t, ns[1].events)
	assert.Equal(t, []any{"passes"}, ns[0].payloads(EventMessage))
	w.HealLink(ns[0].id, ns[1].id)
	w.RunFor(Second)
	assert.Equal(t, []any{"blocked"}, ns[1].payloads(EventMessage))
}

func TestCloseDuringPartitionLosesHeldMessages(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	ns := newNodes(w, 2)
	c := w.Connect(ns[0].id, ns[1].id)
	w.Isolate(ns[1].id)
	w.Send(c, ns[0].id, "doomed")
	w.Close(c, ns[0].id)
	w.RunFor(Second)
	w.Heal()
	w.RunFor(Second)
	require.Len(t, ns[1].events, 1, "only the close comes through after the heal")
	assert.Equal(t, EventConnClosed, ns[1].events[0].Kind)
}

func TestCutResetsBothEnds(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	ns := newNodes(w, 2)
	c := w.Connect(ns[0].id, ns[1].id)
	w.Send(c, ns[0].id, "in flight")
	w.Cut(ns[0].id, ns[1].id)
	w.RunFor(Second)
	for _, n := range ns {
		require.Len(t, n.events, 1)
		assert.Equal(t, EventConnClosed, n.events[0].Kind)
	}
}

func TestViolationReordersAndDrops(t *testing.T) {
	w := NewWorld(Config{Seed: 7})
	ns := newNodes(w, 2)
	c := w.Connect(ns[0].id, ns[1].id)
	w.SetViolation(Violation{DropProb: 0.1, ReorderProb: 0.2})
	for i := 0; i < 500; i++ {
		w.Send(c, ns[0].id, i)
	}
	w.RunFor(Second)
	got := ns[1].payloads(EventMessage)
	assert.Less(t, len(got), 500, "some messages dropped")
	inversions := 0
	for i := 1; i < len(got); i++ {
		if got[i].(int) < got[i-1].(int) {
			inversions++
		}
	}
	assert.Positive(t, inversions, "some messages overtaken")
}

func TestFsyncMakesDurableWhatWasThereAtTheCall(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	ns := newNodes(w, 1)
	id := ns[0].id
	d := w.Disk(id)
	d.Append("log", []byte("abc"))
	w.Fsync(id, "log", 1)
	d.Append("log", []byte("def"))
	assert.Equal(t, int64(-1), d.Durable("log"), "not durable before completion")
	w.RunFor(Second)
	assert.Equal(t, int64(3), d.Durable("log"))
	assert.Equal(t, []any{uint64(1)}, ns[0].payloads(EventFsync))
	w.Crash(id, CrashOptions{})
	b, ok := d.ReadFile("log")
	require.True(t, ok)
	assert.Equal(t, "abc", string(b))
}

func TestFsyncsCompleteInOrderAndDieWithTheNode(t *testing.T) {
	w := NewWorld(Config{Seed: 1, FsyncLatency: Latency{Base: Millisecond, Jitter: 10 * Millisecond}})
	ns := newNodes(w, 1)
	id := ns[0].id
	for i := 0; i < 20; i++ {
		w.Disk(id).Append("f", []byte{byte(i)})
		w.Fsync(id, "f", uint64(i))
	}
	w.RunFor(Second)
	want := make([]any, 20)
	for i := range want {
		want[i] = uint64(i)
	}
	assert.Equal(t, want, ns[0].payloads(EventFsync))

	w.Disk(id).Append("f", []byte("x"))
	w.Fsync(id, "f", 99)
	w.Crash(id, CrashOptions{})
	w.Restart(id, ns[0])
	w.RunFor(Second)
	assert.Equal(t, int64(20), w.Disk(id).Size("f"), "the fsync in flight died with the node")
}

func TestTornTailKeepsAStrictPrefix(t *testing.T) {
	w := NewWorld(Config{Seed: 3})
	ns := newNodes(w, 1)
	id := ns[0].id
	d := w.Disk(id)
	d.Append("log", []byte("durable|"))
	w.Fsync(id, "log", 0)
	w.RunFor(Second)
	d.Append("log", []byte("0123456789"))
	w.Crash(id, CrashOptions{TornTail: true})
	b, _ := d.ReadFile("log")
	assert.Greater(t, len(b), len("durable|"))
	assert.Less(t, len(b), len("durable|0123456789"))
	assert.Equal(t, "durable|0123456789"[:len(b)], string(b))
}

func TestRenameAndTruncate(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	ns := newNodes(w, 1)
	id := ns[0].id
	d := w.Disk(id)
	d.WriteFile("tmp", []byte("epoch=2"))
	w.Fsync(id, "tmp", 0)
	w.RunFor(Second)
	require.NoError(t, d.Rename("tmp", "epoch"))
	assert.Error(t, d.Rename("tmp", "x"))
	assert.Equal(t, []string{"epoch"}, d.List())
	d.Append("epoch", []byte("!!"))
	require.NoError(t, d.Truncate("epoch", 5))
	assert.Error(t, d.Truncate("epoch", 50))
	b, _ := d.ReadFile("epoch")
	assert.Equal(t, "epoch", string(b))
	w.Crash(id, CrashOptions{})
	b, _ = d.ReadFile("epoch")
	assert.Equal(t, "epoch", string(b), "the rename and the truncate are durable; the append was not synced")
}

func TestRandStreamsAreIndependent(t *testing.T) {
	a := Stream(42, "faults")
	b := Stream(42, "workload")
	a2 := NewRand(1).Split("x")
	a3 := NewRand(1)
	a3.Uint64()
	assert.Equal(t, a2.Uint64(), a3.Split("x").Uint64(), "a split ignores the parent's draws")
	assert.NotEqual(t, a.Uint64(), b.Uint64())
	r := NewRand(9)
	for i := 0; i < 1000; i++ {
		v := r.Int63n(7)
		require.True(t, v >= 0 && v < 7)
	}
}

// busyRun builds a scenario with traffic, timers, partitions, a crash and
// fsyncs, and returns its trace hash.
func busyRun(seed uint64) uint64 {
	w := NewWorld(Config{Seed: seed, Latency: Latency{Base: Millisecond, Jitter: 3 * Millisecond}})
	type peer struct {
		recorder
		conns []ConnID
		r     *Rand
	}
	peers := make([]*peer, 5)
	for i := range peers {
		p := &peer{r: w.Rand(fmt.Sprintf("peer/%d", i))}
		p.w = w
		p.id = w.AddNode(fmt.Sprintf("p%d", i), p)
		peers[i] = p
	}
	for _, p := range peers {
		p.on = func(ev *Event) {
			if len(p.conns) > 0 && p.r.Chance(0.7) {
				w.Send(p.conns[p.r.Intn(len(p.conns))], p.id, p.r.Uint64())
			}
			if ev.Kind == EventTimer {
				w.SetTimer(p.id, Time(p.r.Int63n(int64(50*Millisecond))), "tick")
				w.Disk(p.id).Append("log", []byte{byte(p.r.Uint64())})
				w.Fsync(p.id, "log", 0)
			}
		}
		for _, q := range peers {
			if q != p {
				p.conns = append(p.conns, w.Connect(p.id, q.id))
			}
		}
		w.SetTimer(p.id, 10*Millisecond, "tick")
	}
	w.At(200*Millisecond, func() { w.Partition([]NodeID{0, 1}, []NodeID{2, 3, 4}) })
	w.At(400*Millisecond, func() { w.Crash(3, CrashOptions{TornTail: true}) })
	w.At(600*Millisecond, func() { w.Heal() })
	w.RunFor(Second)
	return w.TraceHash()
}

func TestDeterministicTraceHash(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	runtime.GOMAXPROCS(1)
	h1 := busyRun(11)
	runtime.GOMAXPROCS(2)
	h2 := busyRun(11)
	assert.Equal(t, h1, h2, "same seed, same hash, under GOMAXPROCS 1 and 2")
	assert.NotEqual(t, h1, busyRun(12), "another seed gives another run")
}

func TestViolationFsyncLies(t *testing.T) {
	w := NewWorld(Config{Seed: 1})
	ns := newNodes(w, 1)
	id := ns[0].id
	w.SetViolation(Violation{FsyncLies: true})
	d := w.Disk(id)
	d.Append("log", []byte("acked"))
	w.Fsync(id, "log", 7)
	w.RunFor(Second)
	require.Len(t, ns[0].payloads(EventFsync), 1, "the fsync reports done")
	w.Crash(id, CrashOptions{})
	_, ok := d.ReadFile("log")
	assert.False(t, ok, "but nothing was durable")
}
