package checker

import (
	"fmt"
	"reflect"
	"sort"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/zab"
)

// The ZAB invariants (the Zab paper, and zookeeper-specifications' TLA+):
// checked from the observations servers reported during a run.

// CheckZab checks every ZAB invariant over a run's records.
func CheckZab(recs []cluster.Record) Verdict {
	var v Verdict
	checkLeaders(recs, &v)
	proposed := checkProposals(recs, &v)
	checkDeliveries(recs, proposed, &v)
	checkDigests(recs, &v)
	checkDurability(recs, &v)
	return v
}

func where(r cluster.Record, i int) string {
	return fmt.Sprintf("record %d at %s on zk%d", i, r.At, r.Server)
}

// checkLeaders: at most one server establishes each epoch.
func checkLeaders(recs []cluster.Record, v *Verdict) {
	leaderOf := map[zab.Epoch]zab.ServerID{}
	for i, r := range recs {
		if r.Obs.Kind != zab.ObsEstablished {
			continue
		}
		e := r.Obs.Epoch
		if l, ok := leaderOf[e]; ok && l != r.Server {
			v.add(ErrOneLeaderPerEpoch, where(r, i), "zk%d and zk%d both established epoch %d", l, r.Server, e)
			continue
		}
		leaderOf[e] = r.Server
	}
}

// checkProposals: each leader proposes each zxid once, in order, within
// its epoch; it returns what was proposed, by zxid.
func checkProposals(recs []cluster.Record, v *Verdict) map[zab.Zxid]*zab.LogEntry {
	proposed := map[zab.Zxid]*zab.LogEntry{}
	last := map[zab.ServerID]zab.Zxid{}
	for i, r := range recs {
		if r.Obs.Kind == zab.ObsEstablished {
			last[r.Server] = zab.MakeZxid(r.Obs.Epoch, 0)
		}
		if r.Obs.Kind != zab.ObsPropose {
			continue
		}
		z := r.Obs.Entry.Zxid()
		if prev, ok := last[r.Server]; ok && (z <= prev || z.Epoch() != prev.Epoch()) {
			v.add(ErrPrimaryOrder, where(r, i), "zk%d proposed %s after %s", r.Server, z, prev)
		}
		last[r.Server] = z
		if p, ok := proposed[z]; ok && !sameEntry(p, r.Obs.Entry) {
			v.add(ErrOneLeaderPerEpoch, where(r, i), "two different proposals for %s: %s and %s", z, p, r.Obs.Entry)
		}
		proposed[z] = r.Obs.Entry
	}
	return proposed
}

func sameEntry(a, b *zab.LogEntry) bool {
	if a == b {
		return true // the same proposal, passed along: the usual case
	}
	// A txn read back from a disk may hold an empty slice where the
	// proposal held nil: equal as ZooKeeper serialises them, which
	// printing shows.
	return a.Hdr == b.Hdr && (reflect.DeepEqual(a.Txn, b.Txn) || fmt.Sprint(a.Txn) == fmt.Sprint(b.Txn))
}

