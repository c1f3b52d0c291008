package faults_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
)

func d(s string) faults.Duration {
	v, err := time.ParseDuration(s)
	if err != nil {
		panic(err)
	}
	return faults.Duration(v)
}

func started(t require.TestingT, seed uint64) *cluster.Cluster {
	c, err := cluster.New(cluster.Config{Seed: seed, Voters: 3, Observers: 1})
	require.NoError(t, err)
	c.Start()
	c.World.RunFor(3 * sim.Second)
	return c
}

// Clock faults aimed at a client reach its process's node through
// ClientNode; the heal stops the drift and keeps the jump.
func TestInjectorClientClocks(t *testing.T) {
	c := started(t, 2)
	p := c.AddProcess("app")
	in := &faults.Injector{C: c, ClientNode: func(n int) (sim.NodeID, bool) { return p.Node(), n == 1 }}
	in.Schedule(faults.Plan{
		Actions: []faults.Action{
			{At: d("1s"), Kind: faults.ClockJump, Client: 1, Jump: d("-5s")},
			{At: d("1s"), Kind: faults.ClockDrift, Client: 1, DriftPPM: 100000},
			{At: d("1s"), Kind: faults.ClockJump, Client: 2, Jump: d("1s")},
		},
		HealAt: d("3s"),
		End:    d("5s"),
	})
	w := c.World
	start := w.Now()
	w.RunFor(2 * sim.Second)
	assert.Equal(t, start+2*sim.Second-5*sim.Second+100*sim.Millisecond, sim.Time(p.Now()), "jumped back 5s, then 10% fast for a second")
	assert.Len(t, in.Skipped, 1, "client 2 has no node")
	w.RunFor(2 * sim.Second)
	at := p.Now()
	w.RunFor(sim.Second)
	assert.Equal(t, int64(sim.Second), p.Now()-at, "the heal stopped the drift")
}

// A leader whose counter jumped near its limit, with no writes to take it
// there, rolls over at the heal: the election comes then, not whenever
// the next write arrives after the faults are over.
func TestInjectorRollsOverAtTheHeal(t *testing.T) {
	c := started(t, 3)
	l, ok := c.Leader()
	require.True(t, ok)
	epoch := c.Server(l).Epoch()
	in := &faults.Injector{C: c}
	in.Schedule(faults.Plan{
		Actions: []faults.Action{{At: d("1s"), Kind: faults.NearRollover, Margin: 5}},
		HealAt:  d("2s"),
		End:     d("10s"),
	})
	c.World.RunFor(1500 * sim.Millisecond)
	assert.Equal(t, epoch, c.Server(l).Epoch(), "no writes: no rollover yet")
	c.World.RunFor(8 * sim.Second)
	l2, ok := c.Leader()
	require.True(t, ok, "a leader after the heal")
	assert.Greater(t, c.Server(l2).Epoch(), epoch, "a new epoch")
	assert.Empty(t, in.Skipped)
}

