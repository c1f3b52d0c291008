package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/reports"
)

func execute(t *testing.T, cmd *cobra.Command, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	cmd.SetOut(&out)
	cmd.SetErr(&out)
	cmd.SetArgs(args)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	err := cmd.Execute()
	return out.String(), err
}

func TestScenariosListsOnePerLineNameFirst(t *testing.T) {
	out, err := execute(t, scenariosCmd())
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^swarm\s+the register workload`, out)
	assert.Regexp(t, `(?m)^leader-crash\s`, out)
}

func TestRunPrintsVerdictPlanHashAndReplay(t *testing.T) {
	out, err := execute(t, runCmd(), "leader-crash", "--seed", "2")
	require.NoError(t, err)
	assert.Contains(t, out, "scenario leader-crash seed 2: PASS")
	assert.Regexp(t, `trace hash 0x[0-9a-f]{16}`, out)
	assert.Contains(t, out, "crash the leader after its")
	assert.Contains(t, out, "replay: go run ./cmd/zabsim run leader-crash --seed 2")
	again, err := execute(t, runCmd(), "leader-crash", "--seed", "2")
	require.NoError(t, err)
	assert.Equal(t, out, again, "the same seed prints the same run")
}

func TestRunRefusesBadInput(t *testing.T) {
	_, err := execute(t, runCmd(), "swram")
	var ue usageError
	require.True(t, errors.As(err, &ue))
	assert.Contains(t, err.Error(), "did you mean swarm")

	bad := filepath.Join(t.TempDir(), "plan.json")
	require.NoError(t, os.WriteFile(bad, []byte(`{"actions":[{"at":"1s","kind":"crash","servr":2}],"heal_at":"2s","end":"3s"}`), 0o644))
	_, err = execute(t, runCmd(), "register", "--plan", bad)
	require.True(t, errors.As(err, &ue))
	assert.Contains(t, err.Error(), `"servr"`)

	_, err = execute(t, sweepCmd(), "register", "--seeds", "9-3")
	require.True(t, errors.As(err, &ue))
	_, err = execute(t, sweepCmd(), "register", "--shard", "3/2")
	require.True(t, errors.As(err, &ue))
}

func TestPlanRoundTripsThroughRun(t *testing.T) {
	out, err := execute(t, planCmd(), "swarm", "--seed", "4")
	require.NoError(t, err)
	f := filepath.Join(t.TempDir(), "plan.json")
	require.NoError(t, os.WriteFile(f, []byte(out), 0o644))
	fromFile, err := execute(t, runCmd(), "swarm", "--seed", "4", "--plan", f)
	require.NoError(t, err)
	fromSeed, err := execute(t, runCmd(), "swarm", "--seed", "4")
	require.NoError(t, err)
	hash := func(s string) string {
		m := regexpHash.FindString(s)
		require.NotEmpty(t, m)
		return m
	}
	assert.Equal(t, hash(fromSeed), hash(fromFile), "a saved plan replays the seed's run")
}

func TestSweepReportsAndShards(t *testing.T) {
	dir := t.TempDir()
	out, err := execute(t, sweepCmd(), "register", "--seeds", "1-4", "--quiet", "--shard", "1/2", "--json", filepath.Join(dir, "r.json"))
	require.NoError(t, err)
	assert.Contains(t, out, "2 seeds in")
	b, err := os.ReadFile(filepath.Join(dir, "r.json"))
	require.NoError(t, err)
	assert.Contains(t, string(b), `"seed": 2`)
	assert.Contains(t, string(b), `"seed": 4`)
	assert.NotContains(t, string(b), `"seed": 1,`)
}

var regexpHash = regexp.MustCompile(`trace hash 0x[0-9a-f]{16}`)

func TestRunOutWritesTheReport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "nested", "report")
	out, err := execute(t, runCmd(), "register", "--seed", "3", "--out", dir)
	require.NoError(t, err)
	assert.Contains(t, out, "report: "+filepath.Join(dir, "index.html"))
	for _, name := range []string{"index.html", "run.json", "timeline.png", "timeline.svg", "latency.png", "throughput.png"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err, name)
		assert.Positive(t, fi.Size(), name)
	}
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(index), "go run ./cmd/zabsim run register --seed 3")

	again, err := execute(t, reportCmd(), dir)
	require.NoError(t, err, "a run report is drawn again from its run.json")
	assert.Contains(t, again, "register seed 3: PASS")
	redrawn, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	assert.Equal(t, string(index), string(redrawn))
}

func TestOutRefusesAnUnwritableDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a-file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	bad := filepath.Join(file, "report")
	var ue usageError
	for _, tt := range []struct {
		name string
		run  func() error
	}{
		{"run", func() error { _, err := execute(t, runCmd(), "register", "--out", bad); return err }},
		{"sweep", func() error {
			_, err := execute(t, sweepCmd(), "register", "--seeds", "1", "--quiet", "--out", bad)
			return err
		}},
		{"report", func() error {
			return reportRun(&reportOptions{Inputs: []string{file}, Out: bad}, io.Discard)
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.run()
			require.True(t, errors.As(err, &ue), "bad input, exit status 2: %v", err)
			assert.Contains(t, err.Error(), bad, "the error names the directory")
		})
	}
}

func TestReplayGivesTheSameHashAsRun(t *testing.T) {
	run, err := execute(t, runCmd(), "leader-crash", "--seed", "5")
	require.NoError(t, err)
	hash := regexpHash.FindString(run)
	require.NotEmpty(t, hash)
	value := hash[len("trace hash "):]

	replay, err := execute(t, replayCmd(), "leader-crash", "--seed", "5", "--server", "zk1", "--kind", "state", "--expect-hash", value)
	require.NoError(t, err)
	assert.Contains(t, replay, hash, "the replay is the same run, bit for bit")
	lines := 0
	for _, l := range strings.Split(replay, "\n") {
		if strings.Contains(l, " zk1 ") && strings.Contains(l, "state ") {
			lines++
		}
	}
	assert.Positive(t, lines, "the trace is printed, filtered to zk1's state changes")
	assert.NotContains(t, replay, " zk2 ", "other servers' events are filtered out")

	_, err = execute(t, replayCmd(), "leader-crash", "--seed", "6", "--expect-hash", value)
	assert.ErrorIs(t, err, errFailed, "another seed is another run: exit status 1")
}

func TestSweepOutAndReportMerge(t *testing.T) {
	dir := t.TempDir()
	whole := filepath.Join(dir, "whole")
	_, err := execute(t, sweepCmd(), "register", "--seeds", "1-4", "--quiet", "--jobs", "2", "--out", whole)
	require.NoError(t, err)
	var shards []string
	for i := 0; i < 2; i++ {
		f := filepath.Join(dir, fmt.Sprintf("shard%d.json", i))
		_, err := execute(t, sweepCmd(), "register", "--seeds", "1-4", "--quiet", "--jobs", "1", "--shard", fmt.Sprintf("%d/2", i), "--json", f)
		require.NoError(t, err)
		shards = append(shards, f)
	}
	merged := filepath.Join(dir, "merged")
	out, err := execute(t, reportCmd(), append([]string{"--merge", "--out", merged}, shards...)...)
	require.NoError(t, err)
	assert.Contains(t, out, "4 seeds from 2 file(s), 0 failing")
	for _, name := range []string{"index.html", "elections.png", "recovery-write.svg"} {
		a, err := os.ReadFile(filepath.Join(whole, name))
		require.NoError(t, err)
		b, err := os.ReadFile(filepath.Join(merged, name))
		require.NoError(t, err)
		assert.True(t, bytes.Equal(a, b), "%s: shards merged differ from the whole sweep", name)
	}

	_, err = execute(t, reportCmd(), shards...)
	var ue usageError
	require.True(t, errors.As(err, &ue), "two inputs without --merge")
	bad := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(bad, []byte("[{"), 0o644))
	_, err = execute(t, reportCmd(), "--merge", bad, "--out", filepath.Join(dir, "r"))
	require.True(t, errors.As(err, &ue), "a malformed file")
	assert.Contains(t, err.Error(), bad)
	_, err = execute(t, reportCmd(), filepath.Join(dir, "missing.json"), "--out", filepath.Join(dir, "r"))
	require.True(t, errors.As(err, &ue), "a missing file")
}

func TestSweepReportWritesTheFirstFailingSeedsRunReports(t *testing.T) {
	results := []reports.SeedResult{
		{Scenario: "register", Seed: 1, Failed: true, Violations: []string{"planted"}, Replay: "go run ./cmd/zabsim run register --seed 1"},
		{Scenario: "register", Seed: 2, Failed: true, Violations: []string{"planted"}, Replay: "go run ./cmd/zabsim run register --seed 2"},
	}
	dir := t.TempDir()
	var out bytes.Buffer
	require.NoError(t, writeSweepReport(&out, dir, results, 1))
	assert.Equal(t, "runs/register-1/index.html", results[0].Report)
	assert.Empty(t, results[1].Report, "--run-reports 1: only the first")
	_, err := os.Stat(filepath.Join(dir, "runs", "register-1", "timeline.png"))
	require.NoError(t, err)
	index, err := os.ReadFile(filepath.Join(dir, "index.html"))
	require.NoError(t, err)
	assert.Contains(t, string(index), `href="runs/register-1/index.html"`)
}

func TestConformRefusesWhatARealEnsembleCannotPlay(t *testing.T) {
	for _, name := range []string{"swarm-5", "violation-disk", "register-partitions"} {
		_, err := execute(t, conformCmd(), name)
		var ue usageError
		require.True(t, errors.As(err, &ue), "%s: %v", name, err)
		assert.Contains(t, err.Error(), "cannot run on the real ensemble")
	}
	_, err := execute(t, conformCmd(), "leader-crsh")
	var ue usageError
	require.True(t, errors.As(err, &ue))
	assert.Contains(t, err.Error(), "did you mean leader-crash")
}

func TestZooPrintsATableAndChecksTheCorrectServer(t *testing.T) {
	out, err := execute(t, zooCmd(nil), "--bugs", "ZK1277,zookeeper-1208", "--seeds", "3", "--correct-seeds", "2", "--shrink-runs", "10", "--plans")
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^ZK1208\s+yes\s+1\s+1/1\s.*session-ends.*2/2 pass$`, out)
	assert.Regexp(t, `(?m)^ZK1277\s+yes\s+1\s+1/1\s.*primary-order.*2/2 pass$`, out)
	assert.Contains(t, out, "2/2 bugs caught within seeds 1-3; seeds to detection: median 1, max 1")
	assert.Contains(t, out, "replay: go run ./cmd/zabsim run zoo-zk1277 --seed 1")
	assert.Contains(t, out, "zxid counter of the leader to", "the shrunk plan keeps the push to the rollover")
}

