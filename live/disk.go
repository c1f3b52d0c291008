package live

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

// fileDisk is a zab.Disk on the files of one directory, used only from the
// node's loop. The simulated disk's contract holds:
//   - Append and WriteFile go to the OS at once but are durable only after
//     Fsync, which the node runs off the loop (fsyncWorker);
//   - Truncate, Remove and Rename are durable when they return (the file,
//     and for the latter two the directory, are synced in place);
//   - ReadFile returns a fresh copy;
//   - a file created since its last fsync may vanish on a machine crash,
//     so the first fsync of a new file also syncs the directory.
//
// The Disk interface has no error returns (the simulated disk cannot fail);
// a real I/O error is kept in err, and the node stops the server on it, as
// ZooKeeper exits when its transaction log cannot be written.
type fileDisk struct {
	dir string
	// open holds append handles by file name. Invariant: every handle is
	// for the file of that name now.
	open map[string]*os.File
	// fresh: files created and not yet fsynced (their directory entry is
	// not durable).
	fresh map[string]bool
	err   error
}

// openMax bounds the cached append handles; old log files are appended to
// no more once a new one is rolled.
const openMax = 8

func openDisk(dir string) (*fileDisk, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	return &fileDisk{dir: dir, open: map[string]*os.File{}, fresh: map[string]bool{}}, nil
}

func (d *fileDisk) path(name string) string {
	if name == "" || strings.ContainsAny(name, `/\`) || name == "." || name == ".." {
		panic(fmt.Sprintf("disk: bad file name %q", name))
	}
	return filepath.Join(d.dir, name)
}

func (d *fileDisk) fail(op, name string, err error) {
	if d.err == nil {
		d.err = fmt.Errorf("disk %s %s: %w", op, filepath.Join(d.dir, name), err)
	}
}

func (d *fileDisk) handle(name string) *os.File {
	if f := d.open[name]; f != nil {
		return f
	}
	if !d.Exists(name) {
		d.fresh[name] = true
	}
	f, err := os.OpenFile(d.path(name), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
	if err != nil {
		d.fail("open", name, err)
		return nil
	}
	if len(d.open) >= openMax {
		d.closeAll()
	}
	d.open[name] = f
	return f
}

func (d *fileDisk) drop(name string) {
	if f := d.open[name]; f != nil {
		f.Close()
		delete(d.open, name)
	}
}

func (d *fileDisk) closeAll() {
	for name := range d.open {
		d.drop(name)
	}
}

func (d *fileDisk) Append(name string, data []byte) {
	f := d.handle(name)
	if f == nil {
		return
	}
	if _, err := f.Write(data); err != nil {
		d.fail("append", name, err)
	}
}

func (d *fileDisk) WriteFile(name string, data []byte) {
	if !d.Exists(name) {
		d.fresh[name] = true
	}
	if err := os.WriteFile(d.path(name), data, 0o644); err != nil {
		d.fail("write", name, err)
	}
}

func (d *fileDisk) Truncate(name string, size int64) error {
	if size < 0 || size > d.Size(name) || !d.Exists(name) {
		return fmt.Errorf("truncate %s to %d: the file has %d bytes", name, size, d.Size(name))
	}
	f, err := os.OpenFile(d.path(name), os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("truncate %s: %w", name, err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		return fmt.Errorf("truncate %s: %w", name, err)
	}
	if err := f.Sync(); err != nil {
		d.fail("sync", name, err)
	}
	return nil
}

func (d *fileDisk) Remove(name string) {
	d.drop(name)
	delete(d.fresh, name)
	if err := os.Remove(d.path(name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		d.fail("remove", name, err)
		return
	}
	d.syncDir()
}

func (d *fileDisk) Rename(oldName, newName string) error {
	d.drop(oldName)
	d.drop(newName)
	if err := os.Rename(d.path(oldName), d.path(newName)); err != nil {
		return fmt.Errorf("rename %s: %w", oldName, err)
	}
	if d.fresh[oldName] {
		d.fresh[newName] = true
	} else {
		delete(d.fresh, newName)
	}
	delete(d.fresh, oldName)
	d.syncDir()
	return nil
}

func (d *fileDisk) syncDir() {
	if err := syncPath(d.dir); err != nil {
		d.fail("sync", ".", err)
	}
}

func syncPath(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

func (d *fileDisk) ReadFile(name string) ([]byte, bool) {
	b, err := os.ReadFile(d.path(name))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			d.fail("read", name, err)
		}
		return nil, false
	}
	return b, true
}

func (d *fileDisk) Exists(name string) bool {
	_, err := os.Stat(d.path(name))
	return err == nil
}

// List returns the regular files' names, sorted.
func (d *fileDisk) List() []string {
	entries, err := os.ReadDir(d.dir)
	if err != nil {
		d.fail("list", ".", err)
		return nil
	}
	var out []string
	for _, e := range entries {
		if e.Type().IsRegular() {
			out = append(out, e.Name())
		}
	}
	sort.Strings(out)
	return out
}

func (d *fileDisk) Size(name string) int64 {
	fi, err := os.Stat(d.path(name))
	if err != nil {
		return 0
	}
	return fi.Size()
}

// fsyncJob is one Fsync, taken on the loop: a handle opened at the call
// (so a rename or remove after it does not redirect the sync), and whether
// the directory entry must be made durable too.
type fsyncJob struct {
	file  string
	f     *os.File // nil if the file did not exist at the call
	dir   string   // non-empty: sync this directory after the file
	token uint64
}

// startFsync prepares an fsync of what name holds now.
func (d *fileDisk) startFsync(name string, token uint64) fsyncJob {
	job := fsyncJob{file: name, token: token}
	f, err := os.Open(d.path(name))
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			d.fail("open", name, err)
		}
		return job
	}
	job.f = f
	if d.fresh[name] {
		delete(d.fresh, name)
		job.dir = d.dir
	}
	return job
}

// run syncs the job's file; the caller reports it.
func (job fsyncJob) run() error {
	if job.f == nil {
		return nil
	}
	defer job.f.Close()
	if err := job.f.Sync(); err != nil {
		return fmt.Errorf("fsync %s: %w", job.file, err)
	}
	if job.dir != "" {
		return syncPath(job.dir)
	}
	return nil
}
