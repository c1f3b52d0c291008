package zab

import (
	"errors"
	"fmt"
)

// The learner: a follower or observer connects to its leader, registers
// (Learner.registerWithLeader), syncs (Learner.syncWithLeader) and then
// follows the broadcast (Follower.processPacket, Observer.processPacket).
// A step that must wait for the disk sets busy; packets arriving meanwhile
// wait in backlog, as they would in the socket while Java blocks.

type learnerPhase uint8

const (
	lpRegister  learnerPhase = iota // FOLLOWERINFO out, waiting for LEADERINFO
	lpFirstSync                     // ACKEPOCH out, waiting for DIFF/TRUNC/SNAP
	lpSync                          // receiving the sync, up to UPTODATE
	lpBroadcast                     // UPTODATE received: serving
)

type learnerState struct {
	leader   ServerID
	observer bool
	conn     ConnID
	attempts int
	phase    learnerPhase
	newEpoch Epoch

	lastHeard int64
	busy      bool
	backlog   []*Packet // backlog[head:] waits; the array is reused
	head      int

	// During sync (Learner.syncWithLeader): with snapshotNeeded the txns
	// are applied in memory until NEWLEADER; otherwise they are logged at
	// NEWLEADER (writeToTxnLog).
	snapshotNeeded bool
	writeToTxnLog  bool
	// snapUnsaved: the tree came from the leader's SNAP and is not yet
	// durable as a snapshot. Leaving the role then reloads the database
	// from disk, as ZooKeeper's full shutdown of an unfinished SNAP sync
	// does: the in-memory tree is nobody's durable history.
	snapUnsaved    bool
	notLogged      []*LogEntry
	committedZxids []Zxid

	// ackAtUpToDate are the sync proposals logged at NEWLEADER; a follower
	// acknowledges them once broadcasting, so outstanding ones can commit.
	ackAtUpToDate []Zxid

	// markedAhead: a DIFF moved the last processed zxid ahead of what is
	// applied and logged (Bugs.ZK2355); logFloor is the last logged zxid
	// before it, and what comes after it is still logged.
	markedAhead bool
	logFloor    Zxid

	// pending are logged proposals awaiting COMMIT, in zxid order
	// (FollowerZooKeeperServer.pendingTxns).
	pending []*LogEntry
}

func (s *Server) becomeFollowing(leader ServerID) {
	s.setState(Following, leader)
	s.stepRole = stepLearning
	s.startLearner(leader, false)
}

func (s *Server) becomeObserving(leader ServerID) {
	s.setState(Observing, leader)
	s.stepRole = stepLearning
	s.startLearner(leader, true)
}

func (s *Server) startLearner(leader ServerID, observer bool) {
	s.fastForward()
	s.learner = &learnerState{leader: leader, observer: observer}
	s.connectToLeader()
	s.env.SetTimer(s.cfg.TickTime/2, Timer{Kind: TimerLearnerTick, Gen: s.gen})
}

// connectToLeader opens the quorum connection and registers at once; the
// packet waits in the connection if the leader is not listening yet.
func (s *Server) connectToLeader() {
	ls := s.learner
	ls.attempts++
	ls.lastHeard = s.env.Elapsed()
	ls.conn = s.env.Connect(ls.leader, PortQuorum)
	typ := PacketFollowerInfo
	if ls.observer {
		typ = PacketObserverInfo
	}
	s.env.Send(ls.conn, &Packet{Type: typ, Zxid: MakeZxid(s.acceptedEpoch, 0), Sid: s.cfg.ID, Version: protocolVersion})
}

