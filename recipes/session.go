// Package recipes holds ZooKeeper's classic recipes — master election, the
// exclusive and the fair lock, the barrier and the FIFO queue, and ID
// generation — as client-side state machines on the simulated client, in
// the manner of Apache Curator (LeaderLatch, InterProcessMutex,
// DistributedBarrier, DistributedQueue) and ZooKeeper's recipes page. They
// run inside the simulated world as zab does: callbacks only, no
// goroutines, no blocking, no wall clock, no global randomness, no map
// order reaching behaviour. Each records what it claims (master from t,
// lock held from t, ID issued) in a Log that the checker package holds
// against the clients' history and the servers' commits.
package recipes

import (
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// Env is the process a recipe runs in.
type Env interface {
	// ID is the process's number, the log's Proc.
	ID() int
	// Now is the process's own clock in nanoseconds; it may drift and
	// jump.
	Now() int64
	// After runs fn after d nanoseconds of the process's clock, unless
	// cancelled first; the timer dies with the process.
	After(d int64, fn func()) (cancel func())
	// Connect makes a new ZooKeeper handle (a new session once it
	// connects), not yet started.
	Connect() *client.Client
}

const millisecond int64 = 1e6

// session is a recipe's hold on one ZooKeeper session at a time, with
// Curator's view of the connection (ConnectionStateManager): connected,
// suspended (disconnected, the session may live), lost (disconnected for
// longer than the session timeout: the session must be presumed gone, the
// classic rule for anything that holds something through an ephemeral
// node), and dead (expired or closed: a new handle is needed).
type session struct {
	env Env
	log *Log
	cl  *client.Client
	// connected is true between SyncConnected and the next Disconnected.
	connected bool
	// presumedLost: disconnected for longer than the session timeout, and
	// not connected since.
	presumedLost bool
	cancelLost   func()
	// closed: the recipe closed the session for good; nothing of it
	// counts any more (a closing client fails retries at once).
	closed bool
	// ensured: directories this session made sure of; ensuring: callers
	// waiting for one under way.
	ensured  map[string]bool
	ensuring map[string][]func(tree.Code)

	// The recipe's hooks; each hears the client it concerns, which is
	// the current one.
	onConnected func(cl *client.Client)
	onLost      func(cl *client.Client)
	onDead      func(cl *client.Client, expired bool)
}

// open makes and starts a new handle; events of the previous one are
// ignored from now on.
func (s *session) open() *client.Client {
	s.stopLostTimer()
	cl := s.env.Connect()
	s.cl, s.connected, s.presumedLost = cl, false, false
	s.ensured, s.ensuring = map[string]bool{}, map[string][]func(tree.Code){}
	cl.SetDefaultWatcher(func(ev zab.WatcherEvent) {
		if s.current(cl) {
			s.event(cl, ev)
		}
	})
	cl.Start()
	return cl
}

// current reports whether cl is the session in use: callbacks of an
// abandoned handle change nothing.
func (s *session) current(cl *client.Client) bool { return s.cl == cl && !s.closed }

// close closes the session for good.
func (s *session) close() {
	s.closed = true
	s.stopLostTimer()
	if s.cl != nil {
		s.cl.Close()
	}
}

func (s *session) event(cl *client.Client, ev zab.WatcherEvent) {
	switch ev.State {
	case tree.StateSyncConnected:
		s.stopLostTimer()
		s.connected, s.presumedLost = true, false
		if s.onConnected != nil {
			s.onConnected(cl)
		}
	case tree.StateDisconnected:
		s.connected = false
		s.startLostTimer(cl)
	case tree.StateExpired, tree.StateClosed, tree.StateAuthFailed:
		s.stopLostTimer()
		s.connected = false
		if s.onDead != nil {
			s.onDead(cl, ev.State == tree.StateExpired)
		}
	}
}

// ensure runs then once dir exists (EnsurePath, once per session for
// each directory; callers meanwhile wait for the one under way).
func (s *session) ensure(dir string, then func(tree.Code)) {
	if s.ensured[dir] {
		then(tree.OK)
		return
	}
	s.ensuring[dir] = append(s.ensuring[dir], then)
	if len(s.ensuring[dir]) > 1 {
		return
	}
	cl := s.cl
	cl.EnsurePath(dir, func(err tree.Code) {
		if !s.current(cl) {
			return
		}
		s.ensured[dir] = err == tree.OK
		waiting := s.ensuring[dir]
		delete(s.ensuring, dir)
		for _, fn := range waiting {
			fn(err)
		}
	})
}

// startLostTimer arms the classic rule: disconnected for the negotiated
// session timeout (by the process's clock) means the session must be
// presumed expired, whatever the servers will say on reconnecting.
func (s *session) startLostTimer(cl *client.Client) {
	s.stopLostTimer()
	t := int64(cl.SessionTimeout()) * millisecond
	if t <= 0 {
		return // never connected: the session holds nothing
	}
	s.cancelLost = s.env.After(t, func() {
		s.cancelLost = nil
		if s.cl != cl || s.connected {
			return
		}
		s.presumedLost = true
		if s.onLost != nil {
			s.onLost(cl)
		}
	})
}

func (s *session) stopLostTimer() {
	if s.cancelLost != nil {
		s.cancelLost()
		s.cancelLost = nil
	}
}

// add records an entry in the log.
func (s *session) add(e Entry) {
	if s.log != nil {
		s.log.Add(e)
	}
}

// entry is a log entry about the current session.
func (s *session) entry(k Kind) Entry {
	e := Entry{Kind: k, Proc: s.env.ID(), Local: s.env.Now()}
	if s.cl != nil {
		e.Client, e.Session = s.cl.ID(), s.cl.SessionID()
	}
	return e
}