// ZOOKEEPER-1046 is caught where clients see it: one sequential name
// handed out twice.
func TestZooNamesTheSymptomOfZK1046(t *testing.T) {
	out, err := execute(t, zooCmd(nil), "--bugs", "ZK1046", "--seeds", "4", "--correct-seeds", "1", "--shrink-runs", "0")
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^ZK1046\s+yes\s+[1-4]\s+\S+\s+\S+\s+sequential-names, `, out)
}

func TestZooRefusesBadInput(t *testing.T) {
	var ue usageError
	_, err := execute(t, zooCmd(nil), "--bugs", "ZK9999")
	require.True(t, errors.As(err, &ue))
	assert.Contains(t, err.Error(), "known: ZK1046")
	_, err = execute(t, zooCmd(nil), "--seeds", "0")
	require.True(t, errors.As(err, &ue))
	_, err = execute(t, zooCmd(nil), "--jobs", "0")
	require.True(t, errors.As(err, &ue))
}

func TestZooFlagsReachTheOptions(t *testing.T) {
	var got *zooOptions
	_, err := execute(t, zooCmd(func(o *zooOptions) error { got = o; return nil }), "--seeds", "7", "--jobs", "3", "--full", "--shrink-runs", "0")
	require.NoError(t, err)
	assert.Equal(t, uint64(7), got.Seeds)
	assert.Equal(t, 3, got.Jobs)
	assert.True(t, got.Full)
	assert.Equal(t, 0, got.ShrinkRuns)
	assert.Equal(t, uint64(20), got.CorrectSeeds)
}

func TestRunNamesTheBugAZooScenarioCatches(t *testing.T) {
	out, err := execute(t, runCmd(), "zoo-zk1208", "--seed", "1")
	require.NoError(t, err, "a caught bug is the expected outcome")
	assert.Contains(t, out, "scenario zoo-zk1208 seed 1: PASS (bug ZK1208 caught, as it must be)")
	out, err = execute(t, runCmd(), "zoo-zk1208-fixed", "--seed", "1")
	require.NoError(t, err)
	assert.Contains(t, out, "scenario zoo-zk1208-fixed seed 1: PASS\n")
}
