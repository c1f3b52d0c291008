package zab

import (
	"bytes"
	"fmt"
	"sort"

	"github.com/zabsim/zabsim/tree"
)

// The client-facing server: connections and sessions (ZooKeeperServer's
// processConnectRequest), and the per-session request order of
// CommitProcessor: writes go to the leader at once, but every reply — and
// every read — waits for the requests before it on the same connection.

// clientConn is one client connection.
type clientConn struct {
	conn    ConnID
	session SessionID // 0 until the session is established
	timeout int32
	auth    []tree.ID
	// establishing: waiting for createSession to commit or for the leader
	// to revalidate a resumed session.
	establishing bool
	queue        []*pendingReq // arrival order; the head is answered first
}

// pendingReq is a request waiting for its turn or its commit.
type pendingReq struct {
	req      *Request
	inflight bool // a write or sync submitted and not completed
	reply    *Reply
	// moved: the write failed with SessionMoved, which ends the
	// connection instead of being answered.
	moved bool
}

func (s *Server) watcherOf(cc *clientConn) tree.WatcherID { return tree.WatcherID(cc.conn) }

// startServing is called when the server starts serving clients: a leader
// once established, a learner at UPTODATE.
func (s *Server) startServing() {
	s.serving = true
	if s.state == Leading {
		s.startSessionTracker()
		s.env.SetTimer(s.cfg.ContainerCheckInterval, Timer{Kind: TimerContainerCheck, Gen: s.gen})
	}
}

// stopServing drops every client connection: a server that leaves its role
// stops answering, and its clients reconnect elsewhere.
func (s *Server) stopServing() {
	s.serving = false
	ids := make([]ConnID, 0, len(s.clients))
	for id := range s.clients {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		s.dropClient(s.clients[id])
	}
	s.tracker = nil
	s.learnerSyncs = nil
	clear(s.revalidating)
	clear(s.touches)
}

func (s *Server) dropClient(cc *clientConn) {
	s.env.Close(cc.conn)
	s.forgetClient(cc)
}

func (s *Server) forgetClient(cc *clientConn) {
	delete(s.clients, cc.conn)
	if cc.session != 0 && s.sessionConn[cc.session] == cc {
		delete(s.sessionConn, cc.session)
	}
	s.db.tree.RemoveWatcher(s.watcherOf(cc))
}

// clientClosed handles a client connection closing.
func (s *Server) clientClosed(c ConnID) {
	if cc := s.clients[c]; cc != nil {
		s.forgetClient(cc)
	}
}

// clientMessage handles a message on a client connection.
func (s *Server) clientMessage(c ConnID, m Message) {
	cc := s.clients[c]
	switch m := m.(type) {
	case *ConnectRequest:
		if cc != nil {
			s.dropClient(cc) // a second handshake on one connection
			return
		}
		s.connect(c, m)
	case *Request:
		if cc == nil || cc.establishing || cc.session == 0 {
			s.env.Logf("request before the handshake on %d: closing", c)
			s.env.Close(c)
			return
		}
		s.clientRequest(cc, m)
	default:
		s.env.Logf("unexpected %T on client connection %d: closing", m, c)
		s.env.Close(c)
	}
}

// connect is processConnectRequest.
func (s *Server) connect(c ConnID, m *ConnectRequest) {
	if !s.serving {
		s.env.Close(c) // not running: the client tries another server
		return
	}
	if m.LastZxidSeen > s.db.lastProcessed() {
		// The client has seen a newer zxid than this server has: refuse,
		// lest it read the past.
		s.env.Logf("refusing client with lastZxidSeen %s > our %s", m.LastZxidSeen, s.db.lastProcessed())
		s.env.Close(c)
		return
	}
	cc := &clientConn{conn: c, timeout: max(s.cfg.MinSessionTimeout, min(m.Timeout, s.cfg.MaxSessionTimeout)), establishing: true}
	if addr := s.env.RemoteAddr(c); addr != "" {
		cc.auth = []tree.ID{{Scheme: "ip", ID: addr}}
	}
	s.clients[c] = cc
	if m.SessionID == 0 {
		cc.session = s.newSessionID()
		s.sessionConn[cc.session] = cc
		s.submitWrite(cc, &ForwardedRequest{SessionID: cc.session, Type: tree.OpCreateSession,
			Record: &tree.CreateSessionRequest{Timeout: cc.timeout}, Owner: s.cfg.ID})
		return
	}
	cc.session = m.SessionID
	if !bytes.Equal(m.Passwd, sessionPasswd(m.SessionID)) {
		s.finishConnect(cc, false)
		return
	}
	if s.tracker != nil {
		ok := s.touchSession(cc.session, cc.timeout)
		if ok {
			s.tracker.sessions[cc.session].owner = s.cfg.ID
		}
		s.finishConnect(cc, ok)
		return
	}
	s.revalidating[cc.session] = cc
	s.env.Send(s.learner.conn, &Packet{Type: PacketRevalidate, Session: cc.session, Timeout: cc.timeout})
}

