// The timeline and stats are distilled after a run: these tests hold them
// to what the run's records say (rows cover the run without overlaps,
// crashes match DOWN intervals, epochs grow) and the election tracker to
// its definition on hand-made sequences.
package scenarios

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
)

func TestTimelineOfAQuietRun(t *testing.T) {
	s, err := Lookup("register")
	require.NoError(t, err)
	res, err := Run(s, 1, nil, Options{})
	require.NoError(t, err)
	tl := res.Timeline
	require.Len(t, tl.Servers, 4)
	assert.True(t, tl.Servers[3].Observer)
	for _, row := range tl.Servers {
		require.NotEmpty(t, row.Intervals, "zk%d", row.ID)
		assert.Equal(t, int64(0), row.Intervals[0].From, "zk%d starts at 0", row.ID)
		assert.Equal(t, tl.End, row.Intervals[len(row.Intervals)-1].To, "zk%d runs to the end", row.ID)
		for i := 1; i < len(row.Intervals); i++ {
			assert.Equal(t, row.Intervals[i-1].To, row.Intervals[i].From, "zk%d: no gap, no overlap", row.ID)
		}
	}
	require.Len(t, tl.Leaders, 1, "no fault, one leader")
	assert.Empty(t, tl.Faults)
	assert.Len(t, tl.Ops, res.Ops)
	require.Len(t, res.Stats.Elections, 1, "the first election only")
	assert.Equal(t, tl.Leaders[0].At, res.Stats.Elections[0], "the first election runs from the start to the first leader")
	assert.Equal(t, int64(0), res.Stats.RecoveryLeader, "the leader had its quorum at the heal")
	assert.GreaterOrEqual(t, res.Stats.RecoveryWrite, int64(0))
	assert.False(t, res.Stats.Leaderless)
	assert.Empty(t, res.Stats.Violations)
}

func TestTimelineOfLeaderCrashes(t *testing.T) {
	s, err := Lookup("leader-crash")
	require.NoError(t, err)
	res, err := Run(s, 2, nil, Options{})
	require.NoError(t, err)
	tl := res.Timeline
	down := 0
	for _, row := range tl.Servers {
		for _, iv := range row.Intervals {
			if iv.State == StateDown {
				down++
			}
		}
	}
	crashes := 0
	for _, f := range tl.Faults {
		if f.Kind == FaultCrash {
			crashes++
			assert.Less(t, f.From, f.To)
			assert.Len(t, f.Servers, 1)
		}
	}
	assert.Positive(t, down)
	assert.Equal(t, down, crashes, "every DOWN interval is a crash window")
	require.Greater(t, len(tl.Leaders), 1)
	for i := 1; i < len(tl.Leaders); i++ {
		assert.Greater(t, tl.Leaders[i].Epoch, tl.Leaders[i-1].Epoch, "epochs grow")
	}
	assert.Len(t, res.Stats.Elections, len(tl.Leaders), "each leader crash is one election")
	assert.Len(t, tl.Leaderless, len(res.Stats.Elections))
}

// rec and life build a hand-made run for the election tracker.
func rec(at sim.Time, id zab.ServerID, o zab.Observation) cluster.Record {
	return cluster.Record{At: at, Server: id, Obs: o}
}

func state(st zab.State, leader zab.ServerID) zab.Observation {
	return zab.Observation{Kind: zab.ObsState, State: st, Leader: leader}
}

func TestElectionTracker(t *testing.T) {
	ms := sim.Millisecond
	establish := func(el *electionTracker, at sim.Time, l zab.ServerID, others ...zab.ServerID) {
		el.stateRecord(rec(at, l, state(zab.Leading, l)))
		for _, o := range others {
			el.stateRecord(rec(at, o, state(zab.Following, l)))
		}
		el.establishedRecord(rec(at+10*ms, l, zab.Observation{Kind: zab.ObsEstablished, Epoch: 1}))
	}
	for _, tt := range []struct {
		name      string
		run       func(el *electionTracker)
		elections []int64
		recovery  int64
	}{
		{"the first election runs from the start", func(el *electionTracker) {
			establish(el, 200*ms, 3, 1, 2)
		}, []int64{int64(210 * ms)}, 0},
		{"a follower that drops out and rejoins is no election", func(el *electionTracker) {
			establish(el, 200*ms, 3, 1, 2)
			el.stateRecord(rec(1000*ms, 1, state(zab.Looking, 0)))
			el.stateRecord(rec(1300*ms, 1, state(zab.Following, 3)))
		}, []int64{int64(210 * ms)}, 0},
		{"a leader crash opens an election that the next leader closes", func(el *electionTracker) {
			establish(el, 200*ms, 3, 1, 2)
			el.lifeEvent(cluster.LifeEvent{At: 5000 * ms, Server: 3, Kind: cluster.LifeCrash})
			el.stateRecord(rec(5000*ms, 1, state(zab.Looking, 0)))
			el.stateRecord(rec(5000*ms, 2, state(zab.Looking, 0)))
			establish(el, 5200*ms, 2, 1)
		}, []int64{int64(210 * ms), int64(210 * ms)}, 0},
		{"followers that lose a partitioned leader open the election before it steps down", func(el *electionTracker) {
			establish(el, 200*ms, 3, 1, 2)
			el.stateRecord(rec(4000*ms, 1, state(zab.Looking, 0)))
			el.stateRecord(rec(4000*ms, 2, state(zab.Looking, 0)))
			el.stateRecord(rec(4100*ms, 3, state(zab.Looking, 0)))
			establish(el, 4200*ms, 2, 1)
		}, []int64{int64(210 * ms), int64(210 * ms)}, 0},
		{"a leaderless heal recovers when a leader is established", func(el *electionTracker) {
			establish(el, 200*ms, 3, 1, 2)
			el.stateRecord(rec(9000*ms, 1, state(zab.Looking, 0)))
			el.stateRecord(rec(9000*ms, 2, state(zab.Looking, 0)))
			el.stateRecord(rec(9000*ms, 3, state(zab.Looking, 0)))
			establish(el, 10500*ms, 1, 2)
		}, []int64{int64(210 * ms), int64(1510 * ms)}, int64(510 * ms)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			el := newElectionTracker(3, int64(10*sim.Second))
			tt.run(el)
			el.finish(int64(20 * sim.Second))
			assert.Equal(t, tt.elections, el.durations)
			assert.Equal(t, tt.recovery, el.recovery)
			assert.False(t, el.open)
		})
	}
}
