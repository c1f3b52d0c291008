package zab

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
)

// The leader: discovery, establishment and its tick loop (Leader.lead),
// with one learnerHandler per connected learner (LearnerHandler.run). The
// Java threads block at getEpochToPropose, waitForEpochAck and
// waitForNewLeaderAck; here each wait is a phase, and the event that ends
// the wait moves every handler waiting on it forward.

type lhPhase uint8

const (
	lhWaitNewEpoch     lhPhase = iota // FOLLOWERINFO in; waiting for a quorum's epochs
	lhWaitAckEpoch                    // LEADERINFO out; waiting for this learner's ACKEPOCH
	lhWaitEpochQuorum                 // ACKEPOCH in; waiting for a quorum of them
	lhWaitNewLeaderAck                // sync and NEWLEADER out; waiting for its ACK
	lhWaitStartup                     // NEWLEADER acked; waiting for the leader to be established
	lhActive                          // UPTODATE out; broadcasting
)

// learnerHandler is the leader's view of one learner connection.
type learnerHandler struct {
	conn          ConnID
	sid           ServerID
	observer      bool
	phase         lhPhase
	acceptedEpoch Epoch
	currentEpoch  Epoch // from ACKEPOCH; -1 if it had accepted this epoch already
	lastZxid      Zxid  // from ACKEPOCH: the learner's last logged zxid
	// forwarding: the handler receives proposals (followers) or informs
	// (observers) as the leader broadcasts them (startForwarding).
	forwarding bool
	// tickOfNextAckDeadline: the leader tick by which the learner must have
	// been heard from to count as synced (LearnerHandler.synced).
	tickOfNextAckDeadline int64
	lastHeard             int64
	// unacked holds (zxid, send time) of proposals awaiting this
	// follower's ACK, oldest first (SyncLimitCheck).
	unacked []sentProposal
}

type sentProposal struct {
	zxid Zxid
	at   int64
}

// proposal is a transaction the leader proposed and has not committed.
type proposal struct {
	entry *LogEntry
	acks  serverSet
}

// leaderState is everything a LEADING server holds.
type leaderState struct {
	newEpoch      Epoch
	newLeaderZxid Zxid

	waitingForNewEpoch bool
	connecting         map[ServerID]bool
	electionFinished   bool
	electing           map[ServerID]bool
	newLeaderAcks      map[ServerID]bool
	quorumFormed       bool  // a quorum acked NEWLEADER: established
	summaryEpoch       Epoch // leaderStateSummary: currentEpoch and last zxid at start
	summaryZxid        Zxid

	handlers []*learnerHandler // in connection order; deterministic iteration
	byConn   map[ConnID]*learnerHandler

	// outstanding proposals in zxid order. Invariant: zxids are
	// consecutive and all > lastCommitted.
	outstanding   []*proposal
	lastProposed  Zxid
	lastCommitted Zxid
	prep          *tree.Prepper

	syncWaits []syncWait // syncs answered once their zxid commits
	// syncRounds are quorum sync rounds awaiting a quorum (QuorumSync),
	// oldest first; lastSyncRound numbers them.
	syncRounds    []*syncRound
	lastSyncRound uint64

	tick       int64
	tickSkip   bool
	phaseTimer TimerID // initLimit deadline of the current discovery phase
}

// becomeLeading starts Leader.lead: load the database, then wait for a
// quorum of FOLLOWERINFO to pick the new epoch.
func (s *Server) becomeLeading() {
	s.setState(Leading, s.cfg.ID)
	s.stepRole = stepLeading
	s.fastForward()
	l := &leaderState{
		waitingForNewEpoch: true,
		connecting:         map[ServerID]bool{},
		electing:           map[ServerID]bool{},
		newLeaderAcks:      map[ServerID]bool{},
		byConn:             map[ConnID]*learnerHandler{},
		summaryEpoch:       s.currentEpoch,
		summaryZxid:        s.db.lastProcessed(),
		prep:               tree.NewPrepper(s.db.tree),
	}
	s.leader = l
	l.newEpoch = -1
	s.armPhaseTimer()
	s.proposeEpoch(s.cfg.ID, s.acceptedEpoch)
}