// finishConnect is finishSessionInit: an invalid session gets a zero
// timeout and the connection is closed after the response.
func (s *Server) finishConnect(cc *clientConn, valid bool) {
	cc.establishing = false
	if !valid {
		s.env.Send(cc.conn, &ConnectResponse{ProtocolVersion: 0, Passwd: make([]byte, 16)})
		s.dropClient(cc)
		return
	}
	if old := s.sessionConn[cc.session]; old != nil && old != cc {
		s.dropClient(old)
	}
	s.sessionConn[cc.session] = cc
	s.env.Send(cc.conn, &ConnectResponse{Timeout: cc.timeout, SessionID: cc.session, Passwd: sessionPasswd(cc.session)})
}

// revalidated is the learner receiving the leader's REVALIDATE answer.
func (s *Server) revalidated(p *Packet) {
	cc := s.revalidating[p.Session]
	if cc == nil {
		return
	}
	delete(s.revalidating, p.Session)
	if s.clients[cc.conn] == cc {
		s.finishConnect(cc, p.Valid)
	}
}

// leaderRevalidate answers a learner's REVALIDATE and moves the session's
// ownership to it.
func (s *Server) leaderRevalidate(h *learnerHandler, p *Packet) {
	valid := s.tracker != nil && s.touchSession(p.Session, p.Timeout)
	if valid {
		s.tracker.sessions[p.Session].owner = h.sid
	}
	s.env.Send(h.conn, &Packet{Type: PacketRevalidate, Session: p.Session, Valid: valid})
}

// clientRequest queues a request behind the connection's earlier ones.
func (s *Server) clientRequest(cc *clientConn, m *Request) {
	s.noteTouch(cc.session, cc.timeout)
	if m.Type == tree.OpAuth {
		s.addAuth(cc, m)
		return
	}
	pr := &pendingReq{req: m}
	cc.queue = append(cc.queue, pr)
	if len(cc.queue) > 10000 {
		s.env.Logf("client %d has over 10000 requests outstanding: closing", cc.conn)
		s.dropClient(cc)
		return
	}
	switch {
	case m.Type == tree.OpSync:
		pr.inflight = true
		s.submitSync(cc)
	case m.Type.IsWrite():
		pr.inflight = true
		s.submitWrite(cc, &ForwardedRequest{SessionID: cc.session, Cxid: m.Xid, Type: m.Type,
			Record: m.Record, Auth: cc.auth, Owner: s.cfg.ID})
	}
	s.pump(cc)
}

// addAuth handles an auth packet, as ZooKeeperServer.processPacket does:
// it is told apart by its type (OpCode.auth), whatever its xid, and the
// answer echoes the request's xid with zxid 0 (Java's clients send
// AUTHPACKET_XID, go-zookeeper its next xid). The providers are 3.8's
// defaults: digest (DigestAuthenticationProvider takes any text, colon or
// not) and ip (IPAuthenticationProvider ignores the text and adds the
// connection's own address, which every connection has from the start).
func (s *Server) addAuth(cc *clientConn, m *Request) {
	a, ok := m.Record.(*tree.AuthRequest)
	var id tree.ID
	switch {
	case ok && a.Scheme == "digest":
		id = tree.ID{Scheme: "digest", ID: tree.GenerateDigest(string(a.Auth))}
	case ok && a.Scheme == "ip" && s.env.RemoteAddr(cc.conn) != "":
		id = tree.ID{Scheme: "ip", ID: s.env.RemoteAddr(cc.conn)}
	default:
		s.env.Send(cc.conn, &Reply{Xid: m.Xid, Err: tree.AuthFailed})
		s.dropClient(cc)
		return
	}
	// A set, in Java's order: an id added twice is there once, and an
	// "auth" ACL expands in that order (found by the differential test).
	cc.auth = tree.AddAuthID(cc.auth, id)
	s.env.Send(cc.conn, &Reply{Xid: m.Xid})
}

