package scenarios

import (
	"fmt"
	"sync"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/faults"
)

// Sweeping the zoo: each bug's regression scenario runs with the bug on
// over seeds 1, 2, ... until a seed catches it (or over the whole band),
// then the correct server runs the same seeds and must pass every one,
// and the first failing plan is shrunk. Runs are independent worlds, so
// they go in parallel across bugs and seeds; each stays deterministic.

// ZooOptions tune SweepZoo.
type ZooOptions struct {
	Bugs  []*Bug // nil: the whole zoo
	Seeds uint64 // the band is seeds 1..Seeds
	Jobs  int    // runs in parallel (at least 1)
	// Full runs the whole band with the bug on, for the detection rate;
	// otherwise a bug's sweep stops at its first caught seed.
	Full bool
	// CorrectSeeds widens the correct server's band: it runs seeds
	// 1..max(the seeds the bug's sweep ran, CorrectSeeds), at most Seeds.
	CorrectSeeds uint64
	// ShrinkRuns bounds the runs spent shrinking each bug's first failing
	// plan; 0 does not shrink.
	ShrinkRuns int
}

// ZooResult is one bug's line of the zoo.
type ZooResult struct {
	Bug *Bug
	// FirstSeed is the first seed that caught the bug, 0 if none did.
	FirstSeed uint64
	// SeedsRun and CaughtSeeds count the seeds run with the bug on and
	// those that caught it (with Full, the detection rate over the band).
	SeedsRun, CaughtSeeds int
	// Detection is the run time of seeds 1..FirstSeed (the whole band if
	// none caught it), as one core spends it.
	Detection time.Duration
	// Guarantees are what caught the first failing seed (short names),
	// the bug's symptom first.
	Guarantees []string
	// Plan is the first failing seed's plan, Shrunk the smallest plan
	// that still fails that seed (after ShrinkRuns runs at most).
	Plan, Shrunk faults.Plan
	ShrinkRuns   int
	// Band is how many seeds the correct server ran (1..Band): those the
	// bug's sweep ran, or ZooOptions.CorrectSeeds if more. CorrectFailures
	// are the ones it failed.
	Band            uint64
	CorrectFailures []CorrectFailure
	CorrectTime     time.Duration
}

// CorrectFailure is a seed on which the correct server broke a guarantee.
type CorrectFailure struct {
	Seed    uint64
	Verdict string
	Replay  string
}

// Caught reports whether some seed caught the bug.
func (r *ZooResult) Caught() bool { return r.FirstSeed != 0 }

type zooRun struct {
	failed     bool
	guarantees []string
	plan       faults.Plan
	verdict    string
	replay     string
	took       time.Duration
}

// runZoo runs one seed. With a symptom (Bug.Symptom) the run counts as
// failed only when the symptom is among its findings, and the symptom
// leads its guarantees.
func runZoo(s *Scenario, seed uint64, plan *faults.Plan, symptom error) (zooRun, error) {
	t0 := time.Now()
	res, err := Run(s, seed, plan, Options{})
	if err != nil {
		return zooRun{}, fmt.Errorf("%s seed %d: %w", s.Name, seed, err)
	}
	failed, guarantees := res.Failed(), res.Verdict.Caught()
	if symptom != nil {
		failed = res.Verdict.Has(symptom)
		guarantees = symptomFirst(guarantees, checker.Short(symptom))
	}
	return zooRun{failed: failed, guarantees: guarantees, plan: res.Plan,
		verdict: res.Verdict.String(), replay: res.ReplayCommand(), took: time.Since(t0)}, nil
}

// symptomFirst moves name to the front of names, if it is there.
func symptomFirst(names []string, name string) []string {
	for i, n := range names {
		if n == name {
			out := append([]string{name}, names[:i]...)
			return append(out, names[i+1:]...)
		}
	}
	return names
}

// SweepZoo sweeps the bugs as opts say and returns a result per bug, in
// the order of opts.Bugs (or Zoo()).
func SweepZoo(opts ZooOptions) ([]*ZooResult, error) {
	bugs := opts.Bugs
	if bugs == nil {
		bugs = Zoo()
	}
	if opts.Seeds < 1 || opts.Jobs < 1 {
		return nil, fmt.Errorf("zoo: want at least one seed and one job, got %d and %d", opts.Seeds, opts.Jobs)
	}
	out := make([]*ZooResult, len(bugs))
	for i, b := range bugs {
		out[i] = &ZooResult{Bug: b}
	}
	if err := detect(bugs, out, opts); err != nil {
		return nil, err
	}
	if err := correctBand(bugs, out, opts); err != nil {
		return nil, err
	}
	if opts.ShrinkRuns > 0 {
		shrinkZoo(bugs, out, opts)
	}
	return out, nil
}

