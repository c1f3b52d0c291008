package faults_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// writing is a started cluster with one client setting /x every 20 ms.
func writing(t *testing.T, seed uint64) (*cluster.Cluster, *client.Client) {
	c := started(t, seed)
	cl := c.AddClient(client.Config{SessionTimeout: 4000})
	cl.Start()
	cl.Create("/x", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
	n := 0
	var tick func()
	tick = func() {
		if cl.State() != client.Connecting && cl.State() != client.Connected {
			return
		}
		n++
		cl.SetData("/x", []byte(fmt.Sprint(n)), -1, nil)
		c.World.After(20*sim.Millisecond, tick)
	}
	c.World.After(500*sim.Millisecond, tick)
	return c, cl
}

// The leader dies right after its third PROPOSAL send from 1s. With two
// followers that is the first follower's copy of the second proposal: one
// follower has the txn, the other does not; a new leader takes over.
func TestCrashLeaderMidProposal(t *testing.T) {
	c, _ := writing(t, 3)
	old, ok := c.Leader()
	require.True(t, ok)
	armAt := c.World.Now() + sim.Second
	in := &faults.Injector{C: c}
	in.Schedule(faults.Plan{Actions: []faults.Action{{At: d("1s"), Kind: faults.CrashLeaderMid, K: 3}}, HealAt: d("8s"), End: d("12s")})
	c.World.RunFor(3 * sim.Second)
	assert.False(t, c.Up(old), "the leader crashed")
	after := 0
	for _, r := range c.Records() {
		if r.Obs.Kind == zab.ObsPropose && r.Server == old && r.At >= armAt {
			after++
		}
	}
	assert.Equal(t, 2, after, "two proposals after the fault was armed, the second half sent")
	lead, ok := c.Leader()
	require.True(t, ok, "a new leader")
	assert.NotEqual(t, old, lead)
	c.World.RunFor(10 * sim.Second)
	v := checker.CheckZab(c.Records())
	assert.True(t, v.OK(), v.String())
	assert.Empty(t, in.Skipped)
}

// A follower dies between its next log write and the fsync: the txn it
// never acknowledged is lost from its disk, and it catches up on restart.
func TestCrashFollowerBeforeLogSync(t *testing.T) {
	c, _ := writing(t, 4)
	lead, _ := c.Leader()
	var f zab.ServerID
	for _, id := range c.IDs()[:c.Voters()] {
		if id != lead {
			f = id
			break
		}
	}
	in := &faults.Injector{C: c}
	in.Schedule(faults.Plan{Actions: []faults.Action{{At: d("1s"), Kind: faults.CrashBeforeSync, Server: int(f)}}, HealAt: d("4s"), End: d("8s")})
	c.World.RunFor(2 * sim.Second)
	require.False(t, c.Up(f), "the follower crashed")
	lost := c.Server(f).LastProcessed()
	c.World.RunFor(4 * sim.Second)
	require.True(t, c.Up(f), "restarted at the heal")
	assert.Greater(t, c.Server(f).LastProcessed(), lost, "caught up")
	assert.Equal(t, c.Server(lead).Digest(), c.Server(f).Digest(), "and agrees with the leader")
	v := checker.CheckZab(c.Records())
	assert.True(t, v.OK(), v.String())
}

// The leader's counter jumps near 2^32-1: it steps down before the
// counter would wrap (ZOOKEEPER-1277's fix), and a new epoch begins.
func TestNearRolloverStartsANewEpoch(t *testing.T) {
	c, _ := writing(t, 5)
	lead, _ := c.Leader()
	epoch := c.Server(lead).Epoch()
	in := &faults.Injector{C: c}
	in.Schedule(faults.Plan{Actions: []faults.Action{{At: d("1s"), Kind: faults.NearRollover, Margin: 5}}, HealAt: d("4s"), End: d("8s")})
	c.World.RunFor(5 * sim.Second)
	require.Empty(t, in.Skipped)
	now, ok := c.Leader()
	require.True(t, ok)
	assert.Greater(t, c.Server(now).Epoch(), epoch, "a new epoch")
	limit := c.ServerConfig(lead).CounterLimit
	for _, r := range c.Records() {
		if r.Obs.Kind == zab.ObsPropose {
			assert.LessOrEqual(t, r.Obs.Zxid.Counter(), limit, "no proposal past the limit: %s", r.Obs.Zxid)
		}
	}
	v := checker.CheckZab(c.Records())
	assert.True(t, v.OK(), v.String())
}

// A client's process dies: its session expires at the servers after the
// timeout, and its ephemerals go.
func TestExpireSession(t *testing.T) {
	c, cl := writing(t, 6)
	cl.Create("/e", nil, tree.OpenACLUnsafe, tree.Ephemeral, nil)
	c.World.RunFor(sim.Second)
	session := cl.SessionID()
	require.NotZero(t, session)
	in := &faults.Injector{C: c, ExpireClient: func(n int) { c.CrashClient(c.Clients()[n-1]) }}
	in.Schedule(faults.Plan{Actions: []faults.Action{{At: d("1s"), Kind: faults.ExpireSession, Client: 1}}, HealAt: d("2s"), End: d("3s")})
	c.World.RunFor(8 * sim.Second)
	expired := false
	for _, r := range c.Records() {
		expired = expired || (r.Obs.Kind == zab.ObsSessionExpired && r.Obs.Session == session)
	}
	assert.True(t, expired, "the session expired")
	lead, _ := c.Leader()
	_, _, ok := c.Server(lead).Tree().Lookup("/e")
	assert.False(t, ok, "its ephemeral is gone")
}
