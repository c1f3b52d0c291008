package main

import (
	"fmt"
	"io"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/zabsim/zabsim/scenarios"
	"github.com/zabsim/zabsim/sim"
)

// benchMeasure is one row of the measurements table.
type benchMeasure struct {
	Name   string  `json:"name"`
	Value  float64 `json:"value"`
	Unit   string  `json:"unit"`
	Note   string  `json:"note,omitempty"`
	Target string  `json:"target,omitempty"` // as the issues set it
	Met    *bool   `json:"met,omitempty"`
	What   string  `json:"what"`
	// CPUShare is cpuMeter.share over the measurement, per worker; 0
	// where it does not apply (memory).
	CPUShare float64 `json:"cpu_share,omitempty"`
}

func reached(ok bool) *bool { return &ok }

// benchMeasures takes every measurement but the scenarios', in table
// order; the CI scenario's row comes from its scenario run, if there was
// one.
func benchMeasures(opts *benchOptions, l benchLimits, ci *scenarios.Scenario, scen []scenarioBench, cores int) ([]benchMeasure, error) {
	var out []benchMeasure
	for _, sb := range scen {
		if sb.Scenario == "ci" {
			ms := sb.msPerSeed()
			out = append(out, benchMeasure{Name: "CI scenario, one seed on one core", Value: ms, Unit: "ms",
				Target: "≤ 72 ms", Met: reached(ms <= 72), CPUShare: sb.CPUShare,
				What: "wall time of one seed of the ci scenario (30 virtual s, 10 clients, a swarm of faults), checking included"})
		}
	}
	for _, messages := range []bool{false, true} {
		name, what := "sim core, timers", "the event loop alone: 64 nodes, each re-arming a timer as it fires"
		if messages {
			name, what = "sim core, messages", "4 connected pairs of nodes bouncing 8 messages each: send with latency and FIFO order, deliver"
		}
		progress(opts, "%s", name)
		cm := startCPU()
		v, err := benchSimCore(l, messages)
		if err != nil {
			return nil, err
		}
		out = append(out, benchMeasure{Name: name, Value: v, Unit: "events/s", Target: "≥ 5M events/s", Met: reached(v >= 5e6), What: what, CPUShare: cm.share(1)})
	}
	progress(opts, "tree apply")
	cm := startCPU()
	v, err := benchTreeApply(l)
	if err != nil {
		return nil, err
	}
	out = append(out, benchMeasure{Name: "tree apply, creates", Value: v, Unit: "txns/s", Target: "≥ 500k txns/s", Met: reached(v >= 5e5), CPUShare: cm.share(1),
		What: "tree.Apply of creates with 32 bytes of data under 8 parents, up to 64k nodes per tree"})
	for _, mixed := range []bool{false, true} {
		name, what := "committed writes, creates", "30 protocol-level writers on 3 voters, one create outstanding each, every write a new node"
		if mixed {
			name, what = "committed writes, mixed", "the same writers cycling create, setData, setData, delete on a node of their own"
		}
		progress(opts, "%s", name)
		cm := startCPU()
		v, err := benchWrites(l, mixed)
		if err != nil {
			return nil, err
		}
		out = append(out, benchMeasure{Name: name, Value: v, Unit: "writes/s", Target: "≥ 100k writes/s on one core", Met: reached(v >= 1e5), CPUShare: cm.share(1),
			What: what + fmt.Sprintf("; committed writes per wall second over %s of virtual writing, ensemble start and election included", virtualText(l.Writes))})
	}
	checks, err := benchCheckers(opts, l)
	if err != nil {
		return nil, err
	}
	out = append(out, checks...)
	sweep, err := benchSweepRows(opts, l, ci, cores)
	if err != nil {
		return nil, err
	}
	out = append(out, sweep...)
	progress(opts, "memory per world")
	mb, err := benchMemory(l.Memory)
	if err != nil {
		return nil, err
	}
	return append(out, benchMeasure{Name: "memory per world", Value: mb, Unit: "MB", Target: "≤ 32 MB", Met: reached(mb <= 32),
		What: fmt.Sprintf("live heap after %s of virtual time of a 5-voter world with 10 clients writing and reading every 10 ms (BenchmarkWorldMemory)", virtualText(l.Memory))}), nil
}

