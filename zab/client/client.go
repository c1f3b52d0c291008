// Package client is ZooKeeper's client library (ClientCnxn and ZooKeeper
// of 3.8) as an event-driven state machine: a session over one connection
// at a time, requests in FIFO order, reconnection to another server with
// the last zxid seen, pings, watch re-registration, and every operation,
// each recorded in a History. Like the server it acts only through its Env.
package client

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// Env is everything a client may do to the world.
type Env interface {
	Now() int64 // the client's own clock, ns
	Rand() uint64
	Connect(server zab.ServerID) zab.ConnID
	Send(c zab.ConnID, m zab.Message)
	Close(c zab.ConnID)
	SetTimer(d int64, t zab.Timer) zab.TimerID
	CancelTimer(id zab.TimerID)
}

// The client's timer kinds, past the server's.
const (
	timerTick zab.TimerKind = 100 + iota // connect timeout, read timeout, ping
	timerReconnect
)

// State is the session's state as the application sees it.
type State uint8

const (
	Connecting State = iota
	Connected
	Expired
	Closed
	AuthFailed
)

func (s State) String() string {
	switch s {
	case Connecting:
		return "CONNECTING"
	case Connected:
		return "CONNECTED"
	case Expired:
		return "EXPIRED"
	case Closed:
		return "CLOSED"
	case AuthFailed:
		return "AUTH_FAILED"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// Config is a client's configuration.
type Config struct {
	ID      int            // the client's number in histories
	Servers []zab.ServerID // the connect string
	// SessionTimeout is the timeout asked for, ms (default 6000); the
	// server negotiates it into [2, 20] ticks.
	SessionTimeout int32
}

const millisecond int64 = 1e6

// call is one request: sent (awaiting its reply) or queued.
type call struct {
	xid    int32
	op     tree.OpCode
	record any
	hist   int // index in History.Ops, -1 for internal requests
	done   func(r *zab.Reply)
}

// Client is one ZooKeeper client.
type Client struct {
	cfg  Config
	env  Env
	hist *History

	state   State
	servers []zab.ServerID // shuffled, as StaticHostProvider does
	next    int            // index of the next server to try
	tried   int            // servers tried since the last success

	conn       zab.ConnID
	server     zab.ServerID
	handshake  bool // ConnectRequest sent, no answer yet
	session    zab.SessionID
	passwd     []byte
	negotiated int32 // ms
	lastZxid   zab.Zxid
	xid        int32
	closing    bool // Close called: closeSession sent or queued

	sent   []*call // in xid order, awaiting replies
	queued []*call // waiting for a connection

	auth     []*authInfo
	authWait []*authInfo // auth packets sent on this connection, in order
	watches  watchTable

	tick        zab.TimerID
	reconnect   zab.TimerID
	gen         uint64
	lastRecv    int64
	lastSend    int64
	connectedAt int64

	onState        func(State)
	defaultWatcher func(zab.WatcherEvent)
}

type authInfo struct {
	scheme string
	auth   []byte
	cb     func(tree.Code) // until the first answer
}

func (a *authInfo) answer(code tree.Code) {
	if cb := a.cb; cb != nil {
		a.cb = nil
		cb(code)
	}
}

// New makes a client; Start connects it.
func New(cfg Config, env Env, h *History) *Client {
	if cfg.SessionTimeout == 0 {
		cfg.SessionTimeout = 6000
	}
	if h == nil {
		h = &History{}
	}
	c := &Client{cfg: cfg, env: env, hist: h}
	c.servers = append([]zab.ServerID(nil), cfg.Servers...)
	for i := len(c.servers) - 1; i > 0; i-- {
		j := int(env.Rand() % uint64(i+1))
		c.servers[i], c.servers[j] = c.servers[j], c.servers[i]
	}
	c.watches.init()
	return c
}

// ID is the client's number.
func (c *Client) ID() int { return c.cfg.ID }

// State is the session's state.
func (c *Client) State() State { return c.state }

// SessionID is the session's id (0 before the first connection).
func (c *Client) SessionID() zab.SessionID { return c.session }

// LastZxid is the last zxid the client has seen in a reply.
func (c *Client) LastZxid() zab.Zxid { return c.lastZxid }

// Server is the server the client is connected to (0 if none).
func (c *Client) Server() zab.ServerID {
	if c.state != Connected {
		return 0
	}
	return c.server
}

// SessionTimeout is the negotiated session timeout in ms (0 before).
func (c *Client) SessionTimeout() int32 { return c.negotiated }

// OnState sets a function told of every state change.
func (c *Client) OnState(f func(State)) { c.onState = f }

// SetDefaultWatcher sets the watcher of session events (connection lost,
// reconnected, expired), as the Watcher given to ZooKeeper's constructor.
func (c *Client) SetDefaultWatcher(f func(zab.WatcherEvent)) { c.defaultWatcher = f }

// Start begins connecting.
func (c *Client) Start() {
	if len(c.servers) == 0 {
		c.setState(Closed)
		return
	}
	c.startConnect()
}

func (c *Client) alive() bool { return c.state == Connecting || c.state == Connected }

func (c *Client) setState(s State) {
	if c.state == s {
		return
	}
	c.state = s
	if c.onState != nil {
		c.onState(s)
	}
}

// connectTimeout is ClientCnxn's: the session timeout shared among the
// servers of the connect string.
func (c *Client) connectTimeout() int64 {
	return int64(c.cfg.SessionTimeout) * millisecond / int64(len(c.servers))
}

// readTimeout is two thirds of the negotiated session timeout.
func (c *Client) readTimeout() int64 { return int64(c.negotiated) * millisecond * 2 / 3 }

func (c *Client) startConnect() {
	c.reconnect = 0
	if !c.alive() {
		return
	}
	c.server = c.servers[c.next]
	c.next = (c.next + 1) % len(c.servers)
	c.tried++
	c.conn = c.env.Connect(c.server)
	c.handshake = true
	now := c.env.Now()
	c.lastRecv, c.lastSend = now, now
	c.env.Send(c.conn, &zab.ConnectRequest{LastZxidSeen: c.lastZxid, Timeout: c.cfg.SessionTimeout,
		SessionID: c.session, Passwd: c.passwd})
	c.armTick()
}

// armTick sets the one timer that covers the connect timeout, the read
// timeout and the next ping.
func (c *Client) armTick() {
	if c.tick != 0 {
		c.env.CancelTimer(c.tick)
		c.tick = 0
	}
	if c.conn == 0 {
		return
	}
	now := c.env.Now()
	var at int64
	if c.handshake {
		at = c.lastSend + c.connectTimeout()
	} else {
		at = min(c.lastRecv+c.readTimeout(), c.lastSend+c.readTimeout()/2)
	}
	c.gen++
	c.tick = c.env.SetTimer(max(at-now, 0), zab.Timer{Kind: timerTick, Gen: c.gen})
}

func (c *Client) onTick() {
	c.tick = 0
	if c.conn == 0 {
		return
	}
	now := c.env.Now()
	switch {
	case c.handshake && now-c.lastSend >= c.connectTimeout():
		c.lose("connect timeout")
		return
	case !c.handshake && now-c.lastRecv >= c.readTimeout():
		c.lose("read timeout")
		return
	case !c.handshake && now-c.lastSend >= c.readTimeout()/2:
		c.send(&zab.Request{Xid: zab.XidPing, Type: tree.OpPing})
	}
	c.armTick()
}

func (c *Client) send(m *zab.Request) {
	c.env.Send(c.conn, m)
	c.lastSend = c.env.Now()
}

// Step handles one event from the world.
func (c *Client) Step(ev zab.Event) {
	switch e := ev.(type) {
	case zab.MessageEvent:
		if e.Conn != c.conn {
			return
		}
		c.lastRecv = c.env.Now()
		switch m := e.Msg.(type) {
		case *zab.ConnectResponse:
			c.connected(m)
		case *zab.Reply:
			c.reply(m)
		}
	case zab.ClosedEvent:
		if e.Conn == c.conn {
			c.conn = 0
			c.lose("connection closed")
		}
	case zab.TimerEvent:
		switch e.Timer.Kind {
		case timerTick:
			if e.ID == c.tick && e.Timer.Gen == c.gen {
				c.onTick()
			}
		case timerReconnect:
			if e.ID == c.reconnect {
				c.startConnect()
			}
		}
	}
}

// connected handles the handshake's answer.
func (c *Client) connected(m *zab.ConnectResponse) {
	if !c.handshake {
		return
	}
	c.handshake = false
	if m.Timeout <= 0 {
		c.expire()
		return
	}
	c.session, c.passwd, c.negotiated = m.SessionID, m.Passwd, m.Timeout
	c.tried = 0
	c.connectedAt = c.env.Now()
	c.setState(Connected)
	c.sessionEvent(tree.StateSyncConnected)
	// ClientCnxn.primeConnection: auth, then the watches, then whatever
	// queued while disconnected.
	for _, a := range c.auth {
		c.sendAuth(a)
	}
	if req, op, ok := c.watches.setWatches(c.lastZxid); ok {
		c.send(&zab.Request{Xid: zab.XidSetWatches, Type: op, Record: req})
	}
	queued := c.queued
	c.queued = nil
	for _, cl := range queued {
		c.transmit(cl)
	}
	c.armTick()
}

// reply matches a reply to what was sent, in order.
func (c *Client) reply(m *zab.Reply) {
	if m.Zxid > 0 {
		c.lastZxid = max(c.lastZxid, m.Zxid)
	}
	switch m.Xid {
	case zab.XidNotification:
		if ev, ok := m.Record.(*zab.WatcherEvent); ok {
			c.dispatch(*ev)
		}
		return
	case zab.XidPing, zab.XidSetWatches:
		return
	case zab.XidAuth:
		var a *authInfo
		if len(c.authWait) > 0 {
			a, c.authWait = c.authWait[0], c.authWait[1:]
		}
		if a != nil {
			a.answer(m.Err)
		}
		if m.Err != tree.OK {
			c.authFailed()
		}
		return
	}
	if len(c.sent) == 0 || c.sent[0].xid != m.Xid {
		// Out of order: ClientCnxn treats it as a broken connection.
		c.lose(fmt.Sprintf("reply xid %d out of order", m.Xid))
		return
	}
	cl := c.sent[0]
	c.sent = c.sent[1:]
	c.finish(cl, m, OK)
	if cl.op == tree.OpCloseSession {
		c.shutdown(Closed, tree.SessionExpired)
	}
}

// finish completes a call: records its outcome and runs its callback.
func (c *Client) finish(cl *call, r *zab.Reply, out Outcome) {
	if cl.hist >= 0 {
		op := &c.hist.Ops[cl.hist]
		op.Return = c.hist.now()
		op.Outcome = out
		op.Err = r.Err
		if out == OK {
			op.Zxid = r.Zxid
			op.Server = c.server
		}
		fillResult(op, r)
	}
	if cl.done != nil {
		cl.done(r)
	}
}

// lose handles a broken connection: the calls in flight fail with
// ConnectionLoss (their writes may or may not have happened), and the
// client reconnects elsewhere after a random pause.
func (c *Client) lose(why string) {
	_ = why
	if c.conn != 0 {
		c.env.Close(c.conn)
		c.conn = 0
	}
	if c.tick != 0 {
		c.env.CancelTimer(c.tick)
		c.tick = 0
	}
	wasConnected := c.state == Connected
	c.handshake = false
	sent := c.sent
	c.sent = nil
	for _, cl := range sent {
		c.finish(cl, &zab.Reply{Xid: cl.xid, Err: tree.ConnectionLoss}, Unknown)
	}
	c.authWait = nil // sent again, with every credential, on reconnect
	if !c.alive() {
		return
	}
	if c.closing {
		c.shutdown(Closed, tree.ConnectionLoss)
		return
	}
	c.setState(Connecting)
	if wasConnected {
		c.sessionEvent(tree.StateDisconnected)
	}
	// ClientCnxn sleeps up to a second before each reconnect, and a
	// second more after trying every server in vain.
	delay := int64(c.env.Rand() % uint64(1000*millisecond))
	if c.tried >= len(c.servers) {
		delay += 1000 * millisecond
		c.tried = 0
	}
	c.reconnect = c.env.SetTimer(delay, zab.Timer{Kind: timerReconnect})
}

func (c *Client) sendAuth(a *authInfo) {
	c.authWait = append(c.authWait, a)
	c.send(&zab.Request{Xid: zab.XidAuth, Type: tree.OpAuth, Record: &tree.AuthRequest{Scheme: a.scheme, Auth: a.auth}})
}

// expire: the server says the session is gone. Everything fails and the
// client never reconnects; the application must make a new client.
func (c *Client) expire() {
	c.shutdown(Expired, tree.SessionExpired)
	c.sessionEvent(tree.StateExpired)
}

func (c *Client) authFailed() {
	c.shutdown(AuthFailed, tree.AuthFailed)
	c.sessionEvent(tree.StateAuthFailed)
}

// shutdown ends the client in a final state, failing every call.
func (c *Client) shutdown(final State, code tree.Code) {
	if c.conn != 0 {
		c.env.Close(c.conn)
		c.conn = 0
	}
	for _, t := range []*zab.TimerID{&c.tick, &c.reconnect} {
		if *t != 0 {
			c.env.CancelTimer(*t)
			*t = 0
		}
	}
	c.setState(final)
	sent, queued := c.sent, c.queued
	c.sent, c.queued = nil, nil
	for _, cl := range sent {
		c.finish(cl, &zab.Reply{Xid: cl.xid, Err: code}, Unknown)
	}
	for _, cl := range queued {
		c.finish(cl, &zab.Reply{Err: code}, OK) // never sent: surely not applied
	}
	c.authWait = nil
	for _, a := range c.auth {
		a.answer(code)
	}
}

// submit sends a call now if connected, or queues it.
func (c *Client) submit(cl *call) {
	if !c.alive() {
		code := tree.SessionExpired
		switch c.state {
		case AuthFailed:
			code = tree.AuthFailed
		case Closed:
			code = tree.SessionExpired
		}
		c.finish(cl, &zab.Reply{Err: code}, OK)
		return
	}
	if c.closing && cl.op != tree.OpCloseSession {
		c.finish(cl, &zab.Reply{Err: tree.SessionExpired}, OK)
		return
	}
	if c.state != Connected {
		c.queued = append(c.queued, cl)
		return
	}
	c.transmit(cl)
}

func (c *Client) transmit(cl *call) {
	c.xid++
	cl.xid = c.xid
	if cl.hist >= 0 {
		c.hist.Ops[cl.hist].Session = c.session
		c.hist.Ops[cl.hist].Xid = cl.xid
	}
	c.sent = append(c.sent, cl)
	c.send(&zab.Request{Xid: cl.xid, Type: cl.op, Record: cl.record})
}

// Close ends the session: closeSession is sent (after what is queued) and
// the client is CLOSED when it is answered or the connection drops.
func (c *Client) Close() {
	if !c.alive() || c.closing {
		return
	}
	if c.session == 0 && c.state != Connected {
		c.shutdown(Closed, tree.SessionExpired)
		return
	}
	c.closing = true
	c.submit(&call{op: tree.OpCloseSession, hist: -1})
}

// Kill drops the connection without closing the session, as a process
// that dies does; the session lives on at the servers until it expires.
func (c *Client) Kill() {
	if c.conn != 0 {
		c.env.Close(c.conn)
		c.conn = 0
	}
	c.shutdown(Closed, tree.ConnectionLoss)
}

func (c *Client) sessionEvent(state tree.KeeperState) {
	ev := zab.WatcherEvent{Type: tree.EventNone, State: state}
	c.record(ev)
	if c.defaultWatcher != nil {
		c.defaultWatcher(ev)
	}
}

func (c *Client) record(ev zab.WatcherEvent) {
	c.hist.Events = append(c.hist.Events, Event{Client: c.cfg.ID, Session: c.session, At: c.hist.now(),
		Type: ev.Type, State: ev.State, Path: ev.Path, Zxid: c.lastZxid})
}
