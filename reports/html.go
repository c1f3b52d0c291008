package reports

import (
	"fmt"
	"html/template"
	"strings"
	"time"
)

// style is shared by the run and sweep pages.
const style = `<style>
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1150px; color: #222; padding: 0 1em; }
h1 { font-size: 1.5em; } h2 { font-size: 1.2em; margin-top: 1.6em; border-bottom: 1px solid #ddd; }
.pass { color: #0a7a2f; } .fail { color: #c00; }
pre, code { background: #f4f4f4; font-size: 0.9em; } pre { padding: 0.6em; overflow-x: auto; }
table { border-collapse: collapse; } td, th { border: 1px solid #ccc; padding: 0.25em 0.6em; text-align: left; }
td.num, th.num { text-align: right; }
figure { margin: 1em 0; } img { max-width: 100%; border: 1px solid #eee; }
figcaption { font-size: 0.9em; color: #555; }
</style>`

// figureRef is a plot on a page.
type figureRef struct {
	Name    string // file name without extension
	Title   string
	Caption string
}

var runFigures = []figureRef{
	{"timeline", "Election timeline", "One row per server: its state over virtual time (LOOKING while electing, DOWN while crashed). " +
		"Shaded: the fault windows over the servers they touched. Triangles: a leader established, with its epoch; crosses: crashes; dashed green line: the heal."},
	{"latency", "Latency by operation type", "Fraction of answered operations that took at most a given time, per type, on a log scale."},
	{"throughput", "Throughput over time", "Operations completed per second in 250 ms buckets: reads and writes answered, and ops that got no answer. " +
		"Shaded: the spells without a leader backed by a quorum; above the curves, each kind of fault window in a lane of its own; dashed green line: the heal."},
}

type runView struct {
	*Run
	StatusClass string
	PlanText    string
	Figures     []figureRef
	Elections   string
	Recovery    string
	Linearize   string
}

func newRunView(r *Run) runView {
	v := runView{Run: r, StatusClass: "pass", PlanText: r.Plan.String(), Figures: runFigures}
	if r.Failed() {
		v.StatusClass = "fail"
	}
	if len(r.Linearizability) > 0 {
		v.Linearize = LinearizabilityWeb
	}
	var els []string
	for _, d := range r.Stats.Elections {
		els = append(els, fmtDuration(d))
	}
	v.Elections = strings.Join(els, ", ")
	if v.Elections == "" {
		v.Elections = "none"
	}
	if r.Stats.Leaderless {
		v.Elections += "; the run ended without a leader"
	}
	v.Recovery = fmt.Sprintf("a leader with a quorum %s after the heal, the first write answered %s after it",
		fmtDuration(r.Stats.RecoveryLeader), fmtDuration(r.Stats.RecoveryWrite))
	return v
}

// fmtDuration prints virtual nanoseconds; -1 is never.
func fmtDuration(ns int64) string {
	if ns < 0 {
		return "never"
	}
	return time.Duration(ns).Round(time.Millisecond).String()
}

