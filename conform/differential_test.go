package conform

// The differential test: one seeded sequence of operations runs against a
// real ZooKeeper 3.8 ensemble (3 voters and an observer on loopback,
// through go-zookeeper) and against a zabsim cluster made from the very
// same zoo.cfg (through zabsim's client), one op at a time; every outcome
// is compared (error codes, Stat fields but the times, created names,
// data, children, ACLs, multi results, and the watch events each session
// got). The first difference fails the test with both sides printed.

import (
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

var (
	diffSeeds = flag.Int("conform.seeds", 12, "differential test: how many seeds (1..N)")
	diffOps   = flag.Int("conform.ops", 800, "differential test: ops per seed")
	diffSeed  = flag.Uint64("conform.seed", 0, "differential test: run only this seed")
	diffTrace = flag.Bool("conform.trace", false, "differential test: log every op and its outcome")
)

// differentialCfg is what both sides run with: TTL nodes on, and the
// container reaper never due during the test (its deletions would be txns
// on one side only, at a time of their own).
var (
	differentialExtraCfg = []string{"extendedTypesEnabled=true", "forceSync=no"}
	differentialJVMFlags = []string{"-Dznode.container.checkIntervalMs=3600000"}
)

func simConfig(t *testing.T, e *Ensemble, seed uint64) cluster.Config {
	t.Helper()
	text, err := os.ReadFile(e.ZooCfg(1))
	require.NoError(t, err)
	z, err := zab.ParseZooCfg(string(text))
	require.NoError(t, err)
	cfg, err := cluster.FromZooCfg(seed, z, func(c *zab.Config) {
		c.ExtendedTypes = z.Other["extendedTypesEnabled"] == "true"
		c.ContainerCheckInterval = int64(3600 * sim.Second)
	})
	require.NoError(t, err)
	require.Equal(t, []zab.Peer{{ID: 1}, {ID: 2}, {ID: 3}, {ID: 4, Observer: true}}, cfg.Peers)
	return cfg
}

func TestDifferential(t *testing.T) {
	e := startEnsemble(t, Options{ExtraCfg: differentialExtraCfg, JVMFlags: differentialJVMFlags})
	seeds := make([]uint64, 0, *diffSeeds)
	for s := 1; s <= *diffSeeds; s++ {
		seeds = append(seeds, uint64(s))
	}
	if *diffSeed != 0 {
		seeds = []uint64{*diffSeed}
	}
	total := NewTally()
	start := time.Now()
	for _, seed := range seeds {
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			real := NewReal(e.Addrs(), 10*time.Second)
			t.Cleanup(real.CloseAll)
			zs, err := NewSim(simConfig(t, e, seed), []zab.ServerID{1, 2, 3, 4}, 10000)
			require.NoError(t, err)
			// NB: a root per seed, the same on both sides, so seeds do not
			// meet in the real ensemble, which runs them all.
			cfg := DiffConfig{Seed: seed, Ops: *diffOps, Root: fmt.Sprintf("/s%d", seed), Slots: Servers}
			if *diffTrace {
				cfg.Trace = func(s string) { t.Log(s) }
			}
			tally, err := Differential(cfg, real, zs)
			require.NoError(t, err, "replay: go test ./conform -run TestDifferential -conform.seed %d -conform.ops %d", seed, *diffOps)
			total.Merge(tally)
		})
	}
	t.Logf("compared %d seeds in %v: %s", len(seeds), time.Since(start).Round(time.Millisecond), total)
	if t.Failed() || *diffSeed != 0 {
		return
	}
	// The sequence is only worth what it exercised.
	for _, k := range []Kind{KCreate, KCreateContainer, KCreateTTL, KDelete, KSetData, KGetData,
		KExists, KGetChildren, KGetACL, KSetACL, KMulti, KSync, KAddAuth, KReopen} {
		assert.Positive(t, total.Kinds[k], "no %s op ran", k)
	}
	for _, c := range []tree.Code{tree.OK, tree.NodeExists, tree.NotEmpty, tree.BadVersion,
		tree.NoChildrenForEphemerals, tree.NoNode, tree.BadArguments, tree.NoAuth, tree.InvalidACL,
		tree.RuntimeInconsistency} {
		assert.Positive(t, total.Codes[c], "no outcome was %s", c)
	}
	for _, ev := range []tree.EventType{tree.EventNodeCreated, tree.EventNodeDeleted,
		tree.EventNodeDataChanged, tree.EventNodeChildrenChanged} {
		assert.Positive(t, total.Events[ev], "no %s event", ev)
	}
}
