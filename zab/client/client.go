// Package client is ZooKeeper's client library (ClientCnxn and ZooKeeper of
// 3.8) as an event-driven state machine: a session over one connection at a
// time, requests in FIFO order with increasing xids, reconnection to the
// next server with the last zxid seen, pings, read and connect timeouts,
// watch re-registration, and every operation recorded in a History. Like
// the server it acts only through its Env: no goroutines, no clock, no
// global randomness.
//
// Java's two threads map onto two phases of every entry point. The "send
// thread" phase handles the input (a message, a timer, an API call) and
// changes the session's state; completions and watch events it produces are
// queued, as ClientCnxn queues them for its EventThread. The "event thread"
// phase then runs the queued callbacks and watchers in order, after the
// state is consistent, so a callback may call the client again.
package client

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// Env is everything a client may do to the world. The cluster's clientNode
// implements it on the simulated world.
type Env interface {
	// Now is the client's own clock in nanoseconds; it may drift.
	Now() int64
	// Rand draws from the client's own random stream.
	Rand() uint64
	// Connect opens a connection to a server's client port. A refused or
	// broken connection arrives later as a ClosedEvent.
	Connect(server zab.ServerID) zab.ConnID
	Send(c zab.ConnID, m zab.Message)
	Close(c zab.ConnID)
	// SetTimer arms a timer that fires as a TimerEvent after d nanoseconds
	// of the client's clock.
	SetTimer(d int64, t zab.Timer) zab.TimerID
	CancelTimer(id zab.TimerID)
}

// The client's timer kinds, numbered past the server's.
const (
	// TimerClientTick is SendThread's select timeout: the connect timeout
	// while handshaking, the read timeout and the next ping once connected.
	TimerClientTick zab.TimerKind = 100 + iota
	// TimerClientReconnect ends the pause before the next connection
	// attempt (StaticHostProvider's spin and startConnect's random sleep).
	TimerClientReconnect
	// TimerClientRequest is the request timeout of the oldest outstanding
	// op (zookeeper.request.timeout).
	TimerClientRequest
)

// State is the session's state as the application sees it
// (ZooKeeper.States, folded).
type State uint8

const (
	Connecting State = iota // no usable connection: ops queue
	Connected
	Expired    // the server said the session is gone; final
	Closed     // Close or Kill; final
	AuthFailed // an auth packet was refused; final
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
	// server negotiates it into its [min, max] bounds.
	SessionTimeout int32
	// RequestTimeout is zookeeper.request.timeout, ms: an op unanswered
	// for this long fails with RequestTimeout and the connection is
	// dropped, as the synchronous API does. 0 waits forever (the default).
	RequestTimeout int32
	// ChildEventsToRecursive reproduces ZOOKEEPER-4475 as 3.8 clients have
	// it: a NodeChildrenChanged event (due to a child watch) also reaches
	// persistent-recursive watchers on the path and its ancestors. Fixed in
	// 3.9; off by default.
	ChildEventsToRecursive bool
	// NoCloseFence sends ops issued after Close behind the closeSession
	// instead of failing them, as a client without ClientCnxn.queuePacket's
	// closing check does (SessionInvalidationTest writes such requests on
	// a raw socket). It tests that the server refuses them
	// (ZOOKEEPER-1208); off by default.
	NoCloseFence bool
	// Addr is the IPv4 address the client connects from, which servers'
	// "ip" ACLs match; the cluster gives each client its own by default.
	Addr string
}

const (
	millisecond int64 = 1e6
	second            = 1000 * millisecond
	// maxSendPingInterval: ping if nothing was sent for this long,
	// whatever the read timeout (SendThread.run).
	maxSendPingInterval = 10 * second
	// settleMax bounds the callbacks and wakeups one input may cause.
	settleMax = 1 << 20
)

// Client is one ZooKeeper client: one session, at most one connection.
type Client struct {
	cfg  Config
	env  Env
	hist *History

	state   State
	started bool
	closing bool // closeSession queued or sent: no new ops

	// StaticHostProvider: the shuffled connect string, the index of the
	// server last tried and of the one last connected to (-1: none yet).
	servers      []zab.ServerID
	currentIndex int
	lastIndex    int
	firstConnect bool // no attempt yet: no random pause before it

	conn      zab.ConnID // 0 while there is no connection
	server    zab.ServerID
	handshake bool         // ConnectRequest sent, ConnectResponse awaited
	nextAt    zab.ServerID // the server the reconnect timer will try

	session    zab.SessionID
	passwd     []byte
	negotiated int32    // ms, 0 before the first handshake
	lastZxid   zab.Zxid // lastZxidSeen
	nextXid    int32    // the xid the next request gets

	lostBecause string // why the last connection ended, for debugging

	// sent awaits replies, in xid order (pendingQueue); queued waits for a
	// connection (outgoingQueue). Invariant: at most one is non-empty.
	sent   []*call
	queued []*call

	auth     []*authInfo // every credential added, resent on reconnect
	authWait []*authInfo // auth packets sent on this connection, in order
	watches  watchTable

	// Times on the client's clock, ns.
	lastRecv, lastSend          int64
	readTimeout, connectTimeout int64

	tick, reconnect, request zab.TimerID
	tickAt, requestAt        int64
	gen                      uint64

	// The EventThread: queued callbacks and watcher calls, and the last
	// session state it passed on (None events of the same state are
	// dropped, as EventThread.queueEvent does).
	events       []func()
	sessionState tree.KeeperState
	settling     bool

	onState        func(State)
	defaultWatcher Watcher
}

