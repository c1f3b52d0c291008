package zab

import "fmt"

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

	// currentEpoch mirrors the file of the same name.
	currentEpoch Epoch
	lastLogged   Zxid

	// currentVote is the vote this server settled on (QuorumPeer's
	// currentVote), reported to looking peers.
	currentVote Vote
	el          election
	// electionConns maps outgoing election connections to their peer.
	electionConns map[ConnID]ServerID

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
	}
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
	switch ev := ev.(type) {
	case StartEvent:
		s.start()
	case MessageEvent:
		if n, ok := ev.Msg.(*Notification); ok {
			s.handleNotification(n)
		} else {
			s.stepRole(s, ev)
		}
	case ClosedEvent:
		if peer, ok := s.electionConns[ev.Conn]; ok {
			delete(s.electionConns, ev.Conn)
			delete(s.el.conns, peer)
			return
		}
		s.stepRole(s, ev)
	case TimerEvent:
		s.handleTimer(ev)
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

func (s *Server) start() {
	s.becomeLooking()
}

// lastLoggedZxid is the zxid of the last transaction in the log, which a
// vote carries (QuorumPeer.getLastLoggedZxid after fastForwardDataBase).
func (s *Server) lastLoggedZxid() Zxid { return s.lastLogged }

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

func (s *Server) becomeLeading() {
	s.setState(Leading, s.cfg.ID)
	s.stepRole = stepLeading
}

func (s *Server) becomeFollowing(leader ServerID) {
	s.setState(Following, leader)
	s.stepRole = stepFollowing
}

func (s *Server) becomeObserving(leader ServerID) {
	s.setState(Observing, leader)
	s.stepRole = stepObserving
}

func stepStopped(*Server, Event)   {}
func stepLooking(*Server, Event)   {}
func stepLeading(*Server, Event)   {}
func stepFollowing(*Server, Event) {}
func stepObserving(*Server, Event) {}