// checkDeliveries: delivered txns were proposed, replicas agree on them,
// and a replica delivers in zxid order with no gap — resetting its place
// when it restarts, truncates or loads a snapshot.
func checkDeliveries(recs []cluster.Record, proposed map[zab.Zxid]*zab.LogEntry, v *Verdict) {
	delivered := map[zab.Zxid]*zab.LogEntry{}
	for i, r := range recs {
		if r.Obs.Kind != zab.ObsDeliver && r.Obs.Kind != zab.ObsCommitted {
			continue
		}
		e := r.Obs.Entry
		z := e.Zxid()
		if p, ok := proposed[z]; !ok {
			v.add(ErrIntegrity, where(r, i), "zk%d delivered %s, which no leader proposed", r.Server, e)
		} else if !sameEntry(p, e) {
			v.add(ErrIntegrity, where(r, i), "zk%d delivered %s, but the proposal was %s", r.Server, e, p)
		}
		if d, ok := delivered[z]; ok && !sameEntry(d, e) {
			v.add(ErrAgreement, where(r, i), "zk%d delivered %s where another delivered %s", r.Server, e, d)
		}
		delivered[z] = e
	}
	all := make([]zab.Zxid, 0, len(delivered))
	for z := range delivered {
		all = append(all, z)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	pos := map[zab.ServerID]zab.Zxid{}
	for i, r := range recs {
		switch r.Obs.Kind {
		case zab.ObsRecover, zab.ObsTruncate, zab.ObsSnapSync, zab.ObsFastForward:
			pos[r.Server] = r.Obs.Zxid
		case zab.ObsDeliver:
			z := r.Obs.Entry.Zxid()
			prev, ok := pos[r.Server]
			pos[r.Server] = z
			if !ok {
				continue
			}
			if z <= prev {
				v.add(ErrTotalOrder, where(r, i), "zk%d delivered %s after %s", r.Server, z, prev)
				continue
			}
			k := sort.Search(len(all), func(k int) bool { return all[k] > prev })
			if k < len(all) && all[k] < z {
				v.add(ErrTotalOrder, where(r, i), "zk%d delivered %s after %s, skipping %s which others delivered", r.Server, z, prev, all[k])
			}
		}
	}
}

// checkDigests: every report of a tree state at a zxid (a delivery, a
// recovery, a truncation, a snapshot sync) agrees on its digest.
func checkDigests(recs []cluster.Record, v *Verdict) {
	type seen struct {
		digest uint64
		rec    int
	}
	at := map[zab.Zxid]seen{}
	for i, r := range recs {
		switch r.Obs.Kind {
		case zab.ObsDeliver, zab.ObsRecover, zab.ObsTruncate, zab.ObsSnapSync, zab.ObsFastForward:
		default:
			continue
		}
		z := r.Obs.Zxid
		if s, ok := at[z]; ok && s.digest != r.Obs.Digest {
			o := recs[s.rec]
			v.add(ErrReplicaDigest, where(r, i), "at %s zk%d has digest %#x, zk%d had %#x (record %d)", z, r.Server, r.Obs.Digest, o.Server, s.digest, s.rec)
			continue
		}
		at[z] = seen{r.Obs.Digest, i}
	}
}

// checkDurability: a leader establishes an epoch only with every txn
// committed before it in its history, and a replica never truncates away
// a txn committed in an epoch older than the newest established one. A
// leader re-syncing a learner within its own epoch may truncate the
// learner's copies of proposals it is about to send again (LearnerHandler
// truncates to its maxCommittedLog while proposals are outstanding), so
// those are not losses.
func checkDurability(recs []cluster.Record, v *Verdict) {
	var committed []zab.Zxid // committed zxids, ascending
	established := zab.Epoch(0)
	for i, r := range recs {
		switch r.Obs.Kind {
		case zab.ObsDeliver, zab.ObsCommitted:
			z := r.Obs.Entry.Zxid()
			if n := len(committed); n == 0 || z > committed[n-1] {
				committed = append(committed, z)
			}
		case zab.ObsEstablished:
			if n := len(committed); n > 0 && r.Obs.Zxid < committed[n-1] {
				v.add(ErrDurability, where(r, i), "zk%d established epoch %d with history up to %s, but %s was committed before", r.Server, r.Obs.Epoch, r.Obs.Zxid, committed[n-1])
			}
			established = max(established, r.Obs.Epoch)
		case zab.ObsTruncate:
			// The first committed txn past the truncation point.
			k := sort.Search(len(committed), func(k int) bool { return committed[k] > r.Obs.Zxid })
			if k < len(committed) && committed[k].Epoch() < established {
				v.add(ErrDurability, where(r, i), "zk%d truncated to %s, dropping %s committed in epoch %d, older than established epoch %d", r.Server, r.Obs.Zxid, committed[k], committed[k].Epoch(), established)
			}
		}
	}
}
