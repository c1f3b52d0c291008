package zab

// Tests of the client-facing server with a hand-driven client: sessions
// are transactions, writes through any server commit everywhere, reads
// wait behind the session's writes, watches fire before later replies,
// expired sessions lose their ephemerals on every replica.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/tree"
)

func upEnsemble(t *testing.T, voters, observers int) *testNet {
	n := newTestNet(t, voters, observers, func(c *Config) { c.TickTime = 500 * millisecond })
	n.startAll()
	n.runFor(5 * second)
	require.Len(t, n.leaders(), 1)
	return n
}

func TestSessionIsATransaction(t *testing.T) {
	n := upEnsemble(t, 3, 1)
	c := n.newRawClient()
	c.connect(1, ConnectRequest{Timeout: 100000})
	n.runFor(100 * millisecond)
	require.NotZero(t, c.session, "session established through follower 1")
	assert.Equal(t, int32(10000), c.timeout, "timeout clamped to 20 ticks")
	assert.Equal(t, ServerID(1), ServerID(uint64(c.session)>>56), "top byte is the creating server")
	for _, id := range n.ids() {
		_, ok := n.servers[id].db.sessions[c.session]
		assert.True(t, ok, "server %d knows the session", id)
	}
}

func TestWritesThroughFollowerAndObserver(t *testing.T) {
	n := upEnsemble(t, 3, 1)
	for _, via := range []ServerID{1, 4} {
		c := n.newRawClient()
		c.connect(via, ConnectRequest{})
		n.runFor(100 * millisecond)
		path := "/via" + string(rune('0'+via))
		x := c.request(tree.OpCreate, &tree.CreateRequest{Path: path, Data: []byte("v"), ACL: tree.OpenACLUnsafe, Flags: tree.Ephemeral})
		y := c.request(tree.OpGetData, &tree.PathWatchRequest{Path: path})
		n.runFor(100 * millisecond)
		require.NotNil(t, c.reply(x))
		require.Equal(t, tree.OK, c.reply(x).Err)
		assert.Equal(t, path, c.reply(x).Record.(*CreateResponse).Path)
		r := c.reply(y)
		require.NotNil(t, r, "a read behind the session's write is answered after it")
		assert.Equal(t, tree.OK, r.Err, "the session reads its own write")
		assert.Equal(t, c.session, SessionID(r.Record.(*GetDataResponse).Stat.EphemeralOwner))
		assert.GreaterOrEqual(t, r.Zxid, c.reply(x).Zxid)
	}
	for _, id := range n.ids() {
		assert.Equal(t, n.servers[3].db.tree.Digest(), n.servers[id].db.tree.Digest(), "server %d", id)
	}
}

func TestWatchFiresBeforeLaterReply(t *testing.T) {
	n := upEnsemble(t, 3, 0)
	a, b := n.newRawClient(), n.newRawClient()
	a.connect(1, ConnectRequest{})
	b.connect(2, ConnectRequest{})
	n.runFor(100 * millisecond)
	a.request(tree.OpCreate, &tree.CreateRequest{Path: "/w", Data: []byte("1"), ACL: tree.OpenACLUnsafe})
	n.runFor(100 * millisecond)
	b.request(tree.OpGetData, &tree.PathWatchRequest{Path: "/w", Watch: true})
	n.runFor(100 * millisecond)
	a.request(tree.OpSetData, &tree.SetDataRequest{Path: "/w", Data: []byte("2"), Version: -1})
	n.runFor(100 * millisecond)
	x := b.request(tree.OpGetData, &tree.PathWatchRequest{Path: "/w"})
	n.runFor(100 * millisecond)
	evs := b.events()
	require.Len(t, evs, 1)
	assert.Equal(t, tree.EventNodeDataChanged, evs[0].Type)
	evAt := -1
	for i, m := range b.got {
		if r, ok := m.(*Reply); ok && r.Xid == XidNotification {
			evAt = i
		}
	}
	assert.Less(t, evAt, b.indexOf(x), "the notification precedes the reply showing the new data")
	assert.Equal(t, []byte("2"), b.reply(x).Record.(*GetDataResponse).Data)
}

func TestExpiredSessionLosesEphemeralsEverywhere(t *testing.T) {
	n := upEnsemble(t, 3, 1)
	c := n.newRawClient()
	c.connect(2, ConnectRequest{Timeout: 1000})
	n.runFor(100 * millisecond)
	c.request(tree.OpCreate, &tree.CreateRequest{Path: "/e", ACL: tree.OpenACLUnsafe, Flags: tree.Ephemeral})
	n.runFor(100 * millisecond)
	for _, id := range n.ids() {
		_, _, ok := n.servers[id].db.tree.Lookup("/e")
		require.True(t, ok)
	}
	n.clients[c.id] = nil // the client vanishes silently: no pings
	delete(n.clients, c.id)
	n.runFor(5 * second)
	for _, id := range n.ids() {
		_, _, ok := n.servers[id].db.tree.Lookup("/e")
		assert.False(t, ok, "server %d still has the expired session's ephemeral", id)
		_, ok = n.servers[id].db.sessions[c.session]
		assert.False(t, ok, "server %d still has the session", id)
	}
}

