// The reports are checked as their readers would meet them: a real small
// run is drawn, and the files must exist, decode and name what matters
// (the verdict and the replay command); the same run drawn twice gives
// the same bytes.
package reports

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/scenarios"
)

func runOf(t *testing.T, name string, seed uint64) *Run {
	t.Helper()
	s, err := scenarios.Lookup(name)
	require.NoError(t, err)
	res, err := scenarios.Run(s, seed, nil, scenarios.Options{})
	require.NoError(t, err)
	r, err := FromResult(s, res)
	require.NoError(t, err)
	return r
}

func TestWriteRunDrawsEveryPlot(t *testing.T) {
	r := runOf(t, "leader-crash", 2)
	dir := filepath.Join(t.TempDir(), "report")
	require.NoError(t, WriteRun(dir, r))
	for _, name := range []string{"timeline", "latency", "throughput"} {
		b, err := os.ReadFile(filepath.Join(dir, name+".png"))
		require.NoError(t, err)
		img, err := png.Decode(bytes.NewReader(b))
		require.NoError(t, err, name)
		assert.Greater(t, img.Bounds().Dx(), 500, name)
		svg, err := os.ReadFile(filepath.Join(dir, name+".svg"))
		require.NoError(t, err)
		assert.Contains(t, string(svg), "<svg", name)
		assert.Greater(t, len(svg), 2000, name)
	}
	index, err := os.ReadFile(filepath.Join(dir, RunIndex))
	require.NoError(t, err)
	assert.Contains(t, string(index), "PASS")
	assert.Contains(t, string(index), "go run ./cmd/zabsim run leader-crash --seed 2")
	assert.Contains(t, string(index), `src="timeline.png"`)
	assert.Contains(t, string(index), "crash the leader after its")
	_, err = os.Stat(filepath.Join(dir, LinearizabilityWeb))
	assert.True(t, os.IsNotExist(err), "no porcupine page for a passing run")

	again := filepath.Join(t.TempDir(), "again")
	require.NoError(t, WriteRun(again, r))
	for _, name := range []string{RunIndex, RunJSON, "timeline.png", "timeline.svg", "throughput.png"} {
		a, _ := os.ReadFile(filepath.Join(dir, name))
		b, _ := os.ReadFile(filepath.Join(again, name))
		assert.True(t, bytes.Equal(a, b), "%s differs between two drawings of one run", name)
	}

	loaded, err := LoadRun(filepath.Join(dir, RunJSON))
	require.NoError(t, err)
	assert.Equal(t, r.TraceHash, loaded.TraceHash)
	assert.Equal(t, len(r.Timeline.Ops), len(loaded.Timeline.Ops))
}

// A failing write check brings porcupine's page along. The run here
// passes; a linearizability violation is added to its verdict so the
// report takes the failing path over a real history.
func TestWriteRunLinksPorcupineForAFailingWriteCheck(t *testing.T) {
	s, err := scenarios.Lookup("register")
	require.NoError(t, err)
	res, err := scenarios.Run(s, 1, nil, scenarios.Options{})
	require.NoError(t, err)
	res.Verdict.Violations = append(res.Verdict.Violations, checker.Violation{Guarantee: checker.ErrLinearizability, Detail: "planted by the test"})
	r, err := FromResult(s, res)
	require.NoError(t, err)
	require.NotEmpty(t, r.Linearizability)
	dir := t.TempDir()
	require.NoError(t, WriteRun(dir, r))
	index, err := os.ReadFile(filepath.Join(dir, RunIndex))
	require.NoError(t, err)
	assert.Contains(t, string(index), `id="verdict">FAIL<`)
	assert.Contains(t, string(index), "planted by the test")
	assert.Contains(t, string(index), `href="linearizability.html"`)
	page, err := os.ReadFile(filepath.Join(dir, LinearizabilityWeb))
	require.NoError(t, err)
	assert.Contains(t, string(page), "<html")
}
