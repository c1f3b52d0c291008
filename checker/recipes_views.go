package checker

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// What a watcher of a znode (the configuration, a group, a service's
// providers, the master's address) can count on. ZooKeeper's reads are not
// linearizable: a view may lag, but it is the node as some commit left it,
// a session's views never go back, and once the faults are healed a
// watcher that re-arms its watch catches up with every change.
var (
	ErrViewUnfounded = errors.New("a watcher's view is the node as the commit it names left it")
	ErrViewBackwards = errors.New("a session's views of a node go forward in zxid order")
	ErrViewStale     = errors.New("after the faults heal, every live watcher's view catches up with the node within a bound of each change")
)

// absent is the value of a node that does not exist.
const absent = "\x00absent"

// state is what the commits say a watched node held from the time some
// server first applied zxid: its children (sorted, space-separated) or its
// data.
type state struct {
	at    int64
	zxid  zab.Zxid
	value string
}

// childStates follows dir's children along the commits.
func childStates(timeline []applied, dir string) []state {
	d := newDirs(func(x string) bool { return x == dir })
	out := []state{{value: ""}}
	for _, c := range timeline {
		if len(d.apply(c)) == 0 {
			continue
		}
		names := make([]string, 0, len(d.children[dir]))
		for n := range d.children[dir] {
			names = append(names, n)
		}
		sort.Strings(names)
		out = append(out, state{at: c.at, zxid: c.zxid, value: strings.Join(names, " ")})
	}
	return out
}

// dataStates follows path's data along the commits (an ephemeral node
// goes with its owner's session).
func dataStates(timeline []applied, path string) []state {
	out := []state{{value: absent}}
	var owner int64
	set := func(c applied, v string) {
		if out[len(out)-1].value != v || v != absent {
			out = append(out, state{at: c.at, zxid: c.zxid, value: v})
		}
	}
	var apply func(c applied, txn tree.Txn)
	apply = func(c applied, txn tree.Txn) {
		switch t := txn.(type) {
		case tree.CreateTxn:
			if t.Path == path {
				owner = 0
				if t.Ephemeral {
					owner = c.session
				}
				set(c, string(t.Data))
			}
		case tree.SetDataTxn:
			if t.Path == path {
				set(c, string(t.Data))
			}
		case tree.DeleteTxn:
			if t.Path == path {
				set(c, absent)
			}
		case tree.CloseSessionTxn:
			gone := owner != 0 && owner == c.session
			for _, p := range t.Paths {
				gone = gone || p == path
			}
			if gone && out[len(out)-1].value != absent {
				set(c, absent)
			}
		case tree.MultiTxn:
			for _, s := range t.Txns {
				if s.Type == tree.OpError {
					return
				}
			}
			for _, s := range t.Txns {
				apply(c, s.Txn)
			}
		}
	}
	for _, c := range timeline {
		apply(c, c.txn)
	}
	return out
}

// atZxid is the state after the commits up to z.
func atZxid(states []state, z zab.Zxid) state {
	i := sort.Search(len(states), func(i int) bool { return states[i].zxid > z })
	return states[max(i-1, 0)]
}

// atTime is the state after the commits some server had applied by t.
func atTime(states []state, t int64) state {
	i := sort.Search(len(states), func(i int) bool { return states[i].at > t && states[i].zxid != 0 })
	return states[max(i-1, 0)]
}

// lives tells when each process ran, from the harness's crash and
// restart facts.
type lives map[int][]recipes.Entry

func newLives(log *recipes.Log) lives {
	l := lives{}
	for _, e := range log.Entries {
		if e.Kind == recipes.KindCrash || e.Kind == recipes.KindRestart {
			l[e.Proc] = append(l[e.Proc], e)
		}
	}
	return l
}

// since is when proc's life that runs at t began (0: the first), and
// whether it runs at t.
func (l lives) since(proc int, t int64) (int64, bool) {
	start, up := int64(0), true
	for _, e := range l[proc] {
		if e.At > t {
			break
		}
		start, up = e.At, e.Kind == recipes.KindRestart
	}
	return start, up
}

