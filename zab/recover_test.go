package zab

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/tree"
)

// logOf writes zxids into a fresh disk as a log (after an empty snapshot),
// starting a new log file at each zxid in rollAt.
func logOf(zxids []Zxid, rollAt map[Zxid]bool) *memDisk {
	d := &memDisk{}
	db := newDatabase(d, &Config{})
	db.takeSnapshot(0)
	for _, z := range zxids {
		if rollAt[z] {
			db.logFile = ""
		}
		db.appendTxn(&LogEntry{Hdr: tree.TxnHeader{SessionID: int64(z), Zxid: int64(z), Type: tree.OpCreateSession},
			Txn: tree.CreateSessionTxn{Timeout: 4000}})
	}
	return d
}

func recoverFrom(d *memDisk) (*database, error) {
	db := newDatabase(d, &Config{})
	return db, db.recover()
}

func TestRecoverToleratesATornTailInAnyFile(t *testing.T) {
	z := func(c uint32) Zxid { return MakeZxid(1, c) }
	d := logOf([]Zxid{z(1), z(2), z(3)}, nil)
	files := filesWithPrefix(d, "log")
	require.Len(t, files, 1)
	first := files[0]
	// Tear the last record of the first file, then a later file follows it
	// (the server restarted and logged on).
	b, _ := d.ReadFile(first)
	require.NoError(t, d.Truncate(first, int64(len(b)-5)))
	db, err := recoverFrom(d)
	require.NoError(t, err)
	assert.Equal(t, z(2), db.lastProcessed(), "the torn record is dropped")
	db.appendTxn(&LogEntry{Hdr: tree.TxnHeader{SessionID: 9, Zxid: int64(z(3)), Type: tree.OpCreateSession}, Txn: tree.CreateSessionTxn{Timeout: 4000}})
	db, err = recoverFrom(d)
	require.NoError(t, err, "a torn record in a file that is no longer the last")
	assert.Equal(t, z(3), db.lastProcessed())
	assert.Len(t, filesWithPrefix(d, "log"), 2)
}

func TestRecoverRefusesADamagedRecord(t *testing.T) {
	z := func(c uint32) Zxid { return MakeZxid(1, c) }
	for _, tt := range []struct {
		name   string
		damage func(b []byte) []byte
	}{
		{"a flipped payload byte", func(b []byte) []byte { b[logHeaderSize+12] ^= 0xff; return b }},
		{"a flipped byte of the last record", func(b []byte) []byte { b[len(b)-3] ^= 0x01; return b }},
		{"a lost end-of-record marker", func(b []byte) []byte { b[len(b)-1] = 'X'; return b }},
		{"a bad header", func(b []byte) []byte { b[0] = 'x'; return b }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			d := logOf([]Zxid{z(1), z(2), z(3)}, nil)
			name := filesWithPrefix(d, "log")[0]
			b, _ := d.ReadFile(name)
			d.WriteFile(name, tt.damage(b))
			_, err := recoverFrom(d)
			var lce *LogCorruptError
			require.True(t, errors.As(err, &lce), "got %v", err)
			assert.Equal(t, name, lce.File)
			assert.Contains(t, err.Error(), name)
		})
	}
}

func TestServerStopsOnACorruptLog(t *testing.T) {
	n := newTestNet(t, 3, 0, nil)
	d := logOf([]Zxid{MakeZxid(1, 1), MakeZxid(1, 2)}, nil)
	name := filesWithPrefix(d, "log")[0]
	b, _ := d.ReadFile(name)
	b[logHeaderSize+10] ^= 0x40
	d.WriteFile(name, b)
	n.envs[1].disk = *d
	n.startAll()
	n.runFor(second)
	var fatal []string
	for _, o := range n.envs[1].obs {
		if o.Kind == ObsFatal {
			fatal = append(fatal, o.Detail)
		}
	}
	require.Len(t, fatal, 1)
	assert.Contains(t, fatal[0], name)
	assert.Contains(t, fatal[0], "offset")
}

func TestRecoverSkipsACorruptSnapshotForAnOlderOne(t *testing.T) {
	z := func(c uint32) Zxid { return MakeZxid(1, c) }
	d := logOf([]Zxid{z(1), z(2)}, nil)
	db, err := recoverFrom(d)
	require.NoError(t, err)
	name := db.takeSnapshot(z(2))
	db.appendTxn(&LogEntry{Hdr: tree.TxnHeader{SessionID: 3, Zxid: int64(z(3)), Type: tree.OpCreateSession}, Txn: tree.CreateSessionTxn{Timeout: 4000}})
	b, _ := d.ReadFile(name)
	d.WriteFile(name, b[:len(b)/2]) // cut short by a crash
	db, err = recoverFrom(d)
	require.NoError(t, err)
	assert.Equal(t, z(3), db.lastProcessed(), "the older snapshot plus the whole log")
}

// A SNAP replaces the history: the log older than it may be of a discarded
// history (here epoch 1's txns 3 and 4 that the new leader never had), so
// no DIFF may be served from it, and once the snapshot is durable its
// files go, lest a restart index them again.
func TestSnapSyncRetiresTheOlderLog(t *testing.T) {
	z := func(e, c uint32) Zxid { return MakeZxid(Epoch(e), c) }
	d := logOf([]Zxid{z(1, 1), z(1, 2), z(1, 3), z(1, 4)}, nil)
	db, err := recoverFrom(d)
	require.NoError(t, err)

	// The leader's history: epoch 1's first two txns, then epoch 2's.
	leader := newDatabase(&memDisk{}, &Config{})
	leader.takeSnapshot(0)
	for _, x := range []Zxid{z(1, 1), z(1, 2), z(2, 1)} {
		e := &LogEntry{Hdr: tree.TxnHeader{SessionID: int64(x), Zxid: int64(x), Type: tree.OpCreateSession}, Txn: tree.CreateSessionTxn{Timeout: 4000}}
		leader.appendTxn(e)
		leader.apply(e)
	}
	require.NoError(t, db.restoreSnapshot(leader.snapshotBytes()))
	assert.Equal(t, z(2, 1), db.lastProcessed())
	_, ok := db.logFrom(z(1, 2))
	assert.False(t, ok, "no DIFF from a log that is not this history")

	name := db.takeSnapshot(db.lastProcessed())
	db.dropStaleLogs()
	assert.Empty(t, filesWithPrefix(d, "log"))
	assert.True(t, d.Exists(name))

	again, err := recoverFrom(d)
	require.NoError(t, err)
	assert.Equal(t, z(2, 1), again.lastProcessed())
	assert.Equal(t, z(2, 1), again.snapZxid)
	assert.Zero(t, again.log.len(), "nothing of epoch 1's discarded txns comes back")
}
