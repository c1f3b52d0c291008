package main

import (
	"fmt"
	"io"
	"runtime"
	"sort"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zabsim/zabsim/scenarios"
)

// zooOptions are the flags of zabsim zoo.
type zooOptions struct {
	Out          io.Writer
	Seeds        uint64
	Jobs         int
	Bugs         string // comma-separated ids; empty: all
	Full         bool
	CorrectSeeds uint64
	ShrinkRuns   int
	Plans        bool
}

func zooCmd(runF func(*zooOptions) error) *cobra.Command {
	opts := &zooOptions{}
	cmd := &cobra.Command{
		Use:   "zoo",
		Short: "Sweep every re-created ZooKeeper bug: seeds and time to detection, the checker that caught it, the shrunk plan",
		Long: `Run each bug of the zoo (zab.Bugs, and Config.QuorumSync for
ZOOKEEPER-1675) with its regression scenario over seeds 1..N with the bug
on, stopping at the first seed that catches it (--full runs them all), then
run the correct server over the same seeds, which must pass every one, and
shrink the first failing plan. Exit status 1 if a bug goes uncaught or the
correct server fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out = cmd.OutOrStdout()
			if runF != nil {
				return runF(opts)
			}
			return zooRun(opts)
		},
	}
	cmd.Flags().Uint64Var(&opts.Seeds, "seeds", 300, "the band: seeds 1..N")
	cmd.Flags().IntVar(&opts.Jobs, "jobs", runtime.GOMAXPROCS(0), "runs in parallel")
	cmd.Flags().StringVar(&opts.Bugs, "bugs", "", "only these bugs, comma-separated (ZK3023,ZK1419)")
	cmd.Flags().BoolVar(&opts.Full, "full", false, "run the whole band with each bug on (the detection rate), not just to the first catch")
	cmd.Flags().Uint64Var(&opts.CorrectSeeds, "correct-seeds", 20, "run the correct server over at least seeds 1..N (never more than --seeds)")
	cmd.Flags().IntVar(&opts.ShrinkRuns, "shrink-runs", 40, "runs to spend shrinking each first failing plan (0: do not shrink)")
	cmd.Flags().BoolVar(&opts.Plans, "plans", false, "print each shrunk plan")
	return cmd
}

func selectBugs(ids string) ([]*scenarios.Bug, error) {
	all := scenarios.Zoo()
	if ids == "" {
		return all, nil
	}
	var out []*scenarios.Bug
	for _, id := range strings.Split(ids, ",") {
		id = strings.ToUpper(strings.TrimSpace(id))
		found := false
		for _, b := range all {
			if b.ID == id || "ZOOKEEPER-"+strings.TrimPrefix(b.ID, "ZK") == id {
				out = append(out, b)
				found = true
			}
		}
		if !found {
			known := make([]string, len(all))
			for i, b := range all {
				known[i] = b.ID
			}
			return nil, usage("--bugs: unknown bug %q (known: %s)", id, strings.Join(known, ", "))
		}
	}
	return out, nil
}

func zooRun(opts *zooOptions) error {
	bugs, err := selectBugs(opts.Bugs)
	if err != nil {
		return err
	}
	if opts.Seeds < 1 {
		return usage("--seeds %d: want at least 1", opts.Seeds)
	}
	if opts.Jobs < 1 {
		return usage("--jobs %d: want at least 1", opts.Jobs)
	}
	if opts.ShrinkRuns < 0 {
		return usage("--shrink-runs %d: want 0 or more", opts.ShrinkRuns)
	}
	start := time.Now()
	res, err := scenarios.SweepZoo(scenarios.ZooOptions{Bugs: bugs, Seeds: opts.Seeds, Jobs: opts.Jobs, Full: opts.Full, CorrectSeeds: opts.CorrectSeeds, ShrinkRuns: opts.ShrinkRuns})
	if err != nil {
		return usageError{err}
	}
	printZoo(opts, res, time.Since(start))
	for _, r := range res {
		if !r.Caught() || len(r.CorrectFailures) > 0 {
			return errFailed
		}
	}
	return nil
}

func printZoo(opts *zooOptions, res []*scenarios.ZooResult, wall time.Duration) {
	w := opts.Out
	fmt.Fprintf(w, "%-7s %-6s %5s %7s %8s  %-36s %5s %7s  %s\n",
		"bug", "caught", "seed", "rate", "time", "checker (guarantee)", "plan", "shrunk", "correct server")
	var firsts []int
	var detection, correct time.Duration
	caught, correctFail, correctSeeds := 0, 0, uint64(0)
	for _, r := range res {
		status, first, rate, checker, shrunk := "NO", "-", "-", "-", "-"
		if r.Caught() {
			caught++
			status, first = "yes", fmt.Sprint(r.FirstSeed)
			firsts = append(firsts, int(r.FirstSeed))
			checker = strings.Join(r.Guarantees[:min(2, len(r.Guarantees))], ", ")
			if n := len(r.Guarantees); n > 2 {
				checker += fmt.Sprintf(" +%d", n-2)
			}
			if opts.ShrinkRuns > 0 {
				shrunk = fmt.Sprintf("%d (%d)", len(r.Shrunk.Actions), r.ShrinkRuns)
			}
		} else {
			firsts = append(firsts, int(opts.Seeds)+1)
		}
		rate = fmt.Sprintf("%d/%d", r.CaughtSeeds, r.SeedsRun)
		plan := "-"
		if r.Caught() {
			plan = fmt.Sprint(len(r.Plan.Actions))
		}
		verdict := fmt.Sprintf("%d/%d pass", int(r.Band)-len(r.CorrectFailures), r.Band)
		if len(r.CorrectFailures) > 0 {
			verdict += fmt.Sprintf(" (FAILS seed %d)", r.CorrectFailures[0].Seed)
		}
		fmt.Fprintf(w, "%-7s %-6s %5s %7s %7.2fs  %-36s %5s %7s  %s\n",
			r.Bug.ID, status, first, rate, r.Detection.Seconds(), checker, plan, shrunk, verdict)
		detection += r.Detection
		correct += r.CorrectTime
		correctFail += len(r.CorrectFailures)
		correctSeeds += r.Band
	}
	sort.Ints(firsts)
	median := 0.0
	if n := len(firsts); n > 0 {
		median = float64(firsts[n/2])
		if n%2 == 0 {
			median = float64(firsts[n/2-1]+firsts[n/2]) / 2
		}
	}
	most := fmt.Sprint(firsts[len(firsts)-1])
	if caught < len(res) {
		most = fmt.Sprintf(">%d", opts.Seeds) // an uncaught bug counts as past the band
	}
	fmt.Fprintf(w, "\n%d/%d bugs caught within seeds 1-%d; seeds to detection: median %g, max %s\n",
		caught, len(res), opts.Seeds, median, most)
	fmt.Fprintf(w, "run time to detection %.1fs, correct server %.1fs over %d seeds (%d failing); %.1fs wall on %d jobs (GOMAXPROCS %d), shrinking included\n",
		detection.Seconds(), correct.Seconds(), correctSeeds, correctFail, wall.Seconds(), opts.Jobs, runtime.GOMAXPROCS(0))
	for _, r := range res {
		for _, f := range r.CorrectFailures {
			fmt.Fprintf(w, "CORRECT SERVER FAILS %s seed %d:\n%s  replay: %s\n", r.Bug.ID, f.Seed, indent(f.Verdict), f.Replay)
		}
	}
	if !opts.Plans {
		return
	}
	for _, r := range res {
		if r.Caught() && opts.ShrinkRuns > 0 {
			fmt.Fprintf(w, "\n%s (%s) seed %d, shrunk plan; replay: go run ./cmd/zabsim run %s --seed %d\n%s",
				r.Bug.ID, r.Bug.JIRA, r.FirstSeed, r.Bug.Name(), r.FirstSeed, indent(r.Shrunk.String()))
		}
	}
}
