package zab

// Fast leader election (FastLeaderElection.lookForLeader and its
// WorkerReceiver), turned inside out: the Java loop blocks on a queue with a
// timeout; here each notification is a Step and the timeout is a timer.

// election is the state of one server's fast leader election.
type election struct {
	// logicalclock is the electionEpoch of the election in progress.
	logicalclock Epoch
	// proposal is this server's current vote. Invariant: while LOOKING,
	// proposal.ElectionEpoch == logicalclock.
	proposal Vote
	// recvset holds votes of this round (electionEpoch == logicalclock);
	// outofelection the FOLLOWING/LEADING votes of any round.
	recvset       map[ServerID]Vote
	outofelection map[ServerID]Vote
	// notTimeout is the current poll timeout, doubling to
	// MaxNotificationInterval when nothing arrives.
	notTimeout    int64
	pollTimer     TimerID
	finalizeTimer TimerID // non-zero while waiting finalizeWait after a quorum
	// conns are this server's outgoing election connections, one per peer.
	conns map[ServerID]ConnID
	// inbox holds notifications to self, processed after the current one
	// (QuorumCnxManager delivers them through the same receive queue).
	inbox []*Notification
}

// initVote is what a server proposes when an election starts: itself (or
// nobody, for an observer), its last logged zxid, its currentEpoch.
func (s *Server) initVote() Vote {
	v := Vote{Leader: s.cfg.ID, Zxid: s.lastLoggedZxid(), PeerEpoch: s.currentEpoch}
	if !s.q.isVoter(s.cfg.ID) {
		v.Leader, v.PeerEpoch = noLeader, Epoch(noLeader)
	}
	return v
}

// startElection begins a new round (lookForLeader's preamble).
func (s *Server) startElection() {
	e := &s.el
	e.logicalclock++
	e.recvset = map[ServerID]Vote{}
	e.outofelection = map[ServerID]Vote{}
	e.notTimeout = s.cfg.FinalizeWait // minNotificationInterval == finalizeWait
	s.cancelFinalize()
	s.updateProposal(s.initVote())
	s.env.Logf("new election: logicalclock=%#x proposal=%s", int64(e.logicalclock), e.proposal)
	s.sendNotifications()
	s.armPoll()
}

func (s *Server) updateProposal(v Vote) {
	v.ElectionEpoch = s.el.logicalclock
	v.State = Looking
	s.el.proposal = v
}

// beats wraps voteBeats with this server's membership and bug switches.
func (s *Server) beats(n *Notification, cur Vote) bool {
	return voteBeats(n.Leader, n.Zxid, n.PeerEpoch, cur, s.q.isVoter, s.cfg.Bugs.ZK1419)
}

// sendNotifications sends the current proposal to every voter, self
// included.
func (s *Server) sendNotifications() {
	for _, id := range s.q.voters {
		s.sendNotification(id, s.el.proposal, s.el.logicalclock, Looking)
	}
}

func (s *Server) sendNotification(to ServerID, v Vote, electionEpoch Epoch, state State) {
	n := &Notification{Leader: v.Leader, Zxid: v.Zxid, ElectionEpoch: electionEpoch,
		State: state, Sid: s.cfg.ID, PeerEpoch: v.PeerEpoch}
	if to == s.cfg.ID {
		s.el.inbox = append(s.el.inbox, n)
		return
	}
	c, ok := s.el.conns[to]
	if !ok {
		c = s.env.Connect(to, PortElection)
		s.el.conns[to] = c
		s.electionConns[c] = to
	}
	s.env.Send(c, n)
}

// handleNotification is the WorkerReceiver: every notification arrives
// here, whatever the server's state.
func (s *Server) handleNotification(n *Notification) {
	if !s.q.isVoter(n.Sid) {
		// A non-voter (observer) gets our current vote at once, stamped
		// with our logical clock (WorkerReceiver's !validVoter branch):
		// an election epoch the observer would call lagging makes the
		// two answer each other for ever.
		s.sendNotification(n.Sid, s.currentVote, s.el.logicalclock, s.state)
		return
	}
	if s.state != Looking {
		// Tell a looking peer who leads (FastLeaderElection.WorkerReceiver).
		if n.State == Looking {
			s.sendNotification(n.Sid, s.currentVote, s.currentVote.ElectionEpoch, s.state)
		}
		return
	}
	if n.State == Looking && n.ElectionEpoch < s.el.logicalclock {
		s.sendNotification(n.Sid, s.el.proposal, s.el.logicalclock, Looking)
	}
	s.lookForLeader(n)
}

// lookForLeader is one iteration of lookForLeader's loop with n received.
func (s *Server) lookForLeader(n *Notification) {
	e := &s.el
	if e.finalizeTimer != 0 {
		// During finalizeWait only a better vote matters; the rest are
		// drained and dropped, as the Java poll loop does.
		if !s.beats(n, e.proposal) {
			return
		}
		s.cancelFinalize()
	}
	s.armPoll()
	if !s.q.isVoter(n.Leader) {
		return
	}
	switch n.State {
	case Looking:
		s.lookingNotification(n)
	case Following, Leading:
		if v, ok := s.followingNotification(n); ok {
			s.decide(v)
		}
	}
}

