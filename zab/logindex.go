package zab

import (
	"fmt"
	"sort"
)

// logIndex mirrors the records of the txn log, one logPos each, in chunks
// that never move: a busy server logs hundreds of thousands of txns, and a
// slice of them would be copied (with a write barrier per entry) at every
// regrowth. A truncation keeps its chunks for the records that follow.
type logIndex struct {
	chunks [][]logPos // every chunk has logChunk elements
	n      int
}

const logChunk = 1024

func (x *logIndex) len() int { return x.n }

// at is record i. Invariant: 0 <= i < len().
func (x *logIndex) at(i int) *logPos {
	if i < 0 || i >= x.n {
		panic(fmt.Sprintf("log record %d of %d", i, x.n))
	}
	return &x.chunks[i/logChunk][i%logChunk]
}

func (x *logIndex) entry(i int) *LogEntry { return x.at(i).entry }

// last is the newest record's entry, nil if the log is empty.
func (x *logIndex) last() *LogEntry {
	if x.n == 0 {
		return nil
	}
	return x.entry(x.n - 1)
}

func (x *logIndex) add(p logPos) {
	if x.n == len(x.chunks)*logChunk {
		x.chunks = append(x.chunks, make([]logPos, logChunk))
	}
	x.n++
	*x.at(x.n - 1) = p
}

// truncate keeps the first n records.
func (x *logIndex) truncate(n int) {
	if n < 0 || n > x.n {
		panic(fmt.Sprintf("truncate a log of %d records to %d", x.n, n))
	}
	for i := n; i < x.n; i++ {
		*x.at(i) = logPos{} // let the entries go
	}
	x.n = n
}

// after is the index of the first record with a zxid past z (len() if none).
func (x *logIndex) after(z Zxid) int {
	return sort.Search(x.n, func(i int) bool { return x.entry(i).Zxid() > z })
}
