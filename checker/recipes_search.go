package checker

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// ErrRoles is the search story's promise about roles: once the faults
// heal, every running search server takes the role the master assigned it
// within a bound, so the serving and indexing counts are the
// assignment's.
var ErrRoles = errors.New("search: after the faults heal, every running server's role is the assignment's within a bound")

// SearchOptions names what the search story is made of.
type SearchOptions struct {
	Root     string // "/search": master, nodes/, roles under it
	Servers  int    // how many search servers
	Indexing int    // how many of them index at a time
}

// Search checks the search story under root: at most one master at a
// time, and after the heal never GapMax without one (the backup takes
// over when the master goes), as Election judges them; the web front's
// views of the master node, and the master's of the servers, as Config
// and Membership judge views; and the servers' roles against the
// assignment.
func Search(log *recipes.Log, h *client.History, recs []cluster.Record, so SearchOptions, opt RecipeOptions) Verdict {
	var v Verdict
	f := newFacts(log, h, recs, opt)
	hs := f.holdings(log, recipes.KindMaster, recipes.KindResign)
	for _, x := range hs {
		f.checkRule(x, "mastership", &v)
	}
	f.checkExclusive(hs, ErrTwoMasters, "two masters' tenures", &v)
	from := liveFrom(recs, opt)
	if opt.End > from {
		for _, g := range gaps(hs, from, opt.End, opt.GapMax) {
			v.add(ErrNoMaster, fmt.Sprintf("%d tenures", len(hs)), "no master from %.3fs to %.3fs (healed at %.3fs)",
				float64(g[0])/1e9, float64(g[1])/1e9, float64(opt.HealAt)/1e9)
		}
	}
	timeline := commitTimeline(recs)
	master, nodes, roles := tree.JoinPath(so.Root, "master"), tree.JoinPath(so.Root, "nodes"), tree.JoinPath(so.Root, "roles")
	checkViews(log, dataStates(timeline, master), master, true, from, opt, &v)
	checkViews(log, childStates(timeline, nodes), nodes, false, from, opt, &v)
	checkRoles(log, dataStates(timeline, roles), nodes, so, from, opt, &v)
	return v
}

// checkRoles samples the servers' roles from `from` on, wherever the
// assignment has held for Converge: each server whose process has run for
// Converge last claimed (in this life) the role the assignment gives it,
// and when every server runs the counts are the assignment's.
func checkRoles(log *recipes.Log, states []state, nodes string, so SearchOptions, from int64, opt RecipeOptions, v *Verdict) {
	byProc := map[int][]recipes.Entry{}
	for _, e := range log.Of(recipes.KindRole) {
		if tree.ParentPath(e.Path) == nodes {
			byProc[e.Proc] = append(byProc[e.Proc], e)
		}
	}
	procs := make([]int, 0, len(byProc))
	for p := range byProc {
		procs = append(procs, p)
	}
	sort.Ints(procs)
	ls := newLives(log)
	bad := 0
	for t := from; t < opt.End; t += sampleEvery {
		cur := atTime(states, t)
		if cur.value == absent || cur.at > t-opt.Converge {
			continue
		}
		indexing := map[string]bool{}
		for _, n := range strings.Fields(cur.value) {
			indexing[n] = true
		}
		var wrong []string
		counts := map[string]int{}
		running := 0
		for _, p := range procs {
			start, up := ls.since(p, t)
			if !up || start > t-opt.Converge {
				continue
			}
			running++
			e, ok := latest(byProc[p], t)
			want := recipes.RoleServing
			if ok && indexing[tree.BaseName(e.Path)] {
				want = recipes.RoleIndexing
			}
			if !ok || e.At < start || e.Note != want {
				wrong = append(wrong, fmt.Sprintf("p%d (claimed %q, assigned %s)", p, e.Note, want))
				continue
			}
			counts[e.Note]++
		}
		if len(wrong) == 0 && (running < so.Servers ||
			counts[recipes.RoleIndexing] == so.Indexing && counts[recipes.RoleServing] == so.Servers-so.Indexing) {
			continue
		}
		bad++
		if bad <= 3 {
			v.add(ErrRoles, nodes, "at %.3fs, %.3fs after the assignment [%s]: %d serving, %d indexing; wrong: %v",
				float64(t)/1e9, float64(t-cur.at)/1e9, cur.value, counts[recipes.RoleServing], counts[recipes.RoleIndexing], wrong)
		}
	}
}