// detect runs each bug's scenario with the bug on, seeds in order, until
// the first caught seed is known (or over the whole band with Full).
func detect(bugs []*Bug, out []*ZooResult, opts ZooOptions) error {
	type bugSweep struct {
		s      *Scenario
		next   uint64
		caught uint64 // lowest caught seed so far, 0 if none
		runs   map[uint64]zooRun
	}
	sw := make([]*bugSweep, len(bugs))
	for i, b := range bugs {
		sw[i] = &bugSweep{s: b.Scenario(true), next: 1, runs: map[uint64]zooRun{}}
	}
	var mu sync.Mutex
	turn := 0
	// next hands out the next (bug, seed), round robin over the bugs
	// whose sweeps are not over.
	next := func() (int, uint64, bool) {
		for k := 0; k < len(sw); k++ {
			i := (turn + k) % len(sw)
			b := sw[i]
			if b.next > opts.Seeds || !opts.Full && b.caught != 0 && b.next >= b.caught {
				continue
			}
			turn = i + 1
			b.next++
			return i, b.next - 1, true
		}
		return 0, 0, false
	}
	err := pool(opts.Jobs, func() (func() error, bool) {
		mu.Lock()
		defer mu.Unlock()
		i, seed, ok := next()
		if !ok {
			return nil, false
		}
		return func() error {
			r, err := runZoo(sw[i].s, seed, nil, bugs[i].Symptom)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				return err
			}
			sw[i].runs[seed] = r
			if r.failed && (sw[i].caught == 0 || seed < sw[i].caught) {
				sw[i].caught = seed
			}
			return nil
		}, true
	})
	if err != nil {
		return err
	}
	for i, b := range sw {
		res := out[i]
		res.FirstSeed = b.caught
		last := opts.Seeds
		if b.caught != 0 && !opts.Full {
			last = b.caught
		}
		for seed := uint64(1); seed <= last; seed++ {
			r := b.runs[seed]
			res.SeedsRun++
			if r.failed {
				res.CaughtSeeds++
			}
			if b.caught == 0 || seed <= b.caught {
				res.Detection += r.took
			}
		}
		if b.caught != 0 {
			r := b.runs[b.caught]
			res.Guarantees, res.Plan = r.guarantees, r.plan
		}
		res.Band = min(max(last, opts.CorrectSeeds), opts.Seeds)
	}
	return nil
}

// correctBand runs the correct server over each bug's band.
func correctBand(bugs []*Bug, out []*ZooResult, opts ZooOptions) error {
	type task struct {
		i    int
		seed uint64
	}
	var tasks []task
	fixed := make([]*Scenario, len(bugs))
	for i, b := range bugs {
		fixed[i] = b.Scenario(false)
		for seed := uint64(1); seed <= out[i].Band; seed++ {
			tasks = append(tasks, task{i, seed})
		}
	}
	var mu sync.Mutex
	k := 0
	err := pool(opts.Jobs, func() (func() error, bool) {
		mu.Lock()
		defer mu.Unlock()
		if k == len(tasks) {
			return nil, false
		}
		t := tasks[k]
		k++
		return func() error {
			r, err := runZoo(fixed[t.i], t.seed, nil, nil)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				return err
			}
			res := out[t.i]
			res.CorrectTime += r.took
			if r.failed {
				res.CorrectFailures = append(res.CorrectFailures, CorrectFailure{Seed: t.seed, Verdict: r.verdict, Replay: r.replay})
			}
			return nil
		}, true
	})
	for _, res := range out {
		fs := res.CorrectFailures
		for a := 1; a < len(fs); a++ {
			for b := a; b > 0 && fs[b].Seed < fs[b-1].Seed; b-- {
				fs[b], fs[b-1] = fs[b-1], fs[b]
			}
		}
	}
	return err
}

// shrinkZoo shrinks each caught bug's first failing plan, a bug per job.
func shrinkZoo(bugs []*Bug, out []*ZooResult, opts ZooOptions) {
	var mu sync.Mutex
	k := 0
	_ = pool(opts.Jobs, func() (func() error, bool) {
		mu.Lock()
		defer mu.Unlock()
		for k < len(out) && !out[k].Caught() {
			k++
		}
		if k == len(out) {
			return nil, false
		}
		res, s, symptom := out[k], bugs[k].Scenario(true), bugs[k].Symptom
		k++
		return func() error {
			runs := 0
			small := faults.Shrink(res.Plan, func(p faults.Plan) bool {
				if runs >= opts.ShrinkRuns {
					return false // out of budget: keep what we have
				}
				runs++
				r, err := runZoo(s, res.FirstSeed, &p, symptom)
				return err == nil && r.failed
			})
			res.Shrunk, res.ShrinkRuns = small, runs
			return nil
		}, true
	})
}

// pool runs the tasks take hands out on jobs goroutines until take says
// there are no more, and returns the first error.
func pool(jobs int, take func() (func() error, bool)) error {
	var wg sync.WaitGroup
	var mu sync.Mutex
	var first error
	for j := 0; j < jobs; j++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				run, ok := take()
				if !ok {
					return
				}
				if err := run(); err != nil {
					mu.Lock()
					if first == nil {
						first = err
					}
					mu.Unlock()
					return
				}
			}
		}()
	}
	wg.Wait()
	return first
}
