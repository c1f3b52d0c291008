package checker

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/zab/client"
)

// What master election on ZooKeeper promises, given the classic rule
// (ErrHeldPastSession) that a master stops considering itself master once
// disconnected for longer than its session timeout.
var (
	ErrTwoMasters = errors.New("master election: at most one master at a time: a new master only once the old one resigned, died, or the servers closed its session")
	// ErrNotSmallest is what makes the line a line: the servers' commits,
	// not the recipe, say which nodes existed when.
	ErrNotSmallest = errors.New("a candidate or fair-lock waiter is granted only once every node before its own is gone")
	ErrNoMaster    = errors.New("master election: after the faults heal, a master is elected within a bound, and there is one from then on")
)

// Election checks the master election under dir: each tenure (from the
// candidate's claim to its resignation or its process's death) keeps the
// classic rule; no tenure starts before the one before it ended in the
// checker's view of sessions (an old master that has not yet heard that
// the servers closed its session is reported as allowed); every master's node was the
// smallest when it was made master, by the commits; and after
// Bound after the ensemble is back there is never a gap of more than GapMax without a master.
func Election(log *recipes.Log, h *client.History, recs []cluster.Record, dir string, opt RecipeOptions) Verdict {
	var v Verdict
	f := newFacts(log, h, recs, opt)
	hs := f.holdings(log, recipes.KindMaster, recipes.KindResign)
	for _, x := range hs {
		f.checkRule(x, "mastership", &v)
	}
	f.checkExclusive(hs, ErrTwoMasters, "two masters' tenures", &v)
	checkSmallest(hs, f.timeline, dir, &v)
	if from := liveFrom(recs, opt); opt.End > from {
		for _, g := range gaps(hs, from, opt.End, opt.GapMax) {
			v.add(ErrNoMaster, fmt.Sprintf("%d tenures", len(hs)), "no master from %.3fs to %.3fs (healed at %.3fs)",
				float64(g[0])/1e9, float64(g[1])/1e9, float64(opt.HealAt)/1e9)
		}
	}
	return v
}

// checkSmallest: when a hold of a node under dir starts, the commits
// applied by then leave no node of a smaller sequence number under dir. A
// grant rests on a listing at some zxid; no smaller node can be created
// after it, and every smaller one it lacked was deleted at or before that
// zxid, which some server had applied before answering.
func checkSmallest(hs []holding, timeline []applied, dir string, v *Verdict) {
	d := newDirs(func(x string) bool { return x == dir })
	next, bad := 0, 0
	for _, x := range hs { // by start
		if x.seq < 0 || x.path == "" {
			continue
		}
		for next < len(timeline) && timeline[next].at <= x.start {
			d.apply(timeline[next])
			next++
		}
		var before []string
		for name := range d.children[dir] {
			if s := seqSuffix(name); s >= 0 && s < x.seq {
				before = append(before, name)
			}
		}
		if len(before) == 0 {
			continue
		}
		bad++
		if bad <= 5 {
			v.add(ErrNotSmallest, x.String(), "granted while %d smaller node(s) existed, by the commits applied by then (e.g. %s)",
				len(before), minName(before))
		}
	}
}

func minName(names []string) string {
	m := names[0]
	for _, n := range names[1:] {
		if n < m {
			m = n
		}
	}
	return m
}

// seqSuffix is the sequence number a sequential name ends with, or -1.
func seqSuffix(name string) int64 {
	if len(name) < 10 {
		return -1
	}
	n, err := strconv.ParseInt(name[len(name)-10:], 10, 64)
	if err != nil {
		return -1
	}
	return n
}