func (s *Server) armPhaseTimer() {
	if s.leader.phaseTimer != 0 {
		s.env.CancelTimer(s.leader.phaseTimer)
	}
	s.leader.phaseTimer = s.env.SetTimer(int64(s.cfg.InitLimit)*s.cfg.TickTime, Timer{Kind: TimerDiscovery, Gen: s.gen})
}

// proposeEpoch is getEpochToPropose: the new epoch is one past the largest
// acceptedEpoch of a quorum that includes the leader.
func (s *Server) proposeEpoch(sid ServerID, acceptedEpoch Epoch) {
	l := s.leader
	if !l.waitingForNewEpoch {
		return
	}
	if acceptedEpoch >= l.newEpoch {
		l.newEpoch = acceptedEpoch + 1
	}
	if s.q.isVoter(sid) {
		l.connecting[sid] = true
	}
	if !l.connecting[s.cfg.ID] || !s.q.has(l.connecting) {
		return
	}
	l.waitingForNewEpoch = false
	l.newLeaderZxid = MakeZxid(l.newEpoch, 0)
	s.setAcceptedEpoch(l.newEpoch, func() {
		s.armPhaseTimer()
		for _, h := range l.handlers {
			if h.phase == lhWaitNewEpoch {
				s.sendLeaderInfo(h)
			}
		}
		s.ackEpoch(s.cfg.ID, s.currentEpoch, l.summaryZxid)
	})
}

func (s *Server) sendLeaderInfo(h *learnerHandler) {
	h.phase = lhWaitAckEpoch
	s.env.Send(h.conn, &Packet{Type: PacketLeaderInfo, Zxid: s.leader.newLeaderZxid, Version: protocolVersion})
}

// ackEpoch is waitForEpochAck. A learner more recent than the leader ends
// this leadership: it must not lead (Leader.waitForEpochAck).
func (s *Server) ackEpoch(sid ServerID, currentEpoch Epoch, lastZxid Zxid) {
	l := s.leader
	if l.electionFinished {
		return
	}
	if currentEpoch != -1 {
		if currentEpoch > l.summaryEpoch || currentEpoch == l.summaryEpoch && lastZxid > l.summaryZxid {
			s.leaderShutdown(fmt.Sprintf("follower %d is ahead of the leader (epoch %d, zxid %s)", sid, currentEpoch, lastZxid))
			return
		}
		if lastZxid != -1 && s.q.isVoter(sid) {
			l.electing[sid] = true
		}
	}
	if !l.electing[s.cfg.ID] || !s.q.has(l.electing) {
		return
	}
	l.electionFinished = true
	s.armPhaseTimer()
	for _, h := range l.handlers {
		if h.phase == lhWaitEpochQuorum {
			s.syncLearner(h)
		}
	}
	// The leader's thread: setCurrentEpoch, then count its own NEWLEADER ack.
	s.setCurrentEpoch(l.newEpoch, func() {
		s.newLeaderAck(s.cfg.ID, l.newLeaderZxid)
	})
}

// newLeaderAck is waitForNewLeaderAck: once a quorum acknowledged
// NEWLEADER, the leader is established and starts serving.
func (s *Server) newLeaderAck(sid ServerID, z Zxid) {
	l := s.leader
	if l.quorumFormed || z != l.newLeaderZxid {
		return
	}
	if s.q.isVoter(sid) {
		l.newLeaderAcks[sid] = true
	}
	if !l.newLeaderAcks[s.cfg.ID] || !s.q.has(l.newLeaderAcks) {
		return
	}
	l.quorumFormed = true
	s.env.CancelTimer(l.phaseTimer)
	l.phaseTimer = 0
	s.establish()
}

