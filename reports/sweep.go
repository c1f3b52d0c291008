package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/zabsim/zabsim/scenarios"
)

// scenarioSummary is one scenario's numbers across a sweep's seeds.
// Durations are in seconds, sorted.
type scenarioSummary struct {
	Name      string
	MustFail  bool
	Seeds     int
	Failing   int
	Broke     int // seeds with a violation (expected for a must-fail scenario)
	NoStats   int // seeds from an older sweep, without stats
	Elections []float64
	// Leaderless counts seeds that ended without a leader.
	Leaderless     int
	RecoveryLeader []float64
	RecoveryWrite  []float64
	NeverLeader    int
	NeverWrite     int
	// Guarantees counts, per guarantee broken, the seeds that broke it.
	Guarantees map[string]int
}

type sweepSummary struct {
	Scenarios  []*scenarioSummary
	Guarantees []string // every guarantee broken somewhere, sorted
	Seeds      int
	Failing    int
}

func summarize(rs []SeedResult) *sweepSummary {
	by := map[string]*scenarioSummary{}
	sum := &sweepSummary{}
	gs := map[string]bool{}
	for _, r := range rs {
		s, ok := by[r.Scenario]
		if !ok {
			s = &scenarioSummary{Name: r.Scenario, Guarantees: map[string]int{}}
			if sc, err := scenarios.Lookup(r.Scenario); err == nil {
				s.MustFail = sc.MustFail
			}
			by[r.Scenario] = s
			sum.Scenarios = append(sum.Scenarios, s)
		}
		s.Seeds++
		sum.Seeds++
		if r.Failed {
			s.Failing++
			sum.Failing++
		}
		if len(r.Violations) > 0 {
			s.Broke++
		}
		st := r.Stats
		if st == nil {
			s.NoStats++
			continue
		}
		for _, d := range st.Elections {
			s.Elections = append(s.Elections, seconds(d))
		}
		if st.Leaderless {
			s.Leaderless++
		}
		addRecovery(&s.RecoveryLeader, &s.NeverLeader, st.RecoveryLeader)
		addRecovery(&s.RecoveryWrite, &s.NeverWrite, st.RecoveryWrite)
		for _, g := range st.Violations {
			s.Guarantees[g.Guarantee]++
			gs[g.Guarantee] = true
		}
	}
	sort.Slice(sum.Scenarios, func(i, j int) bool { return sum.Scenarios[i].Name < sum.Scenarios[j].Name })
	for _, s := range sum.Scenarios {
		sort.Float64s(s.Elections)
		sort.Float64s(s.RecoveryLeader)
		sort.Float64s(s.RecoveryWrite)
	}
	for g := range gs {
		sum.Guarantees = append(sum.Guarantees, g)
	}
	sort.Strings(sum.Guarantees)
	return sum
}

func addRecovery(to *[]float64, never *int, ns int64) {
	if ns < 0 {
		*never++
		return
	}
	*to = append(*to, seconds(ns))
}

// distributionFigure draws one CDF per scenario.
func distributionFigure(name, title, xLabel string, sum *sweepSummary, values func(*scenarioSummary) []float64, logX bool) *figure {
	f := newFigure(name, title, xLabel, "fraction of samples ≤ x", 9*vg.Inch, 4.8*vg.Inch)
	p := f.plot
	floor := 0.0
	if logX {
		floor = 0.001
	}
	drawn := 0
	for i, s := range sum.Scenarios {
		vs := values(s)
		if len(vs) == 0 {
			continue
		}
		line, err := lineOf(cdf(vs, floor), i)
		if err != nil {
			continue
		}
		p.Add(line)
		f.legend.Add(fmt.Sprintf("%s n=%d p50=%s p90=%s max=%s", s.Name, len(vs),
			fmtSeconds(quantile(vs, 0.5)), fmtSeconds(quantile(vs, 0.9)), fmtSeconds(vs[len(vs)-1])), line)
		drawn++
	}
	if drawn == 0 {
		f.title += " (no samples)"
		return f
	}
	if logX {
		p.X.Scale = plot.LogScale{}
		p.X.Tick.Marker = logTicks{}
	}
	p.Y.Min, p.Y.Max = 0, 1
	p.Add(plotter.NewGrid())
	return f
}

func fmtSeconds(s float64) string { return fmtMs(s * 1000) }

// shortGuarantee is the name of a guarantee, without its explanation.
func shortGuarantee(g string) string {
	if name, _, ok := strings.Cut(g, ": "); ok {
		return name
	}
	return g
}

