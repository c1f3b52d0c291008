package cluster

import (
	"encoding/binary"
	"fmt"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
)

// recordLog holds every observation the servers reported, encoded: a run
// reports hundreds of thousands (each server's PROPOSAL, delivery and
// commit of every txn), and as Record values they were most of a world's
// heap. Records are only appended and read in order, so each is a few
// bytes of varints: its kind, server, the time since the previous record,
// and the fields its kind sets. A LogEntry is stored once, in entries, and
// named by its distance back from the newest; a digest equal to the one
// first seen with the same entry (every replica's, unless they diverge) is
// a bit. Decoding gives back the very values reported, the Entry pointers
// included.
type recordLog struct {
	// chunks hold the encoded records; a chunk never moves once allocated,
	// and a record never spans two.
	chunks [][]byte
	n      int
	lastAt sim.Time

	// entries are the LogEntries the records name, in order of first
	// appearance, with the digest first recorded with each (0: none yet),
	// in chunks of entryChunk that never move. Invariant: a digest once
	// set never changes.
	entries  [][]entrySlot
	nentries int
	// recent maps an entry to its index in entries by its zxid, one slot
	// per zxid modulo its size: the five deliveries of a txn name it
	// within a few hundred records. A miss only stores the entry again.
	recent [recentSlots]recentEntry

	// details interns Observation.Detail (sync modes, fatal reasons).
	details  []string
	detailID map[string]uint64
}

type entrySlot struct {
	e      *zab.LogEntry
	digest uint64
}

type recentEntry struct {
	e   *zab.LogEntry
	idx int
}

const (
	recentSlots = 4096
	entryChunk  = 1024
	recordChunk = 64 << 10
	// recordMax bounds one encoded record: the kind, server, time and
	// field bits, then up to eight varints and a raw digest.
	recordMax = 1 + 3*binary.MaxVarintLen64 + 8*binary.MaxVarintLen64 + 8
)

// Field bits of an encoded record: which fields follow, in this order. A
// field whose bit is clear is zero.
const (
	recEntry       = 1 << iota // uvarint: distance back from the newest entry stored
	recNewEntry                // Entry is stored by this record (no bytes)
	recZxidOfEntry             // Zxid is Entry's zxid (no bytes)
	recEntryDigest             // Digest is the one first seen with Entry (no bytes)
	recDigest                  // 8 bytes, little endian
	recZxid                    // varint
	recEpoch                   // varint
	recState                   // varint
	recLeader                  // varint
	recSession                 // varint
	recPeer                    // varint
	recDetail                  // uvarint: index in details
)

func (l *recordLog) len() int { return l.n }

// add appends r. Invariant: records come in time order.
func (l *recordLog) add(r *Record) {
	if r.At < l.lastAt {
		panic(fmt.Sprintf("record at %s after one at %s: records are reported in time order", r.At, l.lastAt))
	}
	n := len(l.chunks)
	if n == 0 || cap(l.chunks[n-1])-len(l.chunks[n-1]) < recordMax {
		// Chunks double up to recordChunk: a short run does not pay for
		// a long one's buffer.
		size := 1024
		if n > 0 {
			size = min(2*cap(l.chunks[n-1]), recordChunk)
		}
		l.chunks = append(l.chunks, make([]byte, 0, size))
		n++
	}
	before := len(l.chunks[n-1])
	l.chunks[n-1] = l.encode(l.chunks[n-1], r)
	if size := len(l.chunks[n-1]) - before; size > recordMax {
		panic(fmt.Sprintf("record %d encoded in %d bytes, past the bound %d", l.n, size, recordMax))
	}
	l.lastAt = r.At
	l.n++
}

func (l *recordLog) encode(b []byte, r *Record) []byte {
	o := &r.Obs
	var mask uint64
	var entry, detail uint64
	if o.Entry != nil {
		idx, stored := l.entryIndex(o.Entry)
		if stored {
			mask |= recNewEntry
		} else {
			mask |= recEntry
			entry = uint64(l.nentries - 1 - idx)
		}
		if o.Zxid == o.Entry.Zxid() {
			mask |= recZxidOfEntry
		}
		slot := l.entry(idx)
		if o.Digest != 0 && slot.digest == 0 {
			slot.digest = o.Digest
		}
		if o.Digest != 0 && o.Digest == slot.digest {
			mask |= recEntryDigest
		}
	}
	if o.Digest != 0 && mask&recEntryDigest == 0 {
		mask |= recDigest
	}
	if o.Zxid != 0 && mask&recZxidOfEntry == 0 {
		mask |= recZxid
	}
	mask |= bit(o.Epoch != 0, recEpoch) | bit(o.State != 0, recState) | bit(o.Leader != 0, recLeader) |
		bit(o.Session != 0, recSession) | bit(o.Peer != 0, recPeer)
	if o.Detail != "" {
		mask |= recDetail
		detail = l.detailIndex(o.Detail)
	}
	b = append(b, byte(o.Kind))
	b = binary.AppendVarint(b, int64(r.Server))
	b = binary.AppendUvarint(b, uint64(r.At-l.lastAt))
	b = binary.AppendUvarint(b, mask)
	if mask&recEntry != 0 {
		b = binary.AppendUvarint(b, entry)
	}
	if mask&recDigest != 0 {
		b = binary.LittleEndian.AppendUint64(b, o.Digest)
	}
	b = appendField(b, mask, recZxid, int64(o.Zxid))
	b = appendField(b, mask, recEpoch, int64(o.Epoch))
	b = appendField(b, mask, recState, int64(o.State))
	b = appendField(b, mask, recLeader, int64(o.Leader))
	b = appendField(b, mask, recSession, int64(o.Session))
	b = appendField(b, mask, recPeer, int64(o.Peer))
	if mask&recDetail != 0 {
		b = binary.AppendUvarint(b, detail)
	}
	return b
}

