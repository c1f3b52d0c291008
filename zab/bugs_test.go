package zab

// Tests of the bug switches one step at a time: a follower's outputs in
// order (what it writes, syncs and acknowledges) with each switch on and
// off, and on a testNet the leader's behaviour at the counter limit, a
// create pipelined behind closeSession, and quorum sync. The zoo's
// scenarios (package scenarios) show each bug breaking a guarantee; these
// pin down the deviation itself.

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/tree"
)

// stepEnv records what a server does, in order, and holds its fsyncs
// until the test completes them.
type stepEnv struct {
	disk   memDisk
	did    []string
	fsyncs []FsyncEvent
}

func (e *stepEnv) Now() int64                    { return 0 }
func (e *stepEnv) Elapsed() int64                { return 0 }
func (e *stepEnv) RemoteAddr(ConnID) string      { return "" }
func (e *stepEnv) Rand() uint64                  { return 1 }
func (e *stepEnv) Connect(ServerID, Port) ConnID { return 99 }
func (e *stepEnv) Close(ConnID)                  {}
func (e *stepEnv) SetTimer(int64, Timer) TimerID { return 1 }
func (e *stepEnv) CancelTimer(TimerID)           {}
func (e *stepEnv) Disk() Disk                    { return recDisk{&e.disk, e} }
func (e *stepEnv) Observe(Observation)           {}
func (e *stepEnv) Logf(string, ...any)           {}
func (e *stepEnv) Fsync(file string, token uint64) {
	e.note("fsync " + file)
	e.fsyncs = append(e.fsyncs, FsyncEvent{File: file, Token: token})
}
func (e *stepEnv) note(s string) { e.did = append(e.did, s) }
func (e *stepEnv) Send(_ ConnID, m Message) {
	if p, ok := m.(*Packet); ok {
		e.note(fmt.Sprintf("send %s %s", p.Type, p.Zxid))
	}
}

// recDisk notes appends to the log and renames of epoch files.
type recDisk struct {
	*memDisk
	e *stepEnv
}

func (d recDisk) Append(name string, b []byte) {
	d.e.note("append " + strings.SplitN(name, ".", 2)[0])
	d.memDisk.Append(name, b)
}

func (d recDisk) Rename(oldName, newName string) error {
	d.e.note("persist " + newName)
	return d.memDisk.Rename(oldName, newName)
}

// syncingFollower is server 1 of three, following 3, with the learner in
// the given phase; epoch 1 accepted.
func syncingFollower(t *testing.T, bugs Bugs, phase learnerPhase) (*Server, *stepEnv) {
	env := &stepEnv{}
	peers := []Peer{{ID: 1}, {ID: 2}, {ID: 3}}
	s, err := NewServer(Config{ID: 1, Peers: peers, Bugs: bugs}, env)
	require.NoError(t, err)
	s.Step(StartEvent{})
	s.fsyncAll(env)
	s.state, s.stepRole = Following, stepLearning
	s.learner = &learnerState{leader: 3, conn: 7, phase: phase, newEpoch: 1, writeToTxnLog: true}
	env.did = nil
	return s, env
}

// fsyncAll completes every fsync in flight, and those they lead to.
func (s *Server) fsyncAll(env *stepEnv) {
	for i := 0; len(env.fsyncs) > 0; i++ {
		if i > 100 {
			panic("fsyncs do not settle")
		}
		ev := env.fsyncs[0]
		env.fsyncs = env.fsyncs[1:]
		env.note("done " + ev.File)
		s.Step(ev)
	}
}

func txn(z Zxid) *LogEntry {
	return &LogEntry{Hdr: tree.TxnHeader{SessionID: 5, Zxid: int64(z), Type: tree.OpCreateSession}, Txn: tree.CreateSessionTxn{Timeout: 4000}}
}

