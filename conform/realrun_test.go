package conform

// A scenario on the real ensemble: leader-crash cut to 16 s (one leader
// SIGKILLed and restarted), its History checked as a simulated run's is.

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/scenarios"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

func TestRealLeaderCrash(t *testing.T) {
	s, err := scenarios.Lookup("leader-crash")
	require.NoError(t, err)
	short := *s
	short.Duration, short.Heal = 16*time.Second, 8*time.Second
	e := startEnsemble(t, Options{TickTime: TickTime(&short)})
	var log bytes.Buffer
	res, err := RunReal(RealRunConfig{Scenario: &short, Seed: 3, Ensemble: e, Log: &log})
	require.NoError(t, err)
	t.Logf("%s\n%s", log.String(), res.Summary())
	assert.True(t, res.Verdict.OK(), "%s", res.Verdict)
	require.Len(t, res.Elections, 1, "one leader is killed")
	el := res.Elections[0]
	assert.NotZero(t, el.NewLeader, "a new leader follows")
	assert.NotEqual(t, el.Killed, el.NewLeader)
	assert.Less(t, el.Took, 10*time.Second)
	assert.Contains(t, res.Applied[1], "restart zk")
	assert.Greater(t, res.Answered(), 300, "five clients for 15 s")

	// The History is zab/client's: answered ops carry their xid, server
	// and reply zxid, and a session's zxids never go back.
	writes := 0
	for _, op := range res.History.All() {
		if op.Outcome != client.OK || !op.Sent {
			continue
		}
		assert.Positive(t, op.Xid, "%s", op)
		assert.NotZero(t, op.Server, "%s", op)
		assert.Positive(t, int64(op.Zxid), "%s", op)
		if op.IsWrite() && op.Err == tree.OK {
			writes++
		}
	}
	assert.Greater(t, writes, 50)

	// The checkers see a tampered history: an acknowledged write undone.
	for i, op := range res.History.All() {
		if op.Type == tree.OpSetData && op.Outcome == client.OK && op.Err == tree.OK && op.Call > int64(10*time.Second) {
			op.Err = tree.NoNode
			res.History.Set(i, op)
			break
		}
	}
	v := checker.LinearizableWrites(res.History, nil, time.Minute)
	assert.True(t, v.Has(checker.ErrLinearizability), "%s", v)
}

func TestRealRunRefusesWhatItCannotStage(t *testing.T) {
	for _, name := range []string{"swarm-5", "violation-network", "observers"} {
		s, err := scenarios.Lookup(name)
		require.NoError(t, err)
		assert.ErrorIs(t, CheckRunnable(s), ErrUnsupported, name)
	}
	s, err := scenarios.Lookup("leader-crash")
	require.NoError(t, err)
	assert.NoError(t, CheckRunnable(s))
	assert.Equal(t, 500, TickTime(s))
	assert.Equal(t, PlanFor(s, 4).String(), PlanFor(s, 4).String())
	assert.NotEqual(t, PlanFor(s, 4).String(), PlanFor(s, 5).String())
}
