package main

// zabsim bench's tests: a run with tiny limits prints every row of both
// tables (the numbers are the machine's, so only the rows are checked),
// and its JSON holds the report that prints as Markdown; bad input is
// refused; the default scenarios are the standard ones.

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/scenarios"
	"github.com/zabsim/zabsim/sim"
)

var tinyLimits = benchLimits{Budget: 1, Rounds: 1, Seeds: 1, SweepSeeds: 2, Porcupine: []int{100, 200}, ReadOps: 500,
	Writes: 200 * sim.Millisecond, Memory: sim.Second}

// benchRows are the rows every report has, by the start of their name.
var benchRows = []string{
	"CI scenario, one seed on one core", "sim core, timers", "sim core, messages", "tree apply, creates",
	"committed writes, creates", "committed writes, mixed", "porcupine check, 100 ops", "porcupine check, 200 ops",
	"read checker, 500 ops", "sweep of ci, 1 worker", "sweep of ci, 2 workers", "memory per world",
}

func TestBenchPrintsEveryRow(t *testing.T) {
	var out strings.Builder
	file := filepath.Join(t.TempDir(), "bench.json")
	opts := &benchOptions{Out: &out, Quick: true, Scenarios: "register,ci", JSON: file, Limits: tinyLimits}
	require.NoError(t, benchRun(opts))
	text := out.String()
	assert.Contains(t, text, "go run ./cmd/zabsim bench --quick --scenarios register,ci\n")
	assert.Regexp(t, `machine: .*; \d+ cores, GOMAXPROCS \d+; go1\.\S+ \w+/\w+; load average`, text)
	for _, s := range []string{"register", "ci"} {
		assert.Regexp(t, `(?m)^`+s+`\s+1\s+\S+\s+\S+\s+[0-9.]+\s+\S+\s+[0-9.]+$`, text, "scenario row %s", s)
	}
	for _, row := range benchRows {
		assert.Regexp(t, `(?m)^`+regexp.QuoteMeta(row)+`\s+\S`, text, "row %q", row)
	}

	var rep benchReport
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &rep))
	assert.Len(t, rep.Scenarios, 2)
	assert.GreaterOrEqual(t, len(rep.Measures), len(benchRows))

	// The Markdown of the same report (its JSON read back).
	out.Reset()
	printBenchMarkdown(&out, &rep)
	md := out.String()
	assert.Contains(t, md, "## Results\n")
	assert.Contains(t, md, "| scenario | seeds | sim s / wall s |")
	assert.Regexp(t, `(?m)^\| ci \| 1 \| `, md)
	for _, row := range benchRows {
		assert.Regexp(t, `(?m)^\| `+regexp.QuoteMeta(row), md, "row %q", row)
		assert.Regexp(t, `(?m)^- \*\*`+regexp.QuoteMeta(row), md, "what %q measures", row)
	}
}

func TestBenchRefusesBadInput(t *testing.T) {
	var ue usageError
	for _, args := range [][]string{
		{"--scenarios", "swram"},
		{"--scenarios", "violation-disk"},
		{"--scenarios", "zoo-zk1046"},
		{"--seeds", "-1"},
		{"extra"},
	} {
		_, err := execute(t, benchCmd(nil), args...)
		require.Error(t, err, "%v", args)
		assert.True(t, errors.As(err, &ue) || isCobraUsage(err), "%v: bad input, exit status 2: %v", args, err)
	}
}

func TestBenchFlagsReachTheOptions(t *testing.T) {
	var got *benchOptions
	_, err := execute(t, benchCmd(func(o *benchOptions) error { got = o; return nil }),
		"--quick", "--scenarios", "ci,swarm", "--seeds", "3", "--json", "b.json", "--markdown")
	require.NoError(t, err)
	assert.True(t, got.Quick)
	assert.Equal(t, "ci,swarm", got.Scenarios)
	assert.Equal(t, 3, got.Seeds)
	assert.Equal(t, "b.json", got.JSON)
	assert.True(t, got.Markdown)
	assert.Equal(t, "go run ./cmd/zabsim bench --quick --scenarios ci,swarm --seeds 3 --markdown", benchCommand(got))
}

func TestBenchTimesEveryStandardScenario(t *testing.T) {
	list, err := benchScenarios("")
	require.NoError(t, err)
	var want []string
	for _, s := range scenarios.All() {
		if !s.MustFail {
			want = append(want, s.Name)
		}
	}
	var got []string
	for _, s := range list {
		got = append(got, s.Name)
	}
	assert.Equal(t, want, got)
	assert.Contains(t, got, "ci")
	assert.NotContains(t, got, "violation-disk")
}