// stepLearning handles quorum packets and role timers while FOLLOWING or
// OBSERVING.
func stepLearning(s *Server, ev Event) {
	ls := s.learner
	switch ev := ev.(type) {
	case MessageEvent:
		p, ok := ev.Msg.(*Packet)
		if !ok {
			s.clientMessage(ev.Conn, ev.Msg)
			return
		}
		if ev.Conn != ls.conn {
			s.env.Close(ev.Conn) // a quorum packet from anyone but our leader
			return
		}
		ls.lastHeard = s.env.Elapsed()
		ls.backlog = append(ls.backlog, p)
		s.drainBacklog()
	case ClosedEvent:
		if ev.Conn != ls.conn {
			s.clientClosed(ev.Conn)
			return
		}
		if ls.phase == lpRegister && ls.attempts < 5 {
			// Java sleeps leaderConnectDelayDuringRetryMs (100 ms) between
			// tries (Learner.java, release-3.8.0: "Thread.sleep(
			// leaderConnectDelayDuringRetryMs)"); its comment's "1000
			// milliseconds" is stale. Found by zabsim conform: zabsim's
			// elections after a leader crash took a second longer than
			// a real ensemble's when a follower came before its leader.
			s.env.SetTimer(s.cfg.LeaderConnectRetryDelay, Timer{Kind: TimerLearnerConnect, Gen: s.gen})
			return
		}
		s.learnerShutdown("connection to the leader closed")
	case TimerEvent:
		switch ev.Timer.Kind {
		case TimerLearnerConnect:
			s.connectToLeader()
		case TimerLearnerTick:
			s.learnerTick()
		default:
			s.roleTimer(ev)
		}
	case FsyncEvent:
		s.learnerFsync(ev)
	}
}

// learnerTick is the socket read timeout: initLimit ticks until synced,
// syncLimit ticks after.
func (s *Server) learnerTick() {
	ls := s.learner
	s.env.SetTimer(s.cfg.TickTime/2, Timer{Kind: TimerLearnerTick, Gen: s.gen})
	limit := int64(s.cfg.SyncLimit) * s.cfg.TickTime
	if ls.phase != lpBroadcast {
		limit = int64(s.cfg.InitLimit) * s.cfg.TickTime
	}
	if s.env.Elapsed()-ls.lastHeard > limit && !ls.busy {
		s.learnerShutdown(fmt.Sprintf("nothing from leader %d for %dms", ls.leader, limit/millisecond))
	}
}

func (s *Server) drainBacklog() {
	ls := s.learner
	for i := 0; ls.head < len(ls.backlog) && !ls.busy && s.learner == ls; i++ {
		if i > 1_000_000 {
			panic("learner backlog does not drain")
		}
		p := ls.backlog[ls.head]
		ls.backlog[ls.head] = nil
		ls.head++
		if ls.head == len(ls.backlog) {
			ls.backlog, ls.head = ls.backlog[:0], 0
		}
		s.learnerPacket(p)
	}
}

// wait marks the learner busy until then runs (after a durable step).
func (s *Server) learnerWait(run func(done func())) {
	ls := s.learner
	ls.busy = true
	run(func() {
		ls.busy = false
		ls.lastHeard = s.env.Elapsed()
		s.drainBacklog()
	})
}

func (s *Server) learnerPacket(p *Packet) {
	switch s.learner.phase {
	case lpRegister:
		s.learnerRegister(p)
	case lpFirstSync:
		s.learnerFirstSync(p)
	case lpSync:
		s.learnerSync(p)
	default:
		s.learnerBroadcast(p)
	}
}

// learnerRegister handles LEADERINFO (registerWithLeader): accept the new
// epoch, persist it, and ACKEPOCH with our currentEpoch and last zxid — or
// -1 if this epoch was accepted before, so the ack cannot count twice.
func (s *Server) learnerRegister(p *Packet) {
	ls := s.learner
	if p.Type != PacketLeaderInfo {
		s.learnerShutdown(fmt.Sprintf("expected LEADERINFO, got %s", p.Type))
		return
	}
	newEpoch := p.Zxid.Epoch()
	ack := &Packet{Type: PacketAckEpoch, Zxid: s.db.lastLogged(), CurrentEpoch: s.currentEpoch}
	ls.newEpoch = newEpoch
	ls.phase = lpFirstSync
	switch {
	case newEpoch > s.acceptedEpoch:
		s.learnerWait(func(done func()) {
			s.setAcceptedEpoch(newEpoch, func() {
				s.env.Send(ls.conn, ack)
				done()
			})
		})
	case newEpoch == s.acceptedEpoch:
		ack.CurrentEpoch = -1
		s.env.Send(ls.conn, ack)
	default:
		s.learnerShutdown(fmt.Sprintf("leader's epoch %d is less than accepted epoch %d", newEpoch, s.acceptedEpoch))
	}
}

