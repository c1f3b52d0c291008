package recipes

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// ladder is one participant's place in a line of ephemeral-sequential
// nodes under dir, the heart of ZooKeeper's lock and leader-election
// recipes (Curator's LockInternals): the smallest node is first; the owner
// of every other node watches only the node just before its own, so a
// deletion wakes one participant, not all of them (no herd effect).
//
// Names are protected (Curator's CreateMode protection): they start with
// a mark of the participant, so after a create whose answer was lost the
// node is found again, and a second node made by the retry is removed.
type ladder struct {
	s      *session
	dir    string
	prefix string // the protected mark, ending in '-'
	node   string // our node's name under dir; "" while unknown
	// gen counts checks and joins: answers and watches of an older one
	// change nothing.
	gen int

	// The owner's hooks. first runs on every check that finds our node
	// the smallest; waiting when it is not (pred is watched); gone when
	// our node is not there.
	first   func(seq int64)
	waiting func(seq int64, pred string)
	gone    func()
}

// protected is a protected name's mark: unique to the session (a client
// id is never reused; Curator uses a random UUID) and to the join, so a
// node of an earlier session or join, of this process or an earlier life
// of it, is never taken for ours.
func protected(name string, proc, client, join int) string {
	return fmt.Sprintf("%s-p%d-c%d-%d-", name, proc, client, join)
}

// seqOf is the sequence number a sequential node's name ends with, or -1.
func seqOf(name string) int64 {
	if len(name) < 10 {
		return -1
	}
	n, err := strconv.ParseInt(name[len(name)-10:], 10, 64)
	if err != nil {
		return -1
	}
	return n
}

// sortBySeq sorts sequential names by their sequence numbers, dropping
// names without one.
func sortBySeq(names []string) []string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		if seqOf(n) >= 0 {
			out = append(out, n)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := seqOf(out[i]), seqOf(out[j])
		return a < b || a == b && out[i] < out[j]
	})
	return out
}

func (l *ladder) path(name string) string { return tree.JoinPath(l.dir, name) }

// join creates our node (with a fresh mark) and checks our place.
func (l *ladder) join(prefix string) {
	l.gen++
	l.prefix, l.node = prefix, ""
	g, cl := l.gen, l.s.cl
	cl.EnsurePath(l.dir, func(err tree.Code) {
		if !l.live(cl, g) {
			return
		}
		if err != tree.OK {
			l.retry(cl, err, func() { l.join(prefix) })
			return
		}
		l.create(cl, g)
	})
}

func (l *ladder) live(cl *client.Client, g int) bool { return l.s.current(cl) && l.gen == g }

// retry repeats fn after a connection loss (the op queues until the
// client reconnects); other errors end the attempt: a dead session is the
// session hooks' business.
func (l *ladder) retry(cl *client.Client, err tree.Code, fn func()) {
	if err == tree.ConnectionLoss && l.s.current(cl) {
		fn()
	}
}

func (l *ladder) create(cl *client.Client, g int) {
	cl.Create(l.path(l.prefix), nil, tree.OpenACLUnsafe, tree.EphemeralSequential, func(p string, err tree.Code) {
		if !l.live(cl, g) {
			return
		}
		switch err {
		case tree.OK:
			l.node = p[strings.LastIndexByte(p, '/')+1:]
			e := l.s.entry(KindJoin)
			e.Path, e.Seq = p, seqOf(l.node)
			l.s.add(e)
			l.check()
		case tree.ConnectionLoss:
			l.check() // it may have been made: look for our mark
		case tree.NoNode:
			l.join(l.prefix) // the directory went away
		}
	})
}

// check lists the line and acts on our place in it.
func (l *ladder) check() {
	l.gen++
	g, cl := l.gen, l.s.cl
	cl.GetChildren(l.dir, nil, func(children []string, _ tree.Stat, err tree.Code) {
		if !l.live(cl, g) {
			return
		}
		if err != tree.OK {
			l.retry(cl, err, l.check)
			return
		}
		l.place(cl, g, sortBySeq(children))
	})
}

func (l *ladder) place(cl *client.Client, g int, line []string) {
	var ours []string
	for _, n := range line {
		if strings.HasPrefix(n, l.prefix) {
			ours = append(ours, n)
		}
	}
	if l.node == "" {
		if len(ours) == 0 {
			l.create(cl, g) // the lost create did not happen
			return
		}
		l.node = ours[0]
		e := l.s.entry(KindJoin)
		e.Path, e.Seq = l.path(l.node), seqOf(l.node)
		l.s.add(e)
	}
	for _, n := range ours {
		if n != l.node {
			l.remove(cl, n) // a second node from a retried create
		}
	}
	idx := -1
	for i, n := range line {
		if n == l.node {
			idx = i
		}
	}
	switch {
	case idx < 0:
		l.node = ""
		l.gen++
		if l.gone != nil {
			l.gone()
		}
	case idx == 0:
		if l.first != nil {
			l.first(seqOf(l.node))
		}
	default:
		pred := line[idx-1]
		if l.waiting != nil {
			l.waiting(seqOf(l.node), pred)
		}
		l.watch(cl, g, pred)
	}
}

// watch waits for pred to go (getData leaves a watch only on a node that
// exists, so a vanished predecessor leaves nothing behind).
func (l *ladder) watch(cl *client.Client, g int, pred string) {
	w := func(ev zab.WatcherEvent) {
		if l.live(cl, g) && ev.Type != tree.EventNone {
			l.check()
		}
	}
	cl.GetData(l.path(pred), w, func(_ []byte, _ tree.Stat, err tree.Code) {
		if !l.live(cl, g) {
			return
		}
		switch err {
		case tree.OK: // wait for the watch
		case tree.NoNode:
			l.check()
		default:
			l.retry(cl, err, l.check)
		}
	})
}

// leave deletes our node (and stops reacting to the line); a lost delete
// is retried while the session lives (Curator's guaranteed delete).
func (l *ladder) leave() {
	l.gen++
	if l.node != "" {
		l.remove(l.s.cl, l.node)
	}
	l.node = ""
}

// abandon forgets our node without deleting it (its session is gone).
func (l *ladder) abandon() {
	l.gen++
	l.node = ""
}

func (l *ladder) remove(cl *client.Client, name string) {
	cl.Delete(l.path(name), -1, func(err tree.Code) {
		if err == tree.ConnectionLoss && l.s.current(cl) {
			l.remove(cl, name)
		}
	})
}