func TestServerRefusesClientFromTheFuture(t *testing.T) {
	n := upEnsemble(t, 3, 0)
	c := n.newRawClient()
	c.connect(1, ConnectRequest{LastZxidSeen: MakeZxid(9, 9)})
	n.runFor(100 * millisecond)
	assert.True(t, c.closed)
	assert.Zero(t, c.session)
}

func TestSessionMovesToAnotherServer(t *testing.T) {
	n := upEnsemble(t, 3, 0)
	c := n.newRawClient()
	c.connect(1, ConnectRequest{})
	n.runFor(100 * millisecond)
	sid := c.session
	require.NotZero(t, sid)
	n.servers[1].env.Close(c.conn)
	n.runFor(100 * millisecond)
	c.got = nil
	c.connect(2, ConnectRequest{SessionID: sid, Passwd: sessionPasswd(sid), LastZxidSeen: n.servers[1].db.lastProcessed()})
	n.runFor(100 * millisecond)
	require.Equal(t, sid, c.session, "the session is revalidated at server 2")
	x := c.request(tree.OpCreate, &tree.CreateRequest{Path: "/moved", ACL: tree.OpenACLUnsafe, Flags: tree.Ephemeral})
	n.runFor(100 * millisecond)
	assert.Equal(t, tree.OK, c.reply(x).Err)

	bad := n.newRawClient()
	bad.connect(3, ConnectRequest{SessionID: sid, Passwd: []byte("wrong")})
	n.runFor(100 * millisecond)
	require.NotEmpty(t, bad.got)
	assert.Zero(t, bad.got[0].(*ConnectResponse).Timeout, "a wrong password gets a zero timeout")
}

// A stale handshake through another server (a follower that was paused
// with the client's abandoned connect request in its buffer) moves the
// session there. A write through the server the client really uses then
// fails with SessionMoved, which FinalRequestProcessor treats as a
// connection-level error: the connection is closed, not answered
// (ZOOKEEPER-710), and the client's reconnection moves the session back.
func TestSessionMovedClosesTheConnection(t *testing.T) {
	n := upEnsemble(t, 3, 0)
	c := n.newRawClient()
	c.connect(2, ConnectRequest{})
	n.runFor(100 * millisecond)
	sid := c.session
	require.NotZero(t, sid)
	stale := n.newRawClient()
	stale.connect(3, ConnectRequest{SessionID: sid, Passwd: sessionPasswd(sid), LastZxidSeen: n.servers[2].db.lastProcessed()})
	n.runFor(100 * millisecond)
	require.Equal(t, sid, stale.session, "revalidated at server 3: the session is owned there now")

	x := c.request(tree.OpCreate, &tree.CreateRequest{Path: "/a", ACL: tree.OpenACLUnsafe, Flags: tree.Persistent})
	n.runFor(100 * millisecond)
	assert.True(t, c.closed, "the connection is closed")
	assert.Nil(t, c.reply(x), "and the write not answered")

	c.connect(2, ConnectRequest{SessionID: sid, Passwd: sessionPasswd(sid), LastZxidSeen: n.servers[2].db.lastProcessed()})
	n.runFor(100 * millisecond)
	x = c.request(tree.OpCreate, &tree.CreateRequest{Path: "/b", ACL: tree.OpenACLUnsafe, Flags: tree.Persistent})
	n.runFor(100 * millisecond)
	require.NotNil(t, c.reply(x))
	assert.Equal(t, tree.OK, c.reply(x).Err, "the reconnection moved the session back")
}

func TestSyncThenReadOnFollower(t *testing.T) {
	n := upEnsemble(t, 3, 0)
	a, b := n.newRawClient(), n.newRawClient()
	a.connect(3, ConnectRequest{})
	b.connect(1, ConnectRequest{})
	n.runFor(100 * millisecond)
	a.request(tree.OpCreate, &tree.CreateRequest{Path: "/s", Data: []byte("x"), ACL: tree.OpenACLUnsafe})
	s := b.request(tree.OpSync, &tree.PathRequest{Path: "/s"})
	r := b.request(tree.OpGetData, &tree.PathWatchRequest{Path: "/s"})
	n.runFor(200 * millisecond)
	require.NotNil(t, b.reply(s))
	assert.Equal(t, "/s", b.reply(s).Record.(*SyncResponse).Path)
	require.NotNil(t, b.reply(r))
	assert.Less(t, b.indexOf(s), b.indexOf(r))
}

