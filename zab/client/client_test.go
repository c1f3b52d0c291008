package client

// Interaction tests of the connection's life: the test plays the servers
// through the fake Env of harness_test.go, answering handshakes and
// requests by hand, closing connections and letting time pass, and checks
// what the client sends, what its callbacks hear and what it records.
// Each cites the ClientCnxn behaviour it pins.

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

func TestHandshakeEstablishesTheSession(t *testing.T) {
	h := newHarness(t, Config{SessionTimeout: 9000})
	assert.Equal(t, Connecting, h.cl.State())
	h.cl.Start()
	cr := h.accept(0x42, 6000)
	assert.Equal(t, zab.SessionID(0), cr.SessionID, "a new session")
	assert.Equal(t, int32(9000), cr.Timeout, "the timeout asked for")
	assert.Equal(t, zab.Zxid(0), cr.LastZxidSeen)
	assert.Equal(t, Connected, h.cl.State())
	assert.Equal(t, zab.SessionID(0x42), h.cl.SessionID())
	assert.Equal(t, int32(6000), h.cl.SessionTimeout(), "the negotiated timeout")
	assert.Equal(t, h.connOf(h.conn()).server, h.cl.Server())
	assert.Equal(t, []tree.KeeperState{tree.StateSyncConnected}, h.sessionStates())
	assert.Equal(t, []State{Connected}, h.states)
	require.Len(t, h.hist.Events, 1)
	assert.Equal(t, tree.EventNone, h.hist.Events[0].Type)
	assert.Equal(t, zab.SessionID(0x42), h.hist.Events[0].Session)
}

func TestServersAreShuffledAndTriedInTurn(t *testing.T) {
	h := newHarness(t, Config{Servers: []zab.ServerID{1, 2, 3, 4, 5}})
	h.cl.Start()
	seen := []zab.ServerID{h.connOf(h.conn()).server}
	for range 4 {
		h.closeConn() // refused
		seen = append(seen, h.reconnect())
	}
	assert.ElementsMatch(t, []zab.ServerID{1, 2, 3, 4, 5}, seen, "each server once per round")
	h.closeConn()
	assert.Equal(t, seen[0], h.reconnect(), "then round again")
}

func TestRequestsGoInXidOrderAndRepliesMatch(t *testing.T) {
	h := connected(t, Config{})
	var got []string
	h.cl.Create("/a", []byte("x"), tree.OpenACLUnsafe, tree.Persistent, func(p string, err tree.Code) { got = append(got, "create "+p+" "+err.String()) })
	h.cl.GetData("/a", nil, func(d []byte, st tree.Stat, err tree.Code) { got = append(got, "get "+string(d)+" "+err.String()) })
	h.cl.Delete("/b", 3, func(err tree.Code) { got = append(got, "delete "+err.String()) })
	rs := h.requests()
	require.Len(t, rs, 3)
	assert.Equal(t, []int32{1, 2, 3}, []int32{rs[0].Xid, rs[1].Xid, rs[2].Xid})
	assert.Equal(t, []tree.OpCode{tree.OpCreate, tree.OpGetData, tree.OpDelete}, []tree.OpCode{rs[0].Type, rs[1].Type, rs[2].Type})
	assert.Equal(t, &tree.DeleteRequest{Path: "/b", Version: 3}, rs[2].Record)
	assert.Empty(t, got, "no callback before its reply")

	h.answer(rs[0], 0x100000005, tree.OK, &zab.CreateResponse{Path: "/a"})
	h.answer(rs[1], 0x100000006, tree.OK, &zab.GetDataResponse{Data: []byte("x"), Stat: tree.Stat{Version: 0}})
	assert.Equal(t, zab.Zxid(0x100000006), h.cl.LastZxid())
	h.answer(rs[2], 0x100000007, tree.NoNode, nil)
	assert.Equal(t, []string{"create /a OK", "get x OK", "delete NoNode"}, got)
	assert.Equal(t, zab.Zxid(0x100000007), h.cl.LastZxid(), "lastZxidSeen follows every reply header")

	require.Equal(t, 3, h.hist.Len())
	for i, op := range h.hist.All() {
		assert.Equal(t, OK, op.Outcome, "%s", op)
		assert.Equal(t, int32(i+1), op.Xid)
		assert.Equal(t, zab.SessionID(0x42), op.Session)
		assert.Equal(t, h.cl.Server(), op.Server)
	}
	assert.Equal(t, "/a", h.hist.Op(0).Created)
	assert.Equal(t, []byte("x"), h.hist.Op(1).RData)
	assert.Equal(t, tree.NoNode, h.hist.Op(2).Err)
	assert.Equal(t, zab.Zxid(0x100000007), h.hist.Op(2).Zxid)
}