// learnerFirstSync handles DIFF, TRUNC or SNAP.
func (s *Server) learnerFirstSync(p *Packet) {
	ls := s.learner
	switch p.Type {
	case PacketDiff:
		ls.snapshotNeeded = false
		if s.cfg.Bugs.ZK2355 && p.Zxid > s.db.lastProcessed() {
			// ZOOKEEPER-2355: setlastProcessedZxid(DIFF's zxid) before
			// the DIFF's txns are applied. Should the sync break off, the
			// learner looks again claiming them, and a fast-forward from
			// disk skips them as applied.
			ls.markedAhead, ls.logFloor = true, s.db.lastLogged()
			s.db.tree.SetLastZxid(int64(p.Zxid))
		}
	case PacketSnap:
		if err := s.db.restoreSnapshot(p.Snapshot); err != nil {
			s.learnerShutdown(fmt.Sprintf("bad snapshot from leader: %v", err))
			return
		}
		ls.snapshotNeeded = true
		ls.snapUnsaved = true
		// The leader reported these commits; this process need not.
		s.reported = max(s.reported, s.db.lastProcessed())
		s.env.Observe(Observation{Kind: ObsSnapSync, Zxid: s.db.lastProcessed(), Digest: s.db.tree.Digest()})
	case PacketTrunc:
		if err := s.db.truncate(p.Zxid); errors.Is(err, errTruncateShort) {
			s.env.Observe(Observation{Kind: ObsRecover, Zxid: s.db.lastProcessed(), Digest: s.db.tree.Digest()})
			s.learnerShutdown(fmt.Sprintf("truncate to %s: %v", p.Zxid, err))
			return
		} else if err != nil {
			s.fatal(fmt.Sprintf("truncate to %s: %v", p.Zxid, err))
			return
		}
		ls.snapshotNeeded = true
		s.env.Observe(Observation{Kind: ObsTruncate, Zxid: p.Zxid, Digest: s.db.tree.Digest()})
	default:
		s.learnerShutdown(fmt.Sprintf("expected DIFF, TRUNC or SNAP, got %s", p.Type))
		return
	}
	ls.writeToTxnLog = !ls.snapshotNeeded
	ls.phase = lpSync
}

// learnerSync handles the packets up to UPTODATE.
func (s *Server) learnerSync(p *Packet) {
	ls := s.learner
	switch p.Type {
	case PacketProposal:
		ls.notLogged = append(ls.notLogged, p.Entry)
	case PacketCommit:
		if !ls.writeToTxnLog {
			if len(ls.notLogged) == 0 || ls.notLogged[0].Zxid() != p.Zxid {
				s.env.Logf("committing %s, but it is not the next proposal", p.Zxid)
				return
			}
			s.applyCommitted(ls.notLogged[0])
			ls.notLogged = ls.notLogged[1:]
		} else {
			ls.committedZxids = append(ls.committedZxids, p.Zxid)
		}
	case PacketInform:
		if !ls.writeToTxnLog {
			s.applyCommitted(p.Entry)
		} else {
			ls.notLogged = append(ls.notLogged, p.Entry)
			ls.committedZxids = append(ls.committedZxids, p.Zxid)
		}
	case PacketNewLeader:
		s.learnerNewLeader(p)
	case PacketUpToDate:
		s.learnerUpToDate()
	default:
		s.learnerShutdown(fmt.Sprintf("unexpected %s during sync", p.Type))
	}
}

