package recipes

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// The FIFO queue of the seed documents ("入列有编号,出列按编号") and
// ZooKeeper's queue recipe (Curator's DistributedQueue without a lock
// path): producers create persistent-sequential children of the queue
// node; a consumer lists the children and takes the smallest by deleting
// it — the delete succeeding is the take, and a NoNode means another
// consumer took it first. An empty queue is waited on with a child watch.
//
// What ZooKeeper lets this promise: an item whose enqueue was acknowledged
// is taken at most once and never lost; a consumer tries the items of one
// listing in sequence order, one at a time, and starts again from a fresh
// listing after any doubt, so an item is taken only after every item
// enqueued before it.

// itemPrefix names queue items.
const itemPrefix = "item-"

// Producer enqueues items on one queue.
type Producer struct {
	s       session
	dir     string
	n       int
	stopped bool
	// OnEnqueued, if set, hears each enqueue's outcome: the item's path
	// when acknowledged, err otherwise (ConnectionLoss: it may or may not
	// be in the queue).
	OnEnqueued func(path string, err tree.Code)
}

// NewProducer makes a producer for the queue under dir; Start it.
func NewProducer(env Env, log *Log, dir string) *Producer {
	p := &Producer{dir: dir}
	p.s = session{env: env, log: log}
	p.s.onDead = func(*client.Client, bool) {
		if !p.stopped {
			p.s.open()
		}
	}
	return p
}

// Start opens the session.
func (p *Producer) Start() { p.s.open() }

// Stop closes the session.
func (p *Producer) Stop() {
	p.stopped = true
	p.s.close()
}

// Enqueue adds one item, its data unique in the run. An enqueue
// whose answer was lost is not repeated: the item is in the queue at most
// once.
func (p *Producer) Enqueue() {
	if p.stopped || !Live(p.s.cl) {
		return
	}
	p.n++
	cl := p.s.cl
	// Unique in the run: the session's client id is never reused.
	data := []byte(fmt.Sprintf("%s/c%d-%d", p.dir, cl.ID(), p.n))
	p.s.ensure(p.dir, func(err tree.Code) {
		if err != tree.OK {
			p.enqueued("", err)
			return
		}
		cl.Create(tree.JoinPath(p.dir, itemPrefix), data, tree.OpenACLUnsafe, tree.PersistentSequential, func(path string, err tree.Code) {
			if err == tree.OK {
				e := p.s.entry(KindEnqueue)
				e.Client, e.Session = cl.ID(), cl.SessionID()
				e.Path, e.Note = path, string(data)
				p.s.add(e)
			}
			p.enqueued(path, err)
		})
	})
}

func (p *Producer) enqueued(path string, err tree.Code) {
	if p.OnEnqueued != nil {
		p.OnEnqueued(path, err)
	}
}

// Live reports whether a client can still issue operations.
func Live(cl *client.Client) bool {
	return cl != nil && (cl.State() == client.Connected || cl.State() == client.Connecting)
}

// Consumer takes items from one queue, one at a time.
type Consumer struct {
	s    session
	dir  string
	gen  int // counts listings: answers and watches of older ones change nothing
	busy bool
	// waiting: the last listing had nothing left to take; its watch
	// lists again. changed: that watch fired while items were being tried.
	waiting, changed bool
	stopped          bool
	// OnTaken hears each item taken: its path and data.
	OnTaken func(path string, data []byte)
}

// NewConsumer makes a consumer of the queue under dir; Start it.
func NewConsumer(env Env, log *Log, dir string) *Consumer {
	c := &Consumer{dir: dir}
	c.s = session{env: env, log: log}
	c.s.onDead = func(*client.Client, bool) {
		c.gen++
		c.busy = false
		if !c.stopped {
			c.s.open()
		}
	}
	return c
}

// Start opens the session.
func (c *Consumer) Start() { c.s.open() }

// Stop closes the session.
func (c *Consumer) Stop() {
	c.stopped = true
	c.gen++
	c.s.close()
}

// Take takes the next item: OnTaken hears it, once the queue has one.
// A take already under way makes this a no-op.
func (c *Consumer) Take() {
	if c.busy || c.stopped || !Live(c.s.cl) {
		return
	}
	c.busy = true
	c.list()
}

// list lists the queue (leaving a child watch, so an empty queue wakes us)
// and tries its items in order.
func (c *Consumer) list() {
	c.gen++
	c.waiting, c.changed = false, false
	g, cl := c.gen, c.s.cl
	live := func() bool { return c.s.current(cl) && c.gen == g && c.busy }
	w := func(ev zab.WatcherEvent) {
		switch {
		case !live() || ev.Type == tree.EventNone:
		case c.waiting:
			c.list()
		default:
			c.changed = true // items are being tried: list again if none is left
		}
	}
	cl.GetChildren(c.dir, w, func(children []string, _ tree.Stat, err tree.Code) {
		if !live() {
			return
		}
		switch err {
		case tree.OK:
			c.try(cl, g, sortBySeq(children))
		case tree.NoNode:
			cl.EnsurePath(c.dir, func(tree.Code) {
				if live() {
					c.list()
				}
			})
		case tree.ConnectionLoss:
			c.list()
		default:
			c.busy = false
		}
	})
}

// try takes the first item of items that is still there: getData, then
// delete it at the version read.
func (c *Consumer) try(cl *client.Client, g int, items []string) {
	if len(items) == 0 {
		if c.changed {
			c.list()
			return
		}
		c.waiting = true // the watch of the listing wakes us
		return
	}
	live := func() bool { return c.s.current(cl) && c.gen == g && c.busy }
	path := tree.JoinPath(c.dir, items[0])
	cl.GetData(path, nil, func(data []byte, st tree.Stat, err tree.Code) {
		if !live() {
			return
		}
		switch err {
		case tree.OK:
		case tree.NoNode:
			c.try(cl, g, items[1:])
			return
		default:
			c.list() // connection loss: start again from a fresh listing
			return
		}
		cl.Delete(path, st.Version, func(err tree.Code) {
			if !live() {
				return
			}
			switch err {
			case tree.OK:
				c.busy = false
				c.gen++
				e := c.s.entry(KindTake)
				e.Path, e.Note = path, string(data)
				c.s.add(e)
				if c.OnTaken != nil {
					c.OnTaken(path, data)
				}
			case tree.NoNode:
				c.try(cl, g, items[1:])
			default:
				c.list() // lost answer: it may be ours; look again
			}
		})
	})
}
