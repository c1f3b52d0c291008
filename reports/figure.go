package reports

import (
	"bytes"
	"fmt"
	"image/color"
	"math"
	"os"
	"path/filepath"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
	"gonum.org/v1/plot/vg/vgsvg"
)

// figure is a plot with its legend in a column to its right, where it
// hides no data.
type figure struct {
	name   string // file name without extension
	title  string // drawn across the whole figure, above plot and legend
	plot   *plot.Plot
	legend plot.Legend
	width  vg.Length
	height vg.Length
}

func newFigure(name, title, xLabel, yLabel string, width, height vg.Length) *figure {
	p := plot.New()
	p.X.Label.Text = xLabel
	p.Y.Label.Text = yLabel
	l := plot.NewLegend()
	l.Top, l.Left = true, true
	l.TextStyle.Font.Size = 10
	l.Padding = vg.Points(2)
	return &figure{name: name, title: title, plot: p, legend: l, width: width, height: height}
}

// draw renders the figure on a canvas.
func (f *figure) draw(dc draw.Canvas) {
	dc = draw.Crop(dc, 6, -6, 2, 0) // a margin, so long tick labels stay inside
	if f.title != "" {
		sty := f.plot.Title.TextStyle
		sty.Font.Size = 14
		sty.XAlign, sty.YAlign = draw.XCenter, draw.YTop
		const pad = 6
		dc.FillText(sty, vg.Point{X: (dc.Min.X + dc.Max.X) / 2, Y: dc.Max.Y - pad}, f.title)
		dc.Max.Y -= sty.Height(f.title) + 2*pad
	}
	r := f.legend.Rectangle(dc)
	lw := r.Max.X - r.Min.X
	if lw == 0 {
		f.plot.Draw(dc)
		return
	}
	const gap = 8
	plotArea := dc
	plotArea.Max.X -= lw + 2*gap
	f.plot.Draw(plotArea)
	legendArea := dc
	legendArea.Min.X = plotArea.Max.X + gap
	legendArea.Max.Y -= 4
	f.legend.Draw(legendArea)
}

// render returns the figure as PNG or SVG bytes.
func (f *figure) render(format string) ([]byte, error) {
	var buf bytes.Buffer
	switch format {
	case "png":
		cv := vgimg.PngCanvas{Canvas: vgimg.NewWith(vgimg.UseWH(f.width, f.height), vgimg.UseDPI(110))}
		f.draw(draw.New(cv))
		if _, err := cv.WriteTo(&buf); err != nil {
			return nil, err
		}
	case "svg":
		cv := vgsvg.New(f.width, f.height)
		f.draw(draw.New(cv))
		if _, err := cv.WriteTo(&buf); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("unknown image format %q", format)
	}
	return buf.Bytes(), nil
}

