package checker

import (
	"errors"
	"fmt"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/zab/client"
)

// What the ZooKeeper locks promise, with the classic rule
// (ErrHeldPastSession) for a holder that loses its connection.
var (
	ErrLockExclusion = errors.New("lock: no two sessions hold a lock at once: a new holder only once the old one released it, died, or the servers closed its session")
	ErrLockFairness  = errors.New("fair lock: the lock is granted in the order of the waiters' sequence numbers")
	ErrLockStuck     = errors.New("lock: a lock is released when its holder's session ends; after the faults heal, the lock keeps being granted")
)

// LockSpec names a lock a run used: its path (the node of an exclusive
// lock, the directory of a fair one).
type LockSpec struct {
	Path string
	Fair bool
}

// Locks checks each lock: every hold keeps the classic rule; holds of
// different sessions overlap only after the servers closed the older
// holder's session (reported as allowed);
// a fair lock is granted in sequence order and only to the smallest node;
// and from Bound after the ensemble is back the lock is never ungranted for more than GapMax
// (the workload always wants it, so a lock stuck with a dead holder shows).
func Locks(log *recipes.Log, h *client.History, recs []cluster.Record, locks []LockSpec, opt RecipeOptions) Verdict {
	var v Verdict
	f := newFacts(log, h, recs, opt)
	all := f.holdings(log, recipes.KindAcquired, recipes.KindReleased)
	for _, l := range locks {
		var hs []holding
		for _, x := range all {
			if x.path == l.Path {
				hs = append(hs, x)
			}
		}
		for _, x := range hs {
			f.checkRule(x, "the hold", &v)
		}
		f.checkExclusive(hs, ErrLockExclusion, "two holds of "+l.Path, &v)
		if l.Fair {
			checkFair(hs, &v)
			checkSmallest(hs, f.timeline, l.Path, &v)
		}
		if from := liveFrom(recs, opt); opt.End > from {
			for _, g := range gaps(hs, from, opt.End, opt.GapMax) {
				v.add(ErrLockStuck, l.Path, "nobody held the lock from %.3fs to %.3fs (healed at %.3fs)",
					float64(g[0])/1e9, float64(g[1])/1e9, float64(opt.HealAt)/1e9)
			}
		}
	}
	return v
}

// checkFair: grants, in the order they were made, carry increasing
// sequence numbers. A node that was passed over was gone, and nodes made
// later have larger numbers, so no smaller one can be granted after.
func checkFair(hs []holding, v *Verdict) {
	bad := 0
	for i := 1; i < len(hs); i++ {
		if hs[i].seq > hs[i-1].seq {
			continue
		}
		bad++
		if bad <= 5 {
			v.add(ErrLockFairness, fmt.Sprintf("%s after %s", hs[i], hs[i-1]), "sequence %d granted after %d", hs[i].seq, hs[i-1].seq)
		}
	}
}
