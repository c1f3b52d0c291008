package sim

import (
	"fmt"
	"sort"
)

// Disk is a node's storage: named files whose writes sit in a buffer until
// an fsync makes them durable. A crash puts every file back to what its
// last completed fsync made durable (a file never synced vanishes), and may
// leave a torn tail: a strict prefix of the bytes appended since. Remove
// and Rename are durable at once (as if the directory were synced with
// them): the usual write-temp, fsync, rename dance is atomic here.
type Disk struct {
	files     map[string]*file
	lastFsync Time
}

type file struct {
	data []byte
	// synced is the durable content, or nil with durable false if the
	// file would vanish. Bytes of data below len(data) are never changed
	// in place (Truncate and WriteFile replace the slice), so synced may
	// share data's array.
	synced  []byte
	durable bool
}

// fsyncOp is an fsync in flight: what the file held at the call.
type fsyncOp struct {
	f    *file
	snap []byte
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

// Append adds data at the end of a file, creating it if needed.
func (d *Disk) Append(name string, data []byte) {
	f := d.get(name)
	f.data = append(f.data, data...)
}

// WriteFile replaces a file's content, creating it if needed.
func (d *Disk) WriteFile(name string, data []byte) {
	d.get(name).data = append([]byte(nil), data...)
}

// Truncate cuts a file to size bytes.
func (d *Disk) Truncate(name string, size int64) error {
	f := d.files[name]
	if f == nil {
		return fmt.Errorf("truncate %s: no such file", name)
	}
	if size < 0 || size > int64(len(f.data)) {
		return fmt.Errorf("truncate %s to %d: the file has %d bytes", name, size, len(f.data))
	}
	f.data = append([]byte(nil), f.data[:size]...)
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
	return append([]byte(nil), f.data...), true
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
		return int64(len(f.data))
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
	return int64(len(f.synced))
}

func (d *Disk) startFsync(name string) *fsyncOp {
	f := d.files[name]
	if f == nil {
		return &fsyncOp{}
	}
	return &fsyncOp{f: f, snap: f.data[:len(f.data):len(f.data)]}
}

func (d *Disk) finishFsync(op *fsyncOp) {
	if op.f == nil {
		return
	}
	op.f.synced = op.snap
	op.f.durable = true
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
		keep := f.synced
		if torn && isPrefix(f.synced, f.data) && len(f.data)-len(f.synced) >= 2 {
			tail := len(f.data) - len(f.synced)
			keep = f.data[:len(f.synced)+1+r.Intn(tail-1)]
		}
		f.data = append([]byte(nil), keep...)
		f.synced = f.data[:len(f.data):len(f.data)]
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