// until is when proc's life that runs at t ends (never if it does not).
func (l lives) until(proc int, t int64) int64 {
	for _, e := range l[proc] {
		if e.At > t && e.Kind == recipes.KindCrash {
			return e.At
		}
	}
	return never
}

// checkViews holds the views claimed of path (KindView) against the
// commits' states of it: each view is the state at the zxid it names; a
// session's views go forward; and from `from` on, a watcher whose
// process has run for bound is, bound after each change, at the node's
// state, and stays there until the next change. dataView says the views
// are of data (the node may be absent) rather than children.
func checkViews(log *recipes.Log, states []state, path string, dataView bool, from int64, opt RecipeOptions, v *Verdict) {
	byProc := map[int][]recipes.Entry{}
	lastZxid := map[int]recipes.Entry{}
	bad := 0
	report := func(g error, where, format string, args ...any) {
		bad++
		if bad <= 5 {
			v.add(g, where, format, args...)
		}
	}
	for _, e := range log.Entries {
		if e.Kind != recipes.KindView || e.Path != path {
			continue
		}
		byProc[e.Proc] = append(byProc[e.Proc], e)
		got := claimed(e, dataView)
		if got == absent {
			continue // an absent node names no zxid
		}
		if want := atZxid(states, zab.Zxid(e.Value)).value; got != want {
			report(ErrViewUnfounded, e.String(), "the commits left %s as %q at zxid %#x, not %q", path, want, e.Value, got)
		}
		if prev, ok := lastZxid[e.Client]; ok && e.Value < prev.Value {
			report(ErrViewBackwards, e.String(), "after %s", prev)
		}
		lastZxid[e.Client] = e
	}
	procs := make([]int, 0, len(byProc))
	for p := range byProc {
		procs = append(procs, p)
	}
	sort.Ints(procs)
	ls := newLives(log)
	for i, s := range states {
		end := opt.End
		if i+1 < len(states) {
			end = min(end, states[i+1].at)
		}
		for _, proc := range procs {
			if msg, where := stale(byProc[proc], ls, proc, s, end, from, opt.Converge, dataView); msg != "" {
				report(ErrViewStale, where, "%s", msg)
			}
		}
	}
}

// claimed is the value a view claim says it saw.
func claimed(e recipes.Entry, dataView bool) string {
	if dataView && e.Seq == -2 {
		return absent
	}
	return e.Note
}

// stale checks one watcher over one stretch [s.at, end) of the node's
// state: from bound after the change (and after the watcher's process
// started), its latest view is the state, until the stretch ends or the
// process dies.
func stale(claims []recipes.Entry, ls lives, proc int, s state, end, from, bound int64, dataView bool) (string, string) {
	p := max(s.at+bound, from)
	if p >= end {
		return "", ""
	}
	start, up := ls.since(proc, p)
	if !up {
		return "", ""
	}
	p = max(p, start+bound)
	stop := min(end, ls.until(proc, start))
	if p >= stop {
		return "", ""
	}
	var latest *recipes.Entry
	for i := range claims {
		e := &claims[i]
		if e.At >= stop {
			break
		}
		if e.At < start {
			continue
		}
		if e.At <= p {
			latest = e
			continue
		}
		if got := claimed(*e, dataView); got != s.value {
			return fmt.Sprintf("p%d's view became %q at %.3fs while the node was %q (since %.3fs, zxid %#x)",
				proc, got, float64(e.At)/1e9, s.value, float64(s.at)/1e9, int64(s.zxid)), e.String()
		}
	}
	switch {
	case latest == nil:
		return fmt.Sprintf("p%d had no view by %.3fs, %.3fs after the node became %q (zxid %#x) and %.3fs after the process started",
			proc, float64(p)/1e9, float64(p-s.at)/1e9, s.value, int64(s.zxid), float64(p-start)/1e9), fmt.Sprintf("p%d", proc)
	case claimed(*latest, dataView) != s.value:
		return fmt.Sprintf("p%d still held %q at %.3fs, %.3fs after the node became %q (zxid %#x)",
			proc, claimed(*latest, dataView), float64(p)/1e9, float64(p-s.at)/1e9, s.value, int64(s.zxid)), latest.String()
	}
	return "", ""
}
