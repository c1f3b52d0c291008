package zab

import (
	"errors"
	"fmt"
	"sort"

	"github.com/zabsim/zabsim/tree"
)

// database is ZKDatabase with FileTxnSnapLog under it: the in-memory tree,
// the session table, the committed-proposal window for DIFF syncs, and the
// on-disk transaction log and snapshots.
type database struct {
	disk Disk
	cfg  *Config

	tree     *tree.Tree
	sessions map[SessionID]int32 // session → timeout (ms), as sessionsWithTimeouts

	// log mirrors every record of the retained log files, in zxid order,
	// and logRuns names their files.
	// Invariant: log[i].entry.Zxid() < log[i+1].entry.Zxid().
	log     logIndex
	logRuns []logRun
	logFile string // file new records go to; "" means roll before the next append
	logSize int64

	// committedLog holds the last applied proposals; window() is the last
	// CommitLogCount of them (ZKDatabase.committedLog). It is compacted
	// only when it has doubled, so applying a txn stays O(1) amortised
	// rather than shifting the whole window each time.
	committedLog []*LogEntry
	// applied counts txns applied since the last snapshot; snapEvery is
	// the randomised threshold (SyncRequestProcessor's randRoll).
	applied   int
	snapEvery int
	// initialSnap names the snapshot recover wrote for an empty database,
	// which the server must fsync.
	initialSnap string
	// snapZxid is the zxid of the snapshot recovery loaded.
	snapZxid Zxid
	// staleLogs are log files older than a SNAP's snapshot.
	staleLogs []string
	scratch   []byte
}

func newDatabase(disk Disk, cfg *Config) *database {
	return &database{disk: disk, cfg: cfg, tree: tree.New(), sessions: map[SessionID]int32{}}
}

// lastProcessed is the zxid of the last txn applied to the tree.
func (db *database) lastProcessed() Zxid { return Zxid(db.tree.LastZxid()) }

// lastLogged is the zxid of the last txn in the log, or of the tree if the
// log holds nothing newer (after a SNAP).
func (db *database) lastLogged() Zxid {
	z := db.lastProcessed()
	if e := db.log.last(); e != nil && e.Zxid() > z {
		z = e.Zxid()
	}
	return z
}

// lastLoggedEntry is the zxid of the last txn in the log, 0 if none.
func (db *database) lastLoggedEntry() Zxid {
	if e := db.log.last(); e != nil {
		return e.Zxid()
	}
	return 0
}

// recover loads the newest valid snapshot and replays the log after it
// (FileTxnSnapLog.restore). A torn tail of the last log file is cut off; any
// other bad record is an error naming the file and offset.
func (db *database) recover() error {
	snapZxid, err := db.loadNewestSnapshot()
	if err != nil {
		return err
	}
	db.snapZxid = max(snapZxid, 0)
	if err := db.readLog(); err != nil {
		return err
	}
	if snapZxid < 0 {
		if db.log.len() > 0 {
			return fmt.Errorf("no valid snapshot, but the transaction log has entries from %s", db.log.entry(0).Zxid())
		}
		// ZooKeeper snapshots an empty database at first start; the
		// caller fsyncs it before anything is logged after it.
		db.initialSnap = db.takeSnapshot(0)
	}
	db.replayAfter(db.lastProcessed(), Zxid(1<<62))
	return nil
}

// loadNewestSnapshot tries snapshots newest first and skips invalid ones,
// as FileSnap.findNValidSnapshots does. It returns -1 if none is valid.
func (db *database) loadNewestSnapshot() (Zxid, error) {
	names := filesWithPrefix(db.disk, "snapshot")
	for i := len(names) - 1; i >= 0; i-- {
		z, _ := parseZxidName(names[i], "snapshot")
		b, _ := db.disk.ReadFile(names[i])
		t, sessions, err := tree.DecodeSnapshot(b)
		if err != nil {
			continue // a snapshot cut short by a crash: use an older one
		}
		// A fuzzy snapshot may hold txns past its name; ZooKeeper replays
		// from the name, re-applying them idempotently. So do we.
		if z < Zxid(t.LastZxid()) {
			t.SetLastZxid(int64(z))
		}
		db.tree = t
		db.sessions = map[SessionID]int32{}
		for _, s := range sessions {
			db.sessions[SessionID(s.ID)] = s.Timeout
		}
		return z, nil
	}
	return -1, nil
}

// readLog indexes every log file, cutting a torn tail off the last one.
func (db *database) readLog() error {
	db.log.truncate(0)
	db.logRuns = db.logRuns[:0]
	files := filesWithPrefix(db.disk, "log")
	for _, name := range files {
		b, _ := db.disk.ReadFile(name)
		// A torn last record ends its file, whichever file it is: a crash
		// tears the file being written, recovery starts a new file, and a
		// later crash leaves the torn one in the middle (FileTxnIterator
		// moves to the next file at an EOF in the same way). Only a record
		// that is whole but wrong is corruption.
		recs, _, _, err := readLogFile(name, b)
		if err != nil {
			return err
		}
		if len(recs) > 0 {
			db.logRuns = append(db.logRuns, logRun{name: name, first: db.log.len()})
		}
		for _, r := range recs {
			if last := db.log.last(); last != nil && r.entry.Zxid() <= last.Zxid() {
				return &LogCorruptError{File: name, Offset: int64(r.off), Reason: fmt.Sprintf("zxid %s does not follow %s", r.entry.Zxid(), last.Zxid())}
			}
			db.log.add(r)
		}
	}
	db.logFile = "" // recovery always starts a new log file
	return nil
}

