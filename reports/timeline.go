package reports

import (
	"fmt"
	"image/color"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"

	"github.com/zabsim/zabsim/scenarios"
)

// stateColors are the bars' colours, in legend order.
var stateColors = []struct {
	state string
	color color.Color
	label string
}{
	{scenarios.StateLeading, rgba(0x1b, 0x9e, 0x4b, 0xff), "LEADING"},
	{scenarios.StateFollowing, rgba(0x2f, 0x6f, 0xb8, 0xff), "FOLLOWING"},
	{scenarios.StateObserving, rgba(0x8e, 0x7c, 0xc3, 0xff), "OBSERVING"},
	{scenarios.StateLooking, rgba(0xf0, 0xa2, 0x02, 0xff), "LOOKING (electing)"},
	{scenarios.StateDown, rgba(0x44, 0x44, 0x44, 0xff), "DOWN (crashed)"},
}

// faultShades are the fault windows' translucent backgrounds, in legend
// order.
var faultShades = []struct {
	kind  string
	color color.Color
	label string
}{
	{scenarios.FaultPartition, rgba(0xe0, 0x30, 0x30, 0x48), "partition"},
	{scenarios.FaultCrash, rgba(0x60, 0x60, 0x60, 0x40), "crashed until restart"},
	{scenarios.FaultPause, rgba(0xa0, 0x40, 0xc0, 0x50), "process paused"},
	{scenarios.FaultLatency, rgba(0xf0, 0xd0, 0x20, 0x60), "latency spike"},
	{scenarios.FaultClock, rgba(0x20, 0xb0, 0xc0, 0x30), "clock drift"},
	{scenarios.FaultOther, rgba(0x20, 0x20, 0x20, 0xb0), "instant: clock jump, rollover, client dies"},
}

const nsPerSecond = 1e9

func seconds(ns int64) float64 { return float64(ns) / nsPerSecond }

// healLine marks the heal on a time axis.
func healLine(healAt int64) *vline {
	return &vline{x: seconds(healAt), style: draw.LineStyle{Color: rgba(0x00, 0x80, 0x00, 0xff), Width: vg.Points(1.5),
		Dashes: []vg.Length{vg.Points(6), vg.Points(3)}}}
}

// timelineFigure draws one row per server: its state over virtual time as
// coloured bars over the shaded fault windows, with a triangle and the
// epoch where a leader was established and a cross where a server crashed.
func timelineFigure(r *Run) *figure {
	tl := r.Timeline
	n := len(tl.Servers)
	height := vg.Inch*1.3 + vg.Length(n)*vg.Inch*0.55
	f := newFigure("timeline", fmt.Sprintf("Election timeline: %s, seed %d — %s", r.Scenario, r.Seed, r.Status()),
		"virtual time (s)", "", 11*vg.Inch, height)
	p := f.plot
	rowY := func(id int) float64 { return float64(n - id + 1) } // zk1 on top
	end := seconds(tl.End)

	faultLegend := addFaultShades(f, tl, n, rowY, end)
	bars := map[string]*boxes{}
	for _, sc := range stateColors {
		bars[sc.state] = &boxes{color: sc.color}
	}
	var crashes plotter.XYs
	for _, row := range tl.Servers {
		y := rowY(row.ID)
		for _, iv := range row.Intervals {
			b, ok := bars[iv.State]
			if !ok {
				continue
			}
			b.add(seconds(iv.From), seconds(iv.To), y-0.28, y+0.28)
			if iv.State == scenarios.StateDown {
				crashes = append(crashes, plotter.XY{X: seconds(iv.From), Y: y - 0.38})
			}
		}
	}
	for _, sc := range stateColors {
		p.Add(bars[sc.state])
		f.legend.Add(sc.label, bars[sc.state])
	}
	if len(crashes) > 0 {
		s, _ := plotter.NewScatter(crashes)
		s.GlyphStyle = draw.GlyphStyle{Color: rgba(0xd0, 0x00, 0x00, 0xff), Radius: vg.Points(4), Shape: draw.CrossGlyph{}}
		p.Add(s)
		f.legend.Add("crash", s)
	}
	addLeaderMarks(f, tl, rowY)
	heal := healLine(tl.HealAt)
	p.Add(heal)
	f.legend.Add("heal: every fault undone", heal)
	for _, e := range faultLegend {
		f.legend.Add(e.label, e.thumb)
	}

	p.X.Min, p.X.Max = 0, end
	p.Y.Min, p.Y.Max = 0.5, float64(n)+0.75
	var ys []float64
	var names []string
	for _, row := range tl.Servers {
		ys = append(ys, rowY(row.ID))
		name := fmt.Sprintf("zk%d", row.ID)
		if row.Observer {
			name += " (observer)"
		}
		names = append(names, name)
	}
	p.Y.Tick.Marker = ticks(ys, names)
	p.Y.Tick.Length = 0
	p.X.Tick.Marker = secondTicks{}
	return f
}