func TestInjectorAppliesAndHeals(t *testing.T) {
	c := started(t, 1)
	in := &faults.Injector{C: c}
	in.Schedule(faults.Plan{
		Actions: []faults.Action{
			{At: d("1s"), Kind: faults.Partition, Groups: [][]int{{1}, {2, 3}}},
			{At: d("1s"), Kind: faults.Crash, Server: 4, Torn: true},
			{At: d("1s"), Kind: faults.Pause, Server: 2},
			{At: d("1s"), Kind: faults.ClockJump, Server: 3, Jump: d("-30s")},
			{At: d("1s"), Kind: faults.ClockDrift, Server: 1, DriftPPM: 200000},
		},
		HealAt: d("5s"),
		End:    d("10s"),
	})
	w := c.World
	before := w.NodeNow(c.NodeOf(3))
	w.RunFor(1500 * sim.Millisecond)
	assert.True(t, w.Blocked(c.NodeOf(1), c.NodeOf(2)))
	assert.True(t, w.Blocked(c.NodeOf(3), c.NodeOf(1)))
	assert.False(t, w.Blocked(c.NodeOf(2), c.NodeOf(3)))
	assert.False(t, c.Up(4))
	assert.True(t, w.Paused(c.NodeOf(2)))
	assert.Less(t, w.NodeNow(c.NodeOf(3)), before, "the clock jumped back")

	w.RunFor(4 * sim.Second)
	assert.False(t, w.Blocked(c.NodeOf(1), c.NodeOf(2)), "healed")
	assert.True(t, c.Up(4), "restarted at the heal")
	assert.False(t, w.Paused(c.NodeOf(2)), "resumed at the heal")
	w.RunFor(15 * sim.Second)
	_, ok := c.Leader()
	assert.True(t, ok, "a leader after the heal")
	v := checker.CheckZab(c.Records())
	assert.True(t, v.OK(), v.String())
	assert.Empty(t, in.Skipped)
}

func TestInjectorSkipsWhatItCannotDo(t *testing.T) {
	c := started(t, 2)
	in := &faults.Injector{C: c}
	in.Schedule(faults.Plan{
		Actions: []faults.Action{
			{At: d("1s"), Kind: faults.Crash, Server: 2},
			{At: d("2s"), Kind: faults.Crash, Server: 2},
			{At: d("2s"), Kind: faults.ExpireSession, Client: 1},
		},
		HealAt: d("3s"), End: d("4s"),
	})
	c.World.RunFor(5 * sim.Second)
	assert.Len(t, in.Skipped, 2, "crash of a down server, expiry without clients: %v", in.Skipped)
}

// rapidRand lets swarm selection draw from rapid, so plans shrink.
type rapidRand struct{ t *rapid.T }

func (r rapidRand) Intn(n int) int   { return rapid.IntRange(0, n-1).Draw(r.t, "n") }
func (r rapidRand) Float64() float64 { return rapid.Float64Range(0, 1).Draw(r.t, "f") }

// Under any swarm plan, once everything heals an ensemble elects a leader
// and keeps every ZAB invariant. The heal window is longer than initLimit
// (20 s): a restarted old leader can take stale FOLLOWING votes for its
// own and sit in discovery that long, answering every LOOKING
// notification with a LEADING one that breaks the others' finalize wait,
// as ZooKeeper's FastLeaderElection does.
func TestPropSwarmPlansKeepInvariants(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		p := faults.Swarm(rapidRand{t}, faults.Shape{Servers: 4, Voters: 3, End: 50 * time.Second, Heal: 30 * time.Second})
		require.NoError(t, p.Validate(4, 0))
		c := started(t, seed)
		in := &faults.Injector{C: c}
		in.Schedule(p)
		c.World.RunFor(sim.Time(p.End))
		if _, ok := c.Leader(); !ok {
			t.Fatalf("no leader after the heal; plan:\n%s", p)
		}
		for _, id := range c.IDs() {
			if got := c.Server(id).State(); got == zab.Looking {
				t.Fatalf("zk%d still LOOKING after the heal; plan:\n%s", id, p)
			}
		}
		if v := checker.CheckZab(c.Records()); !v.OK() {
			t.Fatalf("%s\nplan:\n%s", v, p)
		}
	})
}

func ExampleInjector() {
	c, _ := cluster.New(cluster.Config{Seed: 7, Voters: 3})
	c.Start()
	in := &faults.Injector{C: c}
	p := faults.Plan{Actions: []faults.Action{{At: d("2s"), Kind: faults.Crash}}, HealAt: d("8s"), End: d("20s")}
	in.Schedule(p)
	c.World.RunFor(sim.Time(p.End))
	_, ok := c.Leader()
	fmt.Print(p, "leader after heal: ", ok)
	// Output:
	// 2s crash leader torn=false
	// 8s heal everything; run to 20s
	// leader after heal: true
}
