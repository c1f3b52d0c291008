package checker

import (
	"errors"
	"fmt"
	"sort"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/recipes"
)

// What the ID generators promise, whatever the clocks do.
var (
	ErrIDUnique = errors.New("ID generation: IDs are unique across all workers")
	ErrIDOrder  = errors.New("ID generation: a worker's IDs increase in the order it issues them, across its restarts")
	ErrIDWorker = errors.New("snowflake: a worker id belongs to one worker, and a worker's IDs carry a worker id it was given")
	ErrIDStuck  = errors.New("ID generation: after the faults heal, IDs keep being issued")
)

// IDs checks the IDs the log claims, per generator (an entry's Path):
// no ID twice, each process's IDs increasing in the order issued (its
// restarts included), snowflake worker ids held by one process each and
// IDs carrying one their process was given, and from Bound after the
// ensemble is back no
// stretch of more than GapMax without an ID.
func IDs(log *recipes.Log, recs []cluster.Record, opt RecipeOptions) Verdict {
	var v Verdict
	type key struct {
		gen  string
		proc int
	}
	first := map[string]map[uint64]recipes.Entry{}
	last := map[key]recipes.Entry{}
	owner := map[uint64]int{}          // snowflake worker id -> process
	given := map[int]map[uint64]bool{} // process -> worker ids it started with
	var issued []holding
	dup, order, worker := 0, 0, 0
	report := func(n *int, g error, where, format string, args ...any) {
		*n++
		if *n <= 5 {
			v.add(g, where, format, args...)
		}
	}
	for _, e := range log.Entries {
		switch e.Kind {
		case recipes.KindWorkerStart:
			if p, ok := owner[e.Value]; ok && p != e.Proc {
				report(&worker, ErrIDWorker, e.String(), "worker id %d was p%d's already", e.Value, p)
			}
			owner[e.Value] = e.Proc
			if given[e.Proc] == nil {
				given[e.Proc] = map[uint64]bool{}
			}
			given[e.Proc][e.Value] = true
		case recipes.KindID:
			issued = append(issued, holding{start: e.At, eff: e.At + 1})
			if first[e.Path] == nil {
				first[e.Path] = map[uint64]recipes.Entry{}
			}
			if f, ok := first[e.Path][e.Value]; ok {
				report(&dup, ErrIDUnique, e.String(), "also issued as %s", f)
			} else {
				first[e.Path][e.Value] = e
			}
			k := key{e.Path, e.Proc}
			if l, ok := last[k]; ok && e.Value <= l.Value {
				report(&order, ErrIDOrder, e.String(), "not above the worker's previous ID, %s", l)
			}
			last[k] = e
			if e.Path == "snowflake" {
				_, w, _ := recipes.SnowflakeParts(e.Value)
				if !given[e.Proc][uint64(w)] {
					report(&worker, ErrIDWorker, e.String(), "carries worker id %d, which p%d was never given (it has %s)", w, e.Proc, ids(given[e.Proc]))
				}
			}
		}
	}
	if from := liveFrom(recs, opt); opt.End > from {
		for _, g := range gaps(issued, from, opt.End, opt.GapMax) {
			v.add(ErrIDStuck, fmt.Sprintf("%d IDs", len(issued)), "no ID from %.3fs to %.3fs (healed at %.3fs)",
				float64(g[0])/1e9, float64(g[1])/1e9, float64(opt.HealAt)/1e9)
		}
	}
	return v
}

func ids(m map[uint64]bool) string {
	out := make([]uint64, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return fmt.Sprint(out)
}