// replayAfter applies logged txns in (from, to] to the tree. Replaying a
// txn a fuzzy snapshot already holds is harmless: processTxn is idempotent.
func (db *database) replayAfter(from, to Zxid) {
	for i := db.log.after(from); i < db.log.len() && db.log.entry(i).Zxid() <= to; i++ {
		db.apply(db.log.entry(i))
	}
}

// fastForward applies every logged txn the tree lacks
// (ZKDatabase.fastForwardDataBase): a learner leaving its leader keeps its
// logged but uncommitted proposals, so its vote carries the last logged zxid.
func (db *database) fastForward() { db.replayAfter(db.lastProcessed(), Zxid(1<<62)) }

// appendTxn writes e to the log (unsynced). The caller fsyncs logFile.
func (db *database) appendTxn(e *LogEntry) {
	if last := db.log.last(); last != nil && e.Zxid() <= last.Zxid() {
		panic(fmt.Sprintf("append %s after %s: the log must grow in zxid order", e.Zxid(), last.Zxid()))
	}
	if db.logFile == "" {
		db.logFile = logFileName(e.Zxid())
		db.disk.WriteFile(db.logFile, logMagic)
		db.logSize = logHeaderSize
		db.logRuns = append(db.logRuns, logRun{name: db.logFile, first: db.log.len()})
	}
	// The disk copies what it is given: one scratch buffer serves every
	// record.
	db.scratch = appendRecord(db.scratch[:0], e)
	rec := db.scratch
	db.disk.Append(db.logFile, rec)
	db.log.add(newLogPos(e, db.logSize, db.logSize+int64(len(rec))))
	db.logSize += int64(len(rec))
}

// apply applies a committed txn to the tree and the session table.
func (db *database) apply(e *LogEntry) tree.Result {
	txn := e.Txn
	if db.cfg.Bugs.ZK1046 {
		// Before ZOOKEEPER-1046 a create did not carry the parent's
		// cversion: every replica recomputed it as it applied the txn.
		txn = tree.WithoutParentCVersion(txn)
	}
	r := db.tree.Apply(e.Hdr, txn)
	sid := SessionID(e.Hdr.SessionID)
	switch t := e.Txn.(type) {
	case tree.CreateSessionTxn:
		db.sessions[sid] = t.Timeout
	case tree.CloseSessionTxn:
		delete(db.sessions, sid)
	}
	db.committedLog = append(db.committedLog, e)
	if n, keep := len(db.committedLog), db.cfg.CommitLogCount; n >= 2*keep && n > 0 {
		copy(db.committedLog, db.committedLog[n-keep:])
		clear(db.committedLog[keep:])
		db.committedLog = db.committedLog[:keep]
	}
	db.applied++
	return r
}

// window is the committed-proposal window DIFF syncs are served from.
func (db *database) window() []*LogEntry {
	if over := len(db.committedLog) - db.cfg.CommitLogCount; over > 0 {
		return db.committedLog[over:]
	}
	return db.committedLog
}

// minCommitted and maxCommitted bound the committed window; with an empty
// window both are the last processed zxid (LearnerHandler.syncFollower).
func (db *database) committedRange() (minZ, maxZ Zxid) {
	w := db.window()
	if len(w) == 0 {
		z := db.lastProcessed()
		return z, z
	}
	return w[0].Zxid(), w[len(w)-1].Zxid()
}

// logFrom returns the logged txns from z (inclusive) up to the last
// processed one (ZKDatabase.getProposalsFromTxnLog). Like ZooKeeper it
// gives up unless the log holds z itself — starting later could skip txns,
// and a peer's zxid the log lacks must not be mistaken for a common prefix —
// and when the log to send is larger than SnapshotSizeFactor times the
// newest snapshot (calculateTxnLogSizeLimit): then a SNAP is cheaper.
func (db *database) logFrom(z Zxid) ([]*LogEntry, bool) {
	i := db.log.after(z - 1)
	if i == db.log.len() || db.log.entry(i).Zxid() != z {
		return nil, false
	}
	if f := db.cfg.SnapshotSizeFactor; f > 0 {
		var size int64
		for k := i; k < db.log.len(); k++ {
			p := db.log.at(k)
			size += int64(p.end - p.off)
		}
		if float64(size) > f*float64(db.newestSnapshotSize()) {
			return nil, false
		}
	}
	var out []*LogEntry
	last := db.lastProcessed()
	for ; i < db.log.len() && db.log.entry(i).Zxid() <= last; i++ {
		out = append(out, db.log.entry(i))
	}
	return out, true
}

