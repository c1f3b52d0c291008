package main

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/scenarios"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
)

// The measurements of zabsim bench. Each runs deterministic simulated code
// and times it with the wall clock, which only this command (and the go
// test benchmarks) may read. A timed loop runs until its budget has
// passed, at least once.

// benchLimits size the measurements: --quick shrinks them for a smoke
// test, and the command's test shrinks them further.
type benchLimits struct {
	Budget     time.Duration // how long a timed loop runs, all rounds
	Rounds     int           // a timed loop's rounds, of which the best counts
	Seeds      int           // seeds per scenario
	SweepSeeds int           // the seeds each sweep-scaling point runs
	Porcupine  []int         // history sizes for the porcupine check
	ReadOps    int           // history size for the read checker
	Writes     sim.Time      // virtual time the writers write
	Memory     sim.Time      // virtual time the memory world runs
}

var (
	fullLimits  = benchLimits{Budget: 3 * time.Second, Rounds: 3, Seeds: 10, SweepSeeds: 40, Porcupine: []int{1000, 10000}, ReadOps: 100000, Writes: 10 * sim.Second, Memory: sim.Minute}
	quickLimits = benchLimits{Budget: 300 * time.Millisecond, Rounds: 1, Seeds: 1, SweepSeeds: 8, Porcupine: []int{1000, 10000}, ReadOps: 20000, Writes: 10 * sim.Second, Memory: sim.Minute}
)

// bestRate calls step, which does some units of work and says how many,
// in l.Rounds rounds that each last until their share of l.Budget has
// passed (at least one step), and returns the best round's units per
// second: another process that takes the CPU for a while spoils a round,
// not the measurement.
func bestRate(l benchLimits, step func() (int, error)) (float64, error) {
	rounds := max(l.Rounds, 1)
	best := 0.0
	for r := 0; r < rounds; r++ {
		start := time.Now()
		units := 0
		for {
			n, err := step()
			if err != nil {
				return 0, err
			}
			units += n
			if el := time.Since(start); el >= l.Budget/time.Duration(rounds) {
				best = max(best, rate(units, el))
				break
			}
		}
	}
	return best, nil
}

func rate(units int, el time.Duration) float64 { return float64(units) / el.Seconds() }

// cpuMeter compares the CPU time the process used with the wall time
// that passed since it started.
type cpuMeter struct {
	wall time.Time
	cpu  time.Duration
}

func startCPU() cpuMeter { return cpuMeter{time.Now(), processCPU()} }

// share is the CPU time per worker over the wall time: about 1 on an idle
// machine with a core per worker, well under 1 when other processes had
// the cores, 0 where the CPU time is unknown.
func (m cpuMeter) share(workers int) float64 {
	return (processCPU() - m.cpu).Seconds() / time.Since(m.wall).Seconds() / float64(workers)
}

// benchScenario runs seeds 1..n of a scenario one after another on this
// goroutine, checking included.
func benchScenario(s *scenarios.Scenario, n int) (scenarioBench, error) {
	sb := scenarioBench{Scenario: s.Name, Seeds: n}
	cm := startCPU()
	for seed := uint64(1); seed <= uint64(n); seed++ {
		t0 := time.Now()
		res, err := scenarios.Run(s, seed, nil, scenarios.Options{})
		if err != nil {
			return sb, err
		}
		sb.WallSeconds += time.Since(t0).Seconds()
		sb.SimSeconds += time.Duration(res.Cluster.World.Now()).Seconds()
		sb.Events += res.Events
		if failed(s, res) {
			sb.Failing = append(sb.Failing, seed)
		}
	}
	sb.CPUShare = cm.share(1)
	return sb, nil
}

// benchSimCore steps a world of no-op nodes: the event loop alone.
func benchSimCore(l benchLimits, messages bool) (float64, error) {
	w := nopWorld(messages)
	return bestRate(l, func() (int, error) {
		for i := 0; i < 4096; i++ {
			w.Step()
		}
		return 4096, nil
	})
}

