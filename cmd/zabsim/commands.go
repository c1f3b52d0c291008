package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/zabsim/zabsim/faults"
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

func runCmd() *cobra.Command {
	var (
		seed     uint64
		planFile string
		trace    bool
		server   string
		kind     string
	)
	cmd := &cobra.Command{
		Use:   "run <scenario>",
		Short: "Run a scenario for one seed: verdict, plan, trace hash, replay command",
		Long: `Run a scenario for one seed and print the verdict, the fault plan, the
trace hash and the command that replays the run. With --trace the whole
event trace is printed (filter it with --server and --kind); the same seed
(and plan file) gives the same trace bit for bit.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := lookup(args[0])
			if err != nil {
				return err
			}
			plan, err := loadPlan(planFile, s)
			if err != nil {
				return err
			}
			res, err := scenarios.Run(s, seed, plan, scenarios.Options{KeepTrace: trace})
			if err != nil {
				return usageError{err}
			}
			res.PlanFile = planFile
			w := cmd.OutOrStdout()
			if trace {
				printTrace(w, res, server, kind)
			}
			printResult(w, s, res)
			if failed(s, res) {
				return errFailed
			}
			return nil
		},
	}
	cmd.Flags().Uint64Var(&seed, "seed", 1, "the seed")
	cmd.Flags().StringVar(&planFile, "plan", "", "run this fault plan (JSON) instead of the seed's")
	cmd.Flags().BoolVar(&trace, "trace", false, "print every event of the run")
	cmd.Flags().StringVar(&server, "server", "", "with --trace: only events of this node (zk1, client2, world)")
	cmd.Flags().StringVar(&kind, "kind", "", "with --trace: only lines containing this text (PROPOSAL, timer, state ...)")
	return cmd
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

// sweepResult is one seed's outcome, as sweep --json writes it.
type sweepResult struct {
	Scenario   string   `json:"scenario"`
	Seed       uint64   `json:"seed"`
	Failed     bool     `json:"failed"`
	Violations []string `json:"violations,omitempty"`
	TraceHash  string   `json:"trace_hash"`
	Ops        int      `json:"ops"`
	WallMillis float64  `json:"wall_ms"`
	Replay     string   `json:"replay"`
}

func sweepCmd() *cobra.Command {
	var (
		seeds    string
		jobs     int
		shard    string
		jsonFile string
		quiet    bool
	)
	cmd := &cobra.Command{
		Use:   "sweep <scenario|all>",
		Short: "Run many seeds on every core; print failing seeds with their replay commands",
		Long: `Run a scenario (or all of them) over a band of seeds, in parallel across
runs (each run is single-threaded and deterministic). --shard i/n runs the
seeds whose index modulo n is i, so shards can be the tasks of any batch
engine; their --json files merge by seed.`,
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
			var out *os.File
			if jsonFile != "" {
				if out, err = os.Create(jsonFile); err != nil {
					return usage("--json: %v", err)
				}
				defer out.Close()
			}
			var bar *progressbar.ProgressBar
			if !quiet && isTerminal(cmd.ErrOrStderr()) {
				bar = progressbar.NewOptions(len(tasks), progressbar.OptionSetWriter(cmd.ErrOrStderr()),
					progressbar.OptionSetDescription("seeds"), progressbar.OptionShowCount(), progressbar.OptionShowIts(),
					progressbar.OptionSetItsString("seeds"), progressbar.OptionThrottle(100*time.Millisecond))
			}
			results := make([]sweepResult, len(tasks))
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
						r := sweepResult{Scenario: t.s.Name, Seed: t.seed, Failed: failed(t.s, res),
							TraceHash: fmt.Sprintf("%#016x", res.TraceHash), Ops: res.Ops,
							WallMillis: float64(time.Since(t0).Microseconds()) / 1000, Replay: res.ReplayCommand()}
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
			sort.Slice(results, func(i, j int) bool {
				a, b := results[i], results[j]
				return a.Scenario < b.Scenario || a.Scenario == b.Scenario && a.Seed < b.Seed
			})
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
			if out != nil {
				enc := json.NewEncoder(out)
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
	return cmd
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