// violationsFigure draws, per guarantee, how many seeds broke it, stacked
// by scenario.
func violationsFigure(sum *sweepSummary) *figure {
	f := newFigure("violations", "Violations per guarantee across seeds", "seeds with at least one violation", "",
		9*vg.Inch, vg.Inch*1.4+vg.Length(len(sum.Guarantees))*vg.Inch*0.45)
	p := f.plot
	var below *plotter.BarChart
	for i, s := range sum.Scenarios {
		vs := make(plotter.Values, len(sum.Guarantees))
		any := false
		for j, g := range sum.Guarantees {
			vs[j] = float64(s.Guarantees[g])
			any = any || vs[j] > 0
		}
		if !any {
			continue
		}
		b, err := plotter.NewBarChart(vs, vg.Points(16))
		if err != nil {
			continue
		}
		b.Horizontal = true
		b.Color = seriesColor(i)
		b.LineStyle.Width = 0
		if below != nil {
			b.StackOn(below)
		}
		below = b
		p.Add(b)
		label := s.Name
		if s.MustFail {
			label += " (must fail)"
		}
		f.legend.Add(label, b)
	}
	names := make([]string, len(sum.Guarantees))
	for i, g := range sum.Guarantees {
		names[i] = shortGuarantee(g)
	}
	p.NominalY(names...)
	p.X.Min = 0
	return f
}

// sweepView is what the sweep page shows.
type sweepView struct {
	Summary *sweepSummary
	Rows    []sweepRow
	Figures []figureRef
	Failing []SeedResult
	Matrix  [][]string // guarantee, then the seeds per scenario
	Names   []string   // scenario names, the matrix's columns
	Title   string
	NoStats int
	Caught  int
}

type sweepRow struct {
	*scenarioSummary
	ElectionsText, RecoveryLeaderText, RecoveryWriteText string
}

func distribution(vs []float64) string {
	if len(vs) == 0 {
		return "-"
	}
	return fmt.Sprintf("%s / %s / %s", fmtSeconds(quantile(vs, 0.5)), fmtSeconds(quantile(vs, 0.9)), fmtSeconds(vs[len(vs)-1]))
}

// WriteSweep writes a sweep's report into dir: sweep.json (the seeds'
// results, sorted), the election-duration, recovery-time and violation
// plots as PNG and SVG, and index.html.
func WriteSweep(dir string, rs []SeedResult) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	rs = append([]SeedResult(nil), rs...)
	SortSeeds(rs)
	sum := summarize(rs)
	figs := []*figure{
		distributionFigure("elections", "Election duration: from losing the leader (or the start) to the next one established",
			"election duration (s, log scale)", sum, func(s *scenarioSummary) []float64 { return s.Elections }, true),
		distributionFigure("recovery-write", "Recovery: from the heal to the first write answered",
			"time after the heal (s)", sum, func(s *scenarioSummary) []float64 { return s.RecoveryWrite }, false),
		distributionFigure("recovery-leader", "Recovery: from the heal to a leader with a quorum",
			"time after the heal (s)", sum, func(s *scenarioSummary) []float64 { return s.RecoveryLeader }, false),
	}
	refs := []figureRef{
		{"elections", "Election duration", "Per scenario, the fraction of elections over all seeds that took at most a given time: " +
			"from the start of the run, or from the moment the established leader lost its quorum, to the next leader established."},
		{"recovery-write", "Recovery time: first write", "Per scenario, the fraction of seeds whose first write was answered within a given time after the heal."},
		{"recovery-leader", "Recovery time: leader", "Per scenario, the fraction of seeds with a leader backed by a quorum within a given time after the heal (0: it had one at the heal)."},
	}
	if len(sum.Guarantees) > 0 {
		figs = append(figs, violationsFigure(sum))
		refs = append(refs, figureRef{"violations", "Violations per guarantee", "Seeds that broke each guarantee, stacked by scenario."})
	}
	for _, f := range figs {
		if err := f.save(dir); err != nil {
			return fmt.Errorf("report %s: %w", dir, err)
		}
	}
	js, err := json.MarshalIndent(rs, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, SweepJSON), append(js, '\n'), 0o644); err != nil {
		return err
	}
	var b bytes.Buffer
	if err := sweepPage.Execute(&b, newSweepView(sum, rs, refs)); err != nil {
		return fmt.Errorf("report %s: index.html: %w", dir, err)
	}
	return os.WriteFile(filepath.Join(dir, RunIndex), b.Bytes(), 0o644)
}

func newSweepView(sum *sweepSummary, rs []SeedResult, refs []figureRef) sweepView {
	v := sweepView{Summary: sum, Figures: refs}
	for _, s := range sum.Scenarios {
		v.Rows = append(v.Rows, sweepRow{scenarioSummary: s, ElectionsText: distribution(s.Elections),
			RecoveryLeaderText: distribution(s.RecoveryLeader), RecoveryWriteText: distribution(s.RecoveryWrite)})
		v.Names = append(v.Names, s.Name)
		v.NoStats += s.NoStats
		if s.MustFail {
			v.Caught += s.Broke
		}
	}
	for _, g := range sum.Guarantees {
		row := []string{g}
		for _, s := range sum.Scenarios {
			row = append(row, fmt.Sprint(s.Guarantees[g]))
		}
		v.Matrix = append(v.Matrix, row)
	}
	for _, r := range rs {
		if r.Failed {
			v.Failing = append(v.Failing, r)
		}
	}
	names := v.Names
	if len(names) > 4 {
		names = append(append([]string(nil), names[:3]...), fmt.Sprintf("%d more", len(names)-3))
	}
	v.Title = fmt.Sprintf("%d seeds of %s: %d failing", sum.Seeds, strings.Join(names, ", "), sum.Failing)
	return v
}
