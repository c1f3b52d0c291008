package recipes_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
)

// Two producers, three consumers, no faults: every acknowledged item is
// taken exactly once, and the takes follow the sequence numbers.
func TestQueueFIFO(t *testing.T) {
	w := newWorld(t, 8, 5)
	acked := map[string]string{} // path -> data
	var taken []string
	takenData := map[string]int{}
	for i := 0; i < 2; i++ {
		p := recipes.NewProducer(w.procs[i], w.log, "/queues/q")
		p.OnEnqueued = func(path string, err tree.Code) {
			require.Equal(t, tree.OK, err)
			acked[path] = ""
		}
		p.Start()
		n := 0
		var tick func()
		tick = func() {
			if n < 20 {
				n++
				p.Enqueue()
				w.c.World.After(15*sim.Millisecond, tick)
			}
		}
		w.c.World.After(sim.Second, tick)
	}
	for i := 2; i < 5; i++ {
		c := recipes.NewConsumer(w.procs[i], w.log, "/queues/q")
		c.OnTaken = func(path string, data []byte) {
			taken = append(taken, path)
			takenData[string(data)]++
			w.c.World.After(5*sim.Millisecond, c.Take)
		}
		c.Start()
		w.c.World.After(sim.Second, c.Take)
	}
	w.run(5 * sim.Second)
	require.Len(t, acked, 40)
	require.Len(t, taken, 40, "every item taken")
	assert.Len(t, takenData, 40, "no item taken twice")
	seen := map[string]bool{}
	for i, p := range taken {
		assert.False(t, seen[p], "%s taken twice", p)
		seen[p] = true
		_, ok := acked[p]
		assert.True(t, ok, "%s was enqueued", p)
		if i > 0 {
			assert.Greater(t, seqOf(p), seqOf(taken[i-1]), "FIFO")
		}
	}
}

func seqOf(path string) int64 {
	var n int64
	for _, c := range path[len(path)-10:] {
		n = n*10 + int64(c-'0')
	}
	return n
}

// A barrier of four: nobody passes before the fourth member arrives, and
// then all do; the next round works the same.
func TestBarrier(t *testing.T) {
	w := newWorld(t, 9, 4)
	var bs []*recipes.Barrier
	passed := map[int]int{}
	for i, p := range w.procs {
		b := recipes.NewBarrier(p, w.log, "/barrier", 4, p.Name()+string(rune('a'+i)))
		b.OnPass = func(r int) { passed[r]++ }
		b.Start()
		bs = append(bs, b)
	}
	w.run(sim.Second)
	for i, b := range bs {
		b := b
		w.c.World.After(sim.Time(i)*500*sim.Millisecond, func() { b.Enter(0) })
	}
	w.run(1400 * sim.Millisecond)
	assert.Zero(t, passed[0], "three of four arrived")
	fourth := w.now() + int64(100*sim.Millisecond)
	w.run(sim.Second)
	assert.Equal(t, 4, passed[0])
	for _, e := range w.log.Of(recipes.KindPass) {
		assert.GreaterOrEqual(t, e.At, fourth, "passed after the fourth arrived")
	}
	for _, b := range bs[:3] {
		b.Enter(1)
	}
	w.run(sim.Second)
	assert.Zero(t, passed[1])
	bs[3].Enter(1)
	w.run(sim.Second)
	assert.Equal(t, 4, passed[1])
}

// A member whose process restarts finds the newest round and arrives
// there: it waits until the old session's node is gone.
func TestBarrierResume(t *testing.T) {
	w := newWorld(t, 10, 3)
	var bs []*recipes.Barrier
	for i, p := range w.procs {
		b := recipes.NewBarrier(p, w.log, "/barrier", 3, string(rune('a'+i)))
		b.Start()
		bs = append(bs, b)
	}
	w.run(sim.Second)
	bs[0].Enter(0)
	bs[1].Enter(0)
	w.run(sim.Second)
	w.procs[1].Crash()
	w.procs[1].Restart()
	b := recipes.NewBarrier(w.procs[1], w.log, "/barrier", 3, "b")
	b.Start()
	w.run(sim.Second)
	b.Resume()
	bs[2].Enter(0)
	w.run(sim.Second)
	assert.Equal(t, 0, b.Round(), "resumed at the newest round")
	assert.Len(t, w.log.Of(recipes.KindPass), 3, "the old session's node counts as an arrival")
}
