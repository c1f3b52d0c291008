package client

// The test harness: a fake Env that records every connection, message and
// timer, and lets the test play the server by hand. Time moves only when a
// test advances it; timers fire in (time, id) order.

import (
	"fmt"
	"sort"

	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

type fakeConn struct {
	server zab.ServerID
	closed bool // by the client
	out    []zab.Message
	read   int // how many of out the test has taken
}

type fakeTimer struct {
	at int64
	t  zab.Timer
}

type fakeEnv struct {
	now       int64
	rng       uint64
	conns     []*fakeConn // ConnID-1
	timers    map[zab.TimerID]fakeTimer
	nextTimer zab.TimerID
}

func newFakeEnv(seed uint64) *fakeEnv {
	return &fakeEnv{rng: seed | 1, timers: map[zab.TimerID]fakeTimer{}}
}

func (e *fakeEnv) Now() int64 { return e.now }

// Rand is xorshift64*.
func (e *fakeEnv) Rand() uint64 {
	e.rng ^= e.rng >> 12
	e.rng ^= e.rng << 25
	e.rng ^= e.rng >> 27
	return e.rng * 2685821657736338717
}

func (e *fakeEnv) Connect(server zab.ServerID) zab.ConnID {
	e.conns = append(e.conns, &fakeConn{server: server})
	return zab.ConnID(len(e.conns))
}

func (e *fakeEnv) Send(c zab.ConnID, m zab.Message) {
	cn := e.conns[c-1]
	if cn.closed {
		panic(fmt.Sprintf("send on closed conn %d: %s", c, m))
	}
	cn.out = append(cn.out, m)
}

func (e *fakeEnv) Close(c zab.ConnID) { e.conns[c-1].closed = true }

func (e *fakeEnv) SetTimer(d int64, t zab.Timer) zab.TimerID {
	if d < 0 {
		panic("negative timer")
	}
	e.nextTimer++
	e.timers[e.nextTimer] = fakeTimer{at: e.now + d, t: t}
	return e.nextTimer
}

func (e *fakeEnv) CancelTimer(id zab.TimerID) { delete(e.timers, id) }

// tb is what the harness needs of *testing.T and *rapid.T.
type tb interface {
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	FailNow()
	Helper()
}

// harness is one client on a fake env, with the test as its servers.
type harness struct {
	t    tb
	env  *fakeEnv
	cl   *Client
	hist *History

	events []zab.WatcherEvent // what the default watcher heard
	states []State
}

func newHarness(t tb, cfg Config) *harness {
	h := &harness{t: t, env: newFakeEnv(7)}
	h.hist = &History{Clock: func() int64 { return h.env.now }}
	if cfg.Servers == nil {
		cfg.Servers = []zab.ServerID{1, 2, 3}
	}
	if cfg.ID == 0 {
		cfg.ID = 1
	}
	h.cl = New(cfg, h.env, h.hist)
	h.cl.SetDefaultWatcher(func(ev zab.WatcherEvent) { h.events = append(h.events, ev) })
	h.cl.OnState(func(s State) { h.states = append(h.states, s) })
	return h
}

// connected is a harness whose client holds session 0x42 on its first
// server, negotiated timeout 6000 ms (read timeout 4 s).
func connected(t tb, cfg Config) *harness {
	h := newHarness(t, cfg)
	h.cl.Start()
	h.accept(0x42, 6000)
	require.Equal(t, Connected, h.cl.State())
	return h
}

// conn is the client's newest connection.
func (h *harness) conn() zab.ConnID { return zab.ConnID(len(h.env.conns)) }

func (h *harness) connOf(id zab.ConnID) *fakeConn { return h.env.conns[id-1] }

// out takes what the client sent on its newest connection since the last
// take.
func (h *harness) out() []zab.Message {
	if len(h.env.conns) == 0 {
		return nil
	}
	cn := h.connOf(h.conn())
	ms := cn.out[cn.read:]
	cn.read = len(cn.out)
	return ms
}

// requests takes the client's sent messages, all expected to be requests.
func (h *harness) requests() []*zab.Request {
	var rs []*zab.Request
	for _, m := range h.out() {
		r, ok := m.(*zab.Request)
		require.True(h.t, ok, "expected a request, got %s", m)
		rs = append(rs, r)
	}
	return rs
}

// request takes exactly one request.
func (h *harness) request() *zab.Request {
	rs := h.requests()
	require.Len(h.t, rs, 1, "requests %v", rs)
	return rs[0]
}

func (h *harness) deliver(m zab.Message) { h.cl.Step(zab.MessageEvent{Conn: h.conn(), Msg: m}) }

// closeConn is the server closing the newest connection.
func (h *harness) closeConn() { h.cl.Step(zab.ClosedEvent{Conn: h.conn()}) }

// connectRequest takes the ConnectRequest that opens the newest connection.
func (h *harness) connectRequest() *zab.ConnectRequest {
	ms := h.out()
	require.NotEmpty(h.t, ms, "nothing sent on conn %d", h.conn())
	cr, ok := ms[0].(*zab.ConnectRequest)
	require.True(h.t, ok, "first message %s", ms[0])
	require.Len(h.t, ms, 1, "nothing may follow the ConnectRequest before the answer: %v", ms)
	return cr
}

// accept answers the handshake of the newest connection.
func (h *harness) accept(session zab.SessionID, timeout int32) *zab.ConnectRequest {
	cr := h.connectRequest()
	h.deliver(&zab.ConnectResponse{Timeout: timeout, SessionID: session, Passwd: []byte(fmt.Sprintf("pw%d", session))})
	return cr
}

// answer replies to a request with a zxid and code.
func (h *harness) answer(r *zab.Request, zxid zab.Zxid, code tree.Code, rec any) {
	h.deliver(&zab.Reply{Xid: r.Xid, Zxid: zxid, Err: code, Record: rec})
}

func (h *harness) notify(typ tree.EventType, path string) {
	h.deliver(&zab.Reply{Xid: zab.XidNotification, Zxid: -1,
		Record: &zab.WatcherEvent{Type: typ, State: tree.StateSyncConnected, Path: path}})
}

// advance moves time by d, firing due timers in order.
func (h *harness) advance(d int64) {
	end := h.env.now + d
	for range 100000 {
		id, ok := h.nextTimer(end)
		if !ok {
			h.env.now = end
			return
		}
		ft := h.env.timers[id]
		delete(h.env.timers, id)
		h.env.now = ft.at
		h.cl.Step(zab.TimerEvent{ID: id, Timer: ft.t})
	}
	h.t.Fatalf("timers keep firing before %d", end)
}

func (h *harness) nextTimer(until int64) (zab.TimerID, bool) {
	ids := make([]zab.TimerID, 0, len(h.env.timers))
	for id, ft := range h.env.timers {
		if ft.at <= until {
			ids = append(ids, id)
		}
	}
	if len(ids) == 0 {
		return 0, false
	}
	sort.Slice(ids, func(i, j int) bool {
		a, b := h.env.timers[ids[i]], h.env.timers[ids[j]]
		if a.at != b.at {
			return a.at < b.at
		}
		return ids[i] < ids[j]
	})
	return ids[0], true
}

// reconnect lets the client's reconnect pause run out and returns the new
// connection's server.
func (h *harness) reconnect() zab.ServerID {
	before := h.conn()
	for range 300 {
		if h.conn() > before {
			return h.connOf(h.conn()).server
		}
		h.advance(10 * millisecond)
	}
	h.t.Fatalf("no new connection after 3s: %s", h.cl)
	return 0
}

func (h *harness) sessionStates() []tree.KeeperState {
	var out []tree.KeeperState
	for _, ev := range h.events {
		out = append(out, ev.State)
	}
	return out
}
