package zab

import (
	"errors"
	"fmt"
	"sort"
)

// Peer is one server.N line of zoo.cfg.
type Peer struct {
	ID       ServerID
	Observer bool // server.N=host:q:e:observer
}

// Config is one server's configuration. Durations are nanoseconds of the
// server's own clock.
type Config struct {
	ID    ServerID
	Peers []Peer // the whole ensemble, this server included

	TickTime  int64 // tickTime
	InitLimit int   // ticks a learner has to connect and sync
	SyncLimit int   // ticks a learner may fall behind

	// SnapCount is zookeeper.snapCount: a snapshot is taken after
	// SnapCount/2 + rand(SnapCount/2) logged txns (SyncRequestProcessor).
	SnapCount int
	// CommitLogCount is the committed-proposal window the leader keeps for
	// DIFF syncs (ZKDatabase.commitLogCount).
	CommitLogCount int
	// SnapshotSizeFactor is zookeeper.snapshotSizeFactor: a learner is
	// synced from the txn log only if the log to send is at most this
	// fraction of the newest snapshot's size; otherwise it gets SNAP.
	// 0 means ZooKeeper's 0.33; negative disables the limit.
	SnapshotSizeFactor float64
	// CounterLimit is the highest zxid counter a leader will propose;
	// ZooKeeper's is 0xffffffff. Tests lower it to reach rollover quickly.
	CounterLimit uint32

	// MinSessionTimeout and MaxSessionTimeout bound negotiated session
	// timeouts in ms (default 2 and 20 ticks).
	MinSessionTimeout int32
	MaxSessionTimeout int32

	// FinalizeWait and MaxNotificationInterval are FastLeaderElection's
	// finalizeWait (200 ms) and maxNotificationInterval (60 s).
	FinalizeWait            int64
	MaxNotificationInterval int64

	// LeaderConnectRetryDelay is zookeeper.leaderConnectDelayDuringRetryMs
	// (100 ms): a learner whose connection to the leader failed tries
	// again after it (Learner.LeaderConnector.connectToLeader).
	LeaderConnectRetryDelay int64

	// ExtendedTypes is zookeeper.extendedTypesEnabled (TTL nodes).
	ExtendedTypes bool

	// ContainerCheckInterval is znode.container.checkIntervalMs: how often
	// the leader deletes empty containers and expired TTL nodes (60 s).
	// ContainerMaxPerMinute caps the deletions per minute (10000), and
	// ContainerMaxNeverUsed, if positive, also deletes containers that
	// never had a child after that long (maxNeverUsedIntervalMs).
	ContainerCheckInterval int64
	ContainerMaxPerMinute  int
	ContainerMaxNeverUsed  int64

	// QuorumSync makes sync a quorum operation, the fix ZOOKEEPER-1675
	// proposes: with no proposal outstanding the leader answers a sync
	// only after a quorum answered a PING sent after it (a round that
	// proves it still leads). Off is 3.8, which answers at once, so a
	// deposed leader that does not know it yet can answer a sync.
	QuorumSync bool

	// Bugs switches on re-created ZooKeeper bugs; all off is correct.
	Bugs Bugs
}

// Bugs are run-time switches for re-creations of real ZooKeeper bugs, each
// named by its JIRA id and documented where it deviates (grep for
// Bugs.ZKnnnn). The zero value is the correct server.
type Bugs struct {
	// ZK1419: the vote order lets equal zxids and a higher id beat a
	// higher epoch (FastLeaderElection.totalOrderPredicate before
	// ZOOKEEPER-1419), so the order is not transitive (voteBeats).
	ZK1419 bool
	// ZK3023: a follower ACKs a proposal when it is written, before its
	// fsync, and ACKs NEWLEADER with the DIFF's txns written but not
	// synced (Learner.syncWithLeader before ZOOKEEPER-3023 and 4646):
	// a crash then loses a txn a quorum acknowledged (learnerBroadcast,
	// learnerNewLeader).
	ZK3023 bool
	// ZK4643: a follower persists the new currentEpoch before the txns of
	// its DIFF sync are logged and synced (Learner.syncWithLeader before
	// ZOOKEEPER-4643's fix): a crash in between leaves it with the new
	// epoch and a short log, which then wins elections (learnerNewLeader).
	ZK4643 bool
	// ZK3911: a follower ACKs NEWLEADER with the DIFF's txns only in
	// memory and logs them after UPTODATE, while the leader starts
	// serving on the NEWLEADER quorum (Learner.syncWithLeader before
	// ZOOKEEPER-3911) (learnerNewLeader, learnerUpToDate).
	ZK3911 bool
	// ZK1277: the leader keeps proposing past the zxid counter limit,
	// so the counter carries into the epoch bits (Leader.propose before
	// ZOOKEEPER-1277's XidRolloverException) (propose).
	ZK1277 bool
	// ZK1208: a client's closeSession does not mark its session closing,
	// so a create-ephemeral queued behind it still passes checkSession
	// and outlives the session (PrepRequestProcessor before
	// ZOOKEEPER-1208's setSessionClosing) (leaderSubmit).
	ZK1208 bool
	// ZK2355: a follower takes a DIFF's zxid as its last processed zxid
	// before applying the DIFF's txns (Learner.syncWithLeader before
	// ZOOKEEPER-2355): if the sync breaks off, it rejoins claiming txns
	// it never applied, and an ephemeral whose closeSession was among
	// them outlives its session on that replica (learnerFirstSync).
	ZK2355 bool
	// ZK1046: a create's parent cversion is recomputed when the txn is
	// applied (the parent's plus one, and plus one again for a create
	// replayed over a snapshot that holds its node), not restored from
	// the txn's parentCVersion (DataTree.createNode and
	// FileTxnSnapLog.processTransaction before ZOOKEEPER-1046): replay
	// over a fuzzy snapshot leaves the parent's cversion, and with it the
	// sequential names, different from the other replicas' (database.apply).
	ZK1046 bool
}

