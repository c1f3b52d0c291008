package faults_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/sim"
)

func TestShrinkKeepsOnlyWhatTheFailureNeeds(t *testing.T) {
	p := faults.Plan{
		Actions: []faults.Action{
			{At: d("1s"), Kind: faults.Pause, Server: 3},
			{At: d("2s"), Kind: faults.Crash, Server: 2, Torn: true},
			{At: d("3s"), Kind: faults.LatencySpike, Latency: d("200ms"), Jitter: d("50ms"), For: d("4s")},
			{At: d("4s"), Kind: faults.Partition, Groups: [][]int{{1, 4}, {3, 5}}, OneWay: true},
			{At: d("5s"), Kind: faults.ClockDrift, Server: 1, DriftPPM: 5000},
		},
		HealAt: d("10s"), End: d("20s"),
	}
	// The "bug" needs zk2 crashed and zk1 cut off from zk3.
	runs := 0
	fails := func(p faults.Plan) bool {
		runs++
		crash, cut := false, false
		for _, a := range p.Actions {
			if a.Kind == faults.Crash && a.Server == 2 {
				crash = true
			}
			if a.Kind == faults.Partition {
				in := func(g []int, x int) bool {
					for _, y := range g {
						if y == x {
							return true
						}
					}
					return false
				}
				for i, g := range a.Groups {
					for j, h := range a.Groups {
						if i != j && in(g, 1) && in(h, 3) {
							cut = true
						}
					}
				}
			}
		}
		return crash && cut
	}
	require.True(t, fails(p))
	got := faults.Shrink(p, fails)
	assert.Equal(t, faults.Plan{
		Actions: []faults.Action{
			{At: d("2s"), Kind: faults.Crash, Server: 2},
			{At: d("4s"), Kind: faults.Partition, Groups: [][]int{{1}, {3}}},
		},
		HealAt: d("10s"), End: d("20s"),
	}, got, "got:\n%s", got)
	assert.Less(t, runs, 200)
}

// Twenty actions, of which the failure needs two far apart: delta
// debugging finds them in well under a hundred runs.
func TestShrinkTwentyActionsInFewRuns(t *testing.T) {
	var p faults.Plan
	for i := 0; i < 20; i++ {
		at := faults.Duration(time.Duration(i+1) * time.Second)
		switch i % 4 {
		case 0:
			p.Actions = append(p.Actions, faults.Action{At: at, Kind: faults.Pause, Server: 1 + i%3})
		case 1:
			p.Actions = append(p.Actions, faults.Action{At: at, Kind: faults.ClockJump, Server: 1 + i%3, Jump: d("2s")})
		case 2:
			p.Actions = append(p.Actions, faults.Action{At: at, Kind: faults.Crash, Server: 1 + i%3})
		case 3:
			p.Actions = append(p.Actions, faults.Action{At: at, Kind: faults.LatencySpike, Latency: d("100ms"), For: d("1s")})
		}
	}
	p.HealAt, p.End = d("25s"), d("40s")
	needs := func(q faults.Plan, at faults.Duration) bool {
		for _, a := range q.Actions {
			if a.At == at {
				return true
			}
		}
		return false
	}
	runs := 0
	fails := func(q faults.Plan) bool {
		runs++
		return needs(q, d("3s")) && needs(q, d("18s"))
	}
	got := faults.Shrink(p, fails)
	require.Len(t, got.Actions, 2, "got:\n%s", got)
	assert.LessOrEqual(t, runs, 100)
	t.Logf("%d runs to shrink 20 actions to 2", runs)
}

// A real failure: "no leader at 15s" needs two of three voters down; the
// rest of a noisy plan goes.
func TestShrinkARealRun(t *testing.T) {
	p := faults.Plan{
		Actions: []faults.Action{
			{At: d("1s"), Kind: faults.ClockDrift, Server: 3, DriftPPM: 1000},
			{At: d("2s"), Kind: faults.Crash, Server: 1},
			{At: d("3s"), Kind: faults.LatencySpike, Latency: d("20ms"), For: d("2s")},
			{At: d("4s"), Kind: faults.Crash, Server: 2},
			{At: d("5s"), Kind: faults.Pause, Server: 4},
		},
		HealAt: d("20s"), End: d("21s"),
	}
	fails := func(p faults.Plan) bool {
		c := started(t, 9)
		(&faults.Injector{C: c}).Schedule(p)
		c.World.RunFor(15 * sim.Second)
		_, ok := c.Leader()
		return !ok
	}
	require.True(t, fails(p))
	got := faults.Shrink(p, fails)
	require.Len(t, got.Actions, 2, "got:\n%s", got)
	for _, a := range got.Actions {
		assert.Equal(t, faults.Crash, a.Kind)
	}
}