// benchCheckers times porcupine and the read checker.
func benchCheckers(opts *benchOptions, l benchLimits) ([]benchMeasure, error) {
	var out []benchMeasure
	for _, n := range l.Porcupine {
		progress(opts, "porcupine check, %d ops", n)
		cm := startCPU()
		d, err := benchPorcupine(l, n)
		if err != nil {
			return nil, err
		}
		m := benchMeasure{Name: fmt.Sprintf("porcupine check, %d ops", n), Value: float64(d) / float64(time.Millisecond), Unit: "ms", CPUShare: cm.share(1),
			What: "checker.LinearizableWrites over a write history of that many ops (8 clients, 16 keys, a leader crash)"}
		if n == 10000 {
			m.Target, m.Met = "≤ 1 s", reached(d <= time.Second)
		}
		out = append(out, m)
	}
	progress(opts, "read checker, %d ops", l.ReadOps)
	cm := startCPU()
	v, err := benchReads(l, l.ReadOps)
	if err != nil {
		return nil, err
	}
	return append(out, benchMeasure{Name: fmt.Sprintf("read checker, %d ops", l.ReadOps), Value: v, Unit: "reads/s", Target: "≥ 1M reads/s", Met: reached(v >= 1e6), CPUShare: cm.share(1),
		What: "checker.Reads over a history of that many ops, nine in ten reads; reads checked per second"}), nil
}

// benchSweepRows measures a sweep of the CI scenario on 1, 2, 4, ... and
// every core, each worker on a core of its own (GOMAXPROCS = workers).
func benchSweepRows(opts *benchOptions, l benchLimits, ci *scenarios.Scenario, cores int) ([]benchMeasure, error) {
	var out []benchMeasure
	one := 0.0
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, jobs := range sweepPoints(cores) {
		runtime.GOMAXPROCS(jobs)
		progress(opts, "sweep of ci on %d workers", jobs)
		cm := startCPU()
		v := 0.0
		for r := 0; r < max(l.Rounds, 1); r++ {
			rv, err := benchSweep(ci, l.SweepSeeds, jobs)
			if err != nil {
				return nil, usageError{err}
			}
			v = max(v, rv)
		}
		if jobs == 1 {
			one = v
		}
		workers := "workers"
		if jobs == 1 {
			workers = "worker"
		}
		m := benchMeasure{Name: fmt.Sprintf("sweep of ci, %d %s", jobs, workers), Value: v, Unit: "seeds/s", CPUShare: cm.share(jobs),
			Note: fmt.Sprintf("%.2f× one worker", v/one),
			What: fmt.Sprintf("seeds 1-%d of the ci scenario on that many workers and as many cores (GOMAXPROCS), as zabsim sweep runs them; the best of %d passes", l.SweepSeeds, max(l.Rounds, 1))}
		if jobs == 2 {
			m.Target, m.Met = "≥ 1.9× one worker on 2 cores", reached(v/one >= 1.9)
		}
		out = append(out, m)
	}
	return out, nil
}

