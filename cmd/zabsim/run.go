package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/zabsim/zabsim/reports"
	"github.com/zabsim/zabsim/scenarios"
)

// runOptions are the flags of run and replay.
type runOptions struct {
	Scenario string
	Seed     uint64
	PlanFile string
	Trace    bool
	Server   string
	Kind     string
	Out      string
	// ExpectHash, if set, is the trace hash the run must have (replay).
	ExpectHash string
}

func runCmd() *cobra.Command {
	opts := &runOptions{}
	cmd := &cobra.Command{
		Use:   "run <scenario>",
		Short: "Run a scenario for one seed: verdict, plan, trace hash, replay command, report",
		Long: `Run a scenario for one seed and print the verdict, the fault plan, the
trace hash and the command that replays the run. With --out DIR the run's
report (election timeline, latency CDFs, throughput, index.html) is
written to DIR. With --trace the whole event trace is printed (filter it
with --server and --kind); the same seed (and plan file) gives the same
trace bit for bit.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Scenario = args[0]
			return runRun(opts, cmd.OutOrStdout())
		},
	}
	bindRunFlags(cmd, opts)
	cmd.Flags().StringVar(&opts.Out, "out", "", "write the run's report (plots and index.html) to this directory")
	return cmd
}

func replayCmd() *cobra.Command {
	opts := &runOptions{}
	cmd := &cobra.Command{
		Use:   "replay <scenario>",
		Short: "Rerun a run bit for bit from its seed (and plan file), printing its trace",
		Long: `Rerun a run from its seed (and plan file, if it had one) and print the
same trace hash, verdict and plan as the first time. With --trace, or a
filter (--server zk1, --kind PROPOSAL), the run's event trace is printed,
filtered. --expect-hash checks that the run is the one you had: a
different hash exits with status 1.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Scenario = args[0]
			opts.Trace = opts.Trace || opts.Server != "" || opts.Kind != ""
			return runRun(opts, cmd.OutOrStdout())
		},
	}
	bindRunFlags(cmd, opts)
	cmd.Flags().StringVar(&opts.Out, "out", "", "write the run's report to this directory too")
	cmd.Flags().StringVar(&opts.ExpectHash, "expect-hash", "", "the trace hash the run must have (0x...)")
	return cmd
}

func bindRunFlags(cmd *cobra.Command, opts *runOptions) {
	cmd.Flags().Uint64Var(&opts.Seed, "seed", 1, "the seed")
	cmd.Flags().StringVar(&opts.PlanFile, "plan", "", "run this fault plan (JSON) instead of the seed's")
	cmd.Flags().BoolVar(&opts.Trace, "trace", false, "print every event of the run")
	cmd.Flags().StringVar(&opts.Server, "server", "", "only trace events of this node (zk1, client2, world)")
	cmd.Flags().StringVar(&opts.Kind, "kind", "", "only trace lines containing this text (PROPOSAL, timer, state ...)")
}

// errHashMismatch: a replay did not reproduce the expected run.
var errHashMismatch = fmt.Errorf("%w: the trace hash differs from the expected one", errFailed)

func runRun(opts *runOptions, w io.Writer) error {
	s, err := lookup(opts.Scenario)
	if err != nil {
		return err
	}
	plan, err := loadPlan(opts.PlanFile, s)
	if err != nil {
		return err
	}
	if err := prepareOut(opts.Out); err != nil {
		return err
	}
	res, err := scenarios.Run(s, opts.Seed, plan, scenarios.Options{KeepTrace: opts.Trace})
	if err != nil {
		return usageError{err}
	}
	res.PlanFile = opts.PlanFile
	if opts.Trace {
		printTrace(w, res, opts.Server, opts.Kind)
	}
	printResult(w, s, res)
	if opts.Out != "" {
		if err := writeRunReport(opts.Out, s, res); err != nil {
			return err
		}
		fmt.Fprintf(w, "report: %s\n", filepath.Join(opts.Out, reports.RunIndex))
	}
	if opts.ExpectHash != "" && opts.ExpectHash != fmt.Sprintf("%#016x", res.TraceHash) {
		fmt.Fprintf(w, "the trace hash is %#016x, not the expected %s: this is not the same run\n", res.TraceHash, opts.ExpectHash)
		return errHashMismatch
	}
	if failed(s, res) {
		return errFailed
	}
	return nil
}

func writeRunReport(dir string, s *scenarios.Scenario, res *scenarios.Result) error {
	r, err := reports.FromResult(s, res)
	if err != nil {
		return err
	}
	return reports.WriteRun(dir, r)
}

// prepareOut makes sure a report can be written to dir before any work is
// done: it is created if need be, and must take a file.
func prepareOut(dir string) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return usage("--out %s: cannot create the report directory: %v", dir, err)
	}
	f, err := os.CreateTemp(dir, ".zabsim-write-check-*")
	if err != nil {
		return usage("--out %s: cannot write in the report directory: %v", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}