func TestReplyOutOfOrderIsAProtocolError(t *testing.T) {
	h := connected(t, Config{})
	var codes []tree.Code
	h.cl.SetData("/a", nil, -1, func(_ tree.Stat, err tree.Code) { codes = append(codes, err) })
	h.cl.SetData("/b", nil, -1, func(_ tree.Stat, err tree.Code) { codes = append(codes, err) })
	rs := h.requests()
	first := h.conn()
	h.answer(rs[1], 0x10, tree.OK, &zab.StatResponse{})
	assert.Equal(t, []tree.Code{tree.ConnectionLoss, tree.ConnectionLoss}, codes)
	assert.True(t, h.connOf(first).closed, "ClientCnxn drops the connection")
	assert.Equal(t, Connecting, h.cl.State())
	assert.Equal(t, zab.Zxid(0), h.cl.LastZxid(), "a mismatched reply's zxid is not taken")
	for _, op := range h.hist.All() {
		assert.Equal(t, Unknown, op.Outcome, "%s", op)
	}
	assert.Contains(t, h.cl.String(), "xid out of order")
}

func TestConnectionLossFailsOutstandingOpsAsUnknown(t *testing.T) {
	h := connected(t, Config{})
	var codes []tree.Code
	h.cl.Create("/w", nil, tree.OpenACLUnsafe, tree.Persistent, func(_ string, err tree.Code) { codes = append(codes, err) })
	h.cl.Exists("/r", nil, func(_ tree.Stat, err tree.Code) { codes = append(codes, err) })
	require.Len(t, h.requests(), 2)
	h.closeConn()
	assert.Equal(t, []tree.Code{tree.ConnectionLoss, tree.ConnectionLoss}, codes)
	assert.Equal(t, Connecting, h.cl.State())
	assert.Equal(t, zab.ServerID(0), h.cl.Server())
	assert.Equal(t, []tree.KeeperState{tree.StateSyncConnected, tree.StateDisconnected}, h.sessionStates())
	for _, op := range h.hist.All() {
		assert.Equal(t, Unknown, op.Outcome, "sent and unanswered: %s", op)
		assert.Equal(t, tree.ConnectionLoss, op.Err)
		assert.GreaterOrEqual(t, op.Return, op.Call)
	}
	assert.Equal(t, 0, h.cl.Outstanding())
}

func TestOpsQueuedWhileDisconnectedGoAfterTheHandshake(t *testing.T) {
	h := newHarness(t, Config{})
	var got []string
	h.cl.Create("/early", nil, tree.OpenACLUnsafe, tree.Persistent, func(p string, err tree.Code) { got = append(got, p) })
	h.cl.Start()
	h.cl.Sync("/", nil)
	require.Equal(t, zab.SessionID(0), h.connectRequest().SessionID)
	h.deliver(&zab.ConnectResponse{Timeout: 6000, SessionID: 0x42})
	rs := h.requests()
	require.Len(t, rs, 2, "both go once connected, in order")
	assert.Equal(t, tree.OpCreate, rs[0].Type)
	assert.Equal(t, tree.OpSync, rs[1].Type)
	h.answer(rs[0], 0x11, tree.OK, &zab.CreateResponse{Path: "/early"})
	assert.Equal(t, []string{"/early"}, got)

	// Lost again: an op issued during the pause waits for the next
	// connection.
	h.answer(rs[1], 0x12, tree.OK, &zab.SyncResponse{Path: "/"})
	h.closeConn()
	h.cl.Delete("/early", -1, nil)
	assert.Empty(t, h.out())
	h.reconnect()
	h.accept(0x42, 6000)
	r := h.request()
	assert.Equal(t, tree.OpDelete, r.Type)
	assert.Equal(t, int32(3), r.Xid, "xids keep counting across connections")
}

