package main

import (
	"fmt"
	"io"
	"os"
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
	if opts.NoSim {
		if !real.Verdict.OK() {
			return errFailed
		}
		return nil
	}
	// The simulated run is timed several times and the median reported:
	// the run is deterministic, so the spread is the machine's, and a
	// single first run would mostly time a cold heap.
	var simRes *scenarios.Result
	walls := make([]time.Duration, simTimings)
	for i := range walls {
		start := time.Now()
		res, err := scenarios.Run(s, opts.Seed, nil, scenarios.Options{})
		if err != nil {
			return err
		}
		walls[i] = time.Since(start)
		if simRes != nil && res.TraceHash != simRes.TraceHash {
			return fmt.Errorf("zabsim: seed %d ran twice with trace hashes %#x and %#x", opts.Seed, simRes.TraceHash, res.TraceHash)
		}
		simRes = res
	}
	first := walls[0]
	slices.Sort(walls)
	simWall := walls[len(walls)/2]
	traced, err := scenarios.Run(s, opts.Seed, nil, scenarios.Options{KeepTrace: true})
	if err != nil {
		return err
	}
	printSideBySide(w, real, simRes, simWall, conform.SimElections(traced))
	fmt.Fprintf(w, "  (zabsim's wall time is the median of %d identical runs, from %v to %v; the first took %v)\n",
		simTimings, walls[0].Round(time.Microsecond), walls[len(walls)-1].Round(time.Microsecond), first.Round(time.Microsecond))
	if !real.Verdict.OK() || simRes.Failed() {
		if simRes.Failed() {
			fmt.Fprintf(w, "zabsim: %s", simRes.Verdict)
		}
		return errFailed
	}
	return nil
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

// simTimings is how many times conform runs the simulated side to time it.
const simTimings = 5

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
