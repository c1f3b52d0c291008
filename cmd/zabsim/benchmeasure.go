package main

import (
	"fmt"
	"runtime"
	"strconv"
	"sync"
	"time"

	"github.com/zabsim/zabsim/checker"
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
	Budget     time.Duration // how long a timed loop runs
	Seeds      int           // seeds per scenario
	SweepSeeds int           // the seeds each sweep-scaling point runs
	Porcupine  []int         // history sizes for the porcupine check
	ReadOps    int           // history size for the read checker
	Writes     sim.Time      // virtual time the writers write
	Memory     sim.Time      // virtual time the memory world runs
}

var (
	fullLimits  = benchLimits{Budget: 2 * time.Second, Seeds: 10, SweepSeeds: 40, Porcupine: []int{1000, 10000}, ReadOps: 100000, Writes: 10 * sim.Second, Memory: sim.Minute}
	quickLimits = benchLimits{Budget: 300 * time.Millisecond, Seeds: 1, SweepSeeds: 8, Porcupine: []int{1000, 10000}, ReadOps: 20000, Writes: 10 * sim.Second, Memory: sim.Minute}
)

// timeLoop calls step, which does some units of work and says how many,
// until budget has passed, at least once.
func timeLoop(budget time.Duration, step func() (int, error)) (int, time.Duration, error) {
	start := time.Now()
	units := 0
	for {
		n, err := step()
		if err != nil {
			return 0, 0, err
		}
		units += n
		if el := time.Since(start); el >= budget {
			return units, el, nil
		}
	}
}

func rate(units int, el time.Duration) float64 { return float64(units) / el.Seconds() }

// benchScenario runs seeds 1..n of a scenario one after another on this
// goroutine, checking included.
func benchScenario(s *scenarios.Scenario, n int) (scenarioBench, error) {
	sb := scenarioBench{Scenario: s.Name, Seeds: n}
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
	return sb, nil
}

// benchSimCore steps a world of no-op nodes: the event loop alone.
func benchSimCore(budget time.Duration, messages bool) (float64, error) {
	w := nopWorld(messages)
	n, el, err := timeLoop(budget, func() (int, error) {
		for i := 0; i < 4096; i++ {
			w.Step()
		}
		return 4096, nil
	})
	return rate(n, el), err
}

// benchTreeApply applies creates of nodes with 32 bytes of data under 8
// parents, on a fresh tree every 64k creates (untimed), as
// BenchmarkApplyCreate does.
func benchTreeApply(budget time.Duration) (float64, error) {
	const pool = 1 << 16
	data := make([]byte, 32)
	txns := make([]tree.CreateTxn, pool)
	for i := range txns {
		txns[i] = tree.CreateTxn{Path: "/p" + strconv.Itoa(i%8) + "/n" + strconv.Itoa(i), Data: data, ACL: tree.OpenACLUnsafe, ParentCVersion: -1}
	}
	applied, el := 0, time.Duration(0)
	for el < budget {
		tr, zxid := tree.New(), int64(0x100000000)
		for p := 0; p < 8; p++ {
			zxid++
			tr.Apply(tree.TxnHeader{Zxid: zxid, Time: zxid, Type: tree.OpCreate}, tree.CreateTxn{Path: "/p" + strconv.Itoa(p), ACL: tree.OpenACLUnsafe, ParentCVersion: -1})
		}
		t0 := time.Now()
		for i := 0; i < pool && (i%1024 != 0 || el+time.Since(t0) < budget); i++ {
			zxid++
			if res := tr.Apply(tree.TxnHeader{Zxid: zxid, Time: zxid, Type: tree.OpCreate}, txns[i]); res.Err != tree.OK {
				return 0, fmt.Errorf("tree apply: create %s: %v", txns[i].Path, res.Err)
			}
			applied++
		}
		el += time.Since(t0)
	}
	return rate(applied, el), nil
}

// benchWrites runs writesRun over seeds 1, 2, ... and counts committed
// writes per wall second, the ensemble's start and election included.
func benchWrites(l benchLimits, mixed bool) (float64, error) {
	seed := uint64(0)
	n, el, err := timeLoop(l.Budget, func() (int, error) {
		seed++
		return writesRun(seed, mixed, l.Writes)
	})
	return rate(n, el), err
}

// benchPorcupine is the time of one porcupine check of checker.BenchRun's
// history of n ops (the run itself untimed).
func benchPorcupine(budget time.Duration, n int) (time.Duration, error) {
	c, err := checker.BenchRun(n, false)
	if err != nil {
		return 0, err
	}
	h, recs := c.History(), c.Records()
	runtime.GC()
	checks, el, err := timeLoop(budget, func() (int, error) {
		if v := checker.LinearizableWrites(h, recs, time.Minute); !v.OK() {
			return 0, fmt.Errorf("porcupine check of %d ops: %s", n, v)
		}
		return 1, nil
	})
	if err != nil {
		return 0, err
	}
	return el / time.Duration(checks), nil
}

// benchReads is checker.Reads' rate over checker.BenchRun's history of n
// ops, nine in ten of them reads.
func benchReads(budget time.Duration, n int) (float64, error) {
	c, err := checker.BenchRun(n, true)
	if err != nil {
		return 0, err
	}
	h, recs := c.History(), c.Records()
	reads := 0
	for _, op := range h.Ops {
		if op.Type == tree.OpGetData {
			reads++
		}
	}
	runtime.GC()
	n, el, err := timeLoop(budget, func() (int, error) {
		if v := checker.Reads(h, recs, checker.ReadOptions{}); !v.OK() {
			return 0, fmt.Errorf("read checker: %s", v)
		}
		return reads, nil
	})
	return rate(n, el), err
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

// benchMemory is the live heap, MB, that memoryWorld holds at its end.
func benchMemory(d sim.Time) (float64, error) {
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	c, err := memoryWorld(1, d)
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
