package recipes

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// The two locks of the seed documents, "保持独占" and "控制时序":
//
//   - ExclusiveLock: every client tries to create one ephemeral node; the
//     one that succeeds holds the lock; the others watch the node and try
//     again when it goes. Every waiter wakes on each release (the herd
//     effect this recipe is known for).
//   - FairLock: ephemeral-sequential nodes under the lock node, granted in
//     sequence order, each waiter watching only its predecessor (ZooKeeper's
//     lock recipe, Curator's InterProcessMutex).
//
// Both follow the classic rule of anything held through an ephemeral node:
// the holder gives the lock up when its session expires or closes, and when
// it has been disconnected for longer than the session timeout.

// Lock is what the workload drives: acquire, hold, release.
type Lock interface {
	// Acquire asks for the lock; OnAcquired hears when it is held.
	Acquire()
	// Release gives the lock up (or stops waiting for it).
	Release()
	// Held reports whether the lock is held.
	Held() bool
	// Stop releases and closes the session for good.
	Stop()
	// Start opens the session.
	Start()
	// SetHooks sets what the workload hears: the lock held, and the lock
	// lost (not released by the workload: why says how).
	SetHooks(acquired func(), lost func(why string))
}

// lockBase is what both locks share: the session, the state, the log.
type lockBase struct {
	s       session
	path    string // the lock: the node (exclusive) or the directory (fair)
	want    bool   // Acquire called and not yet released
	held    bool
	started bool
	stopped bool

	onAcquired func()
	onLost     func(why string)
}

func (b *lockBase) SetHooks(acquired func(), lost func(why string)) {
	b.onAcquired, b.onLost = acquired, lost
}

func (b *lockBase) Held() bool { return b.held }

func (b *lockBase) Start() {
	if !b.started {
		b.started = true
		b.s.open()
	}
}

func (b *lockBase) grant(seq int64) {
	if b.held || !b.want || b.stopped {
		return
	}
	b.held = true
	e := b.s.entry(KindAcquired)
	e.Path, e.Seq = b.path, seq
	b.s.add(e)
	if b.onAcquired != nil {
		b.onAcquired()
	}
}

// drop ends a hold; voluntary is a release by the workload, otherwise the
// workload hears that the lock was lost.
func (b *lockBase) drop(why string, voluntary bool) {
	if !b.held {
		return
	}
	b.held = false
	e := b.s.entry(KindReleased)
	e.Path, e.Note = b.path, why
	b.s.add(e)
	if !voluntary && b.onLost != nil {
		b.onLost(why)
	}
}

// ExclusiveLock is the lock of one node.
type ExclusiveLock struct {
	lockBase
	gen int // counts attempts: answers and watches of older ones are ignored
}

// NewExclusiveLock makes an exclusive lock on the node path; Start it.
func NewExclusiveLock(env Env, log *Log, path string) *ExclusiveLock {
	l := &ExclusiveLock{}
	l.path = path
	l.s = session{env: env, log: log}
	l.s.onConnected = func(*client.Client) {
		if l.want && !l.held {
			l.try()
		}
	}
	l.s.onLost = func(cl *client.Client) {
		if l.held {
			l.want = false
			l.drop("disconnected longer than the session timeout", false)
			l.free(cl) // if the session lives, the node must go
		}
	}
	l.s.onDead = func(_ *client.Client, expired bool) {
		// A holder lost the lock; a waiter waits on in a new session.
		l.gen++
		if l.held {
			l.want = false
			l.drop(deadWhy(expired), false)
		}
		if !l.stopped {
			l.s.open()
		}
	}
	return l
}

func deadWhy(expired bool) string {
	if expired {
		return "session expired"
	}
	return "session closed"
}

// Acquire asks for the lock.
func (l *ExclusiveLock) Acquire() {
	if l.want || l.stopped {
		return
	}
	l.want = true
	if l.s.connected {
		l.try()
	}
}

func (l *ExclusiveLock) try() {
	l.gen++
	g, cl := l.gen, l.s.cl
	live := func() bool { return l.s.current(cl) && l.gen == g && l.want && !l.held }
	cl.EnsurePath(tree.ParentPath(l.path), func(err tree.Code) {
		if !live() {
			return
		}
		if err != tree.OK {
			if err == tree.ConnectionLoss {
				l.try()
			}
			return
		}
		data := []byte(fmt.Sprintf("p%d", l.s.env.ID()))
		cl.Create(l.path, data, tree.OpenACLUnsafe, tree.Ephemeral, func(_ string, err tree.Code) {
			if !live() {
				return
			}
			switch err {
			case tree.OK:
				l.grant(-1)
			case tree.NodeExists, tree.ConnectionLoss:
				l.look(cl, g) // held by someone, or by us from a create whose answer was lost
			}
		})
	})
}

