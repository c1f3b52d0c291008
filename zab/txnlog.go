package zab

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"sort"
	"strconv"
	"strings"
)

// The transaction log, as FileTxnLog keeps it: files named log.<zxid of the
// first txn in hex>, each opening with a header, then records
//
//	length u32 | crc32c(payload) u32 | payload | 'B'
//
// A crash may tear the last record of the last file; recovery truncates
// such a tail. A bad record anywhere else is corruption and stops the
// server, naming the file and offset.

var logMagic = []byte("ZKLG\x00\x00\x00\x02")

const (
	logHeaderSize  = 8
	recordOverhead = 9 // length, crc, end-of-record marker
	endOfRecord    = 'B'
	maxRecordSize  = 64 << 20
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// logPos locates one record of the txn log: 16 bytes, as a busy server
// keeps one per txn it ever logged. Its file is the logRun that holds it.
type logPos struct {
	entry *LogEntry
	off   uint32 // start of the record
	end   uint32 // offset just past it
}

// logRun names the file of a run of the log index: the records from first
// up to the next run's first. Invariant: runs are in index order and none
// is empty.
type logRun struct {
	name  string
	first int
}

// maxLogFileSize bounds a log file so that offsets fit a logPos. A file
// rolls at every snapshot; nothing near this is ever written.
const maxLogFileSize = 1<<32 - 1

func newLogPos(e *LogEntry, off, end int64) logPos {
	if off < 0 || end < off || end > maxLogFileSize {
		panic(fmt.Sprintf("log record %s at [%d, %d): past a log file's bound %d", e.Zxid(), off, end, int64(maxLogFileSize)))
	}
	return logPos{entry: e, off: uint32(off), end: uint32(end)}
}

// LogCorruptError says a record of the transaction log (or a snapshot) is
// corrupt where it cannot be a torn tail.
type LogCorruptError struct {
	File   string
	Offset int64
	Reason string
}

func (e *LogCorruptError) Error() string {
	return fmt.Sprintf("corrupt %s at offset %d: %s", e.File, e.Offset, e.Reason)
}

func logFileName(z Zxid) string  { return fmt.Sprintf("log.%016x", int64(z)) }
func snapFileName(z Zxid) string { return fmt.Sprintf("snapshot.%016x", int64(z)) }

// parseZxidName returns the zxid in "prefix.<hex>".
func parseZxidName(name, prefix string) (Zxid, bool) {
	rest, ok := strings.CutPrefix(name, prefix+".")
	if !ok {
		return 0, false
	}
	v, err := strconv.ParseUint(rest, 16, 64)
	if err != nil {
		return 0, false
	}
	return Zxid(v), true
}

// filesWithPrefix lists prefix.<zxid> files sorted by zxid.
func filesWithPrefix(d Disk, prefix string) []string {
	var names []string
	for _, n := range d.List() {
		if _, ok := parseZxidName(n, prefix); ok {
			names = append(names, n)
		}
	}
	sort.Slice(names, func(i, j int) bool {
		a, _ := parseZxidName(names[i], prefix)
		b, _ := parseZxidName(names[j], prefix)
		return a < b
	})
	return names
}

// appendRecord encodes e as a log record (length, crc32c, payload, end
// marker) at the end of dst, in place.
func appendRecord(dst []byte, e *LogEntry) []byte {
	start := len(dst)
	dst = append(dst, 0, 0, 0, 0, 0, 0, 0, 0)
	dst = encodeEntry(dst, e)
	payload := dst[start+8:]
	binary.BigEndian.PutUint32(dst[start:], uint32(len(payload)))
	binary.BigEndian.PutUint32(dst[start+4:], crc32.Checksum(payload, castagnoli))
	return append(dst, endOfRecord)
}

// readLogFile parses one log file. torn reports a bad or short record at
// the very end (the crash's torn tail), whose start is tornAt.
func readLogFile(name string, b []byte) (recs []logPos, torn bool, tornAt int64, err error) {
	if len(b) < logHeaderSize {
		return nil, true, 0, nil
	}
	if string(b[:logHeaderSize]) != string(logMagic) {
		return nil, false, 0, &LogCorruptError{File: name, Offset: 0, Reason: "bad log header"}
	}
	off := int64(logHeaderSize)
	for off < int64(len(b)) {
		e, end, reason := readRecord(b, off)
		if reason != "" {
			if end > int64(len(b)) {
				// The record runs past the end: a write cut short.
				return recs, true, off, nil
			}
			return recs, false, 0, &LogCorruptError{File: name, Offset: off, Reason: reason}
		}
		recs = append(recs, newLogPos(e, off, end))
		off = end
	}
	return recs, false, 0, nil
}

// readRecord parses the record at off. On failure it returns where the
// record would have ended — past the end of b for a record cut short — so
// the caller can tell a torn tail from a damaged record.
func readRecord(b []byte, off int64) (*LogEntry, int64, string) {
	rest := b[off:]
	if len(rest) < 8 {
		return nil, int64(len(b)) + 1, "short record header"
	}
	n := int64(binary.BigEndian.Uint32(rest))
	if n > maxRecordSize {
		return nil, off + 8, fmt.Sprintf("record length %d too large", n)
	}
	end := off + 8 + n + 1
	if end > int64(len(b)) {
		return nil, end, "record extends past end of file"
	}
	payload := rest[8 : 8+n]
	if crc32.Checksum(payload, castagnoli) != binary.BigEndian.Uint32(rest[4:]) {
		return nil, end, "checksum mismatch"
	}
	if rest[8+n] != endOfRecord {
		return nil, end, "missing end-of-record marker"
	}
	e, err := decodeEntry(payload)
	if err != nil {
		return nil, end, err.Error()
	}
	return e, end, ""
}
