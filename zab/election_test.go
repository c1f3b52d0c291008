package zab

// Tests of fast leader election: the vote order as a table, then whole
// elections on a testNet, checked for one leader that everyone follows.

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVoteBeats(t *testing.T) {
	all := func(ServerID) bool { return true }
	cur := Vote{Leader: 2, Zxid: MakeZxid(1, 5), PeerEpoch: 1}
	tests := []struct {
		name    string
		id      ServerID
		zxid    Zxid
		epoch   Epoch
		bug1419 bool
		want    bool
	}{
		{"higher peer epoch wins over higher zxid", 1, MakeZxid(1, 1), 2, false, true},
		{"lower peer epoch loses despite higher zxid", 3, MakeZxid(3, 9), 0, false, false},
		{"same epoch higher zxid wins", 1, MakeZxid(1, 6), 1, false, true},
		{"same epoch lower zxid loses", 3, MakeZxid(1, 4), 1, false, false},
		{"same epoch same zxid higher id wins", 3, MakeZxid(1, 5), 1, false, true},
		{"same epoch same zxid lower id loses", 1, MakeZxid(1, 5), 1, false, false},
		{"identical vote does not beat itself", 2, MakeZxid(1, 5), 1, false, false},
		{"correct order: higher id with lower epoch loses", 3, MakeZxid(1, 5), 0, false, false},
		{"ZK-1419 order: higher id with lower epoch wins", 3, MakeZxid(1, 5), 0, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, voteBeats(tt.id, tt.zxid, tt.epoch, cur, all, tt.bug1419))
		})
	}
	t.Run("a non-voter never wins", func(t *testing.T) {
		none := func(ServerID) bool { return false }
		assert.False(t, voteBeats(9, MakeZxid(9, 9), 9, cur, none, false))
	})
}

func TestZxidArithmetic(t *testing.T) {
	z := MakeZxid(3, 0xffffffff)
	assert.Equal(t, Epoch(3), z.Epoch())
	assert.Equal(t, uint32(0xffffffff), z.Counter())
	assert.Equal(t, "0x3ffffffff", z.String())
	assert.Equal(t, MakeZxid(4, 0), z+1, "the counter carries into the epoch")
	assert.Equal(t, Epoch(0), MakeZxid(0, 7).Epoch())
}

func TestVotesEqual(t *testing.T) {
	a := Vote{Leader: 3, Zxid: 10, ElectionEpoch: 2, PeerEpoch: 1, State: Looking}
	b := a
	b.ElectionEpoch = 3
	assert.False(t, votesEqual(a, b), "looking votes compare election epochs")
	a.State, b.State = Following, Leading
	b.Zxid = 99
	assert.True(t, votesEqual(a, b), "out-of-election votes compare leader and peer epoch only")
	b.PeerEpoch = 2
	assert.False(t, votesEqual(a, b))
}

func TestElectionFreshEnsembleElectsHighestID(t *testing.T) {
	for _, size := range []struct{ voters, observers int }{{3, 0}, {5, 0}, {3, 1}, {5, 1}} {
		n := newTestNet(t, size.voters, size.observers, nil)
		n.startAll()
		n.runFor(5 * second)
		require.Equal(t, []ServerID{ServerID(size.voters)}, n.leaders(),
			"%d voters: on equal zxids the highest id wins", size.voters)
		for _, id := range n.ids() {
			s := n.servers[id]
			assert.Equal(t, ServerID(size.voters), s.CurrentVote().Leader, "server %d's vote", id)
			if id > ServerID(size.voters) {
				assert.Equal(t, Observing, s.State(), "observer %d", id)
			} else if id != ServerID(size.voters) {
				assert.Equal(t, Following, s.State(), "voter %d", id)
			}
		}
	}
}

func TestElectionPrefersHigherZxidThenEpoch(t *testing.T) {
	n := newTestNet(t, 3, 0, nil)
	n.seedLog(1, 1, MakeZxid(1, 9))
	n.seedLog(2, 1, MakeZxid(1, 7))
	n.seedLog(3, 1, MakeZxid(1, 7))
	n.startAll()
	n.runFor(5 * second)
	assert.Equal(t, []ServerID{1}, n.leaders(), "the server with the highest zxid leads")

	n = newTestNet(t, 3, 0, nil)
	n.seedLog(1, 2, MakeZxid(2, 1))
	n.seedLog(3, 1, MakeZxid(1, 50))
	n.startAll()
	n.runFor(5 * second)
	assert.Equal(t, []ServerID{1}, n.leaders(), "peer epoch beats zxid")
}

func TestElectionNeedsQuorum(t *testing.T) {
	n := newTestNet(t, 5, 0, nil)
	n.crash(4)
	n.crash(5)
	n.crash(3)
	n.startAll()
	n.runFor(30 * second)
	assert.Empty(t, n.leaders(), "two of five cannot elect")
	for _, id := range []ServerID{1, 2} {
		assert.Equal(t, Looking, n.servers[id].State())
	}
	e := n.envs[1]
	polls := 0
	for range e.timers {
		polls++
	}
	assert.LessOrEqual(t, polls, 1, "one poll timer armed at a time")
	assert.Greater(t, n.servers[1].el.notTimeout, 2*second, "notification interval backs off")
	assert.LessOrEqual(t, n.servers[1].el.notTimeout, 60*second)
}

func TestElectionLateJoinerFollowsEstablishedLeader(t *testing.T) {
	n := newTestNet(t, 3, 0, nil)
	n.down[3] = true
	n.startAll()
	n.runFor(5 * second)
	require.Equal(t, []ServerID{2}, n.leaders())
	delete(n.down, 3)
	n.servers[3].Step(StartEvent{})
	n.runFor(5 * second)
	assert.Equal(t, []ServerID{2}, n.leaders(), "server 3 must not depose the leader")
	assert.Equal(t, Following, n.servers[3].State())
	assert.Equal(t, ServerID(2), n.servers[3].CurrentVote().Leader)
}

func TestElectionDeterministic(t *testing.T) {
	run := func() []Observation {
		n := newTestNet(t, 5, 1, nil)
		n.startAll()
		n.runFor(5 * second)
		var all []Observation
		for _, id := range n.ids() {
			all = append(all, n.envs[id].obs...)
		}
		return all
	}
	assert.Equal(t, run(), run())
}