var runPage = template.Must(template.New("run").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>zabsim: {{.Scenario}} seed {{.Seed}}: {{.Status}}</title>
` + style + `
</head><body>
<h1>zabsim run: {{.Scenario}}, seed {{.Seed}}: <span class="{{.StatusClass}}" id="verdict">{{.Status}}</span></h1>
{{with .Description}}<p>{{.}}</p>{{end}}
<p>Replay it bit for bit: <code id="replay">{{.Replay}}</code></p>
<table>
<tr><th>trace hash</th><td><code>{{.TraceHash}}</code> over {{.Events}} events</td></tr>
<tr><th>client ops</th><td>{{.Stats.Ops}} issued, {{.Stats.Answered}} answered</td></tr>
<tr><th>elections</th><td>{{.Elections}}</td></tr>
<tr><th>recovery</th><td>{{.Recovery}}</td></tr>
</table>
<h2>Verdict</h2>
{{if .Violations}}<p class="fail">{{len .Violations}} violation(s):</p>
<ul>{{range .Violations}}<li><code>{{.}}</code></li>{{end}}</ul>
{{else}}<p class="pass">No guarantee was broken.</p>{{end}}
{{if .MustFail}}<p>This scenario breaks the fault model on purpose: it passes when a checker catches it.</p>{{end}}
{{with .Allowed}}<p>Allowed by ZooKeeper, not by the strict reading:</p>
<ul>{{range .}}<li><code>{{.}}</code></li>{{end}}</ul>{{end}}
{{with .Linearize}}<p>The write history failed the linearizability check: <a href="{{.}}">porcupine's visualisation</a> shows the partial linearizations and where the search got stuck.</p>{{end}}
{{range .Figures}}
<h2>{{.Title}}</h2>
<figure><a href="{{.Name}}.svg"><img src="{{.Name}}.png" alt="{{.Title}}"></a>
<figcaption>{{.Caption}} (<a href="{{.Name}}.svg">SVG</a>)</figcaption></figure>
{{end}}
<h2>Fault plan</h2>
{{with .PlanFile}}<p>From <code>{{.}}</code>.</p>{{end}}
<pre>{{.PlanText}}</pre>
{{with .Skipped}}<p>Actions that found nothing to act on:</p><ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}
<p>The data behind this page: <a href="run.json">run.json</a>.</p>
</body></html>
`))

var sweepPage = template.Must(template.New("sweep").Parse(`<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>zabsim sweep: {{.Title}}</title>
` + style + `
</head><body>
<h1>zabsim sweep: {{.Title}}</h1>
{{if .Failing}}<p class="fail" id="verdict">FAIL: {{len .Failing}} seed(s) broke a guarantee (or, for a scenario that must fail, went uncaught).</p>
{{else}}<p class="pass" id="verdict">PASS: every seed kept its promises{{if .Caught}}, and the {{.Caught}} seed(s) of scenarios that must fail were caught{{end}}.</p>{{end}}
{{if .NoStats}}<p>{{.NoStats}} seed(s) come from a sweep that kept no statistics: they count in the verdicts, not in the plots.</p>{{end}}
<table>
<tr><th>scenario</th><th class="num">seeds</th><th class="num">failing</th><th class="num">with violations</th><th class="num">elections</th>
<th>election p50 / p90 / max</th><th>heal → first write p50 / p90 / max (never)</th><th>heal → leader p50 / p90 / max (never)</th></tr>
{{range .Rows}}<tr><td>{{.Name}}{{if .MustFail}} (must fail){{end}}</td><td class="num">{{.Seeds}}</td><td class="num">{{.Failing}}</td>
<td class="num">{{.Broke}}</td><td class="num">{{len .Elections}}</td><td>{{.ElectionsText}}</td>
<td>{{.RecoveryWriteText}} ({{.NeverWrite}})</td><td>{{.RecoveryLeaderText}} ({{.NeverLeader}})</td></tr>
{{end}}</table>
{{range .Figures}}
<h2>{{.Title}}</h2>
<figure><a href="{{.Name}}.svg"><img src="{{.Name}}.png" alt="{{.Title}}"></a>
<figcaption>{{.Caption}} (<a href="{{.Name}}.svg">SVG</a>)</figcaption></figure>
{{end}}
<h2>Violations per guarantee and scenario</h2>
{{if .Matrix}}<p>Seeds that broke each guarantee, per scenario.</p>
<table><tr><th>guarantee</th>{{range .Names}}<th class="num">{{.}}</th>{{end}}</tr>
{{range .Matrix}}<tr>{{range $i, $c := .}}{{if $i}}<td class="num">{{$c}}</td>{{else}}<td>{{$c}}</td>{{end}}{{end}}</tr>
{{end}}</table>
{{else}}<p>No guarantee was broken in any seed.</p>{{end}}
<h2>Failing seeds</h2>
{{if .Failing}}<ul>
{{range .Failing}}<li><b>{{.Scenario}} seed {{.Seed}}</b>{{with .Report}} (<a href="{{.}}">report</a>){{end}}<br>
replay: <code>{{.Replay}}</code>
{{if .Violations}}<ul>{{range .Violations}}<li><code>{{.}}</code></li>{{end}}</ul>{{else}}<br>no checker caught this run of a scenario that must fail{{end}}</li>
{{end}}</ul>
{{else}}<p>None.</p>{{end}}
<p>The data behind this page: <a href="sweep.json">sweep.json</a>; <code>zabsim report</code> draws it again.</p>
</body></html>
`))
