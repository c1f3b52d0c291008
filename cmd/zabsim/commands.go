package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/reports"
	"github.com/zabsim/zabsim/scenarios"
	"github.com/zabsim/zabsim/sim"
)

func scenariosCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "scenarios",
		Short: "List the scenarios, one per line, name first",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			w := cmd.OutOrStdout()
			width := 0
			for _, s := range scenarios.All() {
				width = max(width, len(s.Name))
			}
			for _, s := range scenarios.All() {
				fmt.Fprintf(w, "%-*s  %s\n", width, s.Name, s.Description)
			}
			return nil
		},
	}
}

// loadPlan reads a plan file for a scenario, naming the bad field.
func loadPlan(path string, s *scenarios.Scenario) (*faults.Plan, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, usage("plan file: %v", err)
	}
	p, err := faults.ParsePlan(b, s.Voters+s.Observers, s.Clients)
	if err != nil {
		return nil, usage("%s: %v", path, err)
	}
	return &p, nil
}

func lookup(name string) (*scenarios.Scenario, error) {
	s, err := scenarios.Lookup(name)
	if err != nil {
		return nil, usageError{err}
	}
	return s, nil
}

// failed reports whether a run is a failure: a broken guarantee, or, for a
// scenario that must fail, none.
func failed(s *scenarios.Scenario, r *scenarios.Result) bool {
	if s.MustFail {
		return !r.Failed()
	}
	return r.Failed()
}

func printTrace(w io.Writer, res *scenarios.Result, server, kind string) {
	for _, e := range res.Cluster.World.TraceEntries() {
		if server != "" && e.Name != server {
			continue
		}
		if kind != "" && !strings.Contains(e.Kind+" "+e.Text, kind) {
			continue
		}
		fmt.Fprintln(w, e)
	}
}

func printResult(w io.Writer, s *scenarios.Scenario, res *scenarios.Result) {
	status := "PASS"
	switch {
	case s.Bug != "" && res.Failed():
		status = fmt.Sprintf("PASS (bug %s caught, as it must be)", s.Bug)
	case s.Bug != "":
		status = fmt.Sprintf("FAIL (bug %s went unnoticed on this seed)", s.Bug)
	case s.MustFail && res.Failed():
		status = "PASS (the violation was caught, as it must be)"
	case s.MustFail:
		status = "FAIL (a fault-model violation went unnoticed)"
	case res.Failed():
		status = "FAIL"
	}
	fmt.Fprintf(w, "scenario %s seed %d: %s\n", res.Scenario, res.Seed, status)
	fmt.Fprintf(w, "trace hash %#016x over %d events, %d client ops\n", res.TraceHash, res.Events, res.Ops)
	fmt.Fprintf(w, "plan:\n%s", indent(res.Plan.String()))
	for _, sk := range res.Skipped {
		fmt.Fprintf(w, "  (skipped: %s)\n", sk)
	}
	if res.Failed() {
		fmt.Fprintf(w, "%s\n", res.Verdict)
	}
	fmt.Fprintf(w, "replay: %s\n", res.ReplayCommand())
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "  " + l
	}
	return strings.Join(lines, "\n") + "\n"
}

// parseSeeds reads "A-B" or "N" (meaning 1-N).
func parseSeeds(s string) (uint64, uint64, error) {
	a, b, ranged := strings.Cut(s, "-")
	lo, err := strconv.ParseUint(a, 10, 64)
	if err != nil {
		return 0, 0, usage("--seeds %q: want A-B or a count N", s)
	}
	if !ranged {
		if lo == 0 {
			return 0, 0, usage("--seeds %q: the count must be positive", s)
		}
		return 1, lo, nil
	}
	hi, err := strconv.ParseUint(b, 10, 64)
	if err != nil || hi < lo {
		return 0, 0, usage("--seeds %q: want A-B with A <= B", s)
	}
	return lo, hi, nil
}

// parseShard reads "i/n" (i counted from 0).
func parseShard(s string) (int, int, error) {
	if s == "" {
		return 0, 1, nil
	}
	a, b, ok := strings.Cut(s, "/")
	i, err1 := strconv.Atoi(a)
	n, err2 := strconv.Atoi(b)
	if !ok || err1 != nil || err2 != nil || n < 1 || i < 0 || i >= n {
		return 0, 0, usage("--shard %q: want i/n with 0 <= i < n", s)
	}
	return i, n, nil
}