func appendField(b []byte, mask, bit uint64, v int64) []byte {
	if mask&bit == 0 {
		return b
	}
	return binary.AppendVarint(b, v)
}

func bit(set bool, b uint64) uint64 {
	if set {
		return b
	}
	return 0
}

// entryIndex is e's index in entries; stored says it was not recent and
// is stored now.
func (l *recordLog) entryIndex(e *zab.LogEntry) (idx int, stored bool) {
	slot := &l.recent[uint64(e.Zxid())%recentSlots]
	if slot.e == e {
		return slot.idx, false
	}
	if l.nentries == len(l.entries)*entryChunk {
		l.entries = append(l.entries, make([]entrySlot, entryChunk))
	}
	l.nentries++
	l.entry(l.nentries - 1).e = e
	*slot = recentEntry{e: e, idx: l.nentries - 1}
	return slot.idx, true
}

// entry is the slot of entry idx. Invariant: 0 <= idx < nentries.
func (l *recordLog) entry(idx int) *entrySlot {
	if idx < 0 || idx >= l.nentries {
		panic(fmt.Sprintf("record entry %d of %d", idx, l.nentries))
	}
	return &l.entries[idx/entryChunk][idx%entryChunk]
}

func (l *recordLog) detailIndex(s string) uint64 {
	if i, ok := l.detailID[s]; ok {
		return i
	}
	if l.detailID == nil {
		l.detailID = map[string]uint64{}
	}
	l.details = append(l.details, s)
	l.detailID[s] = uint64(len(l.details) - 1)
	return l.detailID[s]
}

// each decodes the records in order into r and calls fn; fn must not keep
// r, which the next record overwrites.
func (l *recordLog) each(fn func(r *Record)) {
	var d recordDecoder
	d.l = l
	var r Record
	for _, chunk := range l.chunks {
		d.b = chunk
		for len(d.b) > 0 {
			d.next(&r)
			fn(&r)
		}
	}
	if d.count != l.n || d.stored != l.nentries {
		panic(fmt.Sprintf("decoded %d records of %d, naming %d entries of %d", d.count, l.n, d.stored, l.nentries))
	}
}

type recordDecoder struct {
	l      *recordLog
	b      []byte
	at     sim.Time
	stored int // entries stored by the records decoded so far
	count  int
}

// field is the varint of a field if mask has its bit, else 0.
func (d *recordDecoder) field(mask, bit uint64) int64 {
	if mask&bit == 0 {
		return 0
	}
	return d.varint()
}

func (d *recordDecoder) next(r *Record) {
	*r = Record{}
	o := &r.Obs
	o.Kind = zab.ObsKind(d.b[0])
	d.b = d.b[1:]
	r.Server = zab.ServerID(d.varint())
	d.at += sim.Time(d.uvarint())
	r.At = d.at
	mask := d.uvarint()
	if mask&(recEntry|recNewEntry) != 0 {
		var idx int
		if mask&recNewEntry != 0 {
			idx = d.stored
			d.stored++
		} else {
			idx = d.stored - 1 - int(d.uvarint())
		}
		slot := d.l.entry(idx)
		o.Entry = slot.e
		if mask&recZxidOfEntry != 0 {
			o.Zxid = o.Entry.Zxid()
		}
		if mask&recEntryDigest != 0 {
			o.Digest = slot.digest
		}
	}
	if mask&recDigest != 0 {
		o.Digest = binary.LittleEndian.Uint64(d.b)
		d.b = d.b[8:]
	}
	if mask&recZxid != 0 {
		o.Zxid = zab.Zxid(d.varint())
	}
	o.Epoch = zab.Epoch(d.field(mask, recEpoch))
	o.State = zab.State(d.field(mask, recState))
	o.Leader = zab.ServerID(d.field(mask, recLeader))
	o.Session = zab.SessionID(d.field(mask, recSession))
	o.Peer = zab.ServerID(d.field(mask, recPeer))
	if mask&recDetail != 0 {
		o.Detail = d.l.details[d.uvarint()]
	}
	d.count++
}

func (d *recordDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		panic(fmt.Sprintf("record %d: bad varint", d.count))
	}
	d.b = d.b[n:]
	return v
}

func (d *recordDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		panic(fmt.Sprintf("record %d: bad uvarint", d.count))
	}
	d.b = d.b[n:]
	return v
}

// keptChunk is the size of a chunk of observations kept for the trace.
const keptChunk = 1024

// keepObs stores o for a kept trace, which prints it later, and returns
// where: chunks never move, and boxing each value would allocate.
func (c *Cluster) keepObs(o zab.Observation) *zab.Observation {
	n := len(c.kept)
	if n == 0 || len(c.kept[n-1]) == cap(c.kept[n-1]) {
		c.kept = append(c.kept, make([]zab.Observation, 0, keptChunk))
		n++
	}
	c.kept[n-1] = append(c.kept[n-1], o)
	return &c.kept[n-1][len(c.kept[n-1])-1]
}