// look reads the lock node: ours (a lost create that happened) means held;
// someone else's is watched until it goes.
func (l *ExclusiveLock) look(cl *client.Client, g int) {
	live := func() bool { return l.s.current(cl) && l.gen == g && l.want && !l.held }
	w := func(ev zab.WatcherEvent) {
		if live() && ev.Type == tree.EventNodeDeleted {
			l.try()
		}
	}
	cl.GetData(l.path, w, func(_ []byte, st tree.Stat, err tree.Code) {
		if !live() {
			return
		}
		switch {
		case err == tree.OK && st.EphemeralOwner == int64(cl.SessionID()):
			l.grant(-1)
		case err == tree.OK: // wait for the watch
		case err == tree.NoNode || err == tree.ConnectionLoss:
			l.try()
		}
	})
}

// Release gives the lock up: the node is deleted while it is ours.
func (l *ExclusiveLock) Release() {
	l.gen++
	l.want = false
	if l.held {
		l.drop("released", true)
		l.free(l.s.cl)
	}
}

// free deletes the lock node if this session owns it. The owner is read
// first: after a delete whose answer was lost, the node may already be
// someone else's.
func (l *ExclusiveLock) free(cl *client.Client) {
	cl.GetData(l.path, nil, func(_ []byte, st tree.Stat, err tree.Code) {
		if !l.s.current(cl) {
			return
		}
		switch {
		case err == tree.ConnectionLoss:
			l.free(cl)
		case err == tree.OK && st.EphemeralOwner == int64(cl.SessionID()):
			cl.Delete(l.path, st.Version, func(err tree.Code) {
				if err == tree.ConnectionLoss && l.s.current(cl) {
					l.free(cl)
				}
			})
		}
	})
}

// Stop releases and closes the session.
func (l *ExclusiveLock) Stop() {
	if l.stopped {
		return
	}
	l.drop("stopping", true)
	l.stopped, l.want = true, false
	l.gen++
	l.s.close()
}

// FairLock is the lock of sequential nodes.
type FairLock struct {
	lockBase
	lad   ladder
	joins int
}

// NewFairLock makes a fair lock under the directory dir; Start it.
func NewFairLock(env Env, log *Log, dir string) *FairLock {
	l := &FairLock{}
	l.path = dir
	l.s = session{env: env, log: log}
	l.lad = ladder{s: &l.s, dir: dir}
	l.lad.first = l.grant
	l.lad.gone = func() {
		if l.held {
			l.want = false
			l.lad.prefix = ""
			l.drop("its node is gone", false)
			return
		}
		l.lad.prefix = ""
		l.join() // still waiting: a new node
	}
	l.s.onConnected = func(*client.Client) {
		switch {
		case l.want && l.lad.node == "" && l.lad.prefix == "":
			l.join()
		case l.want:
			l.lad.check()
		}
	}
	l.s.onLost = func(*client.Client) {
		if l.held {
			l.want = false
			l.lad.leave() // deleted once reconnected, if the session lives
			l.lad.prefix = ""
			l.drop("disconnected longer than the session timeout", false)
		}
	}
	l.s.onDead = func(_ *client.Client, expired bool) {
		// A holder lost the lock; a waiter joins the line again in a new
		// session.
		if l.held {
			l.want = false
			l.drop(deadWhy(expired), false)
		}
		l.lad.abandon()
		l.lad.prefix = ""
		if !l.stopped {
			l.s.open()
		}
	}
	return l
}

func (l *FairLock) join() {
	l.joins++
	l.lad.join(protected("lock", l.s.env.ID(), l.s.cl.ID(), l.joins))
}

// Acquire joins the line.
func (l *FairLock) Acquire() {
	if l.want || l.stopped {
		return
	}
	l.want = true
	if l.s.connected {
		l.join()
	}
}

// Release deletes our node: the next in line wakes.
func (l *FairLock) Release() {
	l.want = false
	l.drop("released", true)
	l.lad.leave()
	l.lad.prefix = ""
}

// Stop releases and closes the session.
func (l *FairLock) Stop() {
	if l.stopped {
		return
	}
	l.drop("stopping", true)
	l.stopped, l.want = true, false
	l.lad.abandon()
	l.s.close()
}
