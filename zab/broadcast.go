package zab

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
)

// Broadcast on the leader: propose (Leader.propose), log and fsync the
// proposal before counting the leader's own ACK (AckRequestProcessor after
// SyncRequestProcessor), commit in zxid order on a quorum of ACKs
// (Leader.tryToCommit), COMMIT to followers and INFORM to observers.

// propose turns a prepared txn into a proposal. At the counter limit the
// leader steps down instead, so a new election starts a new epoch
// (Leader.propose's XidRolloverException).
func (s *Server) propose(e *LogEntry) bool {
	l := s.leader
	// With Bugs.ZK1277 there is no such check (ZOOKEEPER-1277): past
	// 0xffffffff the counter carries into the epoch bits, and the leader
	// proposes zxids of an epoch nobody established.
	if e.Zxid().Counter() >= s.cfg.CounterLimit && !s.cfg.Bugs.ZK1277 {
		s.leaderShutdown(fmt.Sprintf("zxid %s: lower 32 bits have rolled over, forcing re-election and a new epoch", e.Zxid()))
		return false
	}
	if e.Zxid() != l.lastProposed+1 && l.lastProposed.Epoch() == e.Zxid().Epoch() {
		panic(fmt.Sprintf("leader %d proposes %s after %s", s.cfg.ID, e.Zxid(), l.lastProposed))
	}
	p := &proposal{entry: e}
	l.outstanding = append(l.outstanding, p)
	l.lastProposed = e.Zxid()
	s.env.Observe(Observation{Kind: ObsPropose, Entry: e, Zxid: e.Zxid()})
	// One packet for every follower: nobody modifies a packet it receives.
	pkt := &Packet{Type: PacketProposal, Zxid: e.Zxid(), Entry: e}
	for _, h := range l.handlers {
		if h.forwarding && !h.observer {
			s.sendProposalPacket(h, pkt)
		}
	}
	s.db.appendTxn(e)
	s.env.Fsync(s.db.logFile, uint64(e.Zxid()))
	return true
}

func (s *Server) sendProposal(h *learnerHandler, e *LogEntry) {
	s.sendProposalPacket(h, &Packet{Type: PacketProposal, Zxid: e.Zxid(), Entry: e})
}

func (s *Server) sendProposalPacket(h *learnerHandler, pkt *Packet) {
	h.unacked = append(h.unacked, sentProposal{zxid: pkt.Zxid, at: s.env.Elapsed()})
	s.env.Send(h.conn, pkt)
}

// leaderFsync: a log fsync done means the leader's own ACK; any other token
// resumes a continuation.
func (s *Server) leaderFsync(ev FsyncEvent) {
	if s.runContinuation(ev.Token) {
		return
	}
	s.maybeSnapshot()
	s.processAck(s.cfg.ID, Zxid(ev.Token))
}

// processAck is Leader.processAck: count the ACK, then commit every
// proposal, in zxid order, that now has a quorum.
func (s *Server) processAck(sid ServerID, z Zxid) {
	l := s.leader
	if z.Counter() == 0 || z <= l.lastCommitted {
		return // a NEWLEADER ack, or a proposal already committed
	}
	p := l.find(z)
	if p == nil {
		s.env.Logf("ACK of %s from %d: no such outstanding proposal", z, sid)
		return
	}
	if s.q.isVoter(sid) {
		p.acks.add(sid)
	}
	for len(l.outstanding) > 0 && s.q.hasSet(&l.outstanding[0].acks) {
		s.commit(l.outstanding[0])
	}
}

func (l *leaderState) find(z Zxid) *proposal {
	if len(l.outstanding) == 0 {
		return nil
	}
	i := int(z - l.outstanding[0].entry.Zxid())
	if i < 0 || i >= len(l.outstanding) {
		return nil
	}
	return l.outstanding[i]
}

// commit is tryToCommit's success: COMMIT to followers, INFORM to
// observers, then apply locally.
func (s *Server) commit(p *proposal) {
	l := s.leader
	l.outstanding = l.outstanding[1:]
	z := p.entry.Zxid()
	l.lastCommitted = z
	for _, h := range l.handlers {
		if !h.forwarding {
			continue
		}
		if h.observer {
			s.env.Send(h.conn, &Packet{Type: PacketInform, Zxid: z, Entry: p.entry})
		} else {
			s.env.Send(h.conn, &Packet{Type: PacketCommit, Zxid: z})
		}
	}
	s.applyCommitted(p.entry)
	l.prep.Applied(int64(z))
	s.leaderCommitted(z)
}

// leaderBroadcastPacket handles a packet from a synced learner.
func (s *Server) leaderBroadcastPacket(h *learnerHandler, p *Packet) {
	switch p.Type {
	case PacketAck:
		for len(h.unacked) > 0 && h.unacked[0].zxid <= p.Zxid {
			h.unacked = h.unacked[1:]
		}
		if s.leader.quorumFormed {
			s.processAck(h.sid, p.Zxid)
		}
	case PacketPing:
		s.touchSessions(p.Touches)
		if p.SyncRound != 0 {
			s.syncRoundAnswered(h, p.SyncRound)
		}
	case PacketRevalidate:
		s.leaderRevalidate(h, p)
	case PacketRequest:
		if p.Request == nil {
			s.removeHandler(h, "REQUEST without a request")
			return
		}
		s.leaderRequest(p.Request, h)
	default:
		s.removeHandler(h, fmt.Sprintf("unexpected %s from a synced learner", p.Type))
	}
}

// prepAndPropose runs a write through PrepRequestProcessor against the
// leader's outstanding changes and proposes the resulting txn.
func (s *Server) prepAndPropose(r *ForwardedRequest) bool {
	l := s.leader
	if !l.quorumFormed {
		return false
	}
	s.zxid++
	hdr, txn := l.prep.Prep(tree.PrepRequest{
		Type: r.Type, SessionID: int64(r.SessionID), Cxid: r.Cxid, Zxid: int64(s.zxid),
		Time: s.env.Now() / millisecond, Auth: r.Auth, Record: r.Record, ExtendedTypes: s.cfg.ExtendedTypes,
	})
	return s.propose(&LogEntry{Hdr: hdr, Txn: txn})
}

// JumpZxidCounter moves an established leader's zxid counter forward to
// counter, so a test reaches the rollover limit without billions of
// writes. It is a fault hook, not protocol; it reports whether it applied.
func (s *Server) JumpZxidCounter(counter uint32) bool {
	l := s.leader
	if l == nil || !l.quorumFormed || len(l.outstanding) > 0 {
		return false
	}
	z := MakeZxid(s.zxid.Epoch(), counter)
	if z <= s.zxid {
		return false
	}
	// The jump is a gap in zxids no proposal fills: commit bookkeeping
	// continues from the new counter.
	s.zxid = z
	l.lastProposed = z
	l.lastCommitted = z
	return true
}

// Rollover steps the leader down now, as its next proposal past the
// counter limit would (Leader.propose's XidRolloverException). The harness
// uses it to finish a near-rollover when the faults heal, so the election
// it causes comes then and not whenever the next write arrives. It reports
// whether the server stepped down. With Bugs.ZK1277 there is no limit to
// finish: the leader keeps proposing into the next epoch's zxids, which is
// the bug's scenario to show.
func (s *Server) Rollover() bool {
	if s.leader == nil || s.cfg.Bugs.ZK1277 {
		return false
	}
	s.leaderShutdown(fmt.Sprintf("zxid %s: the counter is near its limit at the heal, forcing re-election and a new epoch", s.zxid))
	return true
}
