package conform

// Tests of the differential harness itself, without Java: zabsim against
// zabsim (other seeds, other latencies: other leaders and timings) must
// agree on every op, a tampered side must be caught at the op it tampers
// with, and the generator and normalizer keep their promises.

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// zooCfg is a zoo.cfg as ensemble/start.sh writes it (server 1's, base
// port 21810).
const zooCfg = `tickTime=2000
initLimit=10
syncLimit=5
dataDir=/tmp/ens/zk1/data
clientPort=21810
clientPortAddress=127.0.0.1
maxClientCnxns=0
admin.enableServer=false
4lw.commands.whitelist=*
server.1=127.0.0.1:21820:21830
server.2=127.0.0.1:21821:21831
server.3=127.0.0.1:21822:21832
server.4=127.0.0.1:21823:21833:observer
extendedTypesEnabled=true
forceSync=no
`

func newSimSide(t *testing.T, seed uint64, latency sim.Latency) *Sim {
	t.Helper()
	z, err := zab.ParseZooCfg(zooCfg)
	require.NoError(t, err)
	cfg, err := cluster.FromZooCfg(seed, z, func(c *zab.Config) {
		c.ExtendedTypes = z.Other["extendedTypesEnabled"] == "true"
		c.ContainerCheckInterval = int64(3600 * sim.Second)
	})
	require.NoError(t, err)
	cfg.Latency = latency
	s, err := NewSim(cfg, []zab.ServerID{1, 2, 3, 4}, 10000)
	require.NoError(t, err)
	return s
}

func TestDifferentialZabsimAgreesWithItself(t *testing.T) {
	total := NewTally()
	for seed := uint64(1); seed <= 3; seed++ {
		a := newSimSide(t, seed, sim.Latency{})
		b := newSimSide(t, seed+100, sim.Latency{Base: 2 * sim.Millisecond, Jitter: 3 * sim.Millisecond})
		tally, err := Differential(DiffConfig{Seed: seed, Ops: 600, Root: fmt.Sprintf("/s%d", seed), Slots: 4}, a, b)
		require.NoError(t, err)
		total.Merge(tally)
	}
	for _, c := range []tree.Code{tree.NodeExists, tree.NotEmpty, tree.BadVersion, tree.NoChildrenForEphemerals,
		tree.NoNode, tree.BadArguments, tree.NoAuth, tree.InvalidACL} {
		assert.Positive(t, total.Codes[c], "no outcome was %s", c)
	}
	assert.Positive(t, total.Events[tree.EventNodeDeleted])
	assert.Positive(t, total.Kinds[KReopen])
}

// tampered changes one outcome of its side.
type tampered struct {
	Side
	at     int
	change func(*Outcome)
}

func (s tampered) Do(op Op) Outcome {
	o := s.Side.Do(op)
	if op.Index == s.at {
		s.change(&o)
	}
	return o
}

func TestDifferentialCatchesEveryKindOfDifference(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Outcome)
		want   string
	}{
		{"code", func(o *Outcome) { o.Err = tree.NoAuth }, "err NoAuth"},
		{"event", func(o *Outcome) { o.Events = append(o.Events, Event{tree.EventNodeCreated, "/x"}) }, "event NodeCreated /x"},
		{"created name", func(o *Outcome) { o.Path = "/s7/other" }, "path /s7/other"},
		{"stat", func(o *Outcome) { o.Stat = &tree.Stat{Czxid: 1 << 40} }, "czxid="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := newSimSide(t, 7, sim.Latency{})
			b := tampered{Side: newSimSide(t, 8, sim.Latency{}), at: 40, change: tt.change}
			_, err := Differential(DiffConfig{Seed: 7, Ops: 100, Root: "/s7", Slots: 4}, a, b)
			var d *Difference
			require.True(t, errors.As(err, &d), "got %v", err)
			assert.Equal(t, 40, d.Op.Index)
			assert.Contains(t, strings.Join(d.NormB, "\n"), tt.want)
			assert.Contains(t, err.Error(), "the ops before it")
			assert.Len(t, d.Previous, previousMax)
		})
	}
}

func TestGenIsDeterministicAndBringsStaleSessionsUpToDate(t *testing.T) {
	run := func() []string {
		g := NewGen(5, "/r", 4)
		var out []string
		fresh := []bool{true, true, true, true}
		for i := 0; i < 2000; i++ {
			op := g.Next()
			out = append(out, op.String())
			write := isWrite(op.Kind) && !clientRefuses(op)
			if !write {
				require.True(t, fresh[op.Slot], "op %s reads a session that may lag behind another's write", op)
			}
			if write {
				fresh[op.Slot] = true
			}
			if write && !op.Barrier {
				for s := range fresh {
					fresh[s] = s == op.Slot
				}
			}
			if op.Kind == KDelete {
				require.NotEqual(t, "/r", op.Path, "the root is never deleted")
			}
			// Pretend every create worked, so later ops aim at nodes.
			o := Outcome{Err: tree.OK, Path: op.Path}
			if op.Kind != KCreate && op.Kind != KCreateContainer && op.Kind != KCreateTTL {
				o = Outcome{Err: tree.NoNode}
			}
			g.Observe(op, o)
		}
		return out
	}
	first := run()
	assert.Equal(t, first, run(), "one seed, one sequence")
	assert.NotEqual(t, first, func() []string {
		g := NewGen(6, "/r", 4)
		var out []string
		for i := 0; i < len(first); i++ {
			out = append(out, g.Next().String())
		}
		return out
	}(), "another seed, another sequence")
}

func TestNormalizerMapsZxidsAndOwners(t *testing.T) {
	a, b := NewNormalizer(), NewNormalizer()
	a.Session(0x100, "s0.0")
	b.Session(0x7700, "s0.0")
	// The same story with other zxids and session ids.
	oa := Outcome{Stat: &tree.Stat{Czxid: 0x100000005, Mzxid: 0x100000007, Pzxid: 0x100000005, EphemeralOwner: 0x100, Ctime: 1}}
	ob := Outcome{Stat: &tree.Stat{Czxid: 0x300000009, Mzxid: 0x30000000b, Pzxid: 0x300000009, EphemeralOwner: 0x7700, Ctime: 2}}
	assert.Equal(t, a.Normalize(oa), b.Normalize(ob))
	// One more txn between two zxids is a difference, though the order of
	// first appearance is the same.
	oa = Outcome{Stat: &tree.Stat{Czxid: 0x100000008}}
	ob = Outcome{Stat: &tree.Stat{Czxid: 0x30000000d}}
	assert.NotEqual(t, a.Normalize(oa), b.Normalize(ob))
	// Children are a set; owners of other kinds are named by kind.
	assert.Equal(t, a.Normalize(Outcome{Children: []string{"b", "a"}}), b.Normalize(Outcome{Children: []string{"a", "b"}}))
	assert.Contains(t, a.Normalize(Outcome{Stat: &tree.Stat{EphemeralOwner: tree.TTLOwner(5000)}})[1], "owner=ttl(5000)")
	assert.Contains(t, a.Normalize(Outcome{Stat: &tree.Stat{EphemeralOwner: 0x999}})[1], "owner=other")
}