// notifications lists the watch notifications received, with their
// headers, in order.
func (c *rawClient) notifications() []*Reply {
	var out []*Reply
	for _, m := range c.got {
		if r, ok := m.(*Reply); ok && r.Xid == XidNotification {
			out = append(out, r)
		}
	}
	return out
}

// A notification's header carries the zxid of the txn that fired it; one
// setWatches answers at once carries NO_ZXID, as ServerCnxn.process sends
// WatchedEvent.getZxid (ZOOKEEPER-4655).
func TestNotificationHeaderCarriesTheTriggeringZxid(t *testing.T) {
	n := upEnsemble(t, 3, 0)
	a, b := n.newRawClient(), n.newRawClient()
	a.connect(1, ConnectRequest{})
	b.connect(2, ConnectRequest{})
	n.runFor(100 * millisecond)
	created := a.request(tree.OpCreate, &tree.CreateRequest{Path: "/w", Data: []byte("1"), ACL: tree.OpenACLUnsafe})
	n.runFor(100 * millisecond)
	b.request(tree.OpGetData, &tree.PathWatchRequest{Path: "/w", Watch: true})
	n.runFor(100 * millisecond)
	set := a.request(tree.OpSetData, &tree.SetDataRequest{Path: "/w", Data: []byte("2"), Version: -1})
	n.runFor(100 * millisecond)
	b.request(tree.OpSetWatches, &tree.SetWatchesRequest{RelativeZxid: int64(a.reply(created).Zxid), DataWatches: []string{"/w"}})
	n.runFor(100 * millisecond)

	got := b.notifications()
	require.Len(t, got, 2)
	assert.Equal(t, a.reply(set).Zxid, got[0].Zxid, "the setData's txn fired it")
	assert.Equal(t, tree.EventNodeDataChanged, got[1].Record.(*WatcherEvent).Type, "the node changed after the relative zxid")
	assert.Equal(t, NoZxid, got[1].Zxid, "setWatches' own answer names no txn")
}

// An auth packet is told apart by its type, whatever its xid, and the
// answer echoes the xid with zxid 0 (ZooKeeperServer.processPacket):
// go-zookeeper sends auth with its next xid. Digest takes any text.
func TestAuthByTypeEchoesTheXid(t *testing.T) {
	n := upEnsemble(t, 3, 1)
	c := n.newRawClient()
	c.connect(2, ConnectRequest{})
	n.runFor(100 * millisecond)
	auth := c.request(tree.OpAuth, &tree.AuthRequest{Scheme: "digest", Auth: []byte("nocolon")})
	acl := []tree.ACL{{Perms: tree.PermAll, ID: tree.ID{Scheme: "digest", ID: tree.GenerateDigest("nocolon")}}}
	create := c.request(tree.OpCreate, &tree.CreateRequest{Path: "/mine", ACL: acl})
	read := c.request(tree.OpGetData, &tree.PathWatchRequest{Path: "/mine"})
	n.runFor(100 * millisecond)
	r := c.reply(auth)
	require.NotNil(t, r, "the auth answer carries the request's xid")
	assert.Equal(t, tree.OK, r.Err)
	assert.Zero(t, r.Zxid)
	require.NotNil(t, c.reply(create))
	assert.Equal(t, tree.OK, c.reply(create).Err)
	require.NotNil(t, c.reply(read))
	assert.Equal(t, tree.OK, c.reply(read).Err, "the session is nocolon:<digest>")

	other := n.newRawClient()
	other.connect(2, ConnectRequest{})
	n.runFor(100 * millisecond)
	bad := other.request(tree.OpAuth, &tree.AuthRequest{Scheme: "kerberos", Auth: []byte("x")})
	n.runFor(100 * millisecond)
	require.NotNil(t, other.reply(bad))
	assert.Equal(t, tree.AuthFailed, other.reply(bad).Err)
	assert.True(t, other.closed, "an unknown scheme ends the connection")
}

// whoAmI answers the connection's ids as AuthUtil.getClientInfos does: the
// ip id every connection has, then a digest id named by its user.
func TestWhoAmI(t *testing.T) {
	n := upEnsemble(t, 3, 1)
	c := n.newRawClient()
	c.connect(2, ConnectRequest{})
	n.runFor(100 * millisecond)
	before := c.request(tree.OpWhoAmI, nil)
	c.request(tree.OpAuth, &tree.AuthRequest{Scheme: "digest", Auth: []byte("alice:secret")})
	after := c.request(tree.OpWhoAmI, nil)
	n.runFor(100 * millisecond)
	require.NotNil(t, c.reply(before))
	require.NotNil(t, c.reply(after))
	assert.Equal(t, []ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}}, c.reply(before).Record.(*WhoAmIResponse).ClientInfo)
	assert.ElementsMatch(t, []ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}, {AuthScheme: "digest", User: "alice"}},
		c.reply(after).Record.(*WhoAmIResponse).ClientInfo)
}