func (s *Server) lookingNotification(n *Notification) {
	e := &s.el
	switch {
	case n.ElectionEpoch > e.logicalclock:
		e.logicalclock = n.ElectionEpoch
		clear(e.recvset)
		if s.beats(n, s.initVote()) {
			s.updateProposal(n.vote())
		} else {
			s.updateProposal(s.initVote())
		}
		s.sendNotifications()
	case n.ElectionEpoch < e.logicalclock:
		return
	case s.beats(n, e.proposal):
		s.updateProposal(n.vote())
		s.sendNotifications()
	}
	e.recvset[n.Sid] = Vote{Leader: n.Leader, Zxid: n.Zxid, ElectionEpoch: n.ElectionEpoch, PeerEpoch: n.PeerEpoch, State: Looking}
	if s.hasQuorumFor(e.recvset, e.proposal) {
		e.finalizeTimer = s.env.SetTimer(s.cfg.FinalizeWait, Timer{Kind: TimerElectionFinalize, Gen: s.gen})
	}
}

// followingNotification is receivedFollowingNotification: join an
// established leader once a quorum reports following it and the leader
// itself says it leads.
func (s *Server) followingNotification(n *Notification) (Vote, bool) {
	e := &s.el
	v := n.vote()
	if n.ElectionEpoch == e.logicalclock {
		e.recvset[n.Sid] = v
		if s.hasQuorumFor(e.recvset, v) && s.checkLeader(e.recvset, n.Leader, n.ElectionEpoch) {
			return v, true
		}
	}
	// ZOOKEEPER-1732: outofelection also holds this round's votes.
	e.outofelection[n.Sid] = v
	if s.hasQuorumFor(e.outofelection, v) && s.checkLeader(e.outofelection, n.Leader, n.ElectionEpoch) {
		e.logicalclock = n.ElectionEpoch
		return v, true
	}
	return Vote{}, false
}

// checkLeader: a leader other than self must have told us it leads; self
// may lead only in the round it was elected in.
func (s *Server) checkLeader(votes map[ServerID]Vote, leader ServerID, electionEpoch Epoch) bool {
	if leader != s.cfg.ID {
		v, ok := votes[leader]
		return ok && v.State == Leading
	}
	return s.el.logicalclock == electionEpoch
}

// hasQuorumFor reports whether the voters whose votes equal target form a
// quorum (getVoteTracker + hasAllQuorums).
func (s *Server) hasQuorumFor(votes map[ServerID]Vote, target Vote) bool {
	acks := map[ServerID]bool{}
	for id, v := range votes {
		if votesEqual(v, target) {
			acks[id] = true
		}
	}
	return s.q.has(acks)
}

// votesEqual is Vote.equals: LOOKING votes compare leader, zxid and both
// epochs; votes of servers out of election compare leader and peer epoch.
func votesEqual(a, b Vote) bool {
	if a.State == Looking || b.State == Looking {
		return a.Leader == b.Leader && a.Zxid == b.Zxid && a.ElectionEpoch == b.ElectionEpoch && a.PeerEpoch == b.PeerEpoch
	}
	return a.Leader == b.Leader && a.PeerEpoch == b.PeerEpoch
}

// onPollTimeout: nothing arrived for notTimeout; send again and back off.
func (s *Server) onPollTimeout() {
	s.el.pollTimer = 0
	s.sendNotifications()
	s.el.notTimeout = min(2*s.el.notTimeout, s.cfg.MaxNotificationInterval)
	s.env.Logf("notification timeout: %dms", s.el.notTimeout/millisecond)
	s.armPoll()
}

// onFinalize: finalizeWait passed with no better vote; the proposal wins.
func (s *Server) onFinalize() {
	s.el.finalizeTimer = 0
	s.decide(s.el.proposal)
}

func (s *Server) armPoll() {
	if s.el.pollTimer != 0 {
		s.env.CancelTimer(s.el.pollTimer)
	}
	s.el.pollTimer = s.env.SetTimer(s.el.notTimeout, Timer{Kind: TimerElectionPoll, Gen: s.gen})
}

func (s *Server) cancelFinalize() {
	if s.el.finalizeTimer != 0 {
		s.env.CancelTimer(s.el.finalizeTimer)
		s.el.finalizeTimer = 0
	}
}

func (s *Server) stopElectionTimers() {
	s.cancelFinalize()
	if s.el.pollTimer != 0 {
		s.env.CancelTimer(s.el.pollTimer)
		s.el.pollTimer = 0
	}
}

// decide ends the election (setPeerState + leaveInstance).
func (s *Server) decide(v Vote) {
	s.stopElectionTimers()
	s.el.inbox = s.el.inbox[:0]
	s.currentVote = Vote{Leader: v.Leader, Zxid: v.Zxid, ElectionEpoch: v.ElectionEpoch, PeerEpoch: v.PeerEpoch}
	switch {
	case v.Leader == s.cfg.ID:
		s.becomeLeading()
	case s.q.isVoter(s.cfg.ID):
		s.becomeFollowing(v.Leader)
	default:
		s.becomeObserving(v.Leader)
	}
}
