package cluster

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
)

func TestIsolatedLeaderStepsDown(t *testing.T) {
	c := newCluster(t, 4, 3, 0)
	c.World.RunFor(5 * sim.Second)
	l, ok := c.Leader()
	require.True(t, ok)
	epoch := c.Server(l).Epoch()
	c.World.Isolate(c.NodeOf(l))
	// syncLimit is 5 ticks of 2 s: the leader must notice within it.
	c.World.RunFor(12 * sim.Second)
	assert.NotEqual(t, zab.Leading, c.Server(l).State(), "a leader without a quorum steps down")
	l2, ok := c.Leader()
	require.True(t, ok, c.states())
	assert.NotEqual(t, l, l2)
	assert.Greater(t, c.Server(l2).Epoch(), epoch)
	c.World.Heal()
	c.World.RunFor(10 * sim.Second)
	assert.Equal(t, zab.Following, c.Server(l).State(), "the old leader rejoins as a follower")
}

func TestPausedFollowerIsDroppedAndRejoins(t *testing.T) {
	c := newCluster(t, 5, 3, 0)
	c.World.RunFor(5 * sim.Second)
	l, _ := c.Leader()
	f := zab.ServerID(1)
	if f == l {
		f = 2
	}
	c.Pause(f)
	w := c.AddWriter(l, 200, false)
	c.World.RunFor(15 * sim.Second)
	assert.Equal(t, 200, w.OK, "a quorum without the paused follower commits")
	c.Resume(f)
	c.World.RunFor(15 * sim.Second)
	assert.Equal(t, zab.Following, c.Server(f).State())
	assert.Equal(t, c.Server(l).Digest(), c.Server(f).Digest())
	var modes []string
	c.EachRecord(func(r Record) {
		if r.Obs.Kind == zab.ObsSync && r.Obs.Peer == f {
			modes = append(modes, r.Obs.Detail)
		}
	})
	require.GreaterOrEqual(t, len(modes), 2, "synced once at start and again after the resume")
	assert.Equal(t, "DIFF", modes[len(modes)-1])
}

func TestLaggingServerRejoinsBySnapshot(t *testing.T) {
	c, err := New(Config{Seed: 6, Voters: 3, Server: func(cfg *zab.Config) {
		cfg.SnapCount = 100
		cfg.CommitLogCount = 50
	}})
	require.NoError(t, err)
	c.Start()
	c.World.RunFor(5 * sim.Second)
	l, _ := c.Leader()
	f := zab.ServerID(1)
	if f == l {
		f = 2
	}
	c.Crash(f, false)
	w := c.AddWriter(l, 2000, false)
	c.World.RunFor(30 * sim.Second)
	require.Equal(t, 2000, w.OK)
	require.NoError(t, c.Restart(f))
	c.World.RunFor(10 * sim.Second)
	assert.Equal(t, zab.Following, c.Server(f).State())
	assert.Equal(t, c.Server(l).Digest(), c.Server(f).Digest())
	var last string
	c.EachRecord(func(r Record) {
		if r.Obs.Kind == zab.ObsSync && r.Obs.Peer == f {
			last = r.Obs.Detail
		}
	})
	assert.Equal(t, "SNAP", last, "2000 txns behind, far past the committed window")
}

func TestOldLeaderTruncatesItsUncommittedTail(t *testing.T) {
	c := newCluster(t, 7, 3, 0)
	c.World.RunFor(5 * sim.Second)
	l, _ := c.Leader()
	w := c.AddWriter(l, 100000, false)
	c.World.RunFor(time(500))
	// Cut the leader off from the other servers, not from its clients: a
	// new client's createSession is then logged and fsynced by the leader
	// alone.
	var others []sim.NodeID
	for _, id := range c.IDs() {
		if id != l {
			others = append(others, c.NodeOf(id))
		}
	}
	c.World.Partition([]sim.NodeID{c.NodeOf(l)}, others)
	w.stop = w.next
	c.AddWriter(l, 1, false)
	c.World.RunFor(time(200))
	c.Crash(l, false)
	// The others notice after syncLimit and elect; the old leader comes
	// back before the new epoch commits anything (no client is left to
	// write, and sessions expire later).
	c.World.RunFor(11 * sim.Second)
	l2, ok := c.Leader()
	require.True(t, ok, c.states())
	require.Equal(t, c.Server(l2).Epoch()-1, c.Server(l2).LastProcessed().Epoch(), "nothing committed in the new epoch yet")
	c.World.Heal()
	require.NoError(t, c.Restart(l))
	c.World.RunFor(2 * sim.Second)
	assert.Equal(t, zab.Following, c.Server(l).State())
	assert.Equal(t, c.Server(l2).Digest(), c.Server(l).Digest())
	var last string
	c.EachRecord(func(r Record) {
		if r.Obs.Kind == zab.ObsSync && r.Obs.Peer == l {
			last = r.Obs.Detail
		}
	})
	assert.Equal(t, "TRUNC", last, "the old leader logged a txn no quorum had")
}

func time(ms int64) sim.Time { return sim.Time(ms) * sim.Millisecond }
