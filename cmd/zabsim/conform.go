package main

import (
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zabsim/zabsim/conform"
	"github.com/zabsim/zabsim/scenarios"
)

// conformOptions are the flags of zabsim conform.
type conformOptions struct {
	Scenario string
	Seed     uint64
	Ensemble string // the directory of an ensemble start.sh started; "" starts one
	NoSim    bool
	Out      io.Writer
}

func conformCmd() *cobra.Command {
	opts := &conformOptions{}
	cmd := &cobra.Command{
		Use:   "conform <scenario>",
		Short: "Run a scenario on a real ZooKeeper ensemble, check it, and set it beside zabsim's run",
		Long: `Run a scenario's workload on a real Apache ZooKeeper ensemble (3 voters
and an observer on loopback, Debian's zookeeper package) through
go-zookeeper, with the seed's fault plan staged for real: SIGKILL and
restart, SIGSTOP and SIGCONT, a client's process dying. The History is
checked with the checkers that need no server records (linearizable
writes, session order, reads after sync, liveness) and a leader must
answer after the heal. Then the same scenario and seed run in zabsim, and
the two are printed side by side: wall time, ops answered, elections.

Without --ensemble a fresh ensemble is started in a temporary directory
(conform/ensemble/start.sh) and stopped after; with it, the ensemble that
start.sh runs in that directory is used (its servers are killed and
restarted by the plan).`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Scenario = args[0]
			opts.Out = cmd.OutOrStdout()
			return runConform(opts)
		},
	}
	cmd.Flags().Uint64Var(&opts.Seed, "seed", 1, "the seed: the fault plan is the simulated run's")
	cmd.Flags().StringVar(&opts.Ensemble, "ensemble", "", "use the ensemble start.sh runs in this directory")
	cmd.Flags().BoolVar(&opts.NoSim, "no-sim", false, "run the real ensemble only")
	return cmd
}

func runConform(opts *conformOptions) error {
	s, err := lookup(opts.Scenario)
	if err != nil {
		return err
	}
	if err := conform.CheckRunnable(s); err != nil {
		return usageError{err}
	}
	if err := conform.Available(); err != nil {
		return usageError{err}
	}
	// zabsim's side runs first, while no JVM runs: after the real
	// workload, four JVMs compiling, collecting and then dying keep the
	// machine busy for seconds, and zabsim would time that instead.
	var sim *simTiming
	if !opts.NoSim {
		if sim, err = timeSim(s, opts.Seed); err != nil {
			return err
		}
	}
	e, stop, err := conformEnsemble(opts, s)
	if err != nil {
		return err
	}
	defer stop()
	w := opts.Out
	fmt.Fprintf(w, "real ensemble in %s (clients on %s), tickTime %d ms\n", e.Dir, strings.Join(e.Addrs(), ","), conform.TickTime(s))
	fmt.Fprintf(w, "plan:\n%s", indent(conform.PlanFor(s, opts.Seed).String()))
	real, err := conform.RunReal(conform.RealRunConfig{Scenario: s, Seed: opts.Seed, Ensemble: e, Log: w})
	if err != nil {
		return err
	}
	fmt.Fprint(w, real.Summary())
	if sim == nil {
		if !real.Verdict.OK() {
			return errFailed
		}
		return nil
	}
	printSideBySide(w, real, sim.res, sim.median, conform.SimElections(sim.traced))
	fmt.Fprintf(w, "  (zabsim's wall time is the median of %d identical runs on one core after %d warm-up runs, from %v to %v; the cold first run took %v)\n",
		simTimings, simWarmups, sim.min.Round(time.Microsecond), sim.max.Round(time.Microsecond), sim.first.Round(time.Microsecond))
	if !real.Verdict.OK() || sim.res.Failed() {
		if sim.res.Failed() {
			fmt.Fprintf(w, "zabsim: %s", sim.res.Verdict)
		}
		return errFailed
	}
	return nil
}

// simTiming is zabsim's side of a conform run: its result, a traced
// rerun for the elections, and its wall times.
type simTiming struct {
	res, traced             *scenarios.Result
	median, min, max, first time.Duration
}

