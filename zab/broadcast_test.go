package zab

// Tests of discovery, sync and broadcast on a testNet: an ensemble
// establishes a leader, commits writes on every replica in the same order,
// survives the leader's crash mid-proposal, and takes a restarted server
// back by DIFF.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func established(n *testNet, id ServerID) []Epoch {
	var es []Epoch
	for _, o := range n.envs[id].obs {
		if o.Kind == ObsEstablished {
			es = append(es, o.Epoch)
		}
	}
	return es
}

func TestBroadcastCommitsEverywhereInOrder(t *testing.T) {
	n := newTestNet(t, 3, 1, nil)
	n.startAll()
	n.runFor(5 * second)
	require.Equal(t, []ServerID{3}, n.leaders())
	require.Equal(t, []Epoch{1}, established(n, 3), "a fresh ensemble's first epoch is 1")
	for _, id := range n.ids() {
		require.True(t, n.servers[id].serving, "server %d serving after sync", id)
	}
	for i := 1; i <= 50; i++ {
		require.True(t, n.propose(SessionID(i)))
		n.runFor(3 * millisecond)
	}
	n.runFor(second)
	want := n.delivered(3)
	require.Len(t, want, 50)
	assert.Equal(t, MakeZxid(1, 1), want[0])
	for _, id := range n.ids() {
		assert.Equal(t, want, n.delivered(id), "server %d delivers the leader's sequence", id)
		assert.Equal(t, n.servers[3].db.tree.Digest(), n.servers[id].db.tree.Digest(), "server %d digest", id)
	}
}

func TestLeaderCrashMidProposalKeepsCommitted(t *testing.T) {
	n := newTestNet(t, 3, 0, nil)
	n.startAll()
	n.runFor(5 * second)
	require.Equal(t, []ServerID{3}, n.leaders())
	for i := 1; i <= 10; i++ {
		n.propose(SessionID(i))
	}
	n.runFor(second)
	committed := n.delivered(1)
	require.Len(t, committed, 10)
	// Propose and crash before any follower can acknowledge.
	n.propose(99)
	n.crash(3)
	n.runFor(10 * second)
	require.Equal(t, []ServerID{2}, n.leaders(), "server 2 leads next")
	assert.Equal(t, []Epoch{2}, established(n, 2), "the new leader's epoch is one more")
	for _, id := range []ServerID{1, 2} {
		assert.Equal(t, committed, n.delivered(id)[:len(committed)], "server %d keeps every committed txn", id)
	}
	// The old leader comes back and follows, by TRUNC or DIFF.
	n.restart(3)
	n.runFor(10 * second)
	assert.Equal(t, []ServerID{2}, n.leaders())
	assert.Equal(t, Following, n.servers[3].State())
	n.propose(100)
	n.runFor(second)
	assert.Equal(t, n.servers[2].db.tree.Digest(), n.servers[3].db.tree.Digest())
	assert.Equal(t, n.servers[2].db.lastProcessed(), n.servers[3].db.lastProcessed())
}

func TestFollowerRestartRejoinsByDiff(t *testing.T) {
	n := newTestNet(t, 3, 0, nil)
	n.startAll()
	n.runFor(5 * second)
	for i := 1; i <= 5; i++ {
		n.propose(SessionID(i))
	}
	n.runFor(second)
	n.crash(1)
	for i := 6; i <= 20; i++ {
		n.propose(SessionID(i))
	}
	n.runFor(second)
	n.restart(1)
	n.runFor(5 * second)
	require.Equal(t, Following, n.servers[1].State())
	assert.Equal(t, n.servers[3].db.lastProcessed(), n.servers[1].db.lastProcessed())
	assert.Equal(t, n.servers[3].db.tree.Digest(), n.servers[1].db.tree.Digest())
	var modes []string
	for _, o := range n.envs[3].obs {
		if o.Kind == ObsSync && o.Peer == 1 {
			modes = append(modes, o.Detail)
		}
	}
	require.NotEmpty(t, modes)
	assert.Equal(t, "DIFF", modes[len(modes)-1], "the restarted follower is within the committed window")
}

func TestCounterRolloverForcesNewEpoch(t *testing.T) {
	n := newTestNet(t, 3, 0, func(c *Config) { c.CounterLimit = 5 })
	n.startAll()
	n.runFor(5 * second)
	for i := 1; i <= 4; i++ {
		require.True(t, n.propose(SessionID(i)))
	}
	n.runFor(second)
	assert.False(t, n.propose(5), "the leader refuses the zxid at the counter limit")
	// Re-elect, but stop before the idle sessions expire: their
	// closeSessions would use up the small counter again.
	n.runFor(3 * second)
	require.Len(t, n.leaders(), 1)
	l := n.leaders()[0]
	es := established(n, l)
	require.NotEmpty(t, es)
	assert.Equal(t, Epoch(2), es[len(es)-1], "rollover starts a new epoch")
	require.True(t, n.propose(6))
	n.runFor(second)
	d := n.delivered(l)
	assert.Equal(t, Epoch(2), d[len(d)-1].Epoch(), "writes continue in the new epoch")
}