// benchTreeApply applies creates of nodes with 32 bytes of data under 8
// parents, 1024 a step, on a fresh tree every 64k creates, as
// BenchmarkApplyCreate does (which does not time the fresh tree's 8
// parents; this does).
func benchTreeApply(l benchLimits) (float64, error) {
	const pool = 1 << 16
	data := make([]byte, 32)
	txns := make([]tree.CreateTxn, pool)
	for i := range txns {
		txns[i] = tree.CreateTxn{Path: "/p" + strconv.Itoa(i%8) + "/n" + strconv.Itoa(i), Data: data, ACL: tree.OpenACLUnsafe, ParentCVersion: -1}
	}
	var tr *tree.Tree
	zxid, next := int64(0), 0
	apply := func(txn tree.CreateTxn) error {
		zxid++
		if res := tr.Apply(tree.TxnHeader{Zxid: zxid, Time: zxid, Type: tree.OpCreate}, txn); res.Err != tree.OK {
			return fmt.Errorf("tree apply: create %s: %v", txn.Path, res.Err)
		}
		return nil
	}
	return bestRate(l, func() (int, error) {
		if next%pool == 0 {
			tr, zxid, next = tree.New(), 0x100000000, 0
			for p := 0; p < 8; p++ {
				if err := apply(tree.CreateTxn{Path: "/p" + strconv.Itoa(p), ACL: tree.OpenACLUnsafe, ParentCVersion: -1}); err != nil {
					return 0, err
				}
			}
		}
		for end := next + 1024; next < end; next++ {
			if err := apply(txns[next]); err != nil {
				return 0, err
			}
		}
		return 1024, nil
	})
}

// benchWrites runs cluster.WritesRun over seeds 1, 2, ... and counts committed
// writes per wall second, the ensemble's start and election included.
func benchWrites(l benchLimits, mixed bool) (float64, error) {
	seed := uint64(0)
	return bestRate(l, func() (int, error) {
		seed++
		return cluster.WritesRun(cluster.Config{Seed: seed}, mixed, l.Writes)
	})
}

// benchPorcupine is the time of one porcupine check of checker.BenchRun's
// history of n ops (the run itself untimed).
func benchPorcupine(l benchLimits, n int) (time.Duration, error) {
	c, err := checker.BenchRun(n, false)
	if err != nil {
		return 0, err
	}
	h, recs := c.History(), c.Records()
	runtime.GC()
	perSecond, err := bestRate(l, func() (int, error) {
		if v := checker.LinearizableWrites(h, recs, time.Minute); !v.OK() {
			return 0, fmt.Errorf("porcupine check of %d ops: %s", n, v)
		}
		return 1, nil
	})
	if err != nil {
		return 0, err
	}
	return time.Duration(float64(time.Second) / perSecond), nil
}

// benchReads is checker.Reads' rate over checker.BenchRun's history of n
// ops, nine in ten of them reads.
func benchReads(l benchLimits, n int) (float64, error) {
	c, err := checker.BenchRun(n, true)
	if err != nil {
		return 0, err
	}
	h, recs := c.History(), c.Records()
	reads := 0
	for _, op := range h.Ops() {
		if op.Type == tree.OpGetData {
			reads++
		}
	}
	runtime.GC()
	return bestRate(l, func() (int, error) {
		if v := checker.Reads(h, recs, checker.ReadOptions{}); !v.OK() {
			return 0, fmt.Errorf("read checker: %s", v)
		}
		return reads, nil
	})
}

// sweepPoints are the worker counts of the sweep scaling: 1, 2, 4, ...
// and every core.
func sweepPoints(cores int) []int {
	var out []int
	for j := 1; j < cores; j *= 2 {
		out = append(out, j)
	}
	return append(out, cores)
}

// benchSweep runs seeds 1..n of a scenario on jobs workers, as zabsim
// sweep does, and returns seeds per second.
func benchSweep(s *scenarios.Scenario, n, jobs int) (float64, error) {
	seeds := make(chan uint64, n)
	for seed := uint64(1); seed <= uint64(n); seed++ {
		seeds <- seed
	}
	close(seeds)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	start := time.Now()
	for j := 0; j < jobs; j++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for seed := range seeds {
				if _, err := scenarios.Run(s, seed, nil, scenarios.Options{}); err != nil {
					mu.Lock()
					first = err
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	return rate(n, time.Since(start)), first
}

// benchMemory is the live heap, MB, that cluster.MemoryWorld holds at its end.
func benchMemory(d sim.Time) (float64, error) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c, err := cluster.MemoryWorld(1, d)
	if err != nil {
		return 0, err
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(c)
	if after.HeapAlloc < before.HeapAlloc {
		return 0, nil
	}
	return float64(after.HeapAlloc-before.HeapAlloc) / (1 << 20), nil
}