// establish is the end of discovery: start the tick loop and the server,
// and release the handlers waiting for startup with UPTODATE.
func (s *Server) establish() {
	l := s.leader
	l.lastProposed = s.db.lastProcessed()
	l.lastCommitted = l.lastProposed
	s.zxid = l.newLeaderZxid
	s.currentVote.PeerEpoch = l.newEpoch // updateElectionVote (ZOOKEEPER-1732)
	s.env.Observe(Observation{Kind: ObsEstablished, Epoch: l.newEpoch, Zxid: s.db.lastProcessed(), Digest: s.db.tree.Digest()})
	for i := range s.db.log.len() {
		e := s.db.log.entry(i)
		if z := e.Zxid(); z > s.reported && z <= s.db.lastProcessed() {
			s.env.Observe(Observation{Kind: ObsCommitted, Entry: e, Zxid: z})
		}
	}
	s.reported = max(s.reported, s.db.lastProcessed())
	s.env.Logf("established epoch %d with %v", l.newEpoch, sortedIDs(l.newLeaderAcks))
	s.env.SetTimer(s.cfg.TickTime/2, Timer{Kind: TimerLeaderTick, Gen: s.gen})
	for _, h := range l.handlers {
		if h.phase == lhWaitStartup {
			s.sendUpToDate(h)
		}
	}
	s.startServing()
}

func (s *Server) sendUpToDate(h *learnerHandler) {
	h.phase = lhActive
	s.env.Send(h.conn, &Packet{Type: PacketUpToDate, Zxid: -1})
}

// stepLeading handles quorum packets and role timers while LEADING.
func stepLeading(s *Server, ev Event) {
	switch ev := ev.(type) {
	case MessageEvent:
		if p, ok := ev.Msg.(*Packet); ok {
			s.leaderPacket(ev.Conn, p)
			return
		}
		s.clientMessage(ev.Conn, ev.Msg)
	case ClosedEvent:
		if h := s.leader.byConn[ev.Conn]; h != nil {
			s.removeHandler(h, "connection closed")
			return
		}
		s.clientClosed(ev.Conn)
	case TimerEvent:
		switch ev.Timer.Kind {
		case TimerDiscovery:
			s.leaderShutdown("timeout waiting for a quorum during discovery and sync (initLimit)")
		case TimerLeaderTick:
			s.leaderTick()
		default:
			s.roleTimer(ev)
		}
	case FsyncEvent:
		s.leaderFsync(ev)
	}
}

func (s *Server) leaderPacket(c ConnID, p *Packet) {
	l := s.leader
	h := l.byConn[c]
	if h == nil {
		if p.Type != PacketFollowerInfo && p.Type != PacketObserverInfo {
			s.env.Logf("first packet on %d is %s, not FOLLOWERINFO/OBSERVERINFO: closing", c, p.Type)
			s.env.Close(c)
			return
		}
		s.addHandler(c, p)
		return
	}
	h.lastHeard = s.env.Elapsed()
	h.tickOfNextAckDeadline = l.tick + int64(s.cfg.SyncLimit)
	switch {
	case p.Type == PacketAckEpoch && h.phase == lhWaitAckEpoch:
		h.currentEpoch, h.lastZxid = p.CurrentEpoch, p.Zxid
		h.phase = lhWaitEpochQuorum
		s.ackEpoch(h.sid, p.CurrentEpoch, p.Zxid)
		if l.electionFinished && h.phase == lhWaitEpochQuorum {
			s.syncLearner(h)
		}
	case p.Type == PacketAck && h.phase == lhWaitNewLeaderAck:
		if p.Zxid != l.newLeaderZxid {
			s.removeHandler(h, fmt.Sprintf("expected the ACK of NEWLEADER %s, got %s", l.newLeaderZxid, p.Zxid))
			return
		}
		h.phase = lhWaitStartup
		s.newLeaderAck(h.sid, p.Zxid)
		if l.quorumFormed && h.phase == lhWaitStartup {
			s.sendUpToDate(h)
		}
	case h.phase == lhActive || h.phase == lhWaitStartup:
		s.leaderBroadcastPacket(h, p)
	default:
		s.removeHandler(h, fmt.Sprintf("unexpected %s in phase %d", p.Type, h.phase))
	}
}