func TestFollowerAcknowledgesAProposal(t *testing.T) {
	z := MakeZxid(1, 1)
	for _, tt := range []struct {
		name string
		bugs Bugs
		want []string
	}{
		{"correct: ACK once the txn is on disk", Bugs{},
			[]string{"append log", "fsync log.0000000100000001", "done log.0000000100000001", "send ACK 0x100000001"}},
		{"ZK3023: ACK before the fsync", Bugs{ZK3023: true},
			[]string{"append log", "send ACK 0x100000001", "fsync log.0000000100000001", "done log.0000000100000001"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, env := syncingFollower(t, tt.bugs, lpBroadcast)
			s.Step(MessageEvent{Conn: 7, Msg: &Packet{Type: PacketProposal, Zxid: z, Entry: txn(z)}})
			s.fsyncAll(env)
			assert.Equal(t, tt.want, env.did)
		})
	}
}

func TestFollowerAcknowledgesNewLeaderAfterADiff(t *testing.T) {
	const (
		logged = "append log"
		ack    = "send ACK 0x100000000"
		epoch  = "persist currentEpoch"
	)
	for _, tt := range []struct {
		name string
		bugs Bugs
		// want is the order of the three steps that matter: the DIFF's txn
		// written, currentEpoch persisted, NEWLEADER acknowledged; synced
		// says whether the log was synced before the ACK.
		want   []string
		synced bool
	}{
		{"correct: txns synced, then currentEpoch, then ACK", Bugs{}, []string{logged, epoch, ack}, true},
		{"ZK4643: currentEpoch before the txns", Bugs{ZK4643: true}, []string{epoch, logged, ack}, true},
		{"ZK3911: ACK with the txns only in memory", Bugs{ZK3911: true}, []string{epoch, ack}, false},
		{"ZK3023: ACK with the txns written, not synced", Bugs{ZK3023: true}, []string{epoch, logged, ack}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s, env := syncingFollower(t, tt.bugs, lpSync)
			z := MakeZxid(0, 1)
			s.learner.notLogged = []*LogEntry{txn(z)}
			s.learner.committedZxids = []Zxid{z}
			s.Step(MessageEvent{Conn: 7, Msg: &Packet{Type: PacketNewLeader, Zxid: MakeZxid(1, 0)}})
			s.fsyncAll(env)
			var got []string
			syncedAt, ackAt := -1, -1
			for i, d := range env.did {
				switch {
				case d == logged || d == ack || d == epoch:
					got = append(got, d)
				case d == "done log.0000000000000001" && syncedAt < 0:
					syncedAt = i
				}
				if d == ack {
					ackAt = i
				}
			}
			assert.Equal(t, tt.want, got, "%v", env.did)
			assert.Equal(t, tt.synced, syncedAt >= 0 && syncedAt < ackAt, "log synced before the ACK: %v", env.did)
		})
	}
}

// The DIFF's zxid taken as processed before its txns are applied
// (ZOOKEEPER-2355): a sync that breaks off leaves a learner that claims
// the txns it never applied.
func TestDiffMarksItsZxidProcessed(t *testing.T) {
	for _, bug := range []bool{false, true} {
		s, env := syncingFollower(t, Bugs{ZK2355: bug}, lpFirstSync)
		z := MakeZxid(0, 3)
		s.Step(MessageEvent{Conn: 7, Msg: &Packet{Type: PacketDiff, Zxid: z}})
		s.Step(MessageEvent{Conn: 7, Msg: &Packet{Type: PacketProposal, Zxid: MakeZxid(0, 1), Entry: txn(MakeZxid(0, 1))}})
		s.Step(ClosedEvent{Conn: 7}) // the leader dies mid-sync
		s.fsyncAll(env)
		if bug {
			assert.Equal(t, z, s.lastLoggedZxid(), "ZK2355: the vote claims the DIFF's zxid")
			assert.Zero(t, s.db.tree.Digest()-newDatabase(&memDisk{}, &s.cfg).tree.Digest(), "though nothing of it was applied")
		} else {
			assert.Equal(t, Zxid(0), s.lastLoggedZxid(), "correct: the vote carries what the learner has")
		}
	}
}