func TestQueuedOpsFailWhenTheNextAttemptFails(t *testing.T) {
	h := connected(t, Config{})
	h.closeConn()
	var code tree.Code = 1
	h.cl.GetData("/x", nil, func(_ []byte, _ tree.Stat, err tree.Code) { code = err })
	h.reconnect()
	h.connectRequest()
	h.closeConn() // refused during the handshake: cleanup fails outgoingQueue too
	assert.Equal(t, tree.ConnectionLoss, code)
	op := h.hist.Op(0)
	assert.Equal(t, OK, op.Outcome, "never sent, so surely without effect: %s", op)
	assert.Equal(t, int32(0), op.Xid)
	assert.Equal(t, zab.ServerID(0), op.Server)
}

func TestReconnectResumesTheSessionWithTheLastZxidSeen(t *testing.T) {
	h := connected(t, Config{})
	first := h.cl.Server()
	h.cl.GetData("/a", nil, nil)
	h.answer(h.request(), 0x300000007, tree.NoNode, nil)
	lost := h.env.now
	h.closeConn()
	next := h.reconnect()
	assert.NotEqual(t, first, next, "the next server of the list")
	assert.Less(t, h.env.now-lost, second+10*millisecond, "a random pause under a second")
	cr := h.accept(0x42, 6000)
	assert.Equal(t, zab.SessionID(0x42), cr.SessionID)
	assert.Equal(t, []byte("pw66"), cr.Passwd)
	assert.Equal(t, zab.Zxid(0x300000007), cr.LastZxidSeen)
	assert.Equal(t, Connected, h.cl.State())
	assert.Equal(t, next, h.cl.Server())
	assert.Equal(t, []tree.KeeperState{tree.StateSyncConnected, tree.StateDisconnected, tree.StateSyncConnected}, h.sessionStates())
}

func TestRefusedAttemptsAnnounceDisconnectedOnce(t *testing.T) {
	h := connected(t, Config{})
	for range 5 {
		h.closeConn()
		h.reconnect()
	}
	assert.Equal(t, []tree.KeeperState{tree.StateSyncConnected, tree.StateDisconnected}, h.sessionStates(),
		"EventThread drops a session event that repeats the last state")
}

func TestExpiryFailsEverythingAndStopsReconnecting(t *testing.T) {
	h := connected(t, Config{})
	var codes []tree.Code
	h.cl.SetData("/a", nil, -1, func(_ tree.Stat, err tree.Code) { codes = append(codes, err) })
	h.closeConn()
	h.cl.SetData("/b", nil, -1, func(_ tree.Stat, err tree.Code) { codes = append(codes, err) })
	h.reconnect()
	h.connectRequest()
	h.deliver(&zab.ConnectResponse{Timeout: 0, Passwd: make([]byte, 16)})
	assert.Equal(t, Expired, h.cl.State())
	assert.Equal(t, []tree.Code{tree.ConnectionLoss, tree.SessionExpired}, codes)
	assert.Equal(t, []tree.KeeperState{tree.StateSyncConnected, tree.StateDisconnected, tree.StateExpired}, h.sessionStates())
	assert.True(t, h.connOf(h.conn()).closed)

	conns := h.conn()
	h.advance(60 * second)
	assert.Equal(t, conns, h.conn(), "an expired client never reconnects")
	h.cl.Exists("/c", nil, func(_ tree.Stat, err tree.Code) { codes = append(codes, err) })
	assert.Equal(t, tree.SessionExpired, codes[2], "and fails new ops at once")
	assert.Equal(t, []State{Connected, Connecting, Expired}, h.states)
	assert.Equal(t, Unknown, h.hist.Op(0).Outcome)
	assert.Equal(t, OK, h.hist.Op(1).Outcome, "never sent")
	assert.Equal(t, tree.SessionExpired, h.hist.Op(1).Err)
}

func TestAnotherSessionOnResumeIsExpiry(t *testing.T) {
	h := connected(t, Config{})
	h.closeConn()
	h.reconnect()
	h.accept(0x43, 6000)
	assert.Equal(t, Expired, h.cl.State())
	assert.Equal(t, zab.SessionID(0x42), h.cl.SessionID())
}