type legendEntry struct {
	label string
	thumb plot.Thumbnailer
}

// addFaultShades shades each fault window over the rows of the servers it
// touched (every row when it touched the whole ensemble), and returns the
// legend entries of the kinds present.
func addFaultShades(f *figure, tl *scenarios.Timeline, n int, rowY func(int) float64, end float64) []legendEntry {
	var legend []legendEntry
	for _, fs := range faultShades {
		b := &boxes{color: fs.color, thumbLine: fs.kind == scenarios.FaultOther}
		for _, w := range tl.Faults {
			if w.Kind != fs.kind {
				continue
			}
			x0, x1 := seconds(w.From), min(seconds(w.To), end)
			if len(w.Servers) == 0 {
				b.add(x0, x1, 0.5, float64(n)+0.5)
				continue
			}
			for _, id := range w.Servers {
				y := rowY(id)
				b.add(x0, x1, y-0.5, y+0.5)
			}
		}
		if len(b.rects) > 0 {
			f.plot.Add(b)
			legend = append(legend, legendEntry{fs.label, b})
		}
	}
	return legend
}

// addLeaderMarks puts a triangle over the bar where a leader was
// established, labelled with the epoch.
func addLeaderMarks(f *figure, tl *scenarios.Timeline, rowY func(int) float64) {
	if len(tl.Leaders) == 0 {
		return
	}
	var pts plotter.XYs
	var labels []string
	for _, l := range tl.Leaders {
		pts = append(pts, plotter.XY{X: seconds(l.At), Y: rowY(l.Server) + 0.36})
		labels = append(labels, fmt.Sprintf("e%d", l.Epoch))
	}
	s, _ := plotter.NewScatter(pts)
	s.GlyphStyle = draw.GlyphStyle{Color: color.Black, Radius: vg.Points(3.5), Shape: draw.PyramidGlyph{}}
	f.plot.Add(s)
	f.legend.Add("leader established (eN: its epoch)", s)
	lb, _ := plotter.NewLabels(plotter.XYLabels{XYs: pts, Labels: labels})
	for i := range lb.TextStyle {
		lb.TextStyle[i].Font.Size = vg.Points(8)
	}
	lb.Offset = vg.Point{X: vg.Points(4), Y: vg.Points(-1)}
	f.plot.Add(lb)
}

// secondTicks labels a time axis in whole seconds, with a major tick
// every 5 s (or so) and minor ticks each second.
type secondTicks struct{}

func (secondTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	major := 5.0
	switch {
	case span <= 4:
		return plot.DefaultTicks{}.Ticks(lo, hi)
	case span <= 12:
		major = 1
	case span > 120:
		return plot.DefaultTicks{}.Ticks(lo, hi)
	}
	var ts []plot.Tick
	for s := float64(int(lo)); s <= hi; s++ {
		if s < lo {
			continue
		}
		t := plot.Tick{Value: s}
		if int(s)%int(major) == 0 {
			t.Label = fmt.Sprint(int(s))
		}
		ts = append(ts, t)
	}
	return ts
}