// learnerNewLeader: persist what the sync brought (a snapshot, or the
// logged DIFF txns, ZOOKEEPER-3911), then currentEpoch, then ACK NEWLEADER.
func (s *Server) learnerNewLeader(p *Packet) {
	ls := s.learner
	s.learnerWait(func(done func()) {
		ackNewLeader := func() {
			s.setCurrentEpoch(ls.newEpoch, func() {
				s.env.Send(ls.conn, &Packet{Type: PacketAck, Zxid: p.Zxid})
				done()
			})
		}
		if ls.snapshotNeeded {
			name := s.db.takeSnapshot(s.db.lastProcessed())
			ls.writeToTxnLog = true
			s.afterSync(name, func() {
				if ls.snapUnsaved {
					ls.snapUnsaved = false
					s.db.dropStaleLogs()
				}
				ackNewLeader()
			})
			return
		}
		ls.writeToTxnLog = true
		if len(ls.notLogged) == 0 {
			ackNewLeader()
			return
		}
		// The switches re-create three generations of this code, oldest
		// first; with several on, the oldest wins.
		switch {
		case s.cfg.Bugs.ZK3911:
			s.newLeaderBug3911(p, done)
		case s.cfg.Bugs.ZK4643:
			s.newLeaderBug4643(p, done)
		case s.cfg.Bugs.ZK3023:
			s.newLeaderBug3023(p, done)
		default:
			s.logSyncTxns()
			s.afterSync(s.db.logFile, ackNewLeader)
		}
	})
}

// logSyncTxns writes the txns the sync brought to the log (unsynced); they
// are acknowledged once broadcasting.
func (s *Server) logSyncTxns() {
	ls := s.learner
	for _, e := range ls.notLogged {
		s.logProposal(e)
		ls.ackAtUpToDate = append(ls.ackAtUpToDate, e.Zxid())
	}
	ls.notLogged = nil
}

// newLeaderBug3911 is NEWLEADER before ZOOKEEPER-3911: persist
// currentEpoch and ACK with the DIFF's txns still only in memory;
// learnerUpToDate logs them once the leader, established on this ACK,
// says UPTODATE.
func (s *Server) newLeaderBug3911(p *Packet, done func()) {
	ls := s.learner
	s.setCurrentEpoch(ls.newEpoch, func() {
		s.env.Send(ls.conn, &Packet{Type: PacketAck, Zxid: p.Zxid})
		done()
	})
}

// newLeaderBug4643 is NEWLEADER before ZOOKEEPER-4643's fix: currentEpoch
// is persisted first, then the DIFF's txns are logged and synced, then the
// ACK: a crash in between restarts with the new epoch and a short log.
func (s *Server) newLeaderBug4643(p *Packet, done func()) {
	ls := s.learner
	s.setCurrentEpoch(ls.newEpoch, func() {
		s.logSyncTxns()
		s.afterSync(s.db.logFile, func() {
			s.env.Send(ls.conn, &Packet{Type: PacketAck, Zxid: p.Zxid})
			done()
		})
	})
}

// newLeaderBug3023 is NEWLEADER before ZOOKEEPER-3023 and 4646:
// currentEpoch is persisted, the DIFF's txns are handed to the log
// asynchronously, and the ACK goes out before they are synced.
func (s *Server) newLeaderBug3023(p *Packet, done func()) {
	ls := s.learner
	s.setCurrentEpoch(ls.newEpoch, func() {
		s.logSyncTxns()
		s.env.Send(ls.conn, &Packet{Type: PacketAck, Zxid: p.Zxid})
		done()
		s.afterSync(s.db.logFile, func() {})
	})
}

// learnerUpToDate: serve, and catch up with what came after NEWLEADER.
func (s *Server) learnerUpToDate() {
	ls := s.learner
	ls.phase = lpBroadcast
	s.env.Send(ls.conn, &Packet{Type: PacketAck, Zxid: MakeZxid(ls.newEpoch, 0)})
	s.currentVote.PeerEpoch = ls.newEpoch // updateElectionVote (ZOOKEEPER-1732)
	s.startServing()
	if !ls.observer {
		for _, z := range ls.ackAtUpToDate {
			s.env.Send(ls.conn, &Packet{Type: PacketAck, Zxid: z})
		}
	}
	ls.ackAtUpToDate = nil
	for _, e := range ls.notLogged {
		s.logProposal(e)
		if !ls.observer {
			s.syncAndAck(e.Zxid())
		}
	}
	ls.notLogged = nil
	for _, z := range ls.committedZxids {
		s.learnerCommit(z)
	}
	ls.committedZxids = nil
}