func TestPingWhenIdle(t *testing.T) {
	h := connected(t, Config{}) // read timeout 4 s
	h.advance(1900 * millisecond)
	assert.Empty(t, h.out(), "not yet idle for readTimeout/2")
	h.advance(200 * millisecond)
	r := h.request()
	assert.Equal(t, zab.XidPing, r.Xid)
	assert.Equal(t, tree.OpPing, r.Type)
	h.deliver(&zab.Reply{Xid: zab.XidPing, Zxid: 0x99})
	assert.Equal(t, zab.Zxid(0), h.cl.LastZxid(), "a ping reply is not a reply header to track")
	assert.Equal(t, Connected, h.cl.State())
	// Pings keep the connection alive as long as the server answers.
	for range 10 {
		h.advance(2 * second)
		r := h.request()
		require.Equal(t, zab.XidPing, r.Xid)
		h.deliver(&zab.Reply{Xid: zab.XidPing})
	}
	assert.Equal(t, Connected, h.cl.State())
	assert.Equal(t, 1, int(h.conn()))
}

func TestReadTimeoutDropsTheConnection(t *testing.T) {
	h := connected(t, Config{})
	var code tree.Code = 1
	h.cl.GetData("/a", nil, func(_ []byte, _ tree.Stat, err tree.Code) { code = err })
	first := h.conn()
	h.advance(3900 * millisecond)
	assert.Equal(t, Connected, h.cl.State(), "pings went, nothing came back yet")
	h.advance(200 * millisecond)
	assert.Equal(t, Connecting, h.cl.State(), "nothing heard for 2/3 of the session timeout")
	assert.True(t, h.connOf(first).closed)
	assert.Equal(t, tree.ConnectionLoss, code)
	assert.Contains(t, h.cl.String(), "read timeout")
	h.reconnect()
	h.accept(0x42, 6000)
	assert.Equal(t, Connected, h.cl.State())
}

func TestConnectTimeoutTriesTheNextServer(t *testing.T) {
	h := newHarness(t, Config{}) // 6000 ms over 3 servers: 2 s each
	h.cl.Start()
	first := h.conn()
	h.connectRequest()
	h.advance(1990 * millisecond)
	assert.False(t, h.connOf(first).closed)
	h.advance(20 * millisecond)
	assert.True(t, h.connOf(first).closed)
	assert.NotEqual(t, h.connOf(first).server, h.reconnect())
}

func TestCloseSendsCloseSessionAndEnds(t *testing.T) {
	h := connected(t, Config{})
	h.cl.Create("/e", nil, tree.OpenACLUnsafe, tree.Ephemeral, nil)
	h.cl.Close()
	var during tree.Code = 1
	h.cl.GetData("/e", nil, func(_ []byte, _ tree.Stat, err tree.Code) { during = err })
	assert.Equal(t, tree.ConnectionLoss, during, "queuePacket refuses ops once closing")
	rs := h.requests()
	require.Len(t, rs, 2)
	assert.Equal(t, tree.OpCloseSession, rs[1].Type)
	h.answer(rs[0], 0x20, tree.OK, &zab.CreateResponse{Path: "/e"})
	h.answer(rs[1], 0x21, tree.OK, nil)
	assert.Equal(t, Closed, h.cl.State())
	assert.True(t, h.connOf(h.conn()).closed)
	assert.Equal(t, tree.StateClosed, h.sessionStates()[len(h.sessionStates())-1])
	var after tree.Code = 1
	h.cl.GetData("/e", nil, func(_ []byte, _ tree.Stat, err tree.Code) { after = err })
	assert.Equal(t, tree.SessionExpired, after)
	h.advance(60 * second)
	assert.Equal(t, 1, int(h.conn()), "a closed client never reconnects")
}

func TestCloseWhileDisconnectedGivesUp(t *testing.T) {
	h := connected(t, Config{})
	h.closeConn()
	h.cl.Close()
	assert.Equal(t, Closed, h.cl.State())
	h.advance(10 * second)
	assert.Equal(t, 1, int(h.conn()))
}

func TestKillFailsOutstandingOps(t *testing.T) {
	h := connected(t, Config{})
	var code tree.Code = 1
	h.cl.SetData("/a", nil, -1, func(_ tree.Stat, err tree.Code) { code = err })
	h.cl.Kill()
	assert.Equal(t, Closed, h.cl.State())
	assert.Equal(t, tree.ConnectionLoss, code)
	assert.Equal(t, Unknown, h.hist.Op(0).Outcome)
	assert.Empty(t, h.env.timers, "no timer left armed")
}