const (
	millisecond int64 = 1e6
	second      int64 = 1e9
)

// WithDefaults fills unset fields with ZooKeeper's defaults.
func (c Config) WithDefaults() Config {
	if c.TickTime == 0 {
		c.TickTime = 2 * second
	}
	if c.InitLimit == 0 {
		c.InitLimit = 10
	}
	if c.SyncLimit == 0 {
		c.SyncLimit = 5
	}
	if c.SnapCount == 0 {
		c.SnapCount = 100000
	}
	if c.CommitLogCount == 0 {
		c.CommitLogCount = 500
	}
	if c.SnapshotSizeFactor == 0 {
		c.SnapshotSizeFactor = 0.33
	}
	if c.CounterLimit == 0 {
		c.CounterLimit = 0xffffffff
	}
	tickMs := int32(c.TickTime / millisecond)
	if c.MinSessionTimeout == 0 {
		c.MinSessionTimeout = 2 * tickMs
	}
	if c.MaxSessionTimeout == 0 {
		c.MaxSessionTimeout = 20 * tickMs
	}
	if c.ContainerCheckInterval == 0 {
		c.ContainerCheckInterval = 60 * second
	}
	if c.ContainerMaxPerMinute == 0 {
		c.ContainerMaxPerMinute = 10000
	}
	if c.LeaderConnectRetryDelay == 0 {
		c.LeaderConnectRetryDelay = 100 * millisecond
	}
	if c.FinalizeWait == 0 {
		c.FinalizeWait = 200 * millisecond
	}
	if c.MaxNotificationInterval == 0 {
		c.MaxNotificationInterval = 60 * second
	}
	return c
}

// Validate reports the first problem with a configuration, naming the field.
func (c Config) Validate() error {
	if len(c.Peers) == 0 {
		return errors.New("config: no servers (server.N lines)")
	}
	seen := map[ServerID]bool{}
	voters := 0
	for _, p := range c.Peers {
		if p.ID < 0 || p.ID >= 255 {
			return fmt.Errorf("config: server.%d: id must be in 0..254 (the top byte of session ids)", p.ID)
		}
		if seen[p.ID] {
			return fmt.Errorf("config: server.%d listed twice", p.ID)
		}
		seen[p.ID] = true
		if !p.Observer {
			voters++
		}
	}
	if !seen[c.ID] {
		return fmt.Errorf("config: myid %d is not among the servers", c.ID)
	}
	if voters == 0 {
		return errors.New("config: no voting servers")
	}
	switch {
	case c.TickTime <= 0:
		return fmt.Errorf("config: tickTime %d must be positive", c.TickTime)
	case c.InitLimit <= 0:
		return fmt.Errorf("config: initLimit %d must be positive", c.InitLimit)
	case c.SyncLimit <= 0:
		return fmt.Errorf("config: syncLimit %d must be positive", c.SyncLimit)
	case c.SnapCount < 2:
		return fmt.Errorf("config: snapCount %d must be at least 2", c.SnapCount)
	case c.MinSessionTimeout > c.MaxSessionTimeout:
		return fmt.Errorf("config: minSessionTimeout %d exceeds maxSessionTimeout %d", c.MinSessionTimeout, c.MaxSessionTimeout)
	case c.LeaderConnectRetryDelay < 0:
		return fmt.Errorf("config: leaderConnectDelayDuringRetryMs %d must not be negative", c.LeaderConnectRetryDelay/millisecond)
	case c.CounterLimit < 2:
		return fmt.Errorf("config: counter limit %d must be at least 2", c.CounterLimit)
	}
	return nil
}

// quorum holds the voting membership and does majority arithmetic
// (QuorumMaj). Voters are kept sorted so every iteration is deterministic.
type quorum struct {
	voters []ServerID
	voter  map[ServerID]bool
	all    []ServerID
}

func newQuorum(peers []Peer) quorum {
	q := quorum{voter: map[ServerID]bool{}}
	for _, p := range peers {
		q.all = append(q.all, p.ID)
		if !p.Observer {
			q.voters = append(q.voters, p.ID)
			q.voter[p.ID] = true
		}
	}
	sort.Slice(q.voters, func(i, j int) bool { return q.voters[i] < q.voters[j] })
	sort.Slice(q.all, func(i, j int) bool { return q.all[i] < q.all[j] })
	return q
}

func (q quorum) isVoter(id ServerID) bool { return q.voter[id] }

// has reports whether the voters among ids form a strict majority.
// serverSet is a set of server ids (0..254) without a map: a proposal's
// acknowledgements are counted on every ACK of every write.
type serverSet [4]uint64

func (s *serverSet) add(id ServerID)           { s[id>>6] |= 1 << (id & 63) }
func (s *serverSet) contains(id ServerID) bool { return s[id>>6]&(1<<(id&63)) != 0 }

// hasSet reports whether the set holds a majority of the voters.
func (q quorum) hasSet(ids *serverSet) bool {
	n := 0
	for _, v := range q.voters {
		if ids.contains(v) {
			n++
		}
	}
	return 2*n > len(q.voters)
}

func (q quorum) has(ids map[ServerID]bool) bool {
	n := 0
	for _, v := range q.voters {
		if ids[v] {
			n++
		}
	}
	return 2*n > len(q.voters)
}
