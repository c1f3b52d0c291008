package checker

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/tree"
)

// ErrGroupStale is what an ephemeral registration (a group member, a
// service instance, a provider) is worth once the faults heal: the node of
// a process that runs and registered is there, and the node of one that
// left is gone within a bound, or of one that died within its session
// timeout and a bound.
var ErrGroupStale = errors.New("after the faults heal, the registrations under a node are the live processes' within the session timeout and a bound")

// sampleEvery is how often the registrations are sampled.
const sampleEvery = 250 * 1e6

// registrations are the KindRegister and KindUnregister claims of the
// nodes under one directory, by path and by process, in order.
type registrations struct {
	byPath map[string][]recipes.Entry
	byProc map[int][]recipes.Entry
	ls     lives
	opt    RecipeOptions
}

func newRegistrations(log *recipes.Log, dir string, opt RecipeOptions) *registrations {
	r := &registrations{byPath: map[string][]recipes.Entry{}, byProc: map[int][]recipes.Entry{}, ls: newLives(log), opt: opt}
	for _, e := range log.Entries {
		if (e.Kind == recipes.KindRegister || e.Kind == recipes.KindUnregister) && tree.ParentPath(e.Path) == dir {
			r.byPath[e.Path] = append(r.byPath[e.Path], e)
			r.byProc[e.Proc] = append(r.byProc[e.Proc], e)
		}
	}
	return r
}

// latest is the last claim of es at or before t, if any.
func latest(es []recipes.Entry, t int64) (recipes.Entry, bool) {
	i := sort.Search(len(es), func(i int) bool { return es[i].At > t })
	if i == 0 {
		return recipes.Entry{}, false
	}
	return es[i-1], true
}

// backed says whether the node at path stands for a live registration at
// t: its last claim is a Register by a process in the life it runs. If
// not, since is when it stopped being one and grace how long its node may
// outlive that (a session takes its timeout to expire; a delete, the
// bound).
//
// NB: the node is made before its process hears so and claims it: a
// claim up to Converge later counts.
func (r *registrations) backed(path string, t int64) (ok bool, since, grace int64) {
	e, found := latest(r.byPath[path], t+r.opt.Converge)
	if !found {
		return true, 0, 0 // not a node of the recipe's: nothing to say
	}
	if e.Kind == recipes.KindUnregister {
		return false, e.At, r.opt.Converge
	}
	start, up := r.ls.since(e.Proc, t)
	if up && e.At >= start {
		return true, 0, 0
	}
	return false, r.ls.until(e.Proc, e.At), r.opt.SessionTimeout + r.opt.Slack + r.opt.Converge
}

// checkPresence samples the registrations under dir from `from` to the
// end: every process that has run for the bound, whose last claim there
// (in this life, made by then) is a Register, has its node; every node is
// backed, or was until recently.
func checkPresence(log *recipes.Log, states []state, dir string, from int64, opt RecipeOptions, v *Verdict) {
	r := newRegistrations(log, dir, opt)
	procs := make([]int, 0, len(r.byProc))
	for p := range r.byProc {
		procs = append(procs, p)
	}
	sort.Ints(procs)
	bad := 0
	for t := from; t < opt.End; t += sampleEvery {
		names := atTime(states, t).value
		present := map[string]bool{}
		for _, n := range strings.Fields(names) {
			present[tree.JoinPath(dir, n)] = true
		}
		var missing, stale []string
		for _, p := range procs {
			start, up := r.ls.since(p, t)
			e, ok := latest(r.byProc[p], t-opt.Converge)
			if up && ok && e.At >= start && e.Kind == recipes.KindRegister && !present[e.Path] {
				if cur, _ := latest(r.byPath[e.Path], t); cur.Kind == recipes.KindRegister && cur.Proc == p {
					missing = append(missing, fmt.Sprintf("%s of p%d (registered at %.3fs)", e.Path, p, float64(e.At)/1e9))
				}
			}
		}
		for _, n := range strings.Fields(names) {
			path := tree.JoinPath(dir, n)
			if ok, since, grace := r.backed(path, t); !ok && t-since > grace {
				stale = append(stale, fmt.Sprintf("%s (not a live registration since %.3fs)", path, float64(since)/1e9))
			}
		}
		if len(missing)+len(stale) == 0 {
			continue
		}
		bad++
		if bad <= 3 {
			v.add(ErrGroupStale, dir, "at %.3fs the commits had %s as [%s]: missing %v, stale %v",
				float64(t)/1e9, dir, names, missing, stale)
		}
	}
}
