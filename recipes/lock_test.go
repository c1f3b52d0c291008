package recipes_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
)

type hold struct {
	proc       int
	seq        int64
	start, end int64
}

// holds pairs each Acquired with the next Released of the same process.
func holds(t *testing.T, log *recipes.Log, path string) []hold {
	var out []hold
	open := map[int]int{}
	for _, e := range log.Entries {
		if e.Path != path {
			continue
		}
		switch e.Kind {
		case recipes.KindAcquired:
			_, dup := open[e.Proc]
			require.False(t, dup, "p%d acquired twice without a release", e.Proc)
			open[e.Proc] = len(out)
			out = append(out, hold{proc: e.Proc, seq: e.Seq, start: e.At, end: -1})
		case recipes.KindReleased:
			i, ok := open[e.Proc]
			require.True(t, ok, "p%d released what it did not hold", e.Proc)
			out[i].end = e.At
			delete(open, e.Proc)
		}
	}
	return out
}

func assertExclusive(t *testing.T, hs []hold) {
	for i := 1; i < len(hs); i++ {
		prev := hs[i-1]
		require.NotEqual(t, int64(-1), prev.end, "p%d still held when p%d acquired", prev.proc, hs[i].proc)
		assert.LessOrEqual(t, prev.end, hs[i].start, "p%d and p%d held at once", prev.proc, hs[i].proc)
	}
}

// cycle makes each lock acquire, hold for holdFor, release, n times.
func cycle(w *world, locks []recipes.Lock, holdFor sim.Time, n int) {
	for _, l := range locks {
		l := l
		left := n
		l.SetHooks(func() {
			w.c.World.After(holdFor, func() {
				l.Release()
				left--
				if left > 0 {
					w.c.World.After(sim.Millisecond, l.Acquire)
				}
			})
		}, nil)
		l.Start()
	}
	w.run(sim.Second)
	for _, l := range locks {
		l.Acquire()
	}
}

// Five processes take the fair lock three times each: holds never
// overlap, and each round of grants follows the sequence numbers.
func TestFairLockExclusiveAndFair(t *testing.T) {
	w := newWorld(t, 4, 5)
	var locks []recipes.Lock
	for _, p := range w.procs {
		locks = append(locks, recipes.NewFairLock(p, w.log, "/locks/fair"))
	}
	cycle(w, locks, 100*sim.Millisecond, 3)
	w.run(5 * sim.Second)
	hs := holds(t, w.log, "/locks/fair")
	require.Len(t, hs, 15)
	assertExclusive(t, hs)
	for i := 1; i < len(hs); i++ {
		assert.Greater(t, hs[i].seq, hs[i-1].seq, "granted in sequence order")
	}
}

// The exclusive lock: one node, every waiter watching it.
func TestExclusiveLock(t *testing.T) {
	w := newWorld(t, 5, 5)
	var locks []recipes.Lock
	for _, p := range w.procs {
		locks = append(locks, recipes.NewExclusiveLock(p, w.log, "/locks/excl"))
	}
	cycle(w, locks, 100*sim.Millisecond, 3)
	w.run(5 * sim.Second)
	hs := holds(t, w.log, "/locks/excl")
	require.Len(t, hs, 15)
	assertExclusive(t, hs)
	procs := map[int]int{}
	for _, h := range hs {
		procs[h.proc]++
	}
	assert.Len(t, procs, 5, "everyone got the lock")
}

// The holder's process dies: the lock is free once its session expires,
// and the next waiter takes it.
func TestLockReleasedWhenHolderSessionEnds(t *testing.T) {
	for _, kind := range []string{"fair", "exclusive"} {
		t.Run(kind, func(t *testing.T) {
			w := newWorld(t, 6, 3)
			var locks []recipes.Lock
			for _, p := range w.procs {
				if kind == "fair" {
					locks = append(locks, recipes.NewFairLock(p, w.log, "/locks/fair"))
				} else {
					locks = append(locks, recipes.NewExclusiveLock(p, w.log, "/locks/excl"))
				}
			}
			for _, l := range locks {
				l.Start()
			}
			w.run(sim.Second)
			for _, l := range locks {
				l.Acquire()
			}
			w.run(sim.Second)
			holder := -1
			for i, l := range locks {
				if l.Held() {
					require.Equal(t, -1, holder, "one holder")
					holder = i
				}
			}
			require.NotEqual(t, -1, holder)
			died := w.now()
			w.procs[holder].Crash()
			ok := w.runUntil(sessionMs*sim.Millisecond+sim.Second, func() bool {
				for i, l := range locks {
					if i != holder && l.Held() {
						return true
					}
				}
				return false
			})
			require.True(t, ok, "a waiter holds the lock within the session timeout and a second")
			acq := w.log.Of(recipes.KindAcquired)
			assert.Greater(t, acq[len(acq)-1].At, died+int64(sessionMs)*1e6/2)
		})
	}
}

// A fair-lock release wakes one waiter only.
func TestFairLockNoHerd(t *testing.T) {
	w := newWorld(t, 7, 5)
	var locks []recipes.Lock
	for _, p := range w.procs {
		l := recipes.NewFairLock(p, w.log, "/locks/fair")
		l.Start()
		locks = append(locks, l)
	}
	w.run(sim.Second)
	for _, l := range locks {
		l.Acquire()
	}
	w.run(sim.Second)
	before := len(w.c.History().Events)
	for _, l := range locks {
		if l.Held() {
			l.Release()
		}
	}
	w.run(sim.Second)
	var woken []string
	for _, ev := range w.c.History().Events[before:] {
		if ev.Type != tree.EventNone {
			woken = append(woken, ev.String())
		}
	}
	assert.Len(t, woken, 1, "one waiter woke: %v", woken)
}
