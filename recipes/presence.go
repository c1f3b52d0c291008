package recipes

import (
	"strings"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// presence keeps one ephemeral node of ours under dir while it is wanted:
// what a group member, a registered service instance or a worker is to
// the others. An ephemeral dies with its session, so every new session
// makes it again.
//
// A fixed name (a member's name, a provider's URL) may still be held by
// an earlier session of ours — the process crashed and came back before
// that session expired — or by a create of ours whose answer was lost: the
// node's owner tells which, and another owner's node is waited out with a
// watch. A sequential name carries a protected mark, so a create whose
// answer was lost is found again and a second node made by the retry is
// removed.
type presence struct {
	s          *session
	dir        string
	name       string // the fixed name, or the base of the protected mark
	sequential bool
	data       []byte

	want  bool
	path  string            // our node, once known to exist; "" otherwise
	in    *client.Client    // the session path was made in
	gen   int               // answers and watches of an older attempt change nothing
	joins int               // protected marks made, to keep them unique
	onUp  func(path string) // the node is known to exist (again)
}

func (p *presence) live(cl *client.Client, g int) bool {
	return p.s.current(cl) && p.gen == g && p.want
}

// join wants the node and makes it now if connected.
func (p *presence) join() {
	p.want = true
	if p.s.connected {
		p.connected(p.s.cl)
	}
}

// connected makes the node in a new session and, in the same session,
// checks that it is still ours (the session may have expired meanwhile;
// the client then hears so instead).
func (p *presence) connected(cl *client.Client) {
	if !p.want {
		return
	}
	p.gen++
	g := p.gen
	if p.path == "" || p.in != cl {
		p.path, p.in = "", nil
		p.make(cl, g)
		return
	}
	path := p.path
	cl.Exists(path, nil, func(st tree.Stat, err tree.Code) {
		if !p.live(cl, g) {
			return
		}
		switch {
		case err == tree.OK && zab.SessionID(st.EphemeralOwner) == cl.SessionID():
			p.up(cl, path)
		case err == tree.OK || err == tree.NoNode:
			p.path = ""
			p.make(cl, g)
		}
	})
}

// dead forgets the node: its session is gone, and so is the node.
func (p *presence) dead() {
	p.gen++
	p.path, p.in = "", nil
}

func (p *presence) make(cl *client.Client, g int) {
	p.s.ensure(p.dir, func(err tree.Code) {
		if !p.live(cl, g) {
			return
		}
		if err != tree.OK {
			if err == tree.ConnectionLoss {
				p.make(cl, g)
			}
			return
		}
		if p.sequential {
			p.joins++
			p.createSeq(cl, g, protected(p.name, p.s.env.ID(), cl.ID(), p.joins))
			return
		}
		p.createFixed(cl, g)
	})
}

func (p *presence) createFixed(cl *client.Client, g int) {
	path := tree.JoinPath(p.dir, p.name)
	cl.Create(path, p.data, tree.OpenACLUnsafe, tree.Ephemeral, func(_ string, err tree.Code) {
		if !p.live(cl, g) {
			if err == tree.OK && !p.want && p.s.current(cl) {
				p.remove(cl, path) // made after we left
			}
			return
		}
		switch err {
		case tree.OK:
			p.up(cl, path)
		case tree.NodeExists, tree.ConnectionLoss:
			p.owner(cl, g, path)
		case tree.NoNode:
			p.s.ensured[p.dir] = false
			p.make(cl, g)
		}
	})
}

// owner looks at who holds our fixed name: us (a create whose answer was
// lost), nobody (try again), or another session (wait for it to go).
func (p *presence) owner(cl *client.Client, g int, path string) {
	w := func(ev zab.WatcherEvent) {
		if p.live(cl, g) && ev.Type == tree.EventNodeDeleted {
			p.createFixed(cl, g)
		}
	}
	cl.Exists(path, w, func(st tree.Stat, err tree.Code) {
		if !p.live(cl, g) {
			return
		}
		switch {
		case err == tree.OK && zab.SessionID(st.EphemeralOwner) == cl.SessionID():
			p.up(cl, path)
		case err == tree.OK: // another session's: the watch wakes us
		case err == tree.NoNode, err == tree.ConnectionLoss:
			p.createFixed(cl, g)
		}
	})
}

func (p *presence) createSeq(cl *client.Client, g int, mark string) {
	cl.Create(tree.JoinPath(p.dir, mark), p.data, tree.OpenACLUnsafe, tree.EphemeralSequential, func(path string, err tree.Code) {
		if !p.live(cl, g) {
			if err == tree.OK && p.s.current(cl) {
				p.remove(cl, path) // made for an attempt given up since
			}
			return
		}
		switch err {
		case tree.OK:
			p.up(cl, path)
		case tree.ConnectionLoss:
			p.findSeq(cl, g, mark)
		case tree.NoNode:
			p.s.ensured[p.dir] = false
			p.make(cl, g)
		}
	})
}

// findSeq looks for the node of a create whose answer was lost.
func (p *presence) findSeq(cl *client.Client, g int, mark string) {
	cl.GetChildren(p.dir, nil, func(children []string, _ tree.Stat, err tree.Code) {
		if !p.live(cl, g) {
			return
		}
		if err != tree.OK {
			if err == tree.ConnectionLoss {
				p.findSeq(cl, g, mark)
			}
			return
		}
		var ours []string
		for _, n := range sortBySeq(children) {
			if strings.HasPrefix(n, mark) {
				ours = append(ours, n)
			}
		}
		if len(ours) == 0 {
			p.createSeq(cl, g, mark)
			return
		}
		for _, n := range ours[1:] {
			p.remove(cl, tree.JoinPath(p.dir, n))
		}
		p.up(cl, tree.JoinPath(p.dir, ours[0]))
	})
}

func (p *presence) up(cl *client.Client, path string) {
	p.path, p.in = path, cl
	if p.onUp != nil {
		p.onUp(path)
	}
}

// leave deletes the node (retried while the session lives) and stops
// wanting it.
func (p *presence) leave() {
	p.want = false
	p.gen++
	if p.path != "" && p.s.current(p.in) {
		p.remove(p.in, p.path)
	}
	p.path, p.in = "", nil
}

func (p *presence) remove(cl *client.Client, path string) { deleteOwn(p.s, cl, path) }

// deleteOwn deletes path if it is an ephemeral of cl's session, retrying
// a lost answer while the session is in use. NB: never a blind delete
// (version -1) retried: by the time a retry lands, the name may be
// another session's node — a backup master's seat, another worker's task
// — and deleting it hands the thing to a second holder. Only our session
// can delete our ephemeral, and a session's ops apply in order, so once
// exists shows it ours, a delete at its version deletes it or nothing.
func deleteOwn(s *session, cl *client.Client, path string) {
	cl.Exists(path, nil, func(st tree.Stat, err tree.Code) {
		switch {
		case !s.current(cl):
		case err == tree.ConnectionLoss:
			deleteOwn(s, cl, path)
		case err != tree.OK || zab.SessionID(st.EphemeralOwner) != cl.SessionID():
		default:
			cl.Delete(path, st.Version, func(err tree.Code) {
				if err == tree.ConnectionLoss && s.current(cl) {
					deleteOwn(s, cl, path)
				}
			})
		}
	})
}