// submitWrite sends a write on its way to a proposal.
func (s *Server) submitWrite(cc *clientConn, r *ForwardedRequest) {
	if s.leader != nil {
		s.leaderSubmit(r)
		return
	}
	s.forwardRequest(r)
}

// leaderSubmit is the leader's front of PrepRequestProcessor: session
// checks (checkSession) turn into proposed error txns, as a KeeperException
// in pRequest does.
func (s *Server) leaderSubmit(r *ForwardedRequest) {
	if r.Type == tree.OpCreateSession {
		timeout := r.Record.(*tree.CreateSessionRequest).Timeout
		s.trackSession(r.SessionID, timeout, r.Owner)
	} else if code := s.checkSession(r.SessionID, r.Owner); code != tree.OK {
		s.zxid++
		hdr := tree.TxnHeader{SessionID: int64(r.SessionID), Cxid: r.Cxid, Zxid: int64(s.zxid),
			Time: s.env.Now() / millisecond, Type: tree.OpError}
		s.propose(&LogEntry{Hdr: hdr, Txn: tree.ErrorTxn{Err: code}})
		return
	}
	// setSessionClosing (ZOOKEEPER-1208): requests queued behind the
	// close fail SessionExpired. Bugs.ZK1208 leaves the session open, so a
	// create-ephemeral behind it succeeds after the session's end.
	if r.Type == tree.OpCloseSession && !s.cfg.Bugs.ZK1208 {
		if ts := s.tracker.sessions[r.SessionID]; ts != nil {
			ts.closing = true
		}
	}
	s.prepAndPropose(r)
}

// leaderRequest handles a write forwarded by a learner.
func (s *Server) leaderRequest(r *ForwardedRequest, h *learnerHandler) {
	if r.Type == tree.OpSync {
		s.leaderSync(h, nil)
		return
	}
	s.leaderSubmit(r)
}

// submitSync: a learner forwards sync to the leader and completes it when
// SYNC comes back; the leader completes it after its last proposal commits.
func (s *Server) submitSync(cc *clientConn) {
	if s.leader != nil {
		s.leaderSync(nil, cc)
		return
	}
	s.learnerSyncs = append(s.learnerSyncs, cc)
	s.forwardRequest(&ForwardedRequest{SessionID: cc.session, Type: tree.OpSync, Owner: s.cfg.ID})
}

// leaderSync is Leader.processSync: answer now if nothing is outstanding,
// else once the last outstanding proposal commits. With QuorumSync a sync
// with nothing outstanding waits for a quorum round instead.
func (s *Server) leaderSync(h *learnerHandler, cc *clientConn) {
	l := s.leader
	if len(l.outstanding) == 0 {
		if s.cfg.QuorumSync {
			s.startSyncRound(syncWait{handler: h, client: cc})
			return
		}
		s.completeSync(syncWait{handler: h, client: cc})
		return
	}
	z := l.outstanding[len(l.outstanding)-1].entry.Zxid()
	l.syncWaits = append(l.syncWaits, syncWait{zxid: z, handler: h, client: cc})
}

type syncWait struct {
	zxid    Zxid
	handler *learnerHandler
	client  *clientConn
}

func (s *Server) completeSync(w syncWait) {
	if w.handler != nil {
		if s.leader.byConn[w.handler.conn] == w.handler {
			s.env.Send(w.handler.conn, &Packet{Type: PacketSync})
		}
		return
	}
	if s.clients[w.client.conn] == w.client {
		s.finishSync(w.client)
	}
}

// leaderCommitted releases the syncs waiting for z.
func (s *Server) leaderCommitted(z Zxid) {
	l := s.leader
	for len(l.syncWaits) > 0 && l.syncWaits[0].zxid <= z {
		w := l.syncWaits[0]
		l.syncWaits = l.syncWaits[1:]
		s.completeSync(w)
	}
}

// learnerSyncDone completes the oldest sync forwarded to the leader.
func (s *Server) learnerSyncDone() {
	if len(s.learnerSyncs) == 0 {
		return
	}
	cc := s.learnerSyncs[0]
	s.learnerSyncs = s.learnerSyncs[1:]
	if s.clients[cc.conn] == cc {
		s.finishSync(cc)
	}
}

func (s *Server) finishSync(cc *clientConn) {
	for _, pr := range cc.queue {
		if pr.inflight && pr.req.Type == tree.OpSync {
			path := ""
			if r, ok := pr.req.Record.(*tree.PathRequest); ok {
				path = r.Path
			}
			pr.inflight = false
			pr.reply = &Reply{Xid: pr.req.Xid, Zxid: s.db.lastProcessed(), Record: &SyncResponse{Path: path}}
			break
		}
	}
	s.pump(cc)
}

