package checker

import (
	"errors"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/zab/client"
)

// What the mail-fetch workers promise.
var (
	ErrTaskTwoOwners = errors.New("mail fetch: a task is held by at most one live worker at a time")
	ErrTaskUnowned   = errors.New("mail fetch: a worker works on a task only while it holds it, so no task is processed twice at once")
	ErrTaskLost      = errors.New("mail fetch: after the faults heal, every task keeps being processed")
)

// MailFetch checks the tasks whose owner nodes are owners: each hold
// (KindAcquired to KindReleased, or the worker's death) keeps the classic
// rule, and no two holds of a task overlap while the first holder's
// session is open (as the lock checker judges them); every round of work
// falls inside a hold of its worker; and from Bound after the ensemble is
// back, no task goes GapMax without a round.
func MailFetch(log *recipes.Log, h *client.History, recs []cluster.Record, owners []string, opt RecipeOptions) Verdict {
	var v Verdict
	f := newFacts(log, h, recs, opt)
	all := f.holdings(log, recipes.KindAcquired, recipes.KindReleased)
	byPath := map[string][]holding{}
	for _, x := range all {
		f.checkRule(x, "a task's hold", &v)
		byPath[x.path] = append(byPath[x.path], x)
	}
	for _, path := range owners {
		f.checkExclusive(byPath[path], ErrTaskTwoOwners, "two holds of "+path, &v)
	}
	rounds := map[string][]holding{}
	bad := 0
	for _, e := range log.Of(recipes.KindProcessed) {
		rounds[e.Path] = append(rounds[e.Path], holding{start: e.At, eff: e.At + 1})
		inside := false
		for _, x := range byPath[e.Path] {
			inside = inside || x.client == e.Client && x.start <= e.At && e.At <= x.eff
		}
		if !inside {
			bad++
			if bad <= 5 {
				v.add(ErrTaskUnowned, e.String(), "a round of work on %s outside any hold of its worker's", e.Path)
			}
		}
	}
	if from := liveFrom(recs, opt); opt.End > from {
		for _, path := range owners {
			for _, g := range gaps(rounds[path], from, opt.End, opt.GapMax) {
				v.add(ErrTaskLost, path, "no round of work from %.3fs to %.3fs (healed at %.3fs)",
					float64(g[0])/1e9, float64(g[1])/1e9, float64(opt.HealAt)/1e9)
			}
		}
	}
	return v
}
