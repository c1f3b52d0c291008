// The sweep report is drawn from a few real seeds, one scenario that
// keeps its promises and one that must be caught, as `zabsim sweep` would
// hand them over; merging shards by seed must give the same report as the
// whole sweep.
package reports

import (
	"bytes"
	"fmt"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/scenarios"
)

func seedResults(t *testing.T, name string, seeds ...uint64) []SeedResult {
	t.Helper()
	s, err := scenarios.Lookup(name)
	require.NoError(t, err)
	var out []SeedResult
	for _, seed := range seeds {
		res, err := scenarios.Run(s, seed, nil, scenarios.Options{})
		require.NoError(t, err)
		st := res.Stats
		r := SeedResult{Scenario: name, Seed: seed, Failed: res.Failed() != s.MustFail, TraceHash: fmt.Sprintf("%#016x", res.TraceHash),
			Ops: res.Ops, Replay: res.ReplayCommand(), Stats: &st, WallMillis: float64(seed)}
		for _, v := range res.Verdict.Violations {
			r.Violations = append(r.Violations, v.String())
		}
		out = append(out, r)
	}
	return out
}

func TestWriteSweepDrawsDistributionsAndViolations(t *testing.T) {
	rs := append(seedResults(t, "leader-crash", 1, 2, 3), seedResults(t, "violation-network", 1, 2)...)
	dir := t.TempDir()
	require.NoError(t, WriteSweep(dir, rs))
	for _, name := range []string{"elections", "recovery-write", "recovery-leader", "violations"} {
		b, err := os.ReadFile(filepath.Join(dir, name+".png"))
		require.NoError(t, err, name)
		_, err = png.Decode(bytes.NewReader(b))
		require.NoError(t, err, name)
		svg, err := os.ReadFile(filepath.Join(dir, name+".svg"))
		require.NoError(t, err, name)
		assert.Contains(t, string(svg), "<svg", name)
	}
	index, err := os.ReadFile(filepath.Join(dir, RunIndex))
	require.NoError(t, err)
	page := string(index)
	assert.Contains(t, page, "5 seeds of leader-crash, violation-network: 0 failing")
	assert.Contains(t, page, `id="verdict">PASS`)
	assert.Contains(t, page, "violation-network (must fail)")
	assert.Contains(t, page, "liveness", "the caught violations are counted by guarantee")
	assert.NotContains(t, page, "wall", "no wall-clock time in a report")

	loaded, err := LoadSweep(dir)
	require.NoError(t, err)
	assert.Len(t, loaded, 5)
	assert.Equal(t, rs[0].TraceHash, loaded[0].TraceHash)
}

func TestWriteSweepListsFailingSeeds(t *testing.T) {
	rs := seedResults(t, "leader-crash", 4)
	rs[0].Failed = true
	rs[0].Violations = []string{"durability: no committed transaction is lost: planted"}
	rs[0].Report = "runs/leader-crash-4/index.html"
	dir := t.TempDir()
	require.NoError(t, WriteSweep(dir, rs))
	index, err := os.ReadFile(filepath.Join(dir, RunIndex))
	require.NoError(t, err)
	page := string(index)
	assert.Contains(t, page, `id="verdict">FAIL`)
	assert.Contains(t, page, "go run ./cmd/zabsim run leader-crash --seed 4")
	assert.Contains(t, page, `href="runs/leader-crash-4/index.html"`)
}

func TestMergeSweepsGivesTheWholeSweep(t *testing.T) {
	all := seedResults(t, "register", 1, 2, 3)
	whole, shards := t.TempDir(), t.TempDir()
	require.NoError(t, WriteSweep(whole, all))
	merged, err := MergeSweeps([][]SeedResult{{all[2], all[0]}, {all[1], all[0]}}, []string{"a.json", "b.json"})
	require.NoError(t, err)
	require.NoError(t, WriteSweep(shards, merged))
	for _, name := range []string{RunIndex, SweepJSON, "elections.png", "recovery-write.svg"} {
		a, err := os.ReadFile(filepath.Join(whole, name))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(shards, name))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(a, b), "%s: merged shards differ from the whole sweep", name)
	}

	other := all[1]
	other.TraceHash = "0x0000000000000001"
	_, err = MergeSweeps([][]SeedResult{all, {other}}, []string{"a.json", "b.json"})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "register seed 2 differs between shards")
	assert.Contains(t, err.Error(), "b.json")
}

func TestLoadSweepNamesTheProblem(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(body), 0o644))
		return p
	}
	for _, tt := range []struct{ name, body, want string }{
		{"truncated", `[{"scenario": "register", "seed": 1`, "not a sweep's results"},
		{"an object", `{"scenario": "register"}`, "a JSON array of seeds"},
		{"a wrong type", `[{"scenario": "register", "seed": "one"}]`, `field "seed"`},
		{"no scenario", `[{"seed": 1}]`, `field "scenario" is missing`},
		{"an unknown field", `[{"scenario": "register", "sede": 1}]`, `"sede"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := write(tt.name+".json", tt.body)
			_, err := LoadSweep(p)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.Contains(t, err.Error(), p, "the error names the file")
		})
	}
}