func sweepCmd() *cobra.Command {
	var (
		seeds    string
		jobs     int
		shard    string
		jsonFile string
		quiet    bool
		out      string
		runMax   int
	)
	cmd := &cobra.Command{
		Use:   "sweep <scenario|all>",
		Short: "Run many seeds on every core; print failing seeds with their replay commands",
		Long: `Run a scenario (or all of them) over a band of seeds, in parallel across
runs (each run is single-threaded and deterministic). --shard i/n runs the
seeds whose index modulo n is i, so shards can be the tasks of any batch
engine; their --json files merge by seed (zabsim report --merge).

With --out DIR the sweep's report is written to DIR: election-duration
and recovery-time distributions, violations per guarantee, the failing
seeds with their replay commands, and (--run-reports) the run report of
each of the first failing seeds under DIR/runs/.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var list []*scenarios.Scenario
			if args[0] == "all" {
				list = scenarios.All()
			} else {
				s, err := lookup(args[0])
				if err != nil {
					return err
				}
				list = []*scenarios.Scenario{s}
			}
			lo, hi, err := parseSeeds(seeds)
			if err != nil {
				return err
			}
			si, sn, err := parseShard(shard)
			if err != nil {
				return err
			}
			if jobs < 1 {
				return usage("--jobs %d: want at least 1", jobs)
			}
			if runMax < 0 {
				return usage("--run-reports %d: want 0 or more", runMax)
			}
			if err := prepareOut(out); err != nil {
				return err
			}
			type task struct {
				s    *scenarios.Scenario
				seed uint64
			}
			var tasks []task
			idx := 0
			for _, s := range list {
				for seed := lo; seed <= hi; seed++ {
					if idx%sn == si {
						tasks = append(tasks, task{s, seed})
					}
					idx++
				}
			}
			var jsonOut *os.File
			if jsonFile != "" {
				if jsonOut, err = os.Create(jsonFile); err != nil {
					return usage("--json: %v", err)
				}
				defer jsonOut.Close()
			}
			var bar *progressbar.ProgressBar
			if !quiet && isTerminal(cmd.ErrOrStderr()) {
				bar = progressbar.NewOptions(len(tasks), progressbar.OptionSetWriter(cmd.ErrOrStderr()),
					progressbar.OptionSetDescription("seeds"), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
					progressbar.OptionSetItsString("seeds"), progressbar.OptionThrottle(100*time.Millisecond))
			}
			results := make([]reports.SeedResult, len(tasks))
			var mu sync.Mutex
			failures := 0
			work := make(chan int)
			var wg sync.WaitGroup
			start := time.Now()
			var runErr error
			for j := 0; j < jobs; j++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for i := range work {
						t := tasks[i]
						t0 := time.Now()
						res, err := scenarios.Run(t.s, t.seed, nil, scenarios.Options{})
						mu.Lock()
						if err != nil {
							runErr = err
							mu.Unlock()
							continue
						}
						stats := res.Stats
						r := reports.SeedResult{Scenario: t.s.Name, Seed: t.seed, Failed: failed(t.s, res),
							TraceHash: fmt.Sprintf("%#016x", res.TraceHash), Ops: res.Ops,
							WallMillis: float64(time.Since(t0).Microseconds()) / 1000, Replay: res.ReplayCommand(), Stats: &stats}
						for _, v := range res.Verdict.Violations {
							r.Violations = append(r.Violations, v.String())
						}
						results[i] = r
						if r.Failed {
							failures++
						}
						if bar != nil {
							bar.Describe(fmt.Sprintf("seeds (%d failing)", failures))
							_ = bar.Add(1)
						}
						mu.Unlock()
					}
				}()
			}
			for i := range tasks {
				work <- i
			}
			close(work)
			wg.Wait()
			if bar != nil {
				_ = bar.Finish()
				fmt.Fprintln(cmd.ErrOrStderr())
			}
			if runErr != nil {
				return usageError{runErr}
			}
			reports.SortSeeds(results)
			w := cmd.OutOrStdout()
			elapsed := time.Since(start)
			fmt.Fprintf(w, "%d seeds in %.1fs (%.0f seeds/s on %d jobs, GOMAXPROCS %d), %d failing\n",
				len(results), elapsed.Seconds(), float64(len(results))/elapsed.Seconds(), jobs, runtime.GOMAXPROCS(0), failures)
			for _, r := range results {
				if r.Failed {
					fmt.Fprintf(w, "FAIL %s seed %d\n", r.Scenario, r.Seed)
					for _, v := range r.Violations {
						fmt.Fprintf(w, "  %s\n", v)
					}
					if len(r.Violations) == 0 {
						fmt.Fprintln(w, "  no checker caught this run of a scenario that must fail")
					}
					fmt.Fprintf(w, "  replay: %s\n", r.Replay)
				}
			}
			if out != "" {
				if err := writeSweepReport(w, out, results, runMax); err != nil {
					return err
				}
			}
			if jsonOut != nil {
				enc := json.NewEncoder(jsonOut)
				enc.SetIndent("", "  ")
				if err := enc.Encode(results); err != nil {
					return err
				}
			}
			if failures > 0 {
				return errFailed
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&seeds, "seeds", "1-100", "seeds to run: A-B, or a count N for 1-N")
	cmd.Flags().IntVar(&jobs, "jobs", runtime.GOMAXPROCS(0), "runs in parallel")
	cmd.Flags().StringVar(&shard, "shard", "", "run only shard i/n of the seeds")
	cmd.Flags().StringVar(&jsonFile, "json", "", "write every seed's result to this file")
	cmd.Flags().BoolVar(&quiet, "quiet", false, "no progress bar")
	cmd.Flags().StringVar(&out, "out", "", "write the sweep's report (plots and index.html) to this directory")
	cmd.Flags().IntVar(&runMax, "run-reports", 10, "with --out: also write the run reports of up to this many failing seeds")
	return cmd
}

// writeSweepReport reruns the first failing seeds for their run reports
// (a run is deterministic: the rerun is the run) and writes the sweep's
// report.
func writeSweepReport(w io.Writer, dir string, results []reports.SeedResult, runMax int) error {
	written := 0
	for i := range results {
		r := &results[i]
		if !r.Failed || written == runMax {
			continue
		}
		s, err := lookup(r.Scenario)
		if err != nil {
			return err
		}
		res, err := scenarios.Run(s, r.Seed, nil, scenarios.Options{})
		if err != nil {
			return usageError{err}
		}
		rel := filepath.Join("runs", fmt.Sprintf("%s-%d", r.Scenario, r.Seed))
		if err := writeRunReport(filepath.Join(dir, rel), s, res); err != nil {
			return err
		}
		r.Report = filepath.ToSlash(filepath.Join(rel, reports.RunIndex))
		written++
	}
	if err := reports.WriteSweep(dir, results); err != nil {
		return err
	}
	fmt.Fprintf(w, "report: %s\n", filepath.Join(dir, reports.RunIndex))
	return nil
}

func planCmd() *cobra.Command {
	var seed uint64
	cmd := &cobra.Command{
		Use:   "plan <scenario>",
		Short: "Print the fault plan a seed draws, as JSON to edit and run with --plan",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := lookup(args[0])
			if err != nil {
				return err
			}
			p := faults.Plan{HealAt: faults.Duration(s.Duration - s.Heal), End: faults.Duration(s.Duration)}
			if s.Plan != nil {
				p = s.Plan(sim.Stream(seed, "faults"), s.Shape())
			}
			_, err = cmd.OutOrStdout().Write(append(p.MarshalIndent(), '\n'))
			return err
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", 1, "the seed")
	return cmd
}

func shrinkCmd() *cobra.Command {
	var (
		seed     uint64
		planFile string
		outFile  string
	)
	cmd := &cobra.Command{
		Use:   "shrink <scenario>",
		Short: "Shrink a failing run's plan to the smallest that still fails",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := lookup(args[0])
			if err != nil {
				return err
			}
			plan, err := loadPlan(planFile, s)
			if err != nil {
				return err
			}
			res, err := scenarios.Run(s, seed, plan, scenarios.Options{})
			if err != nil {
				return usageError{err}
			}
			if !failed(s, res) {
				return usage("%s seed %d passes: nothing to shrink", s.Name, seed)
			}
			w := cmd.OutOrStdout()
			runs := 0
			small := faults.Shrink(res.Plan, func(p faults.Plan) bool {
				runs++
				r, err := scenarios.Run(s, seed, &p, scenarios.Options{})
				return err == nil && failed(s, r)
			})
			fmt.Fprintf(w, "shrunk %d actions to %d in %d runs:\n%s", len(res.Plan.Actions), len(small.Actions), runs, indent(small.String()))
			if outFile != "" {
				if err := os.WriteFile(outFile, append(small.MarshalIndent(), '\n'), 0o644); err != nil {
					return usage("--out: %v", err)
				}
				fmt.Fprintf(w, "saved; replay: go run ./cmd/zabsim run %s --seed %d --plan %s\n", s.Name, seed, outFile)
			}
			return nil
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", 1, "the failing seed")
	cmd.Flags().StringVar(&planFile, "plan", "", "start from this plan (JSON) instead of the seed's")
	cmd.Flags().StringVar(&outFile, "out", "", "save the smallest plan here")
	return cmd
}

// isTerminal reports whether w is a terminal: a progress bar redrawn into
// a CI log or a pipe is noise.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
