package recipes

import (
	"github.com/zabsim/zabsim/zab/client"
)

// Candidate is one participant of a master election (ZooKeeper's leader
// election recipe, Curator's LeaderLatch): an ephemeral-sequential node
// under the election node, the smallest is master, every other candidate
// watches only its predecessor.
//
// Its tenure as master starts when it learns its node is the smallest and
// ends when it resigns, when its session expires or closes, when it finds
// its node gone, or — the classic rule — when it has been disconnected for
// longer than the session timeout: past that the servers may have expired
// the session and made another candidate master, and it cannot know. On a
// new session it joins again at the back of the line.
type Candidate struct {
	s   session
	lad ladder
	// joins counts the nodes this candidate made, for protected names.
	joins  int
	master bool
	// masterPath is the node the tenure rests on.
	masterPath string
	started    bool
	stopped    bool

	// OnMaster and OnResign, if set, hear the tenure begin and end.
	OnMaster func()
	OnResign func(why string)
	// IgnoreSessionTimeout is a deliberate bug, for proving the checker
	// sees it: the candidate stays master however long it is
	// disconnected (until it hears its session expired).
	IgnoreSessionTimeout bool
}

// NewCandidate makes a candidate for the election under dir; Start it.
func NewCandidate(env Env, log *Log, dir string) *Candidate {
	c := &Candidate{}
	c.s = session{env: env, log: log}
	c.lad = ladder{s: &c.s, dir: dir}
	c.s.onConnected = c.connected
	c.s.onLost = func(*client.Client) {
		if !c.IgnoreSessionTimeout {
			c.resign("disconnected longer than the session timeout")
		}
	}
	c.s.onDead = c.dead
	c.lad.first = c.first
	c.lad.gone = func() {
		c.resign("its node is gone")
		c.join()
	}
	return c
}

// Start opens a session; the candidate joins once it connects.
func (c *Candidate) Start() {
	if c.started {
		return
	}
	c.started = true
	c.s.open()
}

// IsMaster reports whether the candidate considers itself master.
func (c *Candidate) IsMaster() bool { return c.master }

// Client is the session handle in use.
func (c *Candidate) Client() *client.Client { return c.s.cl }

// Resign gives mastership up: the node is deleted (which wakes the next
// candidate) and the candidate joins again at the back of the line.
func (c *Candidate) Resign() {
	if !c.master || c.stopped {
		return
	}
	c.resign("resigned")
	c.lad.leave()
	c.join()
}

// Stop resigns and closes the session for good.
func (c *Candidate) Stop() {
	if c.stopped {
		return
	}
	c.resign("stopping")
	c.stopped = true
	c.lad.abandon()
	c.s.close()
}

func (c *Candidate) join() {
	c.joins++
	c.lad.join(protected("n", c.s.env.ID(), c.s.cl.ID(), c.joins))
}

// connected: the first connection of a session joins; a reconnection
// checks the line again (our node may be gone, or first now).
func (c *Candidate) connected(*client.Client) {
	if c.stopped {
		return
	}
	if c.lad.node == "" && c.lad.prefix == "" {
		c.join()
		return
	}
	c.lad.check()
}

func (c *Candidate) dead(_ *client.Client, expired bool) {
	why := "session closed"
	if expired {
		why = "session expired"
	}
	c.resign(why)
	c.lad.abandon()
	c.lad.prefix = ""
	if !c.stopped {
		c.s.open()
	}
}

func (c *Candidate) first(seq int64) {
	if c.master || c.stopped {
		return
	}
	if !c.s.connected || c.s.presumedLost {
		return // an answer that raced a disconnection: look again later
	}
	c.master = true
	c.masterPath = c.lad.path(c.lad.node)
	e := c.s.entry(KindMaster)
	e.Path, e.Seq = c.masterPath, seq
	c.s.add(e)
	if c.OnMaster != nil {
		c.OnMaster()
	}
}

func (c *Candidate) resign(why string) {
	if !c.master {
		return
	}
	c.master = false
	e := c.s.entry(KindResign)
	e.Path, e.Note = c.masterPath, why
	c.s.add(e)
	if c.OnResign != nil {
		c.OnResign(why)
	}
}