// newestSnapshotSize is the size of the newest snapshot file on disk.
func (db *database) newestSnapshotSize() int64 {
	names := filesWithPrefix(db.disk, "snapshot")
	if len(names) == 0 {
		return 0
	}
	return db.disk.Size(names[len(names)-1])
}

// truncate drops every logged txn after z and reloads the tree from the
// newest snapshot at or before z plus the log (ZKDatabase.truncateLog).
// Snapshots newer than z are removed, lest they bring the txns back.
func (db *database) truncate(z Zxid) error {
	if err := db.cutLog(db.log.after(z)); err != nil {
		return err
	}
	for _, name := range filesWithPrefix(db.disk, "snapshot") {
		if sz, _ := parseZxidName(name, "snapshot"); sz > z {
			db.disk.Remove(name)
		}
	}
	db.logFile = ""
	db.committedLog = nil
	if _, err := db.loadNewestSnapshot(); err != nil {
		return err
	}
	db.replayAfter(db.lastProcessed(), z)
	if db.lastProcessed() < z {
		return fmt.Errorf("%w: the disk reaches only %s", errTruncateShort, db.lastProcessed())
	}
	return nil
}

// cutLog drops the log's records from index i on, on disk too: the file
// holding record i is cut at its start, and later files go.
func (db *database) cutLog(i int) error {
	if i >= db.log.len() {
		return nil
	}
	k := db.runOf(i)
	if err := db.disk.Truncate(db.logRuns[k].name, int64(db.log.at(i).off)); err != nil {
		return err
	}
	for _, r := range db.logRuns[k+1:] {
		if db.disk.Exists(r.name) {
			db.disk.Remove(r.name)
		}
	}
	db.log.truncate(i)
	db.logRuns = db.logRuns[:k+1]
	if db.logRuns[k].first == i {
		db.logRuns = db.logRuns[:k] // the cut emptied the run
	}
	return nil
}

// runOf is the index of the run holding record i of the log.
func (db *database) runOf(i int) int {
	if i < 0 || i >= db.log.len() || len(db.logRuns) == 0 || db.logRuns[0].first != 0 {
		panic(fmt.Sprintf("log record %d of %d: runs %v", i, db.log.len(), db.logRuns))
	}
	return sort.Search(len(db.logRuns), func(k int) bool { return db.logRuns[k].first > i }) - 1
}

// errTruncateShort: after a truncation the snapshot and log left no longer
// reach the zxid (the snapshot that held it went, and the log older than
// it went with an earlier SNAP: ZOOKEEPER-1549's shape). The learner
// re-syncs from what it has.
var errTruncateShort = errors.New("truncated below the zxid")

// restoreSnapshot replaces the tree with a leader's snapshot (SNAP). Logged
// txns past it belong to a history the leader does not have; drop them.
func (db *database) restoreSnapshot(b []byte) error {
	t, sessions, err := tree.DecodeSnapshot(b)
	if err != nil {
		return err
	}
	db.tree = t
	db.sessions = map[SessionID]int32{}
	for _, s := range sessions {
		db.sessions[SessionID(s.ID)] = s.Timeout
	}
	db.committedLog = nil
	if err := db.cutLog(db.log.after(db.lastProcessed())); err != nil {
		return err
	}
	// What is left is older than the snapshot and may be of another
	// history: DIFFs must not be served from it. Its files go once the
	// snapshot is durable (dropStaleLogs).
	db.staleLogs = db.staleLogs[:0]
	for _, r := range db.logRuns {
		db.staleLogs = append(db.staleLogs, r.name)
	}
	db.log.truncate(0)
	db.logRuns = db.logRuns[:0]
	db.logFile = ""
	return nil
}

// dropStaleLogs removes the log files a SNAP made obsolete, once its
// snapshot is durable. NB: ZooKeeper keeps them, and a leader's
// getProposalsFromTxnLog can then read txns of a discarded history into a
// DIFF after a restart; we do not model that exposure.
func (db *database) dropStaleLogs() {
	for _, name := range db.staleLogs {
		db.disk.Remove(name)
	}
	db.staleLogs = nil
}

// snapshotBytes encodes the tree and sessions (what SNAP carries).
func (db *database) snapshotBytes() []byte {
	ids := make([]SessionID, 0, len(db.sessions))
	for id := range db.sessions {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	sessions := make([]tree.Session, len(ids))
	for i, id := range ids {
		sessions[i] = tree.Session{ID: int64(id), Timeout: db.sessions[id]}
	}
	return tree.EncodeSnapshot(db.tree, sessions)
}

// takeSnapshot writes snapshot.<label> and rolls the log, so the next txn
// opens a new file. label may be older than the tree's last zxid: a fuzzy
// snapshot, whose replay re-applies a few txns (processTxn is idempotent).
// It returns the file name; the caller fsyncs it.
func (db *database) takeSnapshot(label Zxid) string {
	name := snapFileName(label)
	db.disk.WriteFile(name, db.snapshotBytes())
	db.logFile = ""
	db.applied = 0
	return name
}
