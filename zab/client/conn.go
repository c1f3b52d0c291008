package client

import (
	"fmt"
	"math"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// The connection's life, as ClientCnxn.SendThread runs it: pick a server,
// pause, connect and handshake, prime the connection (auth, setWatches,
// what queued), then requests and replies in order, pings when idle, and on
// any failure clean up and go round again, until the session ends.

// call is one request: queued, sent (awaiting its reply), or done.
type call struct {
	xid    int32
	op     tree.OpCode
	record any
	hist   int   // index in History.Ops; -1 for the client's own (setWatches)
	issued int64 // client clock at the call, for the request timeout
	sent   bool  // handed to Env.Send: it may have taken effect
	// hook runs when the call completes, before its callback is queued:
	// watch registration or removal, which may rewrite the code
	// (ClientCnxn.finishPacket).
	hook func(r *zab.Reply)
	cb   func(r *zab.Reply)
}

// authInfo is one addAuthInfo credential.
type authInfo struct {
	scheme string
	auth   []byte
	cb     func(tree.Code) // until the first answer
}

// maxOutstanding bounds the calls a client holds; more is an application
// bug (ClientCnxn has no bound, the server drops a connection at 10000).
const maxOutstanding = 1 << 20

// nextServer is StaticHostProvider.next(1000): the next server round the
// shuffled list, and whether to spin a second first because the list came
// back round to the server last connected to (or the first, if none).
func (c *Client) nextServer() (zab.ServerID, bool) {
	c.currentIndex = (c.currentIndex + 1) % len(c.servers)
	spin := c.currentIndex == c.lastIndex
	if c.lastIndex == -1 {
		c.lastIndex = 0 // no spin on the first ever attempt
	}
	return c.servers[c.currentIndex], spin
}

// setTimeouts derives the read and connect timeouts from a session timeout
// in ms, as ClientCnxn's constructor and onConnected do.
func (c *Client) setTimeouts(sessionMs int32) {
	n := int64(max(len(c.servers), 1))
	c.readTimeout = int64(sessionMs) * 2 / 3 * millisecond
	c.connectTimeout = int64(sessionMs) / n * millisecond
}

// startConnect opens a connection and sends ConnectRequest with the
// session to resume and the last zxid seen. Nothing else is sent until
// the ConnectResponse (ClientCnxnSocketNIO disables writes until then).
func (c *Client) startConnect(server zab.ServerID) {
	if !c.alive() {
		return
	}
	c.firstConnect = false
	c.setState(Connecting)
	c.server = server
	c.conn = c.env.Connect(server)
	c.handshake = true
	now := c.env.Now()
	c.lastRecv, c.lastSend = now, now
	c.env.Send(c.conn, &zab.ConnectRequest{LastZxidSeen: c.lastZxid, Timeout: c.cfg.SessionTimeout,
		SessionID: c.session, Passwd: c.passwd})
}

// receive handles a message on the current connection.
func (c *Client) receive(m zab.Message) {
	switch m := m.(type) {
	case *zab.ConnectResponse:
		if !c.handshake {
			c.lose("ConnectResponse after the handshake")
			return
		}
		c.connected(m)
	case *zab.Reply:
		if c.handshake {
			c.lose("reply before the handshake")
			return
		}
		c.reply(m)
	default:
		c.lose(fmt.Sprintf("unexpected %T", m))
	}
}

// connected is onConnected: a zero timeout means the session is gone.
func (c *Client) connected(m *zab.ConnectResponse) {
	c.handshake = false
	if m.Timeout <= 0 {
		c.expire()
		return
	}
	if c.session != 0 && m.SessionID != c.session {
		// NB: ClientCnxn adopts whatever id comes back; a server that
		// answers a resume with another session has lost ours.
		c.expire()
		return
	}
	c.negotiated = m.Timeout
	c.setTimeouts(m.Timeout)
	c.lastIndex = c.currentIndex // hostProvider.onConnected
	c.session = m.SessionID
	c.passwd = append([]byte(nil), m.Passwd...)
	c.setState(Connected)
	c.sessionEvent(tree.StateSyncConnected)
	c.prime()
}

// prime sends what primeConnection put at the head of outgoingQueue: every
// credential (in reverse, as each was pushed to the front), setWatches for
// every watch the client holds, then what queued meanwhile.
func (c *Client) prime() {
	for i := len(c.auth) - 1; i >= 0; i-- {
		c.sendAuth(c.auth[i])
	}
	if req, op, ok := c.watches.setWatches(c.lastZxid); ok {
		// NB: built with SET_WATCHES_XID, but doIO gives every packet but
		// ping and auth a fresh xid, so setWatches is matched in order.
		c.transmit(&call{op: op, record: req, hist: -1})
	}
	queued := c.queued
	c.queued = nil
	for _, cl := range queued {
		c.transmit(cl)
	}
}

func (c *Client) sendAuth(a *authInfo) {
	c.authWait = append(c.authWait, a)
	c.send(&zab.Request{Xid: zab.XidAuth, Type: tree.OpAuth, Record: &tree.AuthRequest{Scheme: a.scheme, Auth: a.auth}})
}

// reply is readResponse: pings and auth answers aside, replies must come
// in the order the requests went.
func (c *Client) reply(m *zab.Reply) {
	switch m.Xid {
	case zab.XidPing:
		return
	case zab.XidAuth:
		c.authReply(m)
		return
	case zab.XidNotification:
		ev, ok := m.Record.(*zab.WatcherEvent)
		if !ok {
			c.lose(fmt.Sprintf("notification with %T", m.Record))
			return
		}
		c.notify(*ev, m.Zxid) // NB: lastZxidSeen does not move on notifications
		return
	}
	if len(c.sent) == 0 {
		c.lose(fmt.Sprintf("nothing in the queue, but got xid %d", m.Xid))
		return
	}
	cl := c.sent[0]
	c.sent[0] = nil
	c.sent = c.sent[1:]
	if cl.xid != m.Xid {
		c.finish(cl, &zab.Reply{Xid: cl.xid, Err: tree.ConnectionLoss}, false)
		c.lose(fmt.Sprintf("xid out of order: got %d, expected %d", m.Xid, cl.xid))
		return
	}
	if m.Zxid > 0 {
		c.lastZxid = m.Zxid
	}
	c.finish(cl, m, true)
	if cl.op == tree.OpCloseSession {
		// ZooKeeper.close: the answer came, the client disconnects.
		c.stop(Closed)
		c.failCalls(tree.SessionExpired)
		c.sessionEvent(tree.StateClosed)
	}
}

// authReply: only AUTHFAILED changes anything; it ends the session.
func (c *Client) authReply(m *zab.Reply) {
	var a *authInfo
	if len(c.authWait) > 0 {
		a = c.authWait[0]
		c.authWait = c.authWait[1:]
	}
	if a != nil {
		c.answerAuth(a, m.Err)
	}
	if m.Err == tree.AuthFailed {
		c.stop(AuthFailed)
		c.sessionEvent(tree.StateAuthFailed)
		c.failCalls(tree.AuthFailed)
	}
}

func (c *Client) answerAuth(a *authInfo, code tree.Code) {
	if cb := a.cb; cb != nil {
		a.cb = nil
		c.queue(func() { cb(code) })
	}
}

// lose is cleanAndNotifyState after a broken connection, a timeout or a
// protocol error: everything sent or queued fails with ConnectionLoss (a
// sent write may or may not have happened), Disconnected is announced, and
// the client tries the next server after a pause.
func (c *Client) lose(why string) {
	c.lostBecause = why
	if c.conn != 0 {
		c.env.Close(c.conn)
		c.conn = 0
	}
	c.handshake = false
	c.cancelTimer(&c.tick)
	c.failCalls(tree.ConnectionLoss)
	c.authWait = nil // every credential goes again on the next connection
	if !c.alive() {
		return
	}
	if c.closing {
		c.stop(Closed)
		c.sessionEvent(tree.StateClosed)
		return
	}
	c.setState(Connecting)
	c.sessionEvent(tree.StateDisconnected)
	c.scheduleReconnect()
}

// scheduleReconnect picks the next server and pauses: a second if the
// list came round (StaticHostProvider's spin) plus up to a second at
// random (startConnect's sleep, skipped only on the very first attempt).
func (c *Client) scheduleReconnect() {
	server, spin := c.nextServer()
	var d int64
	if spin {
		d += second
	}
	if !c.firstConnect {
		d += int64(c.env.Rand()%1000) * millisecond
	}
	c.nextAt = server
	c.cancelTimer(&c.reconnect)
	c.gen++
	c.reconnect = c.env.SetTimer(d, zab.Timer{Kind: TimerClientReconnect, Gen: c.gen})
}

// expire: the server says the session is gone (onConnected with a zero
// timeout). The client never reconnects; the application needs a new one.
func (c *Client) expire() {
	c.stop(Expired)
	c.sessionEvent(tree.StateExpired)
	c.failCalls(tree.SessionExpired)
}

// stop ends the client's connection and timers and enters a final state.
func (c *Client) stop(final State) {
	if c.conn != 0 {
		c.env.Close(c.conn)
		c.conn = 0
	}
	c.handshake = false
	c.cancelTimer(&c.tick)
	c.cancelTimer(&c.reconnect)
	c.cancelTimer(&c.request)
	c.setState(final)
	c.authWait = nil
	for _, a := range c.auth {
		c.answerAuth(a, finalCode(final))
	}
}

// finalCode is what conLossPacket gives ops once the client is dead.
func finalCode(s State) tree.Code {
	switch s {
	case AuthFailed:
		return tree.AuthFailed
	case Closed, Expired:
		return tree.SessionExpired
	}
	return tree.ConnectionLoss
}

// failCalls is cleanup: every call sent or queued fails with code.
func (c *Client) failCalls(code tree.Code) {
	sent, queued := c.sent, c.queued
	c.sent, c.queued = nil, nil
	for _, cl := range sent {
		c.finish(cl, &zab.Reply{Xid: cl.xid, Err: code}, false)
	}
	for _, cl := range queued {
		c.finish(cl, &zab.Reply{Err: code}, false)
	}
}

// submit is queuePacket: a dead or closing client fails the call at once,
// a connected one sends it, otherwise it waits for a connection.
func (c *Client) submit(cl *call) {
	if len(c.sent)+len(c.queued) >= maxOutstanding {
		panic(fmt.Sprintf("client %d: %d calls outstanding", c.cfg.ID, len(c.sent)+len(c.queued)))
	}
	switch {
	case !c.alive():
		c.finish(cl, &zab.Reply{Err: finalCode(c.state)}, false)
	case c.closing && cl.op != tree.OpCloseSession && !c.cfg.NoCloseFence:
		c.finish(cl, &zab.Reply{Err: tree.ConnectionLoss}, false)
	case c.state == Connected:
		c.transmit(cl)
	default:
		c.queued = append(c.queued, cl)
	}
}

// transmit gives a call the next xid (ClientCnxn.getXid: from 1, skipping
// back to 1 before MaxInt32) and sends it.
func (c *Client) transmit(cl *call) {
	if c.conn == 0 || c.handshake {
		panic(fmt.Sprintf("client %d: transmit %s without a connection", c.cfg.ID, cl.op))
	}
	if c.nextXid == math.MaxInt32 {
		c.nextXid = 1
	}
	cl.xid = c.nextXid
	c.nextXid++
	cl.sent = true
	if cl.hist >= 0 {
		c.hist.sent(cl.hist, c.session, c.server, cl.xid)
	}
	c.sent = append(c.sent, cl)
	c.send(&zab.Request{Xid: cl.xid, Type: cl.op, Record: cl.record})
}

func (c *Client) send(m *zab.Request) {
	c.env.Send(c.conn, m)
	c.lastSend = c.env.Now()
}

// finish completes a call: hook, history, and the callback queued for the
// event thread. A call never sent has surely not taken effect, so only a
// sent one without an answer is Unknown.
func (c *Client) finish(cl *call, r *zab.Reply, answered bool) {
	rr := *r
	r = &rr
	if cl.hook != nil {
		cl.hook(r)
	}
	if cl.hist >= 0 {
		out := OK
		if !answered && cl.sent {
			out = Unknown
		}
		c.hist.complete(cl.hist, r, out, answered)
	}
	if cb := cl.cb; cb != nil {
		c.queue(func() { cb(r) })
	}
}

// wakeup is one turn of SendThread.run's loop: time out the handshake or
// the connection, send a ping when idle, and arm the timer for the next
// turn.
func (c *Client) wakeup() {
	c.armRequestTimer()
	if c.conn == 0 {
		c.cancelTimer(&c.tick)
		return
	}
	now := c.env.Now()
	idleRecv := now - c.lastRecv
	to := c.readTimeout - idleRecv
	if c.handshake {
		to = c.connectTimeout - idleRecv
	}
	if to <= 0 {
		if c.handshake {
			c.lose("connect timeout")
		} else {
			c.lose("read timeout")
		}
		return
	}
	if !c.handshake {
		// "1000 is to prevent race condition missing to send the second
		// ping; also make sure not to send too many pings when readTimeout
		// is small."
		idleSend := now - c.lastSend
		next := c.readTimeout/2 - idleSend
		if idleSend > second {
			next -= second
		}
		if next <= 0 || idleSend > maxSendPingInterval {
			c.send(&zab.Request{Xid: zab.XidPing, Type: tree.OpPing})
		} else {
			to = min(to, next)
		}
	}
	c.armTimer(&c.tick, &c.tickAt, now+to, TimerClientTick)
}

// armTimer arms a timer for client time at, keeping an earlier one already
// armed: it fires early, and the wakeup then re-arms for the true time.
func (c *Client) armTimer(id *zab.TimerID, armedAt *int64, at int64, kind zab.TimerKind) {
	if *id != 0 && *armedAt <= at {
		return
	}
	c.cancelTimer(id)
	c.gen++
	*id = c.env.SetTimer(max(at-c.env.Now(), 0), zab.Timer{Kind: kind, Gen: c.gen})
	*armedAt = at
}

func (c *Client) cancelTimer(id *zab.TimerID) {
	if *id != 0 {
		c.env.CancelTimer(*id)
		*id = 0
	}
}

// oldestCall is the application's oldest outstanding call, and where it
// is. Calls are sent in the order issued and sent ones are older than
// queued ones (at most one of the two queues holds calls).
func (c *Client) oldestCall() (*call, *[]*call, int) {
	for _, q := range []*[]*call{&c.sent, &c.queued} {
		for i, cl := range *q {
			if cl.hist >= 0 {
				return cl, q, i
			}
		}
	}
	return nil, nil, 0
}

func (c *Client) armRequestTimer() {
	if c.cfg.RequestTimeout <= 0 {
		return
	}
	cl, _, _ := c.oldestCall()
	if cl == nil {
		return // an armed timer fires for nothing
	}
	c.armTimer(&c.request, &c.requestAt, cl.issued+int64(c.cfg.RequestTimeout)*millisecond, TimerClientRequest)
}

// checkRequestTimeout: ClientCnxn.submitRequest gives up on a call after
// the request timeout with REQUESTTIMEOUT, then cleanAndNotifyState drops
// the connection and fails everything else with ConnectionLoss.
func (c *Client) checkRequestTimeout() {
	cl, q, i := c.oldestCall()
	if cl == nil || c.env.Now()-cl.issued < int64(c.cfg.RequestTimeout)*millisecond {
		return
	}
	*q = append((*q)[:i:i], (*q)[i+1:]...)
	c.finish(cl, &zab.Reply{Xid: cl.xid, Err: tree.RequestTimeout}, false)
	if c.conn != 0 {
		c.lose("request timeout")
		return
	}
	// Between connections: cleanup fails what queued; the pending
	// reconnect goes ahead.
	c.failCalls(tree.ConnectionLoss)
	c.sessionEvent(tree.StateDisconnected)
}
