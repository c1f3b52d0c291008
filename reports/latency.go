package reports

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/zabsim/zabsim/scenarios"
)

// latenciesByType groups answered ops' latencies (ms) by op type, sorted;
// types in name order.
func latenciesByType(ops []scenarios.OpSample) ([]string, map[string][]float64) {
	by := map[string][]float64{}
	for _, op := range ops {
		if op.Result != scenarios.ResultAnswered {
			continue
		}
		by[op.Type] = append(by[op.Type], float64(op.Latency())/1e6)
	}
	types := make([]string, 0, len(by))
	for t, ls := range by {
		types = append(types, t)
		sort.Float64s(ls)
	}
	sort.Strings(types)
	return types, by
}

// quantile of sorted values, by the nearest rank.
func quantile(sorted []float64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

// cdf is the empirical CDF of sorted values as a staircase.
func cdf(sorted []float64, floor float64) plotter.XYs {
	xys := make(plotter.XYs, 0, 2*len(sorted)+1)
	n := float64(len(sorted))
	for i, v := range sorted {
		v = max(v, floor)
		if i == 0 {
			xys = append(xys, plotter.XY{X: v, Y: 0})
		}
		xys = append(xys, plotter.XY{X: v, Y: float64(i) / n}, plotter.XY{X: v, Y: float64(i+1) / n})
	}
	return xys
}

// msFloor keeps a log axis away from zero.
const msFloor = 0.01

// latencyFigure draws, per op type, the fraction of answered ops that took
// at most a given latency, on a log scale: the bulk near the network's
// round trip and the tail that faults cause are both visible.
func latencyFigure(r *Run) *figure {
	f := newFigure("latency", fmt.Sprintf("Latency CDF by operation: %s, seed %d", r.Scenario, r.Seed),
		"latency (ms, log scale)", "fraction of answered ops ≤ latency", 9*vg.Inch, 5*vg.Inch)
	p := f.plot
	types, by := latenciesByType(r.Timeline.Ops)
	for i, t := range types {
		ls := by[t]
		line, err := lineOf(cdf(ls, msFloor), i)
		if err != nil {
			continue
		}
		p.Add(line)
		f.legend.Add(fmt.Sprintf("%s n=%d p50=%s p99=%s", t, len(ls), fmtMs(quantile(ls, 0.5)), fmtMs(quantile(ls, 0.99))), line)
	}
	if len(types) == 0 {
		f.title += " (no answered ops)"
		return f
	}
	p.X.Scale = plot.LogScale{}
	p.X.Tick.Marker = logTicks{}
	p.Y.Min, p.Y.Max = 0, 1
	p.Add(plotter.NewGrid())
	return f
}

func fmtMs(ms float64) string {
	switch {
	case math.IsNaN(ms):
		return "-"
	case ms == 0:
		return "0"
	case ms >= 1000:
		return fmt.Sprintf("%.2fs", ms/1000)
	case ms >= 10:
		return fmt.Sprintf("%.0fms", ms)
	}
	return fmt.Sprintf("%.1fms", ms)
}