// New makes a client; Start connects it. h may be shared by many clients.
func New(cfg Config, env Env, h *History) *Client {
	if cfg.SessionTimeout <= 0 {
		cfg.SessionTimeout = 6000
	}
	if h == nil {
		h = &History{}
	}
	c := &Client{cfg: cfg, env: env, hist: h, currentIndex: -1, lastIndex: -1, firstConnect: true,
		nextXid: 1, sessionState: tree.StateDisconnected}
	// StaticHostProvider shuffles the connect string once
	// (Collections.shuffle: Fisher-Yates from the end).
	c.servers = append([]zab.ServerID(nil), cfg.Servers...)
	for i := len(c.servers) - 1; i > 0; i-- {
		j := int(env.Rand() % uint64(i+1))
		c.servers[i], c.servers[j] = c.servers[j], c.servers[i]
	}
	c.setTimeouts(cfg.SessionTimeout)
	c.watches.init()
	return c
}

// ID is the client's number.
func (c *Client) ID() int { return c.cfg.ID }

// State is the session's state.
func (c *Client) State() State { return c.state }

// SessionID is the session's id (0 before the first handshake).
func (c *Client) SessionID() zab.SessionID { return c.session }

// LastZxid is lastZxidSeen: the zxid of the last reply header.
func (c *Client) LastZxid() zab.Zxid { return c.lastZxid }

// Server is the server the client is connected to (0 if not connected).
func (c *Client) Server() zab.ServerID {
	if c.state != Connected {
		return 0
	}
	return c.server
}

// SessionTimeout is the negotiated session timeout in ms (0 before).
func (c *Client) SessionTimeout() int32 { return c.negotiated }

// Outstanding is how many ops await a reply or a connection.
func (c *Client) Outstanding() int { return len(c.sent) + len(c.queued) }

// OnState sets a function told of every state change, synchronously.
func (c *Client) OnState(f func(State)) { c.onState = f }

// SetDefaultWatcher sets the watcher of session events (EventNone with
// SyncConnected, Disconnected, Expired, AuthFailed, Closed), as the
// Watcher given to ZooKeeper's constructor. NB: Java also hands session
// events to every registered path watcher; here only the default watcher
// hears them.
func (c *Client) SetDefaultWatcher(f func(zab.WatcherEvent)) { c.defaultWatcher = f }

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

// Start begins connecting: the first server of the shuffled list, at once.
func (c *Client) Start() {
	if c.started || !c.alive() {
		return
	}
	c.started = true
	if len(c.servers) == 0 {
		c.stop(Closed)
		c.failCalls(tree.ConnectionLoss)
	} else {
		server, _ := c.nextServer()
		c.startConnect(server)
	}
	c.settle()
}

// Step handles one event from the world.
func (c *Client) Step(ev zab.Event) {
	switch e := ev.(type) {
	case zab.MessageEvent:
		if e.Conn == c.conn && c.conn != 0 {
			c.lastRecv = c.env.Now()
			c.receive(e.Msg)
		}
	case zab.ClosedEvent:
		if e.Conn == c.conn && c.conn != 0 {
			c.conn = 0 // already closed at the other end
			c.lose("connection closed")
		}
	case zab.TimerEvent:
		c.timer(e)
	}
	c.settle()
}

func (c *Client) timer(e zab.TimerEvent) {
	switch e.Timer.Kind {
	case TimerClientTick:
		if e.ID == c.tick {
			c.tick = 0 // settle's wakeup looks at the timeouts
		}
	case TimerClientReconnect:
		if e.ID == c.reconnect {
			c.reconnect = 0
			c.startConnect(c.nextAt)
		}
	case TimerClientRequest:
		if e.ID == c.request {
			c.request = 0
			c.checkRequestTimeout()
		}
	}
}

// Close ends the session: closeSession is sent after what is queued, and
// the client is CLOSED once it is answered or the connection drops
// (ZooKeeper.close). Between connections it gives up at once, as
// SendThread does ("don't re-establish connection if we are closing").
func (c *Client) Close() {
	if !c.alive() || c.closing {
		return
	}
	c.closing = true
	// NB: closeSession is not an op of the History: it has no callback
	// and the application does not wait for it.
	c.submit(&call{op: tree.OpCloseSession, hist: -1, issued: c.env.Now()})
	if c.conn == 0 {
		c.stop(Closed)
		c.failCalls(tree.ConnectionLoss)
		c.sessionEvent(tree.StateClosed)
	}
	c.settle()
}

// Kill drops the connection without closing the session, as a process
// that dies does; the session lives on at the servers until it expires.
// Everything outstanding fails with ConnectionLoss (outcome Unknown if
// sent).
func (c *Client) Kill() {
	if !c.alive() {
		return
	}
	c.stop(Closed)
	c.failCalls(tree.ConnectionLoss)
	c.settle()
}

// String describes the client in one line, for traces and failures.
func (c *Client) String() string {
	return fmt.Sprintf("client %d %s session=%#x server=%d lastZxid=%s sent=%d queued=%d lost=%q",
		c.cfg.ID, c.state, int64(c.session), c.server, c.lastZxid, len(c.sent), len(c.queued), c.lostBecause)
}

// settle is the end of every entry point: run the queued callbacks and
// watchers (which may call the client again), then look at the timers,
// which may drop the connection and queue more.
func (c *Client) settle() {
	if c.settling {
		return
	}
	c.settling = true
	defer func() { c.settling = false }()
	for i := 0; ; i++ {
		if i > settleMax {
			panic(fmt.Sprintf("client %d: %d rounds of callbacks without settling", c.cfg.ID, i))
		}
		if len(c.events) > 0 {
			fn := c.events[0]
			c.events[0] = nil
			c.events = c.events[1:]
			fn()
			continue
		}
		c.wakeup()
		if len(c.events) == 0 {
			return
		}
	}
}

// queue hands fn to the event thread.
func (c *Client) queue(fn func()) { c.events = append(c.events, fn) }
