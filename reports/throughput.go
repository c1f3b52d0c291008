package reports

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/zabsim/zabsim/scenarios"
)

// bucket is the throughput plot's resolution.
const bucket int64 = 250 * 1e6 // 250 ms

// throughputSeries counts ops by the bucket they ended in, as ops/s:
// answered reads, answered writes, and ops that got no answer (unknown
// outcome, or given up before they were sent).
func throughputSeries(tl *scenarios.Timeline) (reads, writes, lost []float64) {
	n := int(tl.End/bucket) + 1
	reads, writes, lost = make([]float64, n), make([]float64, n), make([]float64, n)
	perSecond := 1e9 / float64(bucket)
	for _, op := range tl.Ops {
		if op.Return < 0 || op.Return > tl.End {
			continue
		}
		i := int(op.Return / bucket)
		switch {
		case op.Result == scenarios.ResultAnswered && op.Write:
			writes[i] += perSecond
		case op.Result == scenarios.ResultAnswered:
			reads[i] += perSecond
		default:
			lost[i] += perSecond
		}
	}
	return reads, writes, lost
}

// throughputFigure draws ops completed per second over virtual time, with
// the spells without a leader shaded and each kind of fault window in a
// lane of its own above the curves.
func throughputFigure(r *Run) *figure {
	tl := r.Timeline
	f := newFigure("throughput", fmt.Sprintf("Throughput: %s, seed %d (%d ms buckets)", r.Scenario, r.Seed, bucket/1e6),
		"virtual time (s)", "ops completed per second", 11*vg.Inch, 5*vg.Inch)
	p := f.plot
	reads, writes, lost := throughputSeries(tl)
	top := 10.0
	for i := range reads {
		top = max(top, reads[i], writes[i], lost[i])
	}
	top *= 1.05
	dataTicks := plot.DefaultTicks{}.Ticks(0, top)

	spells := &boxes{color: leaderlessShade}
	for _, sp := range tl.Leaderless {
		spells.add(seconds(sp.From), seconds(sp.To), 0, top)
	}
	p.Add(spells)
	f.legend.Add("no leader with a quorum", spells)
	for i, s := range []struct {
		name string
		ys   []float64
	}{{"reads answered", reads}, {"writes answered", writes}, {"no answer (unknown or never sent)", lost}} {
		xys := make(plotter.XYs, len(s.ys))
		for j, y := range s.ys {
			xys[j] = plotter.XY{X: seconds(int64(j) * bucket), Y: y}
		}
		line, err := lineOf(xys, i)
		if err != nil {
			continue
		}
		line.StepStyle = plotter.PostStep
		line.Width = vg.Points(1.3)
		p.Add(line)
		f.legend.Add(s.name, line)
	}
	laneTicks := addFaultLanes(f, tl, top)
	heal := healLine(tl.HealAt)
	p.Add(heal)
	f.legend.Add("heal: every fault undone", heal)
	p.X.Min, p.X.Max = 0, seconds(tl.End)
	p.Y.Min = 0
	p.Y.Max = top * (1 + laneGap + laneHeight*float64(len(laneTicks)))
	p.Y.Tick.Marker = plot.ConstantTicks(append(dataTicks, laneTicks...))
	p.X.Tick.Marker = secondTicks{}
	return f
}

var leaderlessShade = rgba(0xf0, 0xa2, 0x02, 0x38)

// The fault lanes' place above the data, as fractions of its height.
const (
	laneGap    = 0.04
	laneHeight = 0.08
)

// addFaultLanes draws each kind of fault window present in a lane above
// the data (instants as ticks), and returns the lanes' axis labels.
func addFaultLanes(f *figure, tl *scenarios.Timeline, top float64) []plot.Tick {
	var out []plot.Tick
	for _, fs := range faultShades {
		lane := float64(len(out))
		y0 := top * (1 + laneGap + laneHeight*lane)
		y1 := y0 + top*laneHeight*0.75
		c := fs.color.(color.NRGBA)
		c.A = max(c.A, 0xc0)
		b := &boxes{color: c, thumbLine: fs.kind == scenarios.FaultOther}
		for _, w := range tl.Faults {
			if w.Kind == fs.kind {
				b.add(seconds(w.From), seconds(w.To), y0, y1)
			}
		}
		if len(b.rects) == 0 {
			continue
		}
		f.plot.Add(b)
		name := fs.kind
		if fs.kind == scenarios.FaultOther {
			name = "instant"
		}
		out = append(out, plot.Tick{Value: (y0 + y1) / 2, Label: name})
	}
	return out
}
