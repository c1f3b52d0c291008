package zab

import (
	"sort"

	"github.com/zabsim/zabsim/tree"
)

// The leader's session tracker (SessionTrackerImpl with its
// ExpiryQueue): sessions expire at tick-rounded deadlines unless touched by
// activity the leader sees or learners relay in their PINGs. Expiry is a
// closeSession transaction like any other.

type trackedSession struct {
	timeout  int32 // ms
	expireAt int64 // leader's monotonic clock, rounded up to a tick boundary
	closing  bool
	owner    ServerID // server the client is connected to; 0 until known
}

// sessionTracker belongs to an established leader.
type sessionTracker struct {
	sessions map[SessionID]*trackedSession
	timer    TimerID
}

// startSessionTracker seeds the tracker with every session the database
// knows, each given a full timeout from now (LeaderZooKeeperServer).
func (s *Server) startSessionTracker() {
	st := &sessionTracker{sessions: map[SessionID]*trackedSession{}}
	s.tracker = st
	for _, id := range sortedSessions(s.db.sessions) {
		s.trackSession(id, s.db.sessions[id], 0)
	}
	st.timer = s.env.SetTimer(s.cfg.TickTime, Timer{Kind: TimerSessionExpiry, Gen: s.gen})
}

// roundToTick is ExpiryQueue.roundToNextInterval.
func (s *Server) roundToTick(t int64) int64 {
	return (t/s.cfg.TickTime + 1) * s.cfg.TickTime
}

func (s *Server) trackSession(id SessionID, timeout int32, owner ServerID) {
	s.tracker.sessions[id] = &trackedSession{timeout: timeout, owner: owner,
		expireAt: s.roundToTick(s.env.Elapsed() + int64(timeout)*millisecond)}
}

// touchSession extends a live session; it reports false for an unknown
// or closing one (SessionTrackerImpl.touchSession).
func (s *Server) touchSession(id SessionID, timeout int32) bool {
	ts := s.tracker.sessions[id]
	if ts == nil || ts.closing {
		return false
	}
	if timeout > 0 {
		ts.timeout = timeout
	}
	ts.expireAt = s.roundToTick(s.env.Elapsed() + int64(ts.timeout)*millisecond)
	return true
}

// checkSession is SessionTrackerImpl.checkSession: expired or closing
// sessions get SessionExpired, a session owned elsewhere SessionMoved.
func (s *Server) checkSession(id SessionID, owner ServerID) tree.Code {
	ts := s.tracker.sessions[id]
	if ts == nil || ts.closing {
		return tree.SessionExpired
	}
	if ts.owner == 0 {
		ts.owner = owner
	} else if ts.owner != owner {
		return tree.SessionMoved
	}
	return tree.OK
}

// expireSessions runs every tick: every session past its deadline is marked
// closing and closed by a closeSession txn, in session id order.
func (s *Server) expireSessions() {
	st := s.tracker
	st.timer = s.env.SetTimer(s.cfg.TickTime, Timer{Kind: TimerSessionExpiry, Gen: s.gen})
	now := s.env.Elapsed()
	var expired []SessionID
	for id, ts := range st.sessions {
		if !ts.closing && ts.expireAt <= now {
			expired = append(expired, id)
		}
	}
	sort.Slice(expired, func(i, j int) bool { return expired[i] < expired[j] })
	for _, id := range expired {
		st.sessions[id].closing = true
		s.env.Observe(Observation{Kind: ObsSessionExpired, Session: id})
		s.env.Logf("expiring session %#x", int64(id))
		if s.leader == nil || !s.prepAndPropose(&ForwardedRequest{SessionID: id, Type: tree.OpCloseSession, Owner: s.cfg.ID}) {
			return
		}
	}
}

// touchSessions records the sessions a learner saw activity from.
func (s *Server) touchSessions(ts []SessionTouch) {
	if s.tracker == nil {
		return
	}
	for _, t := range ts {
		s.touchSession(t.SessionID, t.Timeout)
	}
}

// noteTouch remembers local activity of a session, for the next PING to
// the leader (or a direct touch on the leader).
func (s *Server) noteTouch(id SessionID, timeout int32) {
	if s.tracker != nil {
		s.touchSession(id, timeout)
		return
	}
	s.touches[id] = timeout
}

// takeTouches returns and clears the touch table, sorted by session.
func (s *Server) takeTouches() []SessionTouch {
	out := make([]SessionTouch, 0, len(s.touches))
	for _, id := range sortedSessions(s.touches) {
		out = append(out, SessionTouch{SessionID: id, Timeout: s.touches[id]})
	}
	clear(s.touches)
	return out
}

func sortedSessions[V any](m map[SessionID]V) []SessionID {
	ids := make([]SessionID, 0, len(m))
	for id := range m {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

// newSessionID is SessionTrackerImpl's id scheme: the server's id in the
// top byte, the clock below, then a counter.
func (s *Server) newSessionID() SessionID {
	if !s.sessionIDsStarted {
		s.sessionIDsStarted = true
		ms := s.env.Now() / millisecond
		next := int64(uint64(ms<<24) >> 8)
		s.nextSession = SessionID(next | int64(s.cfg.ID)<<56)
	}
	s.nextSession++
	return s.nextSession
}

// sessionPasswd derives a session's password from its id, as ZooKeeper
// seeds a Random with sessionId ^ superSecret.
func sessionPasswd(id SessionID) []byte {
	p := make([]byte, 16)
	h := mix(uint64(id), 0xB3415C00)
	for i := range p {
		p[i] = byte(h >> (8 * (i % 8)))
		if i == 7 {
			h = mix(h)
		}
	}
	return p
}