// timeSim runs the scenario several times and takes the median: the run
// is deterministic, so the spread is the machine's. The first runs grow
// the heap from nothing (two or three times slower), so simWarmups runs go
// before the timed ones; the cold first run is reported too. A run is one
// goroutine (parallelism lives above runs, in sweeps), so it is timed on
// one core as zabsim bench times a seed: with more, the collector competes
// with it for the caches and the run is slower, not faster.
func timeSim(s *scenarios.Scenario, seed uint64) (*simTiming, error) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	t := &simTiming{}
	walls := make([]time.Duration, simWarmups+simTimings)
	for i := range walls {
		start := time.Now()
		res, err := scenarios.Run(s, seed, nil, scenarios.Options{})
		if err != nil {
			return nil, err
		}
		walls[i] = time.Since(start)
		if t.res != nil && res.TraceHash != t.res.TraceHash {
			return nil, fmt.Errorf("zabsim: seed %d ran twice with trace hashes %#x and %#x", seed, t.res.TraceHash, res.TraceHash)
		}
		t.res = res
	}
	t.first = walls[0]
	walls = walls[simWarmups:]
	slices.Sort(walls)
	t.median, t.min, t.max = walls[len(walls)/2], walls[0], walls[len(walls)-1]
	traced, err := scenarios.Run(s, seed, nil, scenarios.Options{KeepTrace: true})
	if err != nil {
		return nil, err
	}
	t.traced = traced
	return t, nil
}

// conformEnsemble is the ensemble to run on and how to let it go.
func conformEnsemble(opts *conformOptions, s *scenarios.Scenario) (*conform.Ensemble, func(), error) {
	if opts.Ensemble != "" {
		e, err := conform.Attach(opts.Ensemble)
		if err != nil {
			return nil, nil, usageError{err}
		}
		return e, func() {}, nil
	}
	dir, err := os.MkdirTemp("", "zabsim-conform-")
	if err != nil {
		return nil, nil, err
	}
	e, err := conform.Start(conform.Options{Dir: dir, TickTime: conform.TickTime(s)})
	if err != nil {
		os.RemoveAll(dir)
		return nil, nil, err
	}
	return e, func() {
		if err := e.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, "zabsim:", err)
			return // keep the directory: its logs say why
		}
		os.RemoveAll(dir)
	}, nil
}

// simWarmups and simTimings are how many times conform runs the simulated
// side before timing it, and timed.
const simWarmups, simTimings = 2, 9

func printSideBySide(w io.Writer, real *conform.RealResult, simRes *scenarios.Result, simWall time.Duration, simEl []conform.Election) {
	verdict := func(ok bool) string {
		if ok {
			return "PASS"
		}
		return "FAIL"
	}
	elections := func(els []conform.Election) string {
		var parts []string
		for _, el := range els {
			if el.NewLeader == 0 {
				parts = append(parts, fmt.Sprintf("zk%d killed: none", el.Killed))
				continue
			}
			parts = append(parts, fmt.Sprintf("%v", el.Took.Round(time.Millisecond)))
		}
		if len(parts) == 0 {
			return "-"
		}
		return strings.Join(parts, ", ")
	}
	row := func(name, a, b string) { fmt.Fprintf(w, "  %-22s %-28s %s\n", name, a, b) }
	fmt.Fprintf(w, "side by side, scenario %s seed %d:\n", real.Scenario, real.Seed)
	row("", "real ensemble", "zabsim")
	row("wall time", real.Wall.Round(time.Millisecond).String(), simWall.Round(time.Microsecond).String())
	row("ops (answered)", fmt.Sprintf("%d (%d)", real.History.Len(), real.Answered()),
		fmt.Sprintf("%d (%d)", simRes.Cluster.History().Len(), conform.Answered(simRes.Cluster.History())))
	row("elections after kills", elections(real.Elections), elections(simEl))
	row("verdict", verdict(real.Verdict.OK()), verdict(!simRes.Failed()))
	if simWall > 0 {
		fmt.Fprintf(w, "  wall-time ratio: zabsim is %.0fx faster\n", float64(real.Wall)/float64(simWall))
	}
}
