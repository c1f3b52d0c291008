package checker

import (
	"errors"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// ErrDeadProvider is the service registry's promise: a consumer hears of
// a provider's end and stops picking it.
var ErrDeadProvider = errors.New("service registry: after the faults heal, no consumer picks a provider that left (after a bound) or died (after its session timeout and a bound)")

// Config checks the configuration at path: every view a client took is
// the node as the commit it names left it; a session's views go forward;
// from Bound after the ensemble is back, every live client holds the
// latest value within Converge of each change.
func Config(log *recipes.Log, recs []cluster.Record, path string, opt RecipeOptions) Verdict {
	var v Verdict
	states := dataStates(commitTimeline(recs), path)
	checkViews(log, states, path, true, liveFrom(recs, opt), opt, &v)
	return v
}

// Membership checks the group under dir: members' views as Config checks
// the configuration's, and the group itself converging on the live
// members (checkPresence).
func Membership(log *recipes.Log, recs []cluster.Record, dir string, opt RecipeOptions) Verdict {
	var v Verdict
	states := childStates(commitTimeline(recs), dir)
	from := liveFrom(recs, opt)
	checkViews(log, states, dir, false, from, opt, &v)
	checkPresence(log, states, dir, from, opt, &v)
	return v
}

// Registry checks the providers directories dirs as Membership checks a
// group (the consumers' views and the registrations), and every pick from
// Bound after the ensemble is back: the provider picked stands for a live
// registration, or stopped being one less than its grace ago. Every pick
// before End, during the faults too, is also held to pickedDeleted: a
// consumer connected and answered past a provider's deletion has dropped
// it.
func Registry(log *recipes.Log, h *client.History, recs []cluster.Record, dirs []string, opt RecipeOptions) Verdict {
	var v Verdict
	timeline := commitTimeline(recs)
	from := liveFrom(recs, opt)
	for _, dir := range dirs {
		states := childStates(timeline, dir)
		checkViews(log, states, dir, false, from, opt, &v)
		checkPresence(log, states, dir, from, opt, &v)
		r := newRegistrations(log, dir, opt)
		bad, deleted := 0, 0
		for _, e := range log.Entries {
			if e.Kind != recipes.KindPick || e.Path != dir || e.At >= opt.End {
				continue
			}
			if hit, why := pickedDeleted(e, states, h, opt); hit {
				deleted++
				if deleted <= 5 {
					v.add(ErrPickedDeleted, e.String(), "%s", why)
				}
			}
			if e.At < from {
				continue
			}
			ok, since, grace := r.backed(tree.JoinPath(dir, e.Note), e.At)
			if ok || e.At-since <= grace {
				continue
			}
			bad++
			if bad <= 5 {
				v.add(ErrDeadProvider, e.String(), "picked %.3fs after the provider stopped being registered (at %.3fs; grace %.3fs)",
					float64(e.At-since)/1e9, float64(since)/1e9, float64(grace)/1e9)
			}
		}
	}
	return v
}
