package checker

import (
	"errors"
	"strings"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// What a naming service on ZooKeeper promises.
var (
	ErrNameUnknown = errors.New("naming: a resolve returns only names registered at some point of the read's window")
	ErrNameMissing = errors.New("naming: after the faults heal, a resolve returns every live registration")
)

// span is when a node existed, in zxids: [created, deleted).
type span struct{ created, deleted zab.Zxid }

// Naming checks the resolves of the services under the directories
// dirs. A read is answered at some zxid between the client's last zxid
// before and after it (a session never reads older than it has seen; a
// lagging server may answer older than the call's time, so the window is
// in zxids, not in time), and each name found must exist at some zxid of
// that window by the commits. From Bound after the ensemble is back, a
// resolve finds every node that had been there for Converge and every
// live process's registration, and the registrations converge on the
// live processes (checkPresence).
func Naming(log *recipes.Log, recs []cluster.Record, dirs []string, opt RecipeOptions) Verdict {
	var v Verdict
	timeline := commitTimeline(recs)
	from := liveFrom(recs, opt)
	for _, dir := range dirs {
		spans := map[string][]span{}
		d := newDirs(func(x string) bool { return x == dir })
		for _, c := range timeline {
			for _, ch := range d.apply(c) {
				s := spans[ch.name]
				if ch.created {
					spans[ch.name] = append(s, span{created: c.zxid, deleted: zab.Zxid(never)})
				} else if len(s) > 0 {
					s[len(s)-1].deleted = c.zxid
				}
			}
		}
		states := childStates(timeline, dir)
		checkResolves(log, dir, spans, states, from, opt, &v)
		checkPresence(log, states, dir, from, opt, &v)
	}
	return v
}

func checkResolves(log *recipes.Log, dir string, spans map[string][]span, states []state, from int64, opt RecipeOptions, v *Verdict) {
	r := newRegistrations(log, dir, opt)
	unknown, missing := 0, 0
	for _, e := range log.Entries {
		if e.Kind != recipes.KindResolve || e.Path != dir {
			continue
		}
		lo, hi := zab.Zxid(e.Seq), zab.Zxid(e.Value)
		found := map[string]bool{}
		for _, n := range strings.Fields(e.Note) {
			found[n] = true
			ok := false
			for _, s := range spans[n] {
				ok = ok || s.created <= hi && s.deleted > lo
			}
			if !ok {
				unknown++
				if unknown <= 5 {
					v.add(ErrNameUnknown, e.String(), "%s did not exist under %s at any zxid in [%#x, %#x]", n, dir, int64(lo), int64(hi))
				}
			}
		}
		if e.At < from || e.At >= opt.End {
			continue
		}
		// Every node there since Converge ago and still there by the
		// commits applied by now.
		settled := map[string]bool{}
		for _, n := range strings.Fields(atTime(states, e.At-opt.Converge).value) {
			settled[n] = true
		}
		for _, n := range strings.Fields(atTime(states, e.At).value) {
			path := tree.JoinPath(dir, n)
			if ok, _, _ := r.backed(path, e.At); settled[n] && ok && !found[n] {
				missing++
				if missing <= 5 {
					v.add(ErrNameMissing, e.String(), "%s, registered since before %.3fs, was not found", n, float64(e.At-opt.Converge)/1e9)
				}
			}
		}
	}
}
