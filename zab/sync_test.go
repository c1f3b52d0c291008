package zab

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/zabsim/zabsim/tree"
)

// syncLeader builds a leader's database that committed zxids, keeping a
// committed window of three, and drops the first `purged` log records as a
// purge after a snapshot would.
func syncLeader(purged int, sizeFactor float64, zxids ...Zxid) *Server {
	cfg := &Config{CommitLogCount: 3, SnapshotSizeFactor: sizeFactor}
	db := newDatabase(&memDisk{}, cfg)
	db.takeSnapshot(0)
	for _, z := range zxids {
		e := &LogEntry{Hdr: tree.TxnHeader{SessionID: int64(z), Zxid: int64(z), Type: tree.OpCreateSession},
			Txn: tree.CreateSessionTxn{Timeout: 4000}}
		db.appendTxn(e)
		db.apply(e)
	}
	var kept logIndex
	for i := purged; i < db.log.len(); i++ {
		kept.add(*db.log.at(i))
	}
	db.log = kept
	for k := range db.logRuns {
		db.logRuns[k].first = max(db.logRuns[k].first-purged, 0)
	}
	return &Server{db: db}
}

// renderPlan prints a plan as "SNAP" or its packets, "DIFF 0x..." etc.
func renderPlan(p syncPlan) string {
	var parts []string
	if p.needSnap {
		parts = append(parts, "SNAP")
	}
	for _, pk := range p.packets {
		parts = append(parts, fmt.Sprintf("%s %s", pk.Type, pk.Zxid))
	}
	return strings.Join(parts, ", ")
}

func TestSyncModeChoice(t *testing.T) {
	z := MakeZxid
	history := []Zxid{z(1, 1), z(1, 2), z(1, 3), z(1, 4), z(1, 5), z(2, 1), z(2, 2)}
	// The committed window holds 1:5, 2:1, 2:2.
	for _, tt := range []struct {
		name     string
		purged   int
		peerLast Zxid
		want     string
		queued   Zxid
	}{
		{"up to date: empty DIFF", 0, z(2, 2),
			"DIFF 0x200000002", z(2, 2)},
		{"inside the committed window: DIFF", 0, z(2, 1),
			"DIFF 0x200000002, PROPOSAL 0x200000002, COMMIT 0x200000002", z(2, 2)},
		{"new-epoch zxid inside the window: DIFF from the epoch's start", 0, z(2, 0),
			"DIFF 0x200000002, PROPOSAL 0x200000001, COMMIT 0x200000001, PROPOSAL 0x200000002, COMMIT 0x200000002", z(2, 2)},
		{"behind the window, the log reaches: DIFF from the txn log", 0, z(1, 3),
			"DIFF 0x200000002, PROPOSAL 0x100000004, COMMIT 0x100000004, PROPOSAL 0x100000005, COMMIT 0x100000005, " +
				"PROPOSAL 0x200000001, COMMIT 0x200000001, PROPOSAL 0x200000002, COMMIT 0x200000002", z(2, 2)},
		{"behind the window, the log was purged: SNAP", 3, z(1, 1),
			"SNAP", z(2, 2)},
		{"ahead of the leader in its last epoch: TRUNC", 0, z(2, 5),
			"TRUNC 0x200000002", z(2, 2)},
		{"a txn the leader never had, in an older epoch: SNAP (no TRUNC across epochs)", 0, z(1, 6),
			"SNAP", z(2, 2)},
		{"empty learner behind the window: SNAP (the log does not hold its zxid)", 0, 0,
			"SNAP", z(2, 2)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			s := syncLeader(tt.purged, -1, history...)
			p := s.planSync(tt.peerLast)
			assert.Equal(t, tt.want, renderPlan(p))
			assert.Equal(t, tt.queued, p.lastQueued)
		})
	}
}

func TestSyncFromLogLimitedBySnapshotSize(t *testing.T) {
	z := MakeZxid
	history := []Zxid{z(1, 1), z(1, 2), z(1, 3), z(1, 4), z(1, 5), z(1, 6)}
	// The only snapshot is the empty tree's, far smaller than the log:
	// ZooKeeper's 0.33 factor sends a SNAP rather than the log.
	s := syncLeader(0, 0.33, history...)
	assert.Equal(t, "SNAP", renderPlan(s.planSync(z(1, 1))))
	s = syncLeader(0, 1e9, history...)
	assert.Contains(t, renderPlan(s.planSync(z(1, 1))), "DIFF 0x100000006, PROPOSAL 0x100000002")
}
