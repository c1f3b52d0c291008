package cluster

// The record log against a dumb alternative: whatever observations go in,
// in time order, the same values come out, the Entry pointers included.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

func TestRecordLogRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		// Few distinct zxids, so entries collide in the recent slots and
		// the same zxid comes back with another entry.
		var entries []*zab.LogEntry
		entry := func() *zab.LogEntry {
			if len(entries) > 0 && rapid.Bool().Draw(t, "old entry") {
				return entries[rapid.IntRange(0, len(entries)-1).Draw(t, "which")]
			}
			z := rapid.SampledFrom([]int64{1, 2, recentSlots + 1, 1<<32 | 1, 1<<62 + 5}).Draw(t, "zxid")
			e := &zab.LogEntry{Hdr: tree.TxnHeader{Zxid: z}}
			entries = append(entries, e)
			return e
		}
		value := func(label string) int64 {
			return rapid.SampledFrom([]int64{0, 1, -1, 300, -300, 1 << 40, -1 << 62, 1<<63 - 1, -1 << 63}).Draw(t, label)
		}
		var l recordLog
		var want []Record
		at := sim.Time(0)
		n := rapid.IntRange(0, 300).Draw(t, "n")
		for range n {
			at += sim.Time(rapid.SampledFrom([]int64{0, 1, 1 << 20, 1 << 40}).Draw(t, "dt"))
			o := zab.Observation{
				Kind: zab.ObsKind(rapid.IntRange(0, 255).Draw(t, "kind")), State: zab.State(value("state")),
				Leader: zab.ServerID(value("leader")), Epoch: zab.Epoch(value("epoch")), Zxid: zab.Zxid(value("zxid")),
				Digest: uint64(value("digest")), Session: zab.SessionID(value("session")), Peer: zab.ServerID(value("peer")),
				Detail: rapid.SampledFrom([]string{"", "DIFF", "SNAP", "a reason"}).Draw(t, "detail"),
			}
			if rapid.Bool().Draw(t, "has entry") {
				o.Entry = entry()
				if rapid.Bool().Draw(t, "zxid of entry") {
					o.Zxid = o.Entry.Zxid()
				}
			}
			r := Record{At: at, Server: zab.ServerID(value("server")), Obs: o}
			l.add(&r)
			want = append(want, r)
		}
		var got []Record
		l.each(func(r *Record) { got = append(got, *r) })
		require.Equal(t, len(want), len(got))
		for i := range want {
			assert.Equal(t, want[i], got[i], "record %d", i)
			assert.Same(t, want[i].Obs.Entry, got[i].Obs.Entry, "record %d", i)
		}
		assert.Equal(t, len(want), l.len())
	})
}

func TestRecordLogRejectsTimeGoingBack(t *testing.T) {
	var l recordLog
	l.add(&Record{At: 5})
	assert.Panics(t, func() { l.add(&Record{At: 4}) })
}