// save writes name.png and name.svg into dir.
func (f *figure) save(dir string) error {
	for _, format := range []string{"png", "svg"} {
		b, err := f.render(format)
		if err != nil {
			return fmt.Errorf("%s.%s: %w", f.name, format, err)
		}
		if err := os.WriteFile(filepath.Join(dir, f.name+"."+format), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// boxes is a plotter of filled rectangles in data coordinates, one
// colour; it doubles as its own legend thumbnail.
type boxes struct {
	color color.Color
	rects []box
	// thumbLine draws the thumbnail as a vertical line (for instants).
	thumbLine bool
}

type box struct{ x0, x1, y0, y1 float64 }

func (b *boxes) add(x0, x1, y0, y1 float64) { b.rects = append(b.rects, box{x0, x1, y0, y1}) }

func (b *boxes) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	for _, r := range b.rects {
		x0, x1 := trX(r.x0), trX(r.x1)
		if x1-x0 < 0.6 {
			x1 = x0 + 0.6 // an instant stays visible
		}
		pts := []vg.Point{{X: x0, Y: trY(r.y0)}, {X: x1, Y: trY(r.y0)}, {X: x1, Y: trY(r.y1)}, {X: x0, Y: trY(r.y1)}}
		c.FillPolygon(b.color, c.ClipPolygonXY(pts))
	}
}

func (b *boxes) DataRange() (xmin, xmax, ymin, ymax float64) {
	if len(b.rects) == 0 {
		return 0, 0, 0, 0
	}
	xmin, xmax, ymin, ymax = b.rects[0].x0, b.rects[0].x1, b.rects[0].y0, b.rects[0].y1
	for _, r := range b.rects[1:] {
		xmin, xmax = min(xmin, r.x0), max(xmax, r.x1)
		ymin, ymax = min(ymin, r.y0), max(ymax, r.y1)
	}
	return xmin, xmax, ymin, ymax
}

func (b *boxes) Thumbnail(c *draw.Canvas) {
	r := c.Rectangle
	if b.thumbLine {
		mid := (r.Min.X + r.Max.X) / 2
		r.Min.X, r.Max.X = mid-1, mid+1
	}
	c.FillPolygon(b.color, []vg.Point{r.Min, {X: r.Max.X, Y: r.Min.Y}, r.Max, {X: r.Min.X, Y: r.Max.Y}})
}

// vline is a vertical line across the whole plot at x, with a legend
// entry of its own style.
type vline struct {
	x     float64
	style draw.LineStyle
}

func (v *vline) Plot(c draw.Canvas, p *plot.Plot) {
	trX, _ := p.Transforms(&c)
	x := trX(v.x)
	c.StrokeLines(v.style, c.ClipLinesXY([]vg.Point{{X: x, Y: c.Min.Y}, {X: x, Y: c.Max.Y}})...)
}

func (v *vline) Thumbnail(c *draw.Canvas) {
	mid := (c.Min.X + c.Max.X) / 2
	c.StrokeLine2(v.style, mid, c.Min.Y, mid, c.Max.Y)
}

// ticks labels the given values, and nothing else.
func ticks(values []float64, labels []string) plot.Ticker {
	ts := make([]plot.Tick, len(values))
	for i := range values {
		ts[i] = plot.Tick{Value: values[i], Label: labels[i]}
	}
	return plot.ConstantTicks(ts)
}

// rgba is a colour from its hex parts.
func rgba(r, g, b, a uint8) color.NRGBA { return color.NRGBA{R: r, G: g, B: b, A: a} }

// lineOf draws xys as a line in the i-th series style.
func lineOf(xys plotter.XYs, i int) (*plotter.Line, error) {
	l, err := plotter.NewLine(xys)
	if err != nil {
		return nil, err
	}
	l.Color = seriesColor(i)
	l.Width = vg.Points(1.6)
	if i >= len(palette) {
		l.Dashes = []vg.Length{vg.Points(5), vg.Points(3)}
	}
	return l, nil
}

// palette is a set of colours that stay apart for the colour-blind
// (Okabe and Ito), black last.
var palette = []color.Color{
	rgba(0x00, 0x72, 0xb2, 0xff), rgba(0xd5, 0x5e, 0x00, 0xff), rgba(0x00, 0x9e, 0x73, 0xff),
	rgba(0xcc, 0x79, 0xa7, 0xff), rgba(0xe6, 0x9f, 0x00, 0xff), rgba(0x56, 0xb4, 0xe9, 0xff),
	rgba(0xf0, 0xe4, 0x42, 0xff), rgba(0x00, 0x00, 0x00, 0xff),
}

func seriesColor(i int) color.Color { return palette[i%len(palette)] }

// logTicks labels a log axis at 1, 2 and 5 times the powers of ten, with
// unlabelled ticks between (plot.LogTicks labels powers of ten only, and
// misses the decade below 1).
type logTicks struct{}

func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	if lo <= 0 || hi <= 0 {
		panic(fmt.Sprintf("reports: log axis over [%g, %g]", lo, hi))
	}
	var out []plot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		base := math.Pow(10, e)
		for m := 1; m < 10; m++ {
			v := base * float64(m)
			if v < lo || v > hi {
				continue
			}
			t := plot.Tick{Value: v}
			if m == 1 || m == 2 || m == 5 {
				t.Label = strconv.FormatFloat(v, 'g', -1, 64)
			}
			out = append(out, t)
		}
	}
	return out
}
