package zab

// Synchronisation: the leader brings a learner to its history with DIFF,
// TRUNC, TRUNC+DIFF or SNAP, chosen as LearnerHandler.syncFollower and
// queueCommittedProposals choose, then sends NEWLEADER.

// syncPlan is the packets that bring one learner up to date.
type syncPlan struct {
	packets  []*Packet
	needSnap bool
	// lastQueued is the zxid the learner will have once the plan is
	// delivered (LearnerHandler's currentZxid).
	lastQueued Zxid
}

// planSync is syncFollower: peerLast is the learner's last logged zxid.
func (s *Server) planSync(peerLast Zxid) syncPlan {
	db := s.db
	p := &syncPlan{lastQueued: peerLast, needSnap: true}
	newEpochZxid := peerLast.Counter() == 0
	minC, maxC := db.committedRange()
	last := db.lastProcessed()
	needOp := true
	switch {
	case last == peerLast:
		p.add(PacketDiff, peerLast)
		needOp, p.needSnap = false, false
	case peerLast > maxC && !newEpochZxid:
		p.add(PacketTrunc, maxC)
		p.lastQueued = maxC
		needOp, p.needSnap = false, false
	case maxC >= peerLast && minC <= peerLast:
		needOp = p.queueCommitted(db.window(), peerLast, -1, maxC, true)
		p.needSnap = false
	case peerLast < minC:
		if log, ok := db.logFrom(peerLast); ok && len(log) > 0 {
			needOp = p.queueCommitted(log, peerLast, minC, maxC, true)
			if p.lastQueued < minC {
				*p = syncPlan{lastQueued: peerLast, needSnap: true}
				needOp = true
			} else {
				needOp = p.queueCommitted(db.window(), p.lastQueued, -1, maxC, needOp)
				p.needSnap = false
			}
		}
	}
	if needOp && !p.needSnap {
		p.needSnap = true // "should never happen": fall back to a snapshot
	}
	if p.needSnap {
		p.packets = nil
		p.lastQueued = last
	}
	return *p
}

// mode names the plan as ZooKeeper's logs do.
func (p *syncPlan) mode() string {
	if p.needSnap {
		return "SNAP"
	}
	mode := ""
	for _, pk := range p.packets {
		switch pk.Type {
		case PacketTrunc:
			mode = "TRUNC"
		case PacketDiff:
			return "DIFF"
		case PacketProposal:
			if mode == "TRUNC" {
				return "TRUNC+DIFF"
			}
		}
	}
	return mode
}

func (p *syncPlan) add(t PacketType, z Zxid) {
	p.packets = append(p.packets, &Packet{Type: t, Zxid: z})
}

// queueCommitted is queueCommittedProposals over entries (ascending). It
// returns whether the DIFF/TRUNC op packet is still missing.
func (p *syncPlan) queueCommitted(entries []*LogEntry, peerLast, maxZxid, lastCommitted Zxid, needOp bool) bool {
	newEpochZxid := peerLast.Counter() == 0
	queued := p.lastQueued
	prev := Zxid(-1)
	for _, e := range entries {
		z := e.Zxid()
		if maxZxid >= 0 && z > maxZxid {
			break
		}
		if z < peerLast {
			prev = z
			continue
		}
		if needOp {
			switch {
			case z == peerLast:
				p.add(PacketDiff, lastCommitted)
				needOp = false
				continue
			case newEpochZxid:
				p.add(PacketDiff, lastCommitted)
				needOp = false
			case z > peerLast:
				if z.Epoch() != peerLast.Epoch() {
					// A TRUNC may not cross an epoch boundary: snapshot instead.
					p.lastQueued = queued
					return true
				}
				p.add(PacketTrunc, prev)
				needOp = false
			}
		}
		if z <= queued {
			continue
		}
		p.packets = append(p.packets, &Packet{Type: PacketProposal, Zxid: z, Entry: e}, &Packet{Type: PacketCommit, Zxid: z})
		queued = z
	}
	if needOp && newEpochZxid {
		p.add(PacketDiff, lastCommitted)
		needOp = false
	}
	p.lastQueued = queued
	return needOp
}

// syncLearner sends h its sync, starts forwarding to it, and sends NEWLEADER.
func (s *Server) syncLearner(h *learnerHandler) {
	plan := s.planSync(h.lastZxid)
	s.env.Observe(Observation{Kind: ObsSync, Peer: h.sid, Zxid: h.lastZxid, Detail: plan.mode()})
	if plan.needSnap {
		s.env.Send(h.conn, &Packet{Type: PacketSnap, Zxid: s.db.lastProcessed(), Snapshot: s.db.snapshotBytes()})
	}
	for _, p := range plan.packets {
		s.env.Send(h.conn, p)
	}
	s.startForwarding(h, plan.lastQueued)
	h.phase = lhWaitNewLeaderAck
	s.env.Send(h.conn, &Packet{Type: PacketNewLeader, Zxid: s.leader.newLeaderZxid})
}

// startForwarding sends h the proposals it has not seen yet and makes it
// receive every later broadcast (Leader.startForwarding). The leader applies
// a txn as it commits it, so nothing is committed-but-unapplied here.
func (s *Server) startForwarding(h *learnerHandler, lastSeen Zxid) {
	if !h.observer {
		for _, p := range s.leader.outstanding {
			if p.entry.Zxid() > lastSeen {
				s.sendProposal(h, p.entry)
			}
		}
	}
	h.forwarding = true
}
