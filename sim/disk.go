package sim

import (
	"fmt"
	"sort"
)

// Disk is a node's storage: named files whose writes sit in a buffer until
// an fsync makes them durable. A crash puts every file back to what its
// last completed fsync made durable (a file never synced vanishes), and may
// leave a torn tail: a strict prefix of the bytes appended since. Remove,
// Rename and Truncate are durable at once, as metadata changes are on a
// journaling file system whose journal the next fsync of any file commits
// in order: the usual write-temp, fsync, rename dance is atomic here, and a
// log cut back (ZooKeeper's TRUNC) never grows its old tail again.
type Disk struct {
	files     map[string]*file
	lastFsync Time
}

type file struct {
	// data is the content as a list of chunks. Bytes below a chunk's
	// length are never changed in place — appends go into spare capacity
	// or a new chunk; Truncate and WriteFile build new chunks — so an
	// fsync can capture the content by copying chunk headers, and a long
	// log grows without ever being copied whole.
	data    []chunk
	size    int64
	synced  snap // the durable content
	durable bool // false: the file would vanish in a crash
	pending []*fsyncOp
}

// snap is a file's content at one moment, without copying it: the chunk
// list (whose last header may grow later in the shared array) and the last
// chunk's length then.
type snap struct {
	chunks  []chunk
	lastLen int
}

func (s snap) bytes() []byte {
	var out []byte
	for i, c := range s.chunks {
		if i == len(s.chunks)-1 {
			c = c[:s.lastLen]
		}
		out = append(out, c...)
	}
	return out
}

func (s snap) size() int64 {
	var n int64
	for i, c := range s.chunks {
		if i == len(s.chunks)-1 {
			n += int64(s.lastLen)
		} else {
			n += int64(len(c))
		}
	}
	return n
}

// clip is the content cut to at most size bytes.
func (s snap) clip(size int64) snap {
	if s.size() <= size {
		return s
	}
	b := s.bytes()[:size]
	if len(b) == 0 {
		return snap{}
	}
	return snap{chunks: []chunk{b}, lastLen: len(b)}
}

type chunk []byte

const (
	minChunk  = 256
	chunkSize = 64 << 10
)

// fsyncOp is an fsync in flight: what the file held at the call.
type fsyncOp struct {
	f    *file
	snap snap
}

func newDisk() *Disk { return &Disk{files: make(map[string]*file)} }

func (d *Disk) get(name string) *file {
	f := d.files[name]
	if f == nil {
		f = &file{}
		d.files[name] = f
	}
	return f
}

func (f *file) append(b []byte) {
	for len(b) > 0 {
		n := len(f.data)
		if n == 0 || len(f.data[n-1]) == cap(f.data[n-1]) {
			// Chunks double from small up to chunkSize: an epoch file
			// costs bytes, not a 64 KiB buffer, and a log still grows in
			// big chunks.
			size := minChunk
			if n > 0 {
				size = min(2*cap(f.data[n-1]), chunkSize)
			}
			f.data = append(f.data, make(chunk, 0, max(size, len(b))))
			n++
		}
		last := f.data[n-1]
		k := min(cap(last)-len(last), len(b))
		f.data[n-1] = append(last, b[:k]...)
		f.size += int64(k)
		b = b[k:]
	}
}

func (f *file) bytes() []byte {
	out := make([]byte, 0, f.size)
	for _, c := range f.data {
		out = append(out, c...)
	}
	return out
}

// snapshot captures the content in O(1).
func (f *file) snapshot() snap {
	n := len(f.data)
	if n == 0 {
		return snap{}
	}
	return snap{chunks: f.data[:n:n], lastLen: len(f.data[n-1])}
}

func (f *file) set(b []byte) {
	f.data, f.size = nil, 0
	f.append(b)
}

// Append adds data at the end of a file, creating it if needed.
func (d *Disk) Append(name string, data []byte) { d.get(name).append(data) }

// WriteFile replaces a file's content, creating it if needed.
func (d *Disk) WriteFile(name string, data []byte) { d.get(name).set(data) }

// Truncate cuts a file to size bytes.
func (d *Disk) Truncate(name string, size int64) error {
	f := d.files[name]
	if f == nil {
		return fmt.Errorf("truncate %s: no such file", name)
	}
	if size < 0 || size > f.size {
		return fmt.Errorf("truncate %s to %d: the file has %d bytes", name, size, f.size)
	}
	f.set(f.bytes()[:size])
	// The cut is durable, and fsyncs still in flight cannot bring the
	// tail back when they complete.
	f.synced = f.synced.clip(size)
	for _, op := range f.pending {
		op.snap = op.snap.clip(size)
	}
	return nil
}

// Remove deletes a file; removing a missing file is a no-op.
func (d *Disk) Remove(name string) { delete(d.files, name) }

// Rename moves a file, replacing any file of the new name.
func (d *Disk) Rename(oldName, newName string) error {
	f := d.files[oldName]
	if f == nil {
		return fmt.Errorf("rename %s: no such file", oldName)
	}
	delete(d.files, oldName)
	d.files[newName] = f
	return nil
}

// ReadFile returns a copy of a file's content.
func (d *Disk) ReadFile(name string) ([]byte, bool) {
	f := d.files[name]
	if f == nil {
		return nil, false
	}
	return f.bytes(), true
}

// Exists reports whether a file exists.
func (d *Disk) Exists(name string) bool { return d.files[name] != nil }

// List returns the file names, sorted.
func (d *Disk) List() []string {
	out := make([]string, 0, len(d.files))
	for name := range d.files {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

// Size is a file's length (0 if missing).
func (d *Disk) Size(name string) int64 {
	if f := d.files[name]; f != nil {
		return f.size
	}
	return 0
}

// Durable is how many bytes of a file would survive a crash now (-1 if the
// file would vanish).
func (d *Disk) Durable(name string) int64 {
	f := d.files[name]
	if f == nil || !f.durable {
		return -1
	}
	return f.synced.size()
}

func (d *Disk) startFsync(name string) *fsyncOp {
	f := d.files[name]
	if f == nil {
		return &fsyncOp{}
	}
	op := &fsyncOp{f: f, snap: f.snapshot()}
	f.pending = append(f.pending, op)
	return op
}

func (d *Disk) finishFsync(op *fsyncOp) {
	f := op.f
	if f == nil {
		return
	}
	for i, p := range f.pending {
		if p == op {
			f.pending = append(f.pending[:i], f.pending[i+1:]...)
			break
		}
	}
	f.synced = op.snap
	f.durable = true
}

// Crash reverts every file to its durable content; with torn, a file whose
// unsynced bytes extend its durable content keeps a random strict prefix
// of them.
func (d *Disk) Crash(torn bool, r *Rand) { d.crash(torn, r) }

func (d *Disk) crash(torn bool, r *Rand) {
	for _, name := range d.List() {
		f := d.files[name]
		if !f.durable {
			delete(d.files, name)
			continue
		}
		synced := f.synced.bytes()
		keep := synced
		if torn {
			data := f.bytes()
			if isPrefix(synced, data) && len(data)-len(synced) >= 2 {
				tail := len(data) - len(synced)
				keep = data[:len(synced)+1+r.Intn(tail-1)]
			}
		}
		f.set(keep)
		f.synced = f.snapshot()
		f.pending = nil
	}
}

func isPrefix(p, b []byte) bool {
	if len(p) > len(b) {
		return false
	}
	for i := range p {
		if p[i] != b[i] {
			return false
		}
	}
	return true
}
