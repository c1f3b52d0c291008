package zab

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
)

// Server is one ZooKeeper server as an event-driven state machine. Step is
// its only input; Env is its only output.
type Server struct {
	cfg Config
	env Env
	q   quorum

	state State
	// gen counts role changes. Timers carry the gen they were armed in, so
	// a timer of a role the server has left is recognised and ignored.
	gen uint64
	// stepRole handles quorum packets and role timers for the current
	// state (stepLooking, stepFollowing, ...), as raft's r.step does.
	stepRole func(s *Server, ev Event)

	// reported is the newest zxid whose commit this process reported
	// (ObsDeliver or ObsCommitted).
	reported Zxid

	// acceptedEpoch and currentEpoch mirror the files of the same names.
	acceptedEpoch Epoch
	currentEpoch  Epoch

	db *database
	// zxid is the last zxid the leader handed out (ZooKeeperServer.hzxid).
	zxid    Zxid
	leader  *leaderState
	learner *learnerState

	// pending maps fsync tokens to the continuations they resume.
	pending   map[uint64]func()
	nextToken uint64

	// currentVote is the vote this server settled on (QuorumPeer's
	// currentVote), reported to looking peers.
	currentVote Vote
	el          election
	// electionConns maps outgoing election connections to their peer.
	electionConns map[ConnID]ServerID

	// The client-facing server (serving.go, sessions.go).
	clients      map[ConnID]*clientConn
	sessionConn  map[SessionID]*clientConn
	touches      map[SessionID]int32
	revalidating map[SessionID]*clientConn
	learnerSyncs []*clientConn
	tracker      *sessionTracker
	nextSession  SessionID
	// sessionIDsStarted: nextSession holds the id scheme's base (server
	// 0's ids may start from 0, so 0 cannot mean "not yet").
	sessionIDsStarted bool

	serving bool // answering clients: established leader, or learner after UPTODATE
	stopped bool // a fatal error stopped the server; it ignores all input
}

// NewServer builds a server; it does nothing until it receives StartEvent.
func NewServer(cfg Config, env Env) (*Server, error) {
	cfg = cfg.WithDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s := &Server{
		cfg:           cfg,
		env:           env,
		q:             newQuorum(cfg.Peers),
		electionConns: map[ConnID]ServerID{},
		pending:       map[uint64]func(){},
		clients:       map[ConnID]*clientConn{},
		sessionConn:   map[SessionID]*clientConn{},
		touches:       map[SessionID]int32{},
		revalidating:  map[SessionID]*clientConn{},
	}
	s.db = newDatabase(env.Disk(), &s.cfg)
	s.el.conns = map[ServerID]ConnID{}
	s.stepRole = stepStopped
	return s, nil
}

// ID returns the server's myid.
func (s *Server) ID() ServerID { return s.cfg.ID }

// State returns the server's peer state.
func (s *Server) State() State { return s.state }

// CurrentVote returns the vote the server last settled on.
func (s *Server) CurrentVote() Vote { return s.currentVote }

// Step advances the server by one input.
func (s *Server) Step(ev Event) {
	if s.stopped {
		return
	}
	// Roles get the event as it came, not re-boxed from its concrete
	// type: converting a MessageEvent back to Event allocates.
	switch e := ev.(type) {
	case StartEvent:
		s.start()
	case MessageEvent:
		if n, ok := e.Msg.(*Notification); ok {
			s.handleNotification(n)
		} else {
			s.stepRole(s, ev)
		}
	case ClosedEvent:
		if peer, ok := s.electionConns[e.Conn]; ok {
			delete(s.electionConns, e.Conn)
			delete(s.el.conns, peer)
			return
		}
		s.stepRole(s, ev)
	case TimerEvent:
		s.handleTimer(e)
	default:
		s.stepRole(s, ev)
	}
	s.drainInbox()
}

// drainInbox processes notifications a server sent itself. Each can cause
// more (a new proposal is sent to self too), but a round sends to self at
// most once per proposal change, so the loop is bounded.
func (s *Server) drainInbox() {
	for i := 0; len(s.el.inbox) > 0; i++ {
		if i > 1000 {
			panic(fmt.Sprintf("server %d: self-notification loop did not settle", s.cfg.ID))
		}
		n := s.el.inbox[0]
		s.el.inbox = s.el.inbox[1:]
		s.handleNotification(n)
	}
}

func (s *Server) handleTimer(ev TimerEvent) {
	if ev.Timer.Gen != s.gen {
		return // armed by a role this server has left
	}
	switch ev.Timer.Kind {
	case TimerElectionPoll:
		if s.state == Looking {
			s.onPollTimeout()
		}
	case TimerElectionFinalize:
		if s.state == Looking {
			s.onFinalize()
		}
	default:
		s.stepRole(s, ev)
	}
}