// logProposal appends a proposal to the log and the pending list.
func (s *Server) logProposal(e *LogEntry) {
	last := s.db.lastLogged()
	if s.learner.markedAhead {
		last = max(s.learner.logFloor, s.db.lastLoggedEntry())
	}
	if e.Zxid() <= last {
		return // already logged before a restart or via the sync
	}
	s.db.appendTxn(e)
	s.learner.pending = append(s.learner.pending, e)
}

// learnerBroadcast is Follower/Observer.processPacket.
func (s *Server) learnerBroadcast(p *Packet) {
	ls := s.learner
	switch p.Type {
	case PacketPing:
		s.env.Send(ls.conn, &Packet{Type: PacketPing, Zxid: p.Zxid, Touches: s.takeTouches(), SyncRound: p.SyncRound})
	case PacketProposal:
		if ls.observer {
			return
		}
		s.logProposal(p.Entry)
		s.syncAndAck(p.Zxid)
	case PacketCommit:
		s.learnerCommit(p.Zxid)
	case PacketInform:
		s.logProposal(p.Entry)
		s.learnerCommit(p.Zxid)
	case PacketSync:
		s.learnerSyncDone()
	case PacketRevalidate:
		s.revalidated(p)
	case PacketUpToDate:
		s.env.Logf("UPTODATE after the follower started")
	default:
		s.env.Logf("unexpected %s while broadcasting", p.Type)
	}
}

// learnerCommit applies the next pending txn; a COMMIT for anything else is
// fatal (FollowerZooKeeperServer.commit's UNMATCHED_TXN_COMMIT exit).
func (s *Server) learnerCommit(z Zxid) {
	ls := s.learner
	if len(ls.pending) == 0 {
		if z <= s.db.lastProcessed() {
			return
		}
		s.fatal(fmt.Sprintf("committing %s with no pending txn", z))
		return
	}
	if ls.pending[0].Zxid() != z {
		s.fatal(fmt.Sprintf("committing %s but next pending txn is %s", z, ls.pending[0].Zxid()))
		return
	}
	e := ls.pending[0]
	ls.pending = ls.pending[1:]
	s.applyCommitted(e)
}

// syncAndAck fsyncs the log for a logged proposal; the fsync's completion
// sends its ACK (learnerFsync). The Zab paper's follower acknowledges a
// proposal only once it is on stable storage.
func (s *Server) syncAndAck(z Zxid) {
	if s.cfg.Bugs.ZK3023 {
		// ZOOKEEPER-3023: the ACK leaves as soon as the txn is written,
		// ahead of its fsync.
		s.env.Send(s.learner.conn, &Packet{Type: PacketAck, Zxid: z})
	}
	s.env.Fsync(s.db.logFile, uint64(z))
}

// learnerFsync: a log fsync is the ACK of that proposal
// (SendAckRequestProcessor); other tokens resume continuations.
func (s *Server) learnerFsync(ev FsyncEvent) {
	if s.runContinuation(ev.Token) {
		return
	}
	s.maybeSnapshot()
	ls := s.learner
	if ls.observer || ls.phase != lpBroadcast || s.cfg.Bugs.ZK3023 {
		return
	}
	s.env.Send(ls.conn, &Packet{Type: PacketAck, Zxid: Zxid(ev.Token)})
}

// learnerShutdown leaves the leader and looks again (Follower.shutdown).
func (s *Server) learnerShutdown(why string) {
	s.env.Logf("learner shutdown: %s", why)
	if s.learner.conn != 0 {
		s.env.Close(s.learner.conn)
	}
	unsaved := s.learner.snapUnsaved
	s.learner = nil
	s.stopServing()
	if unsaved && !s.reload() {
		return
	}
	s.becomeLooking()
}

// forwardRequest hands a write to the leader (FollowerRequestProcessor).
func (s *Server) forwardRequest(r *ForwardedRequest) {
	s.env.Send(s.learner.conn, &Packet{Type: PacketRequest, Request: r})
}
