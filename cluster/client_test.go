package cluster

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// withClient is a running 3+1 ensemble and one connected client.
func withClient(t *testing.T, seed uint64, cfg client.Config) (*Cluster, *client.Client) {
	t.Helper()
	c := newCluster(t, seed, 3, 1)
	c.World.RunFor(3 * sim.Second)
	cl := c.AddClient(cfg)
	cl.Start()
	c.World.RunFor(2 * sim.Second)
	require.Equal(t, client.Connected, cl.State())
	return c, cl
}

func TestClientOperations(t *testing.T) {
	c, cl := withClient(t, 1, client.Config{})
	var got []string
	note := func(s string) { got = append(got, s) }
	cl.Create("/app", []byte("v0"), tree.OpenACLUnsafe, tree.Persistent, func(p string, err tree.Code) { note(p + " " + err.String()) })
	cl.Create("/app", nil, tree.OpenACLUnsafe, tree.Persistent, func(p string, err tree.Code) { note("again " + err.String()) })
	for i := 0; i < 3; i++ {
		cl.Create("/app/job-", nil, tree.OpenACLUnsafe, tree.PersistentSequential, func(p string, err tree.Code) { note(p) })
	}
	cl.SetData("/app", []byte("v1"), 0, func(st tree.Stat, err tree.Code) { note("set " + err.String()) })
	cl.SetData("/app", []byte("v2"), 0, func(st tree.Stat, err tree.Code) { note("stale set " + err.String()) })
	cl.GetData("/app", nil, func(d []byte, st tree.Stat, err tree.Code) { note("get " + string(d)) })
	cl.GetChildren("/app", nil, func(ch []string, st tree.Stat, err tree.Code) { note("children " + ch[0] + " " + ch[2]) })
	cl.Multi([]tree.Op{
		{Type: tree.OpCheck, Request: &tree.CheckVersionRequest{Path: "/app", Version: 1}},
		{Type: tree.OpCreate, Request: &tree.CreateRequest{Path: "/app/m", ACL: tree.OpenACLUnsafe}},
		{Type: tree.OpDelete, Request: &tree.DeleteRequest{Path: "/nope", Version: -1}},
	}, func(res []tree.OpResult, err tree.Code) { note("multi " + err.String()) })
	cl.Exists("/app/m", nil, func(st tree.Stat, err tree.Code) { note("m " + err.String()) })
	cl.Delete("/app", -1, func(err tree.Code) { note("delete " + err.String()) })
	cl.GetAllChildrenNumber("/app", func(n int32, err tree.Code) { note("count " + err.String()) })
	c.World.RunFor(2 * sim.Second)
	assert.Equal(t, []string{
		"/app OK", "again NodeExists",
		"/app/job-0000000000", "/app/job-0000000001", "/app/job-0000000002",
		"set OK", "stale set BadVersion", "get v1",
		"children job-0000000000 job-0000000002",
		"multi NoNode", "m NoNode", "delete NotEmpty", "count OK",
	}, got)
	h := c.History()
	require.Equal(t, 13, h.Len())
	for _, op := range h.All() {
		assert.Equal(t, client.OK, op.Outcome, "%s", op)
		assert.GreaterOrEqual(t, op.Return, op.Call)
		assert.Equal(t, cl.SessionID(), op.Session)
	}
}