func TestMultiErrIsTheFirstFailedOp(t *testing.T) {
	h := connected(t, Config{})
	var errs []tree.Code
	ops := []tree.Op{
		{Type: tree.OpCheck, Request: &tree.CheckVersionRequest{Path: "/a", Version: 1}},
		{Type: tree.OpDelete, Request: &tree.DeleteRequest{Path: "/nope", Version: -1}},
		{Type: tree.OpCreate, Request: &tree.CreateRequest{Path: "/b"}},
	}
	h.cl.Multi(ops, func(_ []tree.OpResult, err tree.Code) { errs = append(errs, err) })
	h.cl.Multi(ops[:1], func(_ []tree.OpResult, err tree.Code) { errs = append(errs, err) })
	rs := h.requests()
	h.answer(rs[0], 0x30, tree.OK, &zab.MultiResponse{Results: []tree.OpResult{
		{Type: tree.OpError, Err: tree.OK},
		{Type: tree.OpError, Err: tree.NoNode},
		{Type: tree.OpError, Err: tree.RuntimeInconsistency},
	}})
	h.answer(rs[1], 0x31, tree.OK, &zab.MultiResponse{Results: []tree.OpResult{{Type: tree.OpCheck}}})
	assert.Equal(t, []tree.Code{tree.NoNode, tree.OK}, errs)
	assert.Equal(t, tree.NoNode, h.hist.Op(0).Err, "the History keeps the multi's code")
	assert.Len(t, h.hist.Op(0).Results, 3)
	assert.Len(t, h.hist.Op(0).Ops, 3)
	assert.Equal(t, tree.OK, h.hist.Op(1).Err)
}

func TestHistoryStampsCallAndReturnWithTheGlobalClock(t *testing.T) {
	h := connected(t, Config{})
	global := int64(5000)
	h.hist.Clock = func() int64 { return global }
	h.cl.SetData("/a", []byte("v"), 2, nil)
	op := h.hist.Op(0)
	assert.Equal(t, int64(5000), op.Call)
	assert.Equal(t, int64(-1), op.Return)
	assert.Equal(t, Pending, op.Outcome)
	assert.Contains(t, op.String(), "pending")
	global = 7000
	h.answer(h.request(), 0x40, tree.OK, &zab.StatResponse{Stat: tree.Stat{Version: 3}})
	op = h.hist.Op(0)
	assert.Equal(t, int64(7000), op.Return)
	assert.Equal(t, OK, op.Outcome)
	assert.Equal(t, int32(3), op.Stat.Version)
	assert.Equal(t, fmt.Sprintf(`#0 c1 s=0x42 setData /a "v" v=2 [5000,7000] ok OK zxid=0x40 @zk%d -> v=3`, h.cl.Server()), op.String())
}

func TestInvalidPathFailsWithoutSending(t *testing.T) {
	h := connected(t, Config{})
	var codes []tree.Code
	h.cl.Create("/a/", nil, tree.OpenACLUnsafe, tree.Persistent, func(_ string, err tree.Code) { codes = append(codes, err) })
	h.cl.Create("/a/", nil, tree.OpenACLUnsafe, tree.PersistentSequential, func(_ string, err tree.Code) { codes = append(codes, err) })
	h.cl.Delete("relative", -1, func(err tree.Code) { codes = append(codes, err) })
	rs := h.requests()
	require.Len(t, rs, 1, "a sequential create may end in /")
	assert.Equal(t, []tree.Code{tree.BadArguments, tree.BadArguments}, codes)
	assert.Equal(t, OK, h.hist.Op(0).Outcome)
}

func TestOpOfADeadClientFailsBeforeTheCallReturns(t *testing.T) {
	h := connected(t, Config{})
	h.cl.Kill()
	var code tree.Code = 1
	h.cl.Delete("/a", -1, func(err tree.Code) { code = err })
	assert.Equal(t, tree.SessionExpired, code, "no Step may ever come: the callback runs now")
	assert.Equal(t, OK, h.hist.Op(0).Outcome)
}