// addHandler registers a learner from its FOLLOWERINFO/OBSERVERINFO.
func (s *Server) addHandler(c ConnID, p *Packet) {
	l := s.leader
	for _, old := range l.handlers {
		if old.sid == p.Sid {
			s.removeHandler(old, "replaced by a new connection from the same server")
			break
		}
	}
	h := &learnerHandler{conn: c, sid: p.Sid, observer: p.Type == PacketObserverInfo,
		acceptedEpoch: p.Zxid.Epoch(), lastHeard: s.env.Elapsed(),
		tickOfNextAckDeadline: l.tick + int64(s.cfg.InitLimit+s.cfg.SyncLimit)}
	l.handlers = append(l.handlers, h)
	l.byConn[c] = h
	s.proposeEpoch(h.sid, h.acceptedEpoch)
	if !l.waitingForNewEpoch && s.acceptedEpoch == l.newEpoch {
		s.sendLeaderInfo(h)
	}
}

func (s *Server) removeHandler(h *learnerHandler, why string) {
	l := s.leader
	s.env.Logf("dropping learner %d: %s", h.sid, why)
	s.env.Close(h.conn)
	delete(l.byConn, h.conn)
	for i, x := range l.handlers {
		if x == h {
			l.handlers = append(l.handlers[:i], l.handlers[i+1:]...)
			break
		}
	}
}

// leaderTick runs every half tick: count synced learners, step down
// without a quorum, ping everyone (Leader.lead's loop and LearnerHandler.ping).
func (s *Server) leaderTick() {
	l := s.leader
	s.env.SetTimer(s.cfg.TickTime/2, Timer{Kind: TimerLeaderTick, Gen: s.gen})
	if !l.tickSkip {
		l.tick++
	}
	synced := map[ServerID]bool{s.cfg.ID: true}
	for _, h := range l.handlers {
		if h.phase >= lhWaitStartup && l.tick <= h.tickOfNextAckDeadline {
			synced[h.sid] = true
		}
	}
	if !l.tickSkip && !s.q.has(synced) {
		s.leaderShutdown(fmt.Sprintf("not sufficient followers synced, only %v", sortedIDs(synced)))
		return
	}
	l.tickSkip = !l.tickSkip
	now := s.env.Elapsed()
	limit := int64(s.cfg.SyncLimit) * s.cfg.TickTime
	for _, h := range append([]*learnerHandler(nil), l.handlers...) {
		if h.phase != lhActive {
			continue
		}
		if len(h.unacked) > 0 && now-h.unacked[0].at > limit {
			s.removeHandler(h, "proposal not acknowledged within syncLimit")
			continue
		}
		if now-h.lastHeard > limit {
			s.removeHandler(h, "nothing heard within syncLimit")
			continue
		}
		s.env.Send(h.conn, &Packet{Type: PacketPing, Zxid: l.lastProposed})
	}
}

// leaderShutdown ends this leadership (Leader.shutdown) and looks again.
func (s *Server) leaderShutdown(why string) {
	s.env.Logf("leader shutdown: %s", why)
	for _, h := range s.leader.handlers {
		s.env.Close(h.conn)
	}
	s.leader = nil
	s.stopServing()
	s.becomeLooking()
}

func sortedIDs(m map[ServerID]bool) []ServerID {
	var ids []ServerID
	for id, ok := range m {
		if ok {
			ids = append(ids, id)
		}
	}
	for i := 1; i < len(ids); i++ {
		for j := i; j > 0 && ids[j] < ids[j-1]; j-- {
			ids[j], ids[j-1] = ids[j-1], ids[j]
		}
	}
	return ids
}
