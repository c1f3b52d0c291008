package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/zabsim/zabsim/scenarios"
)

// benchOptions are the flags of zabsim bench.
type benchOptions struct {
	Out       io.Writer
	Progress  io.Writer // a line per measurement as it starts; nil: none
	Quick     bool
	Scenarios string // comma-separated names; empty: every standard scenario
	Seeds     int    // seeds per scenario; 0: the limits'
	JSON      string
	Markdown  bool
	// Limits size the measurements; zero: fullLimits, or quickLimits
	// with Quick.
	Limits benchLimits
}

func benchCmd(runF func(*benchOptions) error) *cobra.Command {
	opts := &benchOptions{}
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure the simulator's speed and memory and print a table (BENCHMARKS.md)",
		Long: `Run the benchmarks in this process and print a table: per standard
scenario (every registered one but those that must fail), simulated
seconds per wall second, seeds per second on one core and events per
second; then the sim core's events per second, tree apply, committed
writes per wall second, porcupine's check of 1k and 10k op histories, the
read checker, sweep scaling from 1 worker to every core, and the live
heap of a 5-server world, each with its target where the issues set one.

The machine is printed with the table. --markdown prints it as Markdown:
go run ./cmd/zabsim bench --markdown > results.md regenerates the results
section of BENCHMARKS.md. --quick is a smoke test of under 30 s. Numbers
are only as good as the machine is idle.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out = cmd.OutOrStdout()
			opts.Progress = cmd.ErrOrStderr()
			if runF != nil {
				return runF(opts)
			}
			return benchRun(opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Quick, "quick", false, "a smoke test: one seed per scenario, short timed loops (under 30 s)")
	cmd.Flags().StringVar(&opts.Scenarios, "scenarios", "", "only these scenarios, comma-separated (default: every standard scenario)")
	cmd.Flags().IntVar(&opts.Seeds, "seeds", 0, "seeds per scenario, 1..N (default 10, or 1 with --quick)")
	cmd.Flags().StringVar(&opts.JSON, "json", "", "also write the results to this file as JSON")
	cmd.Flags().BoolVar(&opts.Markdown, "markdown", false, "print the tables as Markdown")
	return cmd
}

// benchScenarios resolves --scenarios: every standard scenario, or the
// ones named, none of which may be one that must fail.
func benchScenarios(list string) ([]*scenarios.Scenario, error) {
	var out []*scenarios.Scenario
	if list == "" {
		for _, s := range scenarios.All() {
			if !s.MustFail {
				out = append(out, s)
			}
		}
		return out, nil
	}
	for _, name := range strings.Split(list, ",") {
		s, err := lookup(strings.TrimSpace(name))
		if err != nil {
			return nil, err
		}
		if s.MustFail {
			return nil, usage("--scenarios: %s must fail; bench times the standard scenarios", s.Name)
		}
		out = append(out, s)
	}
	return out, nil
}

// benchReport is what zabsim bench measured, as --json writes it.
type benchReport struct {
	Command   string          `json:"command"`
	Method    string          `json:"method"`
	Machine   benchMachine    `json:"machine"`
	Scenarios []scenarioBench `json:"scenarios"`
	Measures  []benchMeasure  `json:"measures"`
	Wall      float64         `json:"wall_seconds"`
}

// scenarioBench is one scenario's seeds run one after another.
type scenarioBench struct {
	Scenario    string   `json:"scenario"`
	Seeds       int      `json:"seeds"`
	WallSeconds float64  `json:"wall_seconds"`
	SimSeconds  float64  `json:"sim_seconds"` // virtual time, the 10 s wind-down included
	Events      int64    `json:"events"`
	Failing     []uint64 `json:"failing,omitempty"`
	CPUShare    float64  `json:"cpu_share"` // cpuMeter.share

}

func (sb scenarioBench) simPerWall() float64  { return sb.SimSeconds / sb.WallSeconds }
func (sb scenarioBench) seedsPerSec() float64 { return float64(sb.Seeds) / sb.WallSeconds }
func (sb scenarioBench) msPerSeed() float64   { return 1000 * sb.WallSeconds / float64(sb.Seeds) }
func (sb scenarioBench) eventsPerSec() float64 {
	return float64(sb.Events) / sb.WallSeconds
}

func benchRun(opts *benchOptions) error {
	l := opts.Limits
	if l.Budget == 0 {
		l = fullLimits
		if opts.Quick {
			l = quickLimits
		}
	}
	if opts.Seeds < 0 {
		return usage("--seeds %d: want at least 1", opts.Seeds)
	}
	if opts.Seeds > 0 {
		l.Seeds = opts.Seeds
	}
	list, err := benchScenarios(opts.Scenarios)
	if err != nil {
		return err
	}
	ci, err := scenarios.Lookup("ci")
	if err != nil {
		return err
	}
	start := time.Now()
	rep := &benchReport{Command: benchCommand(opts), Machine: readMachine(),
		Method: fmt.Sprintf("one core is GOMAXPROCS 1; each timed measurement the best of %d round(s) sharing %s; scenarios seeds 1-%d each; sweeps of %d seeds on GOMAXPROCS = workers",
			max(l.Rounds, 1), l.Budget, l.Seeds, l.SweepSeeds)}
	// "On one core" is GOMAXPROCS 1: otherwise the collector works on
	// whatever other core is idle, and a run's speed depends on whether
	// one is. The sweep sets its own.
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	// A first run grows the heap and faults its pages in: untimed.
	progress(opts, "warm-up: ci seed 1")
	if _, err := scenarios.Run(ci, 1, nil, scenarios.Options{}); err != nil {
		return usageError{err}
	}
	for _, s := range list {
		progress(opts, "scenario %s, seeds 1-%d", s.Name, l.Seeds)
		sb, err := benchScenario(s, l.Seeds)
		if err != nil {
			return usageError{err}
		}
		rep.Scenarios = append(rep.Scenarios, sb)
	}
	if rep.Measures, err = benchMeasures(opts, l, ci, rep.Scenarios, rep.Machine.GOMAXPROCS); err != nil {
		return err
	}
	rep.Machine.LoadEnd = readLoad()
	rep.Wall = time.Since(start).Seconds()
	if opts.Markdown {
		printBenchMarkdown(opts.Out, rep)
	} else {
		printBenchText(opts.Out, rep)
	}
	if opts.JSON != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(opts.JSON, append(b, '\n'), 0o644); err != nil {
			return usage("--json: %v", err)
		}
	}
	return nil
}

func progress(opts *benchOptions, format string, args ...any) {
	if opts.Progress != nil {
		fmt.Fprintf(opts.Progress, "bench: "+format+"\n", args...)
	}
}

// benchCommand is the command line that regenerates the report.
func benchCommand(opts *benchOptions) string {
	cmd := "go run ./cmd/zabsim bench"
	if opts.Quick {
		cmd += " --quick"
	}
	if opts.Scenarios != "" {
		cmd += " --scenarios " + opts.Scenarios
	}
	if opts.Seeds > 0 {
		cmd += fmt.Sprintf(" --seeds %d", opts.Seeds)
	}
	if opts.Markdown {
		cmd += " --markdown"
	}
	return cmd
}

// benchMachine is where the numbers were taken.
type benchMachine struct {
	CPU        string `json:"cpu"`
	Cores      int    `json:"cores"`
	GOMAXPROCS int    `json:"gomaxprocs"`
	Go         string `json:"go"`
	OS         string `json:"os"`
	LoadStart  string `json:"load_start"` // /proc/loadavg's 1, 5 and 15 minute averages
	LoadEnd    string `json:"load_end"`
}

func readMachine() benchMachine {
	m := benchMachine{CPU: "unknown", Cores: runtime.NumCPU(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, LoadStart: readLoad()}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		info := map[string]string{}
		for _, line := range strings.Split(string(b), "\n") {
			if k, v, ok := strings.Cut(line, ":"); ok {
				if k = strings.TrimSpace(k); info[k] == "" {
					info[k] = strings.TrimSpace(v)
				}
			}
		}
		if info["model name"] != "" {
			m.CPU = info["model name"]
		}
		if mhz, err := strconv.ParseFloat(info["cpu MHz"], 64); err == nil {
			m.CPU += fmt.Sprintf(" at %.0f MHz", mhz)
		}
	}
	return m
}

func readLoad() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "unknown"
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " ")
}

func (m benchMachine) String() string {
	return fmt.Sprintf("%s; %d cores, GOMAXPROCS %d; %s %s; load average %s at the start, %s at the end",
		m.CPU, m.Cores, m.GOMAXPROCS, m.Go, m.OS, m.LoadStart, m.LoadEnd)
}