func TestCallbackMayIssueOps(t *testing.T) {
	h := connected(t, Config{})
	var second tree.Code = 1
	h.cl.Create("/a", nil, tree.OpenACLUnsafe, tree.Persistent, func(_ string, err tree.Code) {
		h.cl.Delete("/a", -1, func(err tree.Code) { second = err })
	})
	h.answer(h.request(), 0x50, tree.OK, &zab.CreateResponse{Path: "/a"})
	r := h.request()
	assert.Equal(t, tree.OpDelete, r.Type, "sent from the first op's callback")
	h.answer(r, 0x51, tree.OK, nil)
	assert.Equal(t, tree.OK, second)

	// A callback run by a connection loss finds the client reconnecting,
	// and its op queues for the next connection.
	h.cl.Create("/b", nil, tree.OpenACLUnsafe, tree.Persistent, func(_ string, err tree.Code) {
		assert.Equal(t, Connecting, h.cl.State())
		h.cl.Create("/b", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
	})
	h.request()
	h.closeConn()
	h.reconnect()
	h.accept(0x42, 6000)
	assert.Equal(t, "/b", h.request().Record.(*tree.CreateRequest).Path)
}

func TestAuthIsSentFirstOnEveryConnection(t *testing.T) {
	h := connected(t, Config{})
	var answers []tree.Code
	h.cl.AddAuth("digest", []byte("alice:x"), func(err tree.Code) { answers = append(answers, err) })
	h.cl.AddAuth("digest", []byte("bob:y"), nil)
	rs := h.requests()
	require.Len(t, rs, 2)
	assert.Equal(t, zab.XidAuth, rs[0].Xid)
	assert.Equal(t, &tree.AuthRequest{Scheme: "digest", Auth: []byte("alice:x")}, rs[0].Record)
	h.deliver(&zab.Reply{Xid: zab.XidAuth})
	assert.Equal(t, []tree.Code{tree.OK}, answers)

	h.cl.Create("/q", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
	h.request()
	h.closeConn()
	h.cl.Create("/r", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
	h.reconnect()
	h.accept(0x42, 6000)
	rs = h.requests()
	require.Len(t, rs, 3)
	// primeConnection pushes each credential to the front: reversed.
	assert.Equal(t, []byte("bob:y"), rs[0].Record.(*tree.AuthRequest).Auth)
	assert.Equal(t, []byte("alice:x"), rs[1].Record.(*tree.AuthRequest).Auth)
	assert.Equal(t, tree.OpCreate, rs[2].Type)
	assert.Equal(t, []tree.Code{tree.OK}, answers, "the callback hears only the first answer")
}

func TestAuthFailedEndsTheSession(t *testing.T) {
	h := connected(t, Config{})
	var answer tree.Code = 1
	var code tree.Code = 1
	h.cl.AddAuth("digest", []byte("nocolon"), func(err tree.Code) { answer = err })
	h.cl.GetData("/a", nil, func(_ []byte, _ tree.Stat, err tree.Code) { code = err })
	h.requests()
	h.deliver(&zab.Reply{Xid: zab.XidAuth, Err: tree.AuthFailed})
	assert.Equal(t, AuthFailed, h.cl.State())
	assert.Equal(t, tree.AuthFailed, answer)
	assert.Equal(t, tree.AuthFailed, code)
	assert.Equal(t, tree.StateAuthFailed, h.sessionStates()[len(h.sessionStates())-1])
	h.advance(10 * second)
	assert.Equal(t, 1, int(h.conn()))
}

func TestRequestTimeoutFailsTheOpAndDropsTheConnection(t *testing.T) {
	h := connected(t, Config{RequestTimeout: 1000})
	var codes []tree.Code
	h.cl.SetData("/a", nil, -1, func(_ tree.Stat, err tree.Code) { codes = append(codes, err) })
	h.advance(500 * millisecond)
	h.cl.SetData("/b", nil, -1, func(_ tree.Stat, err tree.Code) { codes = append(codes, err) })
	first := h.conn()
	h.advance(490 * millisecond)
	assert.Empty(t, codes)
	h.advance(20 * millisecond)
	assert.Equal(t, []tree.Code{tree.RequestTimeout, tree.ConnectionLoss}, codes)
	assert.True(t, h.connOf(first).closed, "cleanAndNotifyState drops the connection")
	assert.Equal(t, Unknown, h.hist.Op(0).Outcome)
	assert.Equal(t, tree.RequestTimeout, h.hist.Op(0).Err)
}

func TestTimersAreKindsPastTheServers(t *testing.T) {
	h := connected(t, Config{})
	require.NotEmpty(t, h.env.timers)
	for _, ft := range h.env.timers {
		assert.GreaterOrEqual(t, int(ft.t.Kind), 100)
	}
	assert.Equal(t, "CONNECTED", h.cl.State().String())
	assert.Equal(t, "AUTH_FAILED", AuthFailed.String())
	assert.Equal(t, "unknown", Unknown.String())
}