// siRate writes a rate with a k or M suffix.
func siRate(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e5:
		return fmt.Sprintf("%.0fk", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

func (m benchMeasure) result() string {
	var s string
	switch {
	case strings.HasSuffix(m.Unit, "/s"):
		s = siRate(m.Value) + " " + m.Unit
	case m.Unit == "ms" && m.Value >= 1000:
		s = fmt.Sprintf("%.2f s", m.Value/1000)
	default:
		s = fmt.Sprintf("%.1f %s", m.Value, m.Unit)
	}
	if m.Note != "" {
		s += " (" + m.Note + ")"
	}
	return s
}

func (m benchMeasure) metText() string {
	switch {
	case m.Met == nil:
		return "-"
	case *m.Met:
		return "yes"
	}
	return "no"
}

func scenarioRow(sb scenarioBench) []string {
	return []string{sb.Scenario, fmt.Sprint(sb.Seeds), siRate(sb.simPerWall()), siRate(sb.seedsPerSec()),
		fmt.Sprintf("%.1f", sb.msPerSeed()), siRate(sb.eventsPerSec()), shareText(sb.CPUShare)}
}

var (
	scenarioHeader = []string{"scenario", "seeds", "sim s / wall s", "seeds/s on one core", "ms per seed", "events/s", "cpu share"}
	measureHeader  = []string{"measurement", "result", "target", "met", "cpu share"}
)

func printBenchText(w io.Writer, rep *benchReport) {
	fmt.Fprintf(w, "%s\nmachine: %s\nmethod: %s\n\n", rep.Command, rep.Machine, rep.Method)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(scenarioHeader, "\t"))
	for _, sb := range rep.Scenarios {
		fmt.Fprintln(tw, strings.Join(scenarioRow(sb), "\t"))
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(measureHeader, "\t"))
	for _, m := range rep.Measures {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", m.Name, m.result(), orDash(m.Target), m.metText(), shareText(m.CPUShare))
	}
	_ = tw.Flush()
	printFailing(w, rep)
	fmt.Fprintf(w, "\n%.0f s wall\n", rep.Wall)
}

func printBenchMarkdown(w io.Writer, rep *benchReport) {
	fmt.Fprintf(w, "## Results\n\n`%s`, %.0f s wall.\n\nMachine: %s.\n\nMethod: %s.\n\n", rep.Command, rep.Wall, rep.Machine, rep.Method)
	seeds := 0
	if len(rep.Scenarios) > 0 {
		seeds = rep.Scenarios[0].Seeds
	}
	fmt.Fprintf(w, "### Scenarios\n\nSeeds 1-%d of each standard scenario, one after another on one goroutine, checking included. "+
		"Simulated time counts each run's 10 s wind-down; events are those the world delivered. "+
		"The cpu share is the process's CPU time per core it may use (GOMAXPROCS, 1 but for the sweeps) over the wall time: "+
		"about 1 on an idle machine, well under 1 when other processes had the cores.\n\n", seeds)
	mdRow(w, scenarioHeader)
	fmt.Fprintln(w, "|---|--:|--:|--:|--:|--:|--:|")
	for _, sb := range rep.Scenarios {
		mdRow(w, scenarioRow(sb))
	}
	fmt.Fprint(w, "\n### Measurements\n\n")
	mdRow(w, measureHeader)
	fmt.Fprintln(w, "|---|--:|---|---|--:|")
	for _, m := range rep.Measures {
		mdRow(w, []string{m.Name, m.result(), orDash(m.Target), m.metText(), shareText(m.CPUShare)})
	}
	fmt.Fprint(w, "\nWhat each measurement is:\n\n")
	for _, m := range rep.Measures {
		fmt.Fprintf(w, "- **%s**: %s.\n", m.Name, m.What)
	}
	printFailing(w, rep)
}

func mdRow(w io.Writer, cells []string) {
	fmt.Fprintf(w, "| %s |\n", strings.Join(cells, " | "))
}

// virtualText writes a virtual duration: "10 s", "1 min".
func virtualText(d sim.Time) string {
	if d >= sim.Minute && d%sim.Minute == 0 {
		return fmt.Sprintf("%d min", d/sim.Minute)
	}
	return fmt.Sprintf("%g s", time.Duration(d).Seconds())
}

func shareText(share float64) string {
	if share == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", share)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// printFailing names the seeds that failed their checks while timed: the
// times stand, but the runs are bugs to replay.
func printFailing(w io.Writer, rep *benchReport) {
	for _, sb := range rep.Scenarios {
		for _, seed := range sb.Failing {
			fmt.Fprintf(w, "\nnote: %s seed %d failed its checks; replay: go run ./cmd/zabsim run %s --seed %d\n", sb.Scenario, seed, sb.Scenario, seed)
		}
	}
}
