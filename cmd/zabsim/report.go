package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/zabsim/zabsim/reports"
)

// reportOptions are the flags of report.
type reportOptions struct {
	Inputs []string
	Merge  bool
	Out    string
}

func reportCmd() *cobra.Command {
	opts := &reportOptions{}
	cmd := &cobra.Command{
		Use:   "report <sweep.json|run.json|DIR> | --merge <a.json> <b.json>...",
		Short: "Build a report from saved results: a sweep's JSON, shards merged by seed, or a run's run.json",
		Long: `Build a report from results saved earlier, without running anything:
a sweep's --json file (or a sweep report's directory, from its sweep.json),
or a run report's run.json (or its directory). With --merge, the JSON files
of sweep shards (sweep --shard i/n --json shard-i.json) are merged by seed
into one sweep report; a seed that two shards ran differently is an error.

The report goes to --out (default: the directory given, or ./report).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Inputs = args
			return reportRun(opts, cmd.OutOrStdout())
		},
	}
	cmd.Flags().BoolVar(&opts.Merge, "merge", false, "merge the sweep shards given, by seed")
	cmd.Flags().StringVar(&opts.Out, "out", "", "the report directory (default: the directory given, or ./report)")
	return cmd
}

func reportRun(opts *reportOptions, w io.Writer) error {
	if len(opts.Inputs) > 1 && !opts.Merge {
		return usage("%d inputs: give one, or --merge the shards of a sweep", len(opts.Inputs))
	}
	for _, in := range opts.Inputs {
		if _, err := os.Stat(in); err != nil {
			return usage("%s: %v", in, errors.Unwrap(err))
		}
	}
	out := opts.Out
	if out == "" {
		out = "report"
		if fi, err := os.Stat(opts.Inputs[0]); err == nil && fi.IsDir() && !opts.Merge {
			out = opts.Inputs[0]
		}
	}
	if err := prepareOut(out); err != nil {
		return err
	}
	if !opts.Merge {
		if run, ok, err := loadRunInput(opts.Inputs[0]); err != nil {
			return err
		} else if ok {
			if err := reports.WriteRun(out, run); err != nil {
				return err
			}
			fmt.Fprintf(w, "%s seed %d: %s\nreport: %s\n", run.Scenario, run.Seed, run.Status(), filepath.Join(out, reports.RunIndex))
			if run.Failed() {
				return errFailed
			}
			return nil
		}
	}
	var shards [][]reports.SeedResult
	for _, in := range opts.Inputs {
		rs, err := reports.LoadSweep(in)
		if err != nil {
			return usageError{err}
		}
		shards = append(shards, rs)
	}
	merged, err := reports.MergeSweeps(shards, opts.Inputs)
	if err != nil {
		return usageError{err}
	}
	if err := reports.WriteSweep(out, merged); err != nil {
		return err
	}
	failing := 0
	for _, r := range merged {
		if r.Failed {
			failing++
		}
	}
	fmt.Fprintf(w, "%d seeds from %d file(s), %d failing\nreport: %s\n", len(merged), len(opts.Inputs), failing, filepath.Join(out, reports.RunIndex))
	if failing > 0 {
		return errFailed
	}
	return nil
}

// loadRunInput reads path as a run report's run.json (or its directory);
// ok is false when path holds a sweep's results instead.
func loadRunInput(path string) (*reports.Run, bool, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, false, usageError{err}
	}
	if fi.IsDir() {
		if _, err := os.Stat(filepath.Join(path, reports.SweepJSON)); err == nil {
			return nil, false, nil
		}
		run := filepath.Join(path, reports.RunJSON)
		if _, err := os.Stat(run); err != nil {
			return nil, false, usage("%s: neither %s nor %s is there", path, reports.SweepJSON, reports.RunJSON)
		}
		path = run
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, false, usageError{err}
	}
	b = bytes.TrimSpace(b)
	switch {
	case len(b) > 0 && b[0] == '[':
		return nil, false, nil
	case len(b) > 0 && b[0] == '{':
		r, err := reports.LoadRun(path)
		if err != nil {
			return nil, false, usageError{err}
		}
		return r, true, nil
	}
	return nil, false, usageError{errors.New(path + ": neither a sweep's results (a JSON array) nor a run's run.json (a JSON object)")}
}
