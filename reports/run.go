// Package reports draws what a run or a sweep recorded, for people who
// bring plots to design reviews: an election timeline, latency CDFs and
// throughput for a run; election-duration and recovery-time distributions
// and violations per guarantee for a sweep. Each report is a directory of
// PNG and SVG plots tied together by an index.html. Reports hold no
// wall-clock time: the same run gives the same report, byte for byte. They
// read a run's results and never affect its verdict.
package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/scenarios"
)

// Run is everything a run's report shows, as data: run.json holds it, so
// a report can be drawn again without rerunning.
type Run struct {
	Scenario    string `json:"scenario"`
	Description string `json:"description,omitempty"`
	Seed        uint64 `json:"seed"`
	// MustFail: the scenario breaks the fault model on purpose and passes
	// when a checker catches it.
	MustFail   bool                `json:"must_fail,omitempty"`
	TraceHash  string              `json:"trace_hash"`
	Events     int64               `json:"events"`
	Plan       faults.Plan         `json:"plan"`
	PlanFile   string              `json:"plan_file,omitempty"`
	Skipped    []string            `json:"skipped,omitempty"`
	Violations []string            `json:"violations,omitempty"`
	Allowed    []string            `json:"allowed,omitempty"`
	Replay     string              `json:"replay"`
	Stats      scenarios.Stats     `json:"stats"`
	Timeline   *scenarios.Timeline `json:"timeline"`
	// Linearizability is porcupine's visualisation of the writes when
	// their check failed (an HTML page of its own); not kept in run.json.
	Linearizability []byte `json:"-"`
}

// Broke reports whether some guarantee was broken.
func (r *Run) Broke() bool { return len(r.Violations) > 0 }

// Failed reports whether the run is a failure: a broken guarantee, or,
// for a scenario that must fail, none.
func (r *Run) Failed() bool { return r.Broke() != r.MustFail }

// Status is the run's verdict in a few words.
func (r *Run) Status() string {
	switch {
	case r.MustFail && r.Broke():
		return "PASS (the violation was caught, as it must be)"
	case r.MustFail:
		return "FAIL (a fault-model violation went unnoticed)"
	case r.Broke():
		return "FAIL"
	}
	return "PASS"
}

// porcupineTimeout bounds the search behind the visualisation, as the
// scenarios bound the check.
const porcupineTimeout = time.Minute

// FromResult gathers a finished run's report data. The run's cluster must
// still be there for porcupine's visualisation of a failing write check.
func FromResult(s *scenarios.Scenario, res *scenarios.Result) (*Run, error) {
	if res.Timeline == nil {
		return nil, errors.New("reports: the run has no timeline")
	}
	r := &Run{Scenario: res.Scenario, Description: s.Description, Seed: res.Seed, MustFail: s.MustFail,
		TraceHash: fmt.Sprintf("%#016x", res.TraceHash), Events: res.Events, Plan: res.Plan, PlanFile: res.PlanFile,
		Skipped: res.Skipped, Replay: res.ReplayCommand(), Stats: res.Stats, Timeline: res.Timeline}
	for _, v := range res.Verdict.Violations {
		r.Violations = append(r.Violations, v.String())
	}
	for _, v := range res.Verdict.Allowed {
		r.Allowed = append(r.Allowed, v.String())
	}
	if res.Verdict.Has(checker.ErrLinearizability) && res.Cluster != nil {
		var b bytes.Buffer
		if err := checker.VisualizeWrites(res.Cluster.History(), res.Cluster.Records(), porcupineTimeout, &b); err != nil {
			return nil, fmt.Errorf("reports: porcupine's visualisation: %w", err)
		}
		r.Linearizability = b.Bytes()
	}
	return r, nil
}

// The files of a run's report.
const (
	RunIndex           = "index.html"
	RunJSON            = "run.json"
	LinearizabilityWeb = "linearizability.html"
)

// WriteRun writes a run's report into dir (created if need be): the
// election timeline, latency CDFs and throughput as PNG and SVG, run.json,
// porcupine's visualisation if there is one, and index.html.
func WriteRun(dir string, r *Run) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("report directory %s: %w", dir, err)
	}
	figs := []*figure{timelineFigure(r), latencyFigure(r), throughputFigure(r)}
	for _, f := range figs {
		if err := f.save(dir); err != nil {
			return fmt.Errorf("report %s: %w", dir, err)
		}
	}
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, RunJSON), append(js, '\n'), 0o644); err != nil {
		return err
	}
	if len(r.Linearizability) > 0 {
		if err := os.WriteFile(filepath.Join(dir, LinearizabilityWeb), r.Linearizability, 0o644); err != nil {
			return err
		}
	}
	var b bytes.Buffer
	if err := runPage.Execute(&b, newRunView(r)); err != nil {
		return fmt.Errorf("report %s: index.html: %w", dir, err)
	}
	return os.WriteFile(filepath.Join(dir, RunIndex), b.Bytes(), 0o644)
}

// LoadRun reads a run.json written by WriteRun.
func LoadRun(path string) (*Run, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var r Run
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("%s: not a run report's run.json: %v", path, err)
	}
	if r.Timeline == nil || r.Scenario == "" {
		return nil, fmt.Errorf("%s: not a run report's run.json: no scenario or timeline", path)
	}
	return &r, nil
}