func TestClientWatches(t *testing.T) {
	c, cl := withClient(t, 2, client.Config{})
	var events []string
	w := func(ev zab.WatcherEvent) { events = append(events, ev.Type.String()+" "+ev.Path) }
	cl.Create("/cfg", []byte("a"), tree.OpenACLUnsafe, tree.Persistent, nil)
	cl.GetData("/cfg", w, nil)
	cl.Exists("/later", w, nil)
	cl.AddWatch("/tree", tree.AddWatchPersistentRecursive, w, nil)
	c.World.RunFor(sim.Second)
	cl.SetData("/cfg", []byte("b"), -1, nil)
	cl.SetData("/cfg", []byte("c"), -1, nil) // the one-shot watch is spent
	cl.Create("/later", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
	cl.Create("/tree", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
	cl.Create("/tree/a", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
	cl.SetData("/tree/a", []byte("x"), -1, nil)
	c.World.RunFor(sim.Second)
	assert.Equal(t, []string{
		"NodeDataChanged /cfg", "NodeCreated /later",
		"NodeCreated /tree", "NodeCreated /tree/a", "NodeDataChanged /tree/a",
	}, events)
}

func TestClientFailsOverAndKeepsItsSessionAndWatches(t *testing.T) {
	c, cl := withClient(t, 3, client.Config{SessionTimeout: 10000})
	session := cl.SessionID()
	var events []string
	cl.Create("/x", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
	cl.Create("/eph", nil, tree.OpenACLUnsafe, tree.Ephemeral, nil)
	cl.GetData("/x", func(ev zab.WatcherEvent) { events = append(events, ev.Type.String()) }, nil)
	c.World.RunFor(sim.Second)
	first := cl.Server()
	seen := cl.LastZxid()
	c.Crash(first, false)
	c.World.RunFor(10 * sim.Second)
	require.Equal(t, client.Connected, cl.State())
	assert.NotEqual(t, first, cl.Server())
	assert.Equal(t, session, cl.SessionID(), "the session survives the move")
	assert.GreaterOrEqual(t, cl.LastZxid(), seen)
	// The watch was re-registered with setWatches on the new server.
	other := c.AddClient(client.Config{})
	other.Start()
	c.World.RunFor(2 * sim.Second)
	other.SetData("/x", []byte("changed"), -1, nil)
	c.World.RunFor(sim.Second)
	assert.Equal(t, []string{"NodeDataChanged"}, events)
	var ephOK tree.Code = -1
	other.Exists("/eph", nil, func(_ tree.Stat, err tree.Code) { ephOK = err })
	c.World.RunFor(sim.Second)
	assert.Equal(t, tree.OK, ephOK, "the ephemeral lives on with its session")
}

func TestClientSessionExpiresWhenCutOffTooLong(t *testing.T) {
	c, cl := withClient(t, 4, client.Config{SessionTimeout: 4000})
	cl.Create("/eph", nil, tree.OpenACLUnsafe, tree.Ephemeral, nil)
	c.World.RunFor(sim.Second)
	var states []client.State
	cl.OnState(func(s client.State) { states = append(states, s) })
	node := c.clients[0].node
	c.World.Isolate(node)
	var late tree.Code
	cl.GetData("/eph", nil, func(_ []byte, _ tree.Stat, err tree.Code) { late = err })
	c.World.RunFor(15 * sim.Second)
	c.World.Heal()
	c.World.RunFor(10 * sim.Second)
	assert.Equal(t, client.Expired, cl.State(), "states %v", states)
	assert.Contains(t, []tree.Code{tree.ConnectionLoss, tree.SessionExpired}, late)
	for _, id := range c.IDs() {
		_, _, ok := c.Server(id).Tree().Lookup("/eph")
		assert.False(t, ok, "zk%d still has the expired session's ephemeral", id)
	}
	for _, op := range c.History().All() {
		assert.NotEqual(t, client.Pending, op.Outcome, "%s", op)
	}
}

// The leader's clock is stepped forward by more than the session timeout:
// sessions live on, since ZooKeeper measures their expiry on the
// monotonic clock (ExpiryQueue, Time.currentElapsedTime). Found by the
// master-election scenario (seed 1197): a jump expired every session at
// once and made a second master while the first was still connected.
func TestLeaderClockJumpExpiresNoSession(t *testing.T) {
	c, cl := withClient(t, 5, client.Config{SessionTimeout: 4000})
	l, ok := c.Leader()
	require.True(t, ok)
	for i := 0; i < 10; i++ { // at various phases of the pings and the expiry tick
		c.World.AdjustClock(c.NodeOf(l), 30*sim.Second)
		c.World.RunFor(337 * sim.Millisecond)
	}
	c.World.RunFor(3 * sim.Second)
	assert.Equal(t, client.Connected, cl.State())
	c.EachRecord(func(r Record) {
		assert.NotEqual(t, zab.ObsSessionExpired, r.Obs.Kind, "%s expired a session", r.Obs)
	})
}

func TestClientAuthAndACLs(t *testing.T) {
	c, cl := withClient(t, 5, client.Config{})
	var got []string
	cl.AddAuth("digest", []byte("alice:secret"), func(err tree.Code) { got = append(got, "auth "+err.String()) })
	cl.Create("/private", []byte("s"), tree.CreatorAllACL, tree.Persistent, func(_ string, err tree.Code) { got = append(got, "create "+err.String()) })
	c.World.RunFor(sim.Second)
	other := c.AddClient(client.Config{})
	other.Start()
	c.World.RunFor(2 * sim.Second)
	other.GetData("/private", nil, func(_ []byte, _ tree.Stat, err tree.Code) { got = append(got, "stranger "+err.String()) })
	cl.GetData("/private", nil, func(d []byte, _ tree.Stat, err tree.Code) { got = append(got, "owner "+err.String()) })
	c.World.RunFor(sim.Second)
	assert.ElementsMatch(t, []string{"auth OK", "create OK", "stranger NoAuth", "owner OK"}, got)
}

// Every connection is ("ip", its address) from the start; an ip ACL admits
// by address and mask, addAuth("ip", ...) adds nothing new, and an ip id
// never stands in for the "auth" scheme (IPAuthenticationProvider is not
// isAuthenticated).
func TestClientIPACLs(t *testing.T) {
	c, lan := withClient(t, 7, client.Config{Addr: "192.168.7.3"})
	var got []string
	note := func(who string) func(tree.Code) {
		return func(err tree.Code) { got = append(got, who+" "+err.String()) }
	}
	acl := []tree.ACL{{Perms: tree.PermAll, ID: tree.ID{Scheme: "ip", ID: "192.168.7.0/24"}}}
	lan.Create("/lan", []byte("x"), acl, tree.Persistent, func(_ string, err tree.Code) { note("create")(err) })
	lan.Create("/mine", nil, tree.CreatorAllACL, tree.Persistent, func(_ string, err tree.Code) { note("creator-only-ip")(err) })
	c.World.RunFor(sim.Second)
	wan := c.AddClient(client.Config{})
	wan.Start()
	c.World.RunFor(2 * sim.Second)
	lan.GetData("/lan", nil, func(_ []byte, _ tree.Stat, err tree.Code) { note("lan")(err) })
	wan.GetData("/lan", nil, func(_ []byte, _ tree.Stat, err tree.Code) { note("wan")(err) })
	wan.AddAuth("ip", []byte("192.168.7.3"), note("wan-auth"))
	wan.GetData("/lan", nil, func(_ []byte, _ tree.Stat, err tree.Code) { note("wan-after-auth")(err) })
	c.World.RunFor(sim.Second)
	assert.ElementsMatch(t, []string{"create OK", "creator-only-ip InvalidACL", "lan OK", "wan NoAuth",
		"wan-auth OK", "wan-after-auth NoAuth"}, got)
}

func TestClientRecipesHelpers(t *testing.T) {
	c, cl := withClient(t, 6, client.Config{})
	var got []tree.Code
	cl.EnsurePath("/a/b/c", func(err tree.Code) { got = append(got, err) })
	cl.EnsurePath("/a/b/c", func(err tree.Code) { got = append(got, err) })
	cl.Create("/a/b/c/d", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
	var exists tree.Code
	cl.DeleteRecursive("/a", func(err tree.Code) {
		got = append(got, err)
		cl.Exists("/a", nil, func(_ tree.Stat, err tree.Code) { exists = err })
	})
	c.World.RunFor(2 * sim.Second)
	assert.Equal(t, []tree.Code{tree.OK, tree.OK, tree.OK}, got)
	assert.Equal(t, tree.NoNode, exists)
}

func TestClientCloseEndsTheSession(t *testing.T) {
	c, cl := withClient(t, 7, client.Config{})
	cl.Create("/eph", nil, tree.OpenACLUnsafe, tree.Ephemeral, nil)
	c.World.RunFor(sim.Second)
	cl.Close()
	c.World.RunFor(sim.Second)
	assert.Equal(t, client.Closed, cl.State())
	l, _ := c.Leader()
	_, _, ok := c.Server(l).Tree().Lookup("/eph")
	assert.False(t, ok)
	var after tree.Code
	cl.GetData("/", nil, func(_ []byte, _ tree.Stat, err tree.Code) { after = err })
	assert.Equal(t, tree.SessionExpired, after)
}

// A watch event reaches a session only if it may READ the node (the
// parent, for NodeChildrenChanged); the watch is used up either way
// (ZOOKEEPER-4799, as Debian's 3.8.0-11+deb12u2 has it: found by the
// differential test against a real ensemble).
func TestClientWatchEventsNeedRead(t *testing.T) {
	c, owner := withClient(t, 8, client.Config{})
	watcher := c.AddClient(client.Config{})
	watcher.Start()
	c.World.RunFor(2 * sim.Second)
	noRead := []tree.ACL{{Perms: tree.PermWrite | tree.PermCreate | tree.PermDelete, ID: tree.AnyoneID}}
	owner.Create("/hidden", []byte("a"), noRead, tree.Persistent, nil)
	owner.Create("/open", []byte("a"), tree.OpenACLUnsafe, tree.Persistent, nil)
	c.World.RunFor(sim.Second)
	var events []string
	w := func(ev zab.WatcherEvent) { events = append(events, ev.Type.String()+" "+ev.Path) }
	var codes []tree.Code
	// exists checks no ACL: the watch is set on both.
	watcher.Exists("/hidden", w, func(_ tree.Stat, err tree.Code) { codes = append(codes, err) })
	watcher.Exists("/open", w, func(_ tree.Stat, err tree.Code) { codes = append(codes, err) })
	c.World.RunFor(sim.Second)
	require.Equal(t, []tree.Code{tree.OK, tree.OK}, codes)
	owner.SetData("/hidden", []byte("b"), -1, nil)
	owner.SetData("/open", []byte("b"), -1, nil)
	c.World.RunFor(sim.Second)
	assert.Equal(t, []string{"NodeDataChanged /open"}, events)
	// The watch on /hidden was used up unheard: readable now, it stays
	// silent.
	owner.SetACL("/hidden", tree.OpenACLUnsafe, -1, nil)
	owner.SetData("/hidden", []byte("c"), -1, nil)
	c.World.RunFor(sim.Second)
	assert.Equal(t, []string{"NodeDataChanged /open"}, events)
}
