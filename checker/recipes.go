package checker

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// The recipe checkers read what the recipes claimed (their Log) and hold
// it against facts they do not take from the recipes: the clients' session
// events and the times they were delivered, the processes' crashes, and
// the agreed commit sequence with the time each transaction was first
// applied by some server. All times are the world's virtual time.

// ErrHeldPastSession is the classic rule of anything held through an
// ephemeral node: past the session timeout of disconnection the servers
// may have expired the session and handed the thing to another.
var ErrHeldPastSession = errors.New("a master or lock holder gives up once its session ends or it has been disconnected for longer than the session timeout")

// RecipeOptions is what the recipe checkers need to know of a run.
type RecipeOptions struct {
	// SessionTimeout is the negotiated session timeout of the recipes'
	// sessions, ns.
	SessionTimeout int64
	// Slack, ns, absorbs the clients' clocks: a timer of the session
	// timeout on a slow clock fires late.
	Slack int64
	// HealAt and End: every fault is undone at HealAt; the workload stops
	// at End. Liveness is judged from Bound after the ensemble is back (the
	// heal, or the last leader established after it: an election after a
	// long outage may back off for seconds) to End.
	HealAt, End, Bound int64
	// GapMax, ns: from then on, no master (no lock holder, no
	// barrier pass, no ID) for longer than this is a violation.
	GapMax int64
	// Members is the barrier's N.
	Members int
	// Converge, ns: from the heal on, a watcher's view of a node, and the
	// registrations of live processes, catch up with each change within
	// this.
	Converge int64
}

const never = math.MaxInt64

// liveFrom is when liveness starts to be judged: Bound after the heal, or
// after the last leader established since.
func liveFrom(recs []cluster.Record, opt RecipeOptions) int64 {
	back := opt.HealAt
	for _, r := range recs {
		if r.Obs.Kind == zab.ObsEstablished && int64(r.At) >= opt.HealAt && int64(r.At) < opt.End {
			back = max(back, int64(r.At))
		}
	}
	return back + opt.Bound
}

// facts are the checker's own view of the run: session events by
// client, crashes by process.
type facts struct {
	opt      RecipeOptions
	sessions map[int][]client.Event // client -> its session events, in order
	crashes  map[int][]int64        // process -> crash times, in order
	// closedAt: when the servers first applied a session's closeSession
	// (its expiry or its close); from then on its ephemerals are gone.
	closedAt map[zab.SessionID]int64
	timeline []applied
}

func newFacts(log *recipes.Log, h *client.History, recs []cluster.Record, opt RecipeOptions) *facts {
	f := &facts{opt: opt, sessions: map[int][]client.Event{}, crashes: map[int][]int64{},
		closedAt: map[zab.SessionID]int64{}, timeline: commitTimeline(recs)}
	for _, c := range f.timeline {
		if _, ok := c.txn.(tree.CloseSessionTxn); ok {
			if _, seen := f.closedAt[zab.SessionID(c.session)]; !seen {
				f.closedAt[zab.SessionID(c.session)] = c.at
			}
		}
	}
	for _, ev := range h.Events {
		if ev.Type == tree.EventNone {
			f.sessions[ev.Client] = append(f.sessions[ev.Client], ev)
		}
	}
	for _, e := range log.Entries {
		if e.Kind == recipes.KindCrash {
			f.crashes[e.Proc] = append(f.crashes[e.Proc], e.At)
		}
	}
	return f
}

// crashAfter is the first crash of proc at or after t (never if none).
func (f *facts) crashAfter(proc int, t int64) int64 {
	for _, c := range f.crashes[proc] {
		if c >= t {
			return c
		}
	}
	return never
}

// holding is one claimed hold: a master's tenure or a lock held.
type holding struct {
	proc, client int
	session      zab.SessionID
	path         string
	seq          int64
	start, end   int64 // end: the claimed end, never while open
	// eff is when the holder stopped acting: its claimed end or its
	// process's death. safe is the end in the checker's view of
	// sessions: eff, or the servers closing its session if earlier —
	// nobody else can be granted the thing before then.
	eff, safe int64
	note      string
}

func (x holding) String() string {
	end := "open"
	if x.end != never {
		end = fmt.Sprintf("%.3fs", float64(x.end)/1e9)
	}
	s := fmt.Sprintf("p%d c%d s=%#x %s", x.proc, x.client, int64(x.session), x.path)
	if x.seq >= 0 {
		s += fmt.Sprintf(" seq=%d", x.seq)
	}
	s += fmt.Sprintf(" [%.3fs, %s]", float64(x.start)/1e9, end)
	if x.eff != x.end {
		s += fmt.Sprintf(" dead at %.3fs", float64(x.eff)/1e9)
	}
	if x.safe != x.eff {
		s += fmt.Sprintf(" session closed at %.3fs", float64(x.safe)/1e9)
	}
	return s
}

