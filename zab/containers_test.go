package zab

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/tree"
)

func TestLeaderDeletesEmptyContainersAndExpiredTTLNodes(t *testing.T) {
	n := newTestNet(t, 3, 0, func(c *Config) {
		c.TickTime = 500 * millisecond
		c.ContainerCheckInterval = second
		c.ExtendedTypes = true
	})
	n.startAll()
	n.runFor(5 * second)
	require.Len(t, n.leaders(), 1)
	c := n.newRawClient()
	c.connect(1, ConnectRequest{Timeout: 10000})
	n.runFor(100 * millisecond)
	create := func(op tree.OpCode, path string, mode tree.CreateMode, ttl int64) {
		xid := c.request(op, &tree.CreateRequest{Path: path, ACL: tree.OpenACLUnsafe, Flags: mode, TTL: ttl})
		n.runFor(100 * millisecond)
		require.NotNil(t, c.reply(xid), path)
		require.Equal(t, tree.OK, c.reply(xid).Err, path)
	}
	create(tree.OpCreateContainer, "/used", tree.Container, 0)
	create(tree.OpCreateContainer, "/never", tree.Container, 0)
	create(tree.OpCreateContainer, "/busy", tree.Container, 0)
	create(tree.OpCreate, "/used/a", tree.Persistent, 0)
	create(tree.OpCreate, "/busy/a", tree.Persistent, 0)
	xid := c.request(tree.OpDelete, &tree.DeleteRequest{Path: "/used/a", Version: -1})
	n.runFor(100 * millisecond)
	require.Equal(t, tree.OK, c.reply(xid).Err)
	create(tree.OpCreateTTL, "/ttl", tree.PersistentWithTTL, 1500)

	n.runFor(4 * second)
	for _, id := range n.ids() {
		tr := n.servers[id].db.tree
		_, _, used := tr.Lookup("/used")
		_, _, never := tr.Lookup("/never")
		_, _, busy := tr.Lookup("/busy")
		_, _, ttl := tr.Lookup("/ttl")
		assert.False(t, used, "zk%d: an emptied container goes", id)
		assert.True(t, never, "zk%d: a container that never had children stays", id)
		assert.True(t, busy, "zk%d: a container with children stays", id)
		assert.False(t, ttl, "zk%d: a TTL node past its TTL goes", id)
	}
}