// start recovers from disk and looks for a leader. A corrupt log or
// inconsistent epoch files stop the server with the reason.
func (s *Server) start() {
	s.db = newDatabase(s.env.Disk(), &s.cfg)
	if err := s.db.recover(); err != nil {
		s.fatal(err.Error())
		return
	}
	if s.db.initialSnap != "" {
		s.env.Fsync(s.db.initialSnap, tokenContinuation)
	}
	if err := s.loadEpochs(); err != nil {
		s.fatal(err.Error())
		return
	}
	s.db.snapEvery = s.randomSnapCount()
	// What a snapshot holds was committed before it was taken; what the
	// log holds past it this process reports as it learns it committed.
	s.reported = s.db.snapZxid
	s.env.Observe(Observation{Kind: ObsRecover, Zxid: s.db.lastProcessed(), Digest: s.db.tree.Digest()})
	s.becomeLooking()
}

// reload drops the in-memory database and recovers it from disk again
// (ZKDatabase.clear, then loadDataBase at the next election). It reports
// false if the disk cannot be read, the server having stopped.
func (s *Server) reload() bool {
	db := newDatabase(s.env.Disk(), &s.cfg)
	if err := db.recover(); err != nil {
		s.fatal(err.Error())
		return false
	}
	db.snapEvery = s.db.snapEvery
	s.db = db
	s.env.Observe(Observation{Kind: ObsRecover, Zxid: s.db.lastProcessed(), Digest: s.db.tree.Digest()})
	return true
}

// lastLoggedZxid is the zxid of the last transaction in the log, which a
// vote carries (QuorumPeer.getLastLoggedZxid after fastForwardDataBase).
func (s *Server) lastLoggedZxid() Zxid { return s.db.lastLogged() }

// fastForward applies logged but uncommitted txns and reports it.
func (s *Server) fastForward() {
	before := s.db.lastProcessed()
	s.db.fastForward()
	if z := s.db.lastProcessed(); z != before {
		s.env.Observe(Observation{Kind: ObsFastForward, Zxid: z, Digest: s.db.tree.Digest()})
	}
}

// runContinuation resumes the step waiting on an fsync token, if any.
func (s *Server) runContinuation(tok uint64) bool {
	if tok&tokenContinuation == 0 {
		return false
	}
	if then, ok := s.pending[tok]; ok {
		delete(s.pending, tok)
		then()
	}
	return true
}

// randomSnapCount is SyncRequestProcessor's roll: snapCount/2 plus a
// random part, so the servers of an ensemble do not snapshot together.
func (s *Server) randomSnapCount() int {
	half := s.cfg.SnapCount / 2
	return half + int(s.env.Rand()%uint64(half+1))
}

// maybeSnapshot takes a fuzzy snapshot once enough txns were applied since
// the last one. Its label lags the tree by a few txns, as a snapshot taken
// while txns keep applying does; recovery replays them idempotently.
func (s *Server) maybeSnapshot() {
	if s.db.applied < s.db.snapEvery {
		return
	}
	lag := int(s.env.Rand() % 4)
	label := s.db.lastProcessed()
	if w := s.db.window(); len(w) > lag {
		label = w[len(w)-1-lag].Zxid()
	}
	s.env.Fsync(s.db.takeSnapshot(label), tokenContinuation)
	s.db.snapEvery = s.randomSnapCount()
}

// setState records a state change and bumps the role generation.
func (s *Server) setState(st State, leader ServerID) {
	s.state = st
	s.gen++
	s.env.Observe(Observation{Kind: ObsState, State: st, Leader: leader, Epoch: s.currentVote.PeerEpoch})
	s.env.Logf("%s (leader %d)", st, leader)
}

func (s *Server) becomeLooking() {
	s.setState(Looking, 0)
	s.stepRole = stepLooking
	s.startElection()
}

func stepStopped(*Server, Event) {}

// stepLooking: while looking only election traffic matters; clients are
// refused and fsyncs finish continuations of nobody.
func stepLooking(s *Server, ev Event) {
	switch ev := ev.(type) {
	case MessageEvent:
		if _, ok := ev.Msg.(*Packet); ok {
			s.env.Close(ev.Conn)
			return
		}
		s.clientMessage(ev.Conn, ev.Msg)
	case ClosedEvent:
		s.clientClosed(ev.Conn)
	case FsyncEvent:
		s.runContinuation(ev.Token)
	case TimerEvent:
		s.roleTimer(ev)
	}
}

// LastProcessed is the zxid of the last txn applied to the tree.
func (s *Server) LastProcessed() Zxid { return s.db.lastProcessed() }

// Digest is the tree's digest.
func (s *Server) Digest() uint64 { return s.db.tree.Digest() }

// Epoch is the server's currentEpoch.
func (s *Server) Epoch() Epoch { return s.currentEpoch }

// Tree exposes the server's tree for checks and tests; callers must not
// modify it.
func (s *Server) Tree() *tree.Tree { return s.db.tree }

// Established reports whether the server leads an established epoch: it is
// LEADING and a quorum acknowledged its NEWLEADER. A server that only
// just decided to lead is LEADING but not yet established.
func (s *Server) Established() bool {
	return s.state == Leading && s.leader != nil && s.leader.quorumFormed
}