// holdings pairs each open claim with the next close claim of the same
// client on the same path, and caps each by its process's death and its
// session's close at the servers.
func (f *facts) holdings(log *recipes.Log, open, closeKind recipes.Kind) []holding {
	type key struct {
		client int
		path   string
	}
	var out []holding
	cur := map[key]int{}
	for _, e := range log.Entries {
		k := key{e.Client, e.Path}
		switch e.Kind {
		case open:
			if i, ok := cur[k]; ok {
				out[i].end, out[i].note = e.At, "claimed again" // a repeated claim ends the first
			}
			cur[k] = len(out)
			out = append(out, holding{proc: e.Proc, client: e.Client, session: e.Session, path: e.Path,
				seq: e.Seq, start: e.At, end: never})
		case closeKind:
			if i, ok := cur[k]; ok {
				out[i].end, out[i].note = e.At, e.Note
				delete(cur, k)
			}
		}
	}
	for i := range out {
		x := &out[i]
		x.eff = min(x.end, f.crashAfter(x.proc, x.start))
		x.safe = x.eff
		if at, ok := f.closedAt[x.session]; ok {
			x.safe = min(x.safe, at)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// checkRule: a hold ends no later than its session's end, and no later
// than the session timeout after a disconnection that lasted that long.
func (f *facts) checkRule(x holding, what string, v *Verdict) {
	limit := f.opt.SessionTimeout + f.opt.Slack
	evs := f.sessions[x.client]
	for i, ev := range evs {
		if ev.At <= x.start || ev.At >= x.eff {
			continue
		}
		switch ev.State {
		case tree.StateExpired, tree.StateClosed, tree.StateAuthFailed:
			v.add(ErrHeldPastSession, x.String(), "%s went on after its session ended (%s)", what, ev)
			return
		case tree.StateDisconnected:
			back := int64(never)
			for _, later := range evs[i+1:] {
				if later.State != tree.StateDisconnected {
					back = later.At
					break
				}
			}
			if back-ev.At > limit && x.eff-ev.At > limit {
				v.add(ErrHeldPastSession, x.String(), "%s went on %.3fs after its client was disconnected at %.3fs (session timeout %.3fs)",
					what, float64(x.eff-ev.At)/1e9, float64(ev.At)/1e9, float64(f.opt.SessionTimeout)/1e9)
				return
			}
		}
	}
}

// checkExclusive: no hold is granted to another session before the one
// holding ends in the checker's view (resigned, released, its process
// dead, or its session closed by the servers: only then is its node
// gone). A holder that goes on after the servers closed its session has
// not heard yet — disconnected, or connected to a server that lags; the
// classic rule (checkRule) bounds how long — and another hold that starts
// meanwhile is reported as allowed: two holders at once that ZooKeeper
// cannot prevent.
func (f *facts) checkExclusive(hs []holding, g error, what string, v *Verdict) {
	bad := 0
	for i, a := range hs {
		for _, b := range hs[i+1:] {
			if b.start >= a.eff {
				break // sorted by start: later ones start later still
			}
			if a.client == b.client && a.session == b.session || b.safe <= b.start {
				continue
			}
			pair := a.String() + " and " + b.String()
			if b.start >= a.safe {
				v.Allowed = append(v.Allowed, Violation{Guarantee: g, Where: pair,
					Detail: fmt.Sprintf("%s overlap for %.3fs from %.3fs: the first holder had not heard that the servers closed its session at %.3fs",
						what, float64(min(a.eff, b.eff)-b.start)/1e9, float64(b.start)/1e9, float64(a.safe)/1e9)})
				continue
			}
			bad++
			if bad <= 5 {
				v.add(g, pair, "%s overlap for %.3fs from %.3fs, while the first holder's session was open",
					what, float64(min(a.safe, b.eff)-b.start)/1e9, float64(b.start)/1e9)
			}
		}
	}
}

// gaps returns the stretches of [from, to) covered by no hold, longer
// than maxGap.
func gaps(hs []holding, from, to, maxGap int64) [][2]int64 {
	type span struct{ a, b int64 }
	var spans []span
	for _, x := range hs {
		if x.eff > from && x.start < to {
			spans = append(spans, span{max(x.start, from), min(x.eff, to)})
		}
	}
	sort.Slice(spans, func(i, j int) bool { return spans[i].a < spans[j].a })
	var out [][2]int64
	at := from
	for _, s := range spans {
		if s.a-at > maxGap {
			out = append(out, [2]int64{at, s.a})
		}
		at = max(at, s.b)
	}
	if to-at > maxGap {
		out = append(out, [2]int64{at, to})
	}
	return out
}

// applied is one transaction of the agreed sequence, with the time some
// server first applied it: nobody can have seen it earlier.
type applied struct {
	zxid    zab.Zxid
	at      int64
	session int64
	txn     tree.Txn
}

// commitTimeline is the agreed commit sequence in zxid order. The first
// application times never decrease along it: the server that first
// applied a zxid had applied every earlier one.
func commitTimeline(recs []cluster.Record) []applied {
	idx := map[zab.Zxid]int{}
	var out []applied
	for _, r := range recs {
		if r.Obs.Kind != zab.ObsDeliver && r.Obs.Kind != zab.ObsCommitted {
			continue
		}
		z := r.Obs.Zxid
		if r.Obs.Entry != nil {
			z = r.Obs.Entry.Zxid()
		}
		if i, ok := idx[z]; ok {
			out[i].at = min(out[i].at, int64(r.At))
			continue
		}
		if r.Obs.Entry == nil {
			continue
		}
		idx[z] = len(out)
		out = append(out, applied{zxid: z, at: int64(r.At), session: r.Obs.Entry.Hdr.SessionID, txn: r.Obs.Entry.Txn})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].zxid < out[j].zxid })
	for i := len(out) - 2; i >= 0; i-- {
		out[i].at = min(out[i].at, out[i+1].at)
	}
	return out
}

// dirs follows the children of some directories along the commit
// timeline: which exist, with their data and owner.
type dirs struct {
	watched  func(dir string) bool
	children map[string]map[string]dirChild // dir -> name -> child
	owned    map[int64][]string             // session -> ephemeral paths it made
}

type dirChild struct {
	data  []byte
	owner int64
	zxid  zab.Zxid
}

func newDirs(watched func(dir string) bool) *dirs {
	return &dirs{watched: watched, children: map[string]map[string]dirChild{}, owned: map[int64][]string{}}
}

// change is one child created or deleted by a commit.
type change struct {
	dir, name string
	created   bool
	child     dirChild
}

// apply applies a commit and returns what it did to the watched
// directories, in order.
func (d *dirs) apply(c applied) []change {
	var out []change
	d.applyTxn(c, c.txn, &out)
	return out
}

func split(path string) (dir, name string) {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "/", path[i+1:]
	}
	return path[:i], path[i+1:]
}