// applyCommitted applies a committed txn, fires its watches, and answers
// the local client that issued it (FinalRequestProcessor).
func (s *Server) applyCommitted(e *LogEntry) {
	res := s.db.apply(e)
	s.env.Observe(Observation{Kind: ObsDeliver, Entry: e, Zxid: e.Zxid(), Digest: s.db.tree.Digest()})
	s.reported = max(s.reported, e.Zxid())
	if !s.serving {
		return // still syncing: nobody to answer
	}
	s.sendWatchEvents(res.Events, e.Zxid())
	sid := SessionID(e.Hdr.SessionID)
	if s.tracker != nil {
		switch e.Txn.(type) {
		case tree.CloseSessionTxn:
			delete(s.tracker.sessions, sid)
		}
	}
	cc := s.sessionConn[sid]
	if cc == nil {
		return
	}
	if cc.establishing && e.Hdr.Type == tree.OpCreateSession {
		s.finishConnect(cc, true)
		return
	}
	s.completeWrite(cc, e, res)
}

func (s *Server) completeWrite(cc *clientConn, e *LogEntry, res tree.Result) {
	_, closing := e.Txn.(tree.CloseSessionTxn)
	for _, pr := range cc.queue {
		if pr.inflight && pr.req.Xid == e.Hdr.Cxid && pr.req.Type != tree.OpSync {
			pr.inflight = false
			pr.reply = writeReply(pr.req, e, res)
			pr.moved = pr.reply.Err == tree.SessionMoved
			break
		}
	}
	s.pump(cc)
	if closing {
		s.dropClient(cc) // closeSession answered (or expired): the connection ends
	}
}

// sendWatchEvents notifies the watchers; z goes in the header: the txn
// that fired the events, or NoZxid. An event goes out only if the
// watcher's session may READ under the ACL it fired with; the watch is
// used up either way (branch-3.8 since 3.8.4, and Debian's 3.8.0-11+deb12u2,
// ZOOKEEPER-4799 / CVE-2024-23944: NIOServerCnxn.process(WatchedEvent,
// List<ACL>) calls zkServer.checkACL(this, znodeAcl, Perms.READ, ...) and
// returns on NoAuthException). Found by the differential test against a
// real ensemble.
func (s *Server) sendWatchEvents(evs []tree.WatchEvent, z Zxid) {
	for _, ev := range evs {
		cc := s.clients[ConnID(ev.Watcher)]
		if cc == nil {
			continue
		}
		if tree.CheckACL(ev.ACL, tree.PermRead, cc.auth) != tree.OK {
			continue
		}
		s.env.Send(cc.conn, &Reply{Xid: XidNotification, Zxid: z,
			Record: &WatcherEvent{Type: ev.Type, State: tree.StateSyncConnected, Path: ev.Path}})
	}
}

// pump answers the connection's requests in order: a finished write or
// sync at the head is sent, a read at the head is executed now.
func (s *Server) pump(cc *clientConn) {
	for len(cc.queue) > 0 && s.clients[cc.conn] == cc {
		pr := cc.queue[0]
		if pr.inflight {
			return
		}
		if pr.moved {
			// FinalRequestProcessor: "session moved is a connection level
			// error, we need to tear down the connection otw ZOOKEEPER-710
			// might happen" — a stale revalidation through another server
			// moved the session; the client reconnects and moves it back.
			s.env.Logf("session %#x moved: closing its connection", int64(cc.session))
			s.dropClient(cc)
			return
		}
		if pr.reply == nil {
			pr.reply = s.read(cc, pr.req)
		}
		cc.queue = cc.queue[1:]
		s.env.Send(cc.conn, pr.reply)
	}
}

// roleTimer handles timers of the client-facing server.
func (s *Server) roleTimer(ev TimerEvent) {
	switch {
	case ev.Timer.Kind == TimerSessionExpiry && s.tracker != nil:
		s.expireSessions()
	case ev.Timer.Kind == TimerContainerCheck && s.state == Leading && s.serving:
		s.checkContainers()
		s.env.SetTimer(s.cfg.ContainerCheckInterval, Timer{Kind: TimerContainerCheck, Gen: s.gen})
	}
}

func (s *Server) String() string { return fmt.Sprintf("server %d (%s)", s.cfg.ID, s.state) }
