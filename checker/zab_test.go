package checker

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// A small history by hand: zk1 leads epoch 1 and commits two txns that
// zk2 and zk3 deliver.
func entry(z zab.Zxid, session int64) *zab.LogEntry {
	return &zab.LogEntry{Hdr: tree.TxnHeader{SessionID: session, Zxid: int64(z), Type: tree.OpCreateSession},
		Txn: tree.CreateSessionTxn{Timeout: 4000}}
}

func goodRecords() []cluster.Record {
	z1, z2 := zab.MakeZxid(1, 1), zab.MakeZxid(1, 2)
	e1, e2 := entry(z1, 1), entry(z2, 2)
	var recs []cluster.Record
	add := func(s zab.ServerID, o zab.Observation) {
		recs = append(recs, cluster.Record{At: sim.Time(len(recs)) * sim.Millisecond, Server: s, Obs: o})
	}
	for s := zab.ServerID(1); s <= 3; s++ {
		add(s, zab.Observation{Kind: zab.ObsRecover, Zxid: 0, Digest: 7})
	}
	add(1, zab.Observation{Kind: zab.ObsEstablished, Epoch: 1})
	add(1, zab.Observation{Kind: zab.ObsPropose, Entry: e1, Zxid: z1})
	add(1, zab.Observation{Kind: zab.ObsPropose, Entry: e2, Zxid: z2})
	for s := zab.ServerID(1); s <= 3; s++ {
		add(s, zab.Observation{Kind: zab.ObsDeliver, Entry: e1, Zxid: z1, Digest: 11})
		add(s, zab.Observation{Kind: zab.ObsDeliver, Entry: e2, Zxid: z2, Digest: 12})
	}
	return recs
}

func TestCheckZabPassesAGoodHistory(t *testing.T) {
	v := CheckZab(goodRecords())
	assert.True(t, v.OK(), v.String())
}

func TestCheckZabCatchesEachViolation(t *testing.T) {
	z1, z2, z3 := zab.MakeZxid(1, 1), zab.MakeZxid(1, 2), zab.MakeZxid(1, 3)
	for _, tt := range []struct {
		name   string
		mutate func([]cluster.Record) []cluster.Record
		want   error
	}{
		{"two leaders in one epoch", func(r []cluster.Record) []cluster.Record {
			return append(r, cluster.Record{Server: 2, Obs: zab.Observation{Kind: zab.ObsEstablished, Epoch: 1}})
		}, ErrOneLeaderPerEpoch},
		{"a delivery nobody proposed", func(r []cluster.Record) []cluster.Record {
			return append(r, cluster.Record{Server: 2, Obs: zab.Observation{Kind: zab.ObsDeliver, Entry: entry(z3, 9), Zxid: z3, Digest: 13}})
		}, ErrIntegrity},
		{"replicas deliver different txns at a zxid", func(r []cluster.Record) []cluster.Record {
			r[len(r)-1].Obs.Entry = entry(z2, 99)
			return r
		}, ErrAgreement},
		{"a replica skips a txn", func(r []cluster.Record) []cluster.Record {
			out := r[:0:0]
			for _, x := range r {
				if x.Server == 3 && x.Obs.Kind == zab.ObsDeliver && x.Obs.Zxid == z1 {
					continue
				}
				out = append(out, x)
			}
			return out
		}, ErrTotalOrder},
		{"replicas disagree on the digest", func(r []cluster.Record) []cluster.Record {
			r[len(r)-1].Obs.Digest = 666
			return r
		}, ErrReplicaDigest},
		{"a committed txn truncated away by a later epoch", func(r []cluster.Record) []cluster.Record {
			r = append(r, cluster.Record{Server: 2, Obs: zab.Observation{Kind: zab.ObsEstablished, Epoch: 2, Zxid: z2}})
			return append(r, cluster.Record{Server: 3, Obs: zab.Observation{Kind: zab.ObsTruncate, Zxid: z1, Digest: 11}})
		}, ErrDurability},
		{"a new leader without the committed history", func(r []cluster.Record) []cluster.Record {
			return append(r, cluster.Record{Server: 2, Obs: zab.Observation{Kind: zab.ObsEstablished, Epoch: 2, Zxid: z1}})
		}, ErrDurability},
		{"a leader proposes out of order", func(r []cluster.Record) []cluster.Record {
			return append(r, cluster.Record{Server: 1, Obs: zab.Observation{Kind: zab.ObsPropose, Entry: entry(z1, 1), Zxid: z1}})
		}, ErrPrimaryOrder},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := CheckZab(tt.mutate(goodRecords()))
			require.False(t, v.OK(), "the violation went unnoticed")
			assert.True(t, v.Has(tt.want), "want %v, got:\n%s", tt.want, v)
		})
	}
}

// A leader that re-syncs a learner inside its own epoch truncates the
// learner's copies of proposals it sends again: not a loss.
func TestCheckZabAllowsAResyncWithinTheEpoch(t *testing.T) {
	r := append(goodRecords(), cluster.Record{Server: 3, Obs: zab.Observation{Kind: zab.ObsTruncate, Zxid: zab.MakeZxid(1, 1), Digest: 11}})
	v := CheckZab(r)
	assert.False(t, v.Has(ErrDurability), v.String())
}

func TestCheckZabPassesRealRuns(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			c, err := cluster.New(cluster.Config{Seed: seed, Voters: 3, Observers: 1})
			require.NoError(t, err)
			c.Start()
			c.World.RunFor(4 * sim.Second)
			if l, ok := c.Leader(); ok {
				c.Crash(l, true)
				c.World.After(3*sim.Second, func() { _ = c.Restart(l) })
			}
			c.World.RunFor(20 * sim.Second)
			v := CheckZab(c.Records())
			assert.True(t, v.OK(), v.String())
			assert.NotEmpty(t, c.Records())
		})
	}
}