func TestLeaderAtTheCounterLimit(t *testing.T) {
	for _, bug := range []bool{false, true} {
		n := newTestNet(t, 3, 0, func(c *Config) { c.Bugs.ZK1277 = bug })
		n.startAll()
		n.runFor(5 * second)
		require.Equal(t, []ServerID{3}, n.leaders())
		require.True(t, n.servers[3].JumpZxidCounter(0xffffffff-2))
		var proposed []Zxid
		for i := 1; i <= 3; i++ {
			if n.propose(SessionID(100 + i)) {
				proposed = append(proposed, n.servers[3].zxid)
			}
			n.runFor(10 * millisecond)
		}
		if bug {
			assert.Equal(t, []Zxid{MakeZxid(1, 0xfffffffe), MakeZxid(1, 0xffffffff), MakeZxid(2, 0)}, proposed,
				"ZK1277: the counter carries into the epoch")
			assert.Equal(t, Leading, n.servers[3].State())
		} else {
			assert.Equal(t, []Zxid{MakeZxid(1, 0xfffffffe)}, proposed, "correct: the leader stops short of 0xffffffff")
			assert.NotEqual(t, Leading, n.servers[3].State(), "and steps down for a new epoch")
		}
	}
}

// SessionInvalidationTest's race: closeSession with a create-ephemeral
// pipelined behind it on the same connection.
func TestCreateBehindCloseSession(t *testing.T) {
	for _, bug := range []bool{false, true} {
		n := newTestNet(t, 3, 0, func(c *Config) { c.TickTime = 500 * millisecond; c.Bugs.ZK1208 = bug })
		n.startAll()
		n.runFor(5 * second)
		c := n.newRawClient()
		c.connect(1, ConnectRequest{})
		n.runFor(100 * millisecond)
		require.NotZero(t, c.session)
		c.request(tree.OpCloseSession, nil)
		c.request(tree.OpCreate, &tree.CreateRequest{Path: "/late", ACL: tree.OpenACLUnsafe, Flags: tree.Ephemeral})
		n.runFor(200 * millisecond)
		for _, id := range n.ids() {
			st, _, ok := n.servers[id].db.tree.Lookup("/late")
			if bug {
				require.True(t, ok, "ZK1208: server %d has the late ephemeral", id)
				assert.Equal(t, int64(c.session), st.EphemeralOwner, "owned by a session that has ended")
				assert.NotContains(t, n.servers[id].db.sessions, c.session)
			} else {
				assert.False(t, ok, "correct: the create behind the close fails on server %d", id)
			}
		}
	}
}

func TestSyncOnADeposedLeader(t *testing.T) {
	for _, quorum := range []bool{false, true} {
		n := upEnsembleWith(t, func(c *Config) { c.QuorumSync = quorum })
		c := n.newRawClient()
		c.connect(3, ConnectRequest{})
		n.runFor(100 * millisecond)
		require.NotZero(t, c.session)
		live := c.request(tree.OpSync, &tree.PathRequest{Path: "/"})
		n.runFor(100 * millisecond)
		require.NotNil(t, c.reply(live), "quorum=%t: a leader with its followers answers sync", quorum)

		// The followers leave (their connections close), but the leader
		// has not yet noticed it lost its quorum: its tick has not come.
		n.crash(1)
		n.crash(2)
		n.runFor(5 * millisecond)
		require.Equal(t, Leading, n.servers[3].State())
		deposed := c.request(tree.OpSync, &tree.PathRequest{Path: "/"})
		n.runFor(5 * millisecond)
		if quorum {
			assert.Nil(t, c.reply(deposed), "QuorumSync: no quorum answers the round, no answer")
		} else {
			assert.NotNil(t, c.reply(deposed), "3.8: the leader answers at once (ZOOKEEPER-1675)")
		}
	}
}

func upEnsembleWith(t *testing.T, mod func(*Config)) *testNet {
	n := newTestNet(t, 3, 0, func(c *Config) { c.TickTime = 500 * millisecond; mod(c) })
	n.startAll()
	n.runFor(5 * second)
	require.Equal(t, []ServerID{3}, n.leaders())
	return n
}
