package checker

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// A run whose leader crashes at 4s and restarts at 6s (the heal); its
// clients write throughout.
func healedRun(t *testing.T) (*cluster.Cluster, int64) {
	c := busyRun(t, 11)
	c.World.RunFor(sim.Second) // to 4s
	lead, ok := c.Leader()
	require.True(t, ok)
	c.Crash(lead, false)
	c.World.RunFor(2 * sim.Second)
	require.NoError(t, c.Restart(lead))
	healAt := int64(c.World.Now())
	c.World.RunFor(6 * sim.Second)
	return c, healAt
}

func TestLivenessPassesAHealedRun(t *testing.T) {
	c, healAt := healedRun(t)
	end := int64(c.World.Now()) - int64(sim.Second) // ops called later may still be in flight
	v := Liveness(c.History(), healAt, int64(2*sim.Second), end)
	assert.True(t, v.OK(), v.String())
	v = LeaderElected(c.Records(), c.Voters(), healAt, int64(2*sim.Second))
	assert.True(t, v.OK(), v.String())
}

func TestLivenessCatchesAnUnansweredOp(t *testing.T) {
	c, healAt := healedRun(t)
	end := int64(c.World.Now()) - int64(sim.Second) // ops called later may still be in flight
	ops := slices.Clone(c.History().Ops())          // tampered with below
	for i := range ops {
		op := &ops[i]
		if op.Call > healAt+int64(2*sim.Second) && op.Outcome == client.OK && op.Err == tree.OK {
			op.Outcome, op.Return = client.Unknown, end
			break
		}
	}
	v := Liveness(client.NewHistory(ops, c.History().Events), healAt, int64(2*sim.Second), end)
	assert.True(t, v.Has(ErrLiveness), v.String())

	// Nothing answered at all after the heal.
	for i := range ops {
		if ops[i].Call > healAt+int64(2*sim.Second) {
			ops[i].Outcome = client.Pending
		}
	}
	v = Liveness(client.NewHistory(ops, c.History().Events), healAt, int64(2*sim.Second), end)
	assert.True(t, v.Has(ErrLiveness), v.String())
}

func TestLeaderElectedCatchesALeaderlessEnsemble(t *testing.T) {
	c, healAt := healedRun(t)
	recs := c.Records()
	// Drop every establishment: nobody ever finished discovery.
	var none []cluster.Record
	for _, r := range recs {
		if r.Obs.Kind != zab.ObsEstablished {
			none = append(none, r)
		}
	}
	v := LeaderElected(none, c.Voters(), healAt, int64(2*sim.Second))
	assert.True(t, v.Has(ErrNoLeader), v.String())

	// A leader without a quorum: its followers went back to looking.
	lead, ok := c.Leader()
	require.True(t, ok)
	lonely := append([]cluster.Record(nil), recs...)
	at := sim.Time(healAt + int64(sim.Second))
	for _, id := range c.IDs() {
		if id != lead {
			lonely = append(lonely, cluster.Record{At: at, Server: id, Obs: zab.Observation{Kind: zab.ObsState, State: zab.Looking}})
		}
	}
	sortRecords(lonely)
	v = LeaderElected(lonely, c.Voters(), healAt, int64(2*sim.Second))
	assert.True(t, v.Has(ErrNoLeader), v.String())
}

func sortRecords(r []cluster.Record) {
	for i := 1; i < len(r); i++ {
		for j := i; j > 0 && r[j].At < r[j-1].At; j-- {
			r[j], r[j-1] = r[j-1], r[j]
		}
	}
}
