package conform

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
)

var liveSeeds = flag.Int("conform.liveseeds", 4, "live differential test: how many seeds (1..N)")

// TestDifferentialLive is the differential test with one client on both
// sides: go-zookeeper against the real ensemble and against zabsim's live
// servers (the same zab.Server on TCP, speaking ZooKeeper's wire protocol),
// both made from the same zoo.cfg. Where TestDifferential compares the
// model, this compares what a real client sees of the two, bytes and all.
func TestDifferentialLive(t *testing.T) {
	e := startEnsemble(t, Options{ExtraCfg: differentialExtraCfg, JVMFlags: differentialJVMFlags})
	text, err := os.ReadFile(e.ZooCfg(1))
	require.NoError(t, err)
	z, err := zab.ParseZooCfg(string(text))
	require.NoError(t, err)
	logs := &lockedBuffer{}
	le, err := live.StartEnsemble(live.EnsembleConfig{Voters: 3, Observers: 1, DataDir: t.TempDir(),
		Logger: log.New(logs, "", log.Lmicroseconds),
		Tune: func(c *zab.Config) {
			z.Apply(c)
			c.ExtendedTypes = z.Other["extendedTypesEnabled"] == "true"
			c.ContainerCheckInterval = int64(3600 * sim.Second)
		}})
	require.NoError(t, err)
	t.Cleanup(func() {
		le.Stop()
		if t.Failed() {
			t.Logf("zabsim live servers' logs:\n%s", logs.String())
		}
	})
	_, err = le.WaitLeader(30 * time.Second)
	require.NoError(t, err)

	seeds := *liveSeeds
	total := NewTally()
	for seed := uint64(1); seed <= uint64(seeds); seed++ {
		if *diffSeed != 0 && seed != *diffSeed {
			continue
		}
		t.Run(fmt.Sprintf("seed=%d", seed), func(t *testing.T) {
			real := NewReal(e.Addrs(), 10*time.Second)
			t.Cleanup(real.CloseAll)
			zs := NewReal(le.Servers(), 10*time.Second)
			t.Cleanup(zs.CloseAll)
			cfg := DiffConfig{Seed: seed, Ops: *diffOps, Root: fmt.Sprintf("/live%d", seed), Slots: Servers}
			if *diffTrace {
				cfg.Trace = func(s string) { t.Log(s) }
			}
			tally, err := Differential(cfg, real, zs)
			require.NoError(t, err, "replay: go test ./conform -run TestDifferentialLive -conform.seed %d -conform.ops %d", seed, *diffOps)
			total.Merge(tally)
		})
	}
	t.Logf("real ZooKeeper and zabsim live, one client: %s", total)
}

// lockedBuffer collects the live servers' log lines from their loops.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
