package recipes

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// Barrier is the synchronous queue of the seed documents ("同步队列,当一个
// 队列的成员都聚齐时,这个队列才可用"): members arrive by creating an
// ephemeral node under the round's node and proceed once N have arrived.
// As the barrier of ZooKeeper's recipes page, the member that sees N
// arrivals creates a ready node, and every member waits on that node (an
// exist watch) as well as on the children: once ready, a round stays
// ready whoever leaves afterwards. Rounds follow one another under root:
// r-0000000000, r-0000000001, ...
type Barrier struct {
	s       session
	root    string
	n       int
	name    string // this member's node name, the same in every round
	round   int    // the round being entered, or passed last
	inRound bool   // entering round: arrived or arriving, not yet passed
	// own: our node in the round is this session's (not an older one's,
	// which will go when that session expires).
	own bool
	// resuming: Resume was called and has not entered a round yet.
	resuming bool
	started  bool
	stopped  bool
	gen      int

	// OnPass hears each round passed.
	OnPass func(round int)
}

// readyNode is the node that says a round is complete.
const readyNode = "ready"

// NewBarrier makes member name of a barrier of n members under root;
// Start it, then Enter.
func NewBarrier(env Env, log *Log, root string, n int, name string) *Barrier {
	b := &Barrier{root: root, n: n, name: name, round: -1}
	b.s = session{env: env, log: log}
	b.s.onConnected = func(*client.Client) {
		switch {
		case b.inRound:
			b.arrive() // again: a new session, or an answer lost meanwhile
		case b.resuming:
			b.Resume() // a session that died before the newest round was found
		}
	}
	b.s.onDead = func(*client.Client, bool) {
		b.gen++
		if !b.stopped {
			b.s.open()
		}
	}
	return b
}

// Start opens the session.
func (b *Barrier) Start() {
	if !b.started {
		b.started = true
		b.s.open()
	}
}

// Stop closes the session.
func (b *Barrier) Stop() {
	b.stopped = true
	b.gen++
	b.s.close()
}

// Round is the round entered or passed last (-1 before any).
func (b *Barrier) Round() int { return b.round }

func (b *Barrier) roundDir(r int) string {
	return tree.JoinPath(b.root, fmt.Sprintf("r-%010d", r))
}

// Resume finds the newest round under root and enters it: a restarted
// member catches up with the others.
func (b *Barrier) Resume() {
	b.resuming = true
	cl := b.s.cl
	cl.EnsurePath(b.root, func(err tree.Code) {
		if !b.s.current(cl) || b.stopped {
			return
		}
		if err != tree.OK {
			if err == tree.ConnectionLoss {
				b.Resume()
			}
			return
		}
		cl.GetChildren(b.root, nil, func(children []string, _ tree.Stat, err tree.Code) {
			if !b.s.current(cl) || b.stopped {
				return
			}
			if err != tree.OK {
				if err == tree.ConnectionLoss {
					b.Resume()
				}
				return
			}
			newest := 0
			for _, c := range children {
				if r, err := strconv.Atoi(strings.TrimPrefix(c, "r-")); err == nil && r > newest {
					newest = r
				}
			}
			b.Enter(newest)
		})
	})
}

// Enter arrives at round r; OnPass hears when it is passed.
func (b *Barrier) Enter(r int) {
	if b.stopped || b.inRound {
		return
	}
	b.round, b.inRound, b.resuming = r, true, false
	b.arrive()
}

// arrive makes this member's node in the round (if another session's
// node of ours is still there, it waits for that one to go), then waits.
func (b *Barrier) arrive() {
	b.gen++
	g, cl, r := b.gen, b.s.cl, b.round
	live := func() bool { return b.s.current(cl) && b.gen == g && b.inRound && !b.stopped }
	dir := b.roundDir(r)
	me := tree.JoinPath(dir, b.name)
	cl.EnsurePath(dir, func(err tree.Code) {
		if !live() {
			return
		}
		if err != tree.OK {
			if err == tree.ConnectionLoss {
				b.arrive()
			}
			return
		}
		cl.Create(me, nil, tree.OpenACLUnsafe, tree.Ephemeral, func(_ string, err tree.Code) {
			if !live() {
				return
			}
			switch err {
			case tree.OK:
				b.arrived(true)
			case tree.NodeExists, tree.ConnectionLoss:
				b.mine(cl, g, me)
			}
		})
	})
}

// mine reads our node: this session's means arrived; an older session's
// counts as our arrival until it goes (it goes when that session
// expires), and then we make ours.
func (b *Barrier) mine(cl *client.Client, g int, me string) {
	live := func() bool { return b.s.current(cl) && b.gen == g && b.inRound && !b.stopped }
	cl.GetData(me, nil, func(_ []byte, st tree.Stat, err tree.Code) {
		if !live() {
			return
		}
		switch {
		case err == tree.OK:
			b.arrived(st.EphemeralOwner == int64(cl.SessionID()))
		default:
			b.arrive()
		}
	})
}

func (b *Barrier) arrived(own bool) {
	b.own = own
	e := b.s.entry(KindArrive)
	e.Path, e.Round = b.roundDir(b.round), b.round
	if !own {
		e.Note = "an older session's node"
	}
	b.s.add(e)
	b.check()
}

// check waits for the round to be ready: the ready node exists, or N
// members are there (then this member makes the ready node). Each check
// supersedes the one before, and its watches.
func (b *Barrier) check() {
	b.gen++
	g, cl := b.gen, b.s.cl
	live := func() bool { return b.s.current(cl) && b.gen == g && b.inRound && !b.stopped }
	dir := b.roundDir(b.round)
	ready := tree.JoinPath(dir, readyNode)
	again := func(ev zab.WatcherEvent) {
		if live() && ev.Type != tree.EventNone {
			b.check()
		}
	}
	cl.Exists(ready, again, func(_ tree.Stat, err tree.Code) {
		if !live() {
			return
		}
		switch err {
		case tree.OK:
			b.pass()
			return
		case tree.NoNode:
		default:
			if err == tree.ConnectionLoss {
				b.check()
			}
			return
		}
		cl.GetChildren(dir, again, func(children []string, _ tree.Stat, err tree.Code) {
			if !live() {
				return
			}
			if err != tree.OK {
				if err == tree.ConnectionLoss {
					b.check()
				}
				return
			}
			if !b.own && !contains(children, b.name) {
				b.arrive() // the older session's node went: make ours
				return
			}
			if members(children) < b.n {
				return // a watch wakes us
			}
			cl.Create(ready, nil, tree.OpenACLUnsafe, tree.Persistent, func(_ string, err tree.Code) {
				if !live() {
					return
				}
				switch err {
				case tree.OK, tree.NodeExists:
					b.pass()
				case tree.ConnectionLoss:
					b.check()
				}
			})
		})
	})
}

func contains(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// members counts the member nodes of a round's children.
func members(children []string) int {
	n := 0
	for _, c := range children {
		if c != readyNode {
			n++
		}
	}
	return n
}

func (b *Barrier) pass() {
	b.inRound = false
	b.gen++
	e := b.s.entry(KindPass)
	e.Path, e.Round = b.roundDir(b.round), b.round
	b.s.add(e)
	if b.OnPass != nil {
		b.OnPass(b.round)
	}
}
