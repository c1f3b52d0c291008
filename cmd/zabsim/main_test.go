package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
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

func TestZooPrintsATableAndChecksTheCorrectServer(t *testing.T) {
	out, err := execute(t, zooCmd(nil), "--bugs", "ZK1277,zookeeper-1208", "--seeds", "3", "--correct-seeds", "2", "--shrink-runs", "10", "--plans")
	require.NoError(t, err)
	assert.Regexp(t, `(?m)^ZK1208\s+yes\s+1\s+1/1\s.*session-ends.*2/2 pass$`, out)
	assert.Regexp(t, `(?m)^ZK1277\s+yes\s+1\s+1/1\s.*primary-order.*2/2 pass$`, out)
	assert.Contains(t, out, "2/2 bugs caught within seeds 1-3; seeds to detection: median 1, max 1")
	assert.Contains(t, out, "replay: go run ./cmd/zabsim run zoo-zk1277 --seed 1")
	assert.Contains(t, out, "zxid counter of the leader to", "the shrunk plan keeps the push to the rollover")
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