func (d *dirs) applyTxn(c applied, txn tree.Txn, out *[]change) {
	switch t := txn.(type) {
	case tree.CreateTxn:
		dir, name := split(t.Path)
		if !d.watched(dir) {
			return
		}
		owner := int64(0)
		if t.Ephemeral {
			owner = c.session
			d.owned[owner] = append(d.owned[owner], t.Path)
		}
		if d.children[dir] == nil {
			d.children[dir] = map[string]dirChild{}
		}
		ch := dirChild{data: t.Data, owner: owner, zxid: c.zxid}
		d.children[dir][name] = ch
		*out = append(*out, change{dir: dir, name: name, created: true, child: ch})
	case tree.DeleteTxn:
		d.remove(t.Path, out)
	case tree.CloseSessionTxn:
		// NB: a path the session once owned may be another session's
		// node by now (it was deleted and made again under the same
		// name): only the session's own nodes go.
		var paths []string
		for _, p := range d.owned[c.session] {
			dir, name := split(p)
			if ch, ok := d.children[dir][name]; ok && ch.owner == c.session {
				paths = append(paths, p)
			}
		}
		paths = append(paths, t.Paths...)
		sort.Strings(paths)
		for _, p := range paths {
			d.remove(p, out)
		}
		delete(d.owned, c.session)
	case tree.MultiTxn:
		for _, s := range t.Txns {
			if s.Type == tree.OpError {
				return
			}
		}
		for _, s := range t.Txns {
			d.applyTxn(c, s.Txn, out)
		}
	}
}

func (d *dirs) remove(path string, out *[]change) {
	dir, name := split(path)
	ch, ok := d.children[dir][name]
	if !ok {
		return
	}
	delete(d.children[dir], name)
	*out = append(*out, change{dir: dir, name: name, child: ch})
}
