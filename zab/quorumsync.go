package zab

// Quorum sync (Config.QuorumSync), the fix ZOOKEEPER-1675 proposes
// (Leader.processSync with ProtocolVersion's quorum sync): a sync that
// finds no proposal outstanding sends a PING round to the followers and
// completes once a quorum of voters, the leader among them, answered it.
// A leader that was deposed without knowing it gets no quorum, so it never
// answers a sync its successor's writes have overtaken. 3.8 answers at
// once (leaderSync), which a scenario's strict sync-read check catches.

// syncRound is one quorum sync round and the sync waiting on it.
type syncRound struct {
	id   uint64
	acks serverSet
	wait syncWait
}

// startSyncRound opens a round for w and pings every synced follower.
func (s *Server) startSyncRound(w syncWait) {
	l := s.leader
	l.lastSyncRound++
	r := &syncRound{id: l.lastSyncRound, wait: w}
	if s.q.isVoter(s.cfg.ID) {
		r.acks.add(s.cfg.ID)
	}
	l.syncRounds = append(l.syncRounds, r)
	if len(l.syncRounds) > 100000 {
		panic("leader: over 100000 quorum sync rounds outstanding")
	}
	for _, h := range l.handlers {
		if h.phase == lhActive && !h.observer {
			s.env.Send(h.conn, &Packet{Type: PacketPing, Zxid: l.lastProposed, SyncRound: r.id})
		}
	}
	s.finishSyncRounds()
}

// syncRoundAnswered counts a follower's answer to round id.
func (s *Server) syncRoundAnswered(h *learnerHandler, id uint64) {
	l := s.leader
	if !s.q.isVoter(h.sid) || len(l.syncRounds) == 0 {
		return
	}
	i := int(id - l.syncRounds[0].id)
	if id < l.syncRounds[0].id || i >= len(l.syncRounds) {
		return // a round already finished
	}
	l.syncRounds[i].acks.add(h.sid)
	s.finishSyncRounds()
}

// finishSyncRounds completes every round up to the newest one a quorum
// answered: a quorum that answered a later round also vouches for the
// leadership at every earlier round's start.
func (s *Server) finishSyncRounds() {
	l := s.leader
	last := -1
	for i, r := range l.syncRounds {
		if s.q.hasSet(&r.acks) {
			last = i
		}
	}
	for i := 0; i <= last; i++ {
		w := l.syncRounds[0].wait
		l.syncRounds[0] = nil
		l.syncRounds = l.syncRounds[1:]
		s.completeSync(w)
		if s.leader != l {
			return
		}
	}
}
