package checker

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// What ZooKeeper promises for reads, short of linearizability: a read is
// answered from some server's tree after some prefix of the agreed commit
// sequence — the prefix up to the zxid its reply carries — and a session
// never sees that zxid go backwards, across reconnects too (so it reads
// its own writes).
var (
	ErrReadAtZxid   = errors.New("a read answered at zxid Z shows the tree after the commits up to Z")
	ErrSessionOrder = errors.New("a session's zxids never go backwards, and it reads its own writes")
	// ErrSyncRead is the strict reading of sync: ZooKeeper documents
	// sync+read as "the latest", but a leader that does not yet know it
	// was deposed can answer a sync (ZOOKEEPER-1675), so by default a
	// stale read after sync is Allowed, not a violation.
	ErrSyncRead = errors.New("a read after sync sees every write acknowledged before the sync was called")
)

// ReadOptions tune Reads.
type ReadOptions struct {
	// StrictSync makes a stale read after sync a violation.
	StrictSync bool
}

// rnode is a node of the replayed tree.
type rnode struct {
	data     []byte
	version  int32
	owner    int64
	children map[string]struct{}
}

// replay is the agreed commit sequence applied to a naive tree.
type replay struct {
	nodes map[string]*rnode
}

func newReplay() *replay {
	return &replay{nodes: map[string]*rnode{"/": {children: map[string]struct{}{}}}}
}

func (r *replay) create(path string, data []byte, owner int64) {
	if _, ok := r.nodes[path]; ok {
		return
	}
	parent := r.nodes[parentOf(path)]
	if parent == nil {
		return
	}
	parent.children[path[strings.LastIndexByte(path, '/')+1:]] = struct{}{}
	r.nodes[path] = &rnode{data: data, owner: owner, children: map[string]struct{}{}}
}

func (r *replay) remove(path string) {
	if _, ok := r.nodes[path]; !ok {
		return
	}
	delete(r.nodes, path)
	if parent := r.nodes[parentOf(path)]; parent != nil {
		delete(parent.children, path[strings.LastIndexByte(path, '/')+1:])
	}
}

func (r *replay) apply(session int64, txn tree.Txn) {
	switch t := txn.(type) {
	case tree.CreateTxn:
		owner := int64(0)
		if t.Ephemeral {
			owner = session
		}
		r.create(t.Path, t.Data, owner)
	case tree.CreateContainerTxn:
		r.create(t.Path, t.Data, 0) // clients see containers' and TTL nodes' owner as 0
	case tree.CreateTTLTxn:
		r.create(t.Path, t.Data, 0)
	case tree.DeleteTxn:
		r.remove(t.Path)
	case tree.SetDataTxn:
		if n := r.nodes[t.Path]; n != nil {
			n.data, n.version = t.Data, t.Version
		}
	case tree.CloseSessionTxn:
		for _, p := range t.Paths {
			r.remove(p)
		}
		var left []string
		for p, n := range r.nodes {
			if n.owner == session && session != 0 {
				left = append(left, p)
			}
		}
		sort.Strings(left)
		for _, p := range left {
			r.remove(p)
		}
	case tree.MultiTxn:
		for _, s := range t.Txns {
			if s.Type == tree.OpError {
				return // a failed multi changes nothing
			}
		}
		for _, s := range t.Txns {
			r.apply(session, s.Txn)
		}
	}
}

// readOp is a read to check against the replay at its zxid.
type readOp struct {
	op *client.Op
	at zab.Zxid
}

// answered reports whether a server answered the op (not failed by the
// client before sending, nor left unknown).
func answered(op *client.Op) bool { return op.Outcome == client.OK && op.Sent }

// Reads checks every answered read against the tree after the commits up
// to its reply's zxid, every session's zxids for order, and each session's
// first read after a sync for staleness.
//
// Without records (a real ensemble keeps none) only the history's own
// checks run: session order and reads after sync.
func Reads(h *client.History, recs []cluster.Record, opt ReadOptions) Verdict {
	var v Verdict
	ops := h.Ops() // once: the checks keep pointers to ops
	checkSessionOrder(ops, &v)
	checkSyncReads(ops, &v, opt.StrictSync)
	if recs == nil {
		return v
	}

	var reads []readOp
	for i := range ops {
		op := &ops[i]
		if !answered(op) {
			continue
		}
		switch op.Type {
		case tree.OpGetData, tree.OpExists, tree.OpGetChildren, tree.OpGetChildren2:
			if op.Err == tree.OK || op.Err == tree.NoNode {
				reads = append(reads, readOp{op: op, at: op.Zxid})
			}
		}
	}
	sort.SliceStable(reads, func(i, j int) bool { return reads[i].at < reads[j].at })

	type entry struct {
		zxid zab.Zxid
		e    *zab.LogEntry
	}
	seen := map[zab.Zxid]bool{}
	var log []entry
	for _, r := range recs {
		if (r.Obs.Kind == zab.ObsDeliver || r.Obs.Kind == zab.ObsCommitted) && !seen[r.Obs.Zxid] {
			seen[r.Obs.Zxid] = true
			log = append(log, entry{r.Obs.Zxid, r.Obs.Entry})
		}
	}
	sort.Slice(log, func(i, j int) bool { return log[i].zxid < log[j].zxid })

	rp := newReplay()
	next := 0
	bad := 0
	for _, rd := range reads {
		for next < len(log) && log[next].zxid <= rd.at {
			rp.apply(log[next].e.Hdr.SessionID, log[next].e.Txn)
			next++
		}
		if why := rp.check(rd.op); why != "" {
			bad++
			if bad <= 5 {
				v.add(ErrReadAtZxid, rd.op.String(), "at %s the agreed commits give %s", rd.at, why)
			}
		}
	}
	if bad > 5 {
		v.add(ErrReadAtZxid, fmt.Sprintf("%d reads", bad), "and %d more reads disagree", bad-5)
	}
	return v
}

// check compares a read's answer with the replayed tree.
func (r *replay) check(op *client.Op) string {
	n := r.nodes[op.Path]
	if op.Err == tree.NoNode {
		if n != nil {
			return fmt.Sprintf("%s present (version %d), but the read found no node", op.Path, n.version)
		}
		return ""
	}
	if n == nil {
		return fmt.Sprintf("no %s, but the read found one", op.Path)
	}
	switch op.Type {
	case tree.OpGetData:
		if !bytes.Equal(n.data, op.RData) || n.version != op.Stat.Version {
			return fmt.Sprintf("%q version %d, but the read saw %q version %d", n.data, n.version, op.RData, op.Stat.Version)
		}
	case tree.OpExists:
		if n.version != op.Stat.Version {
			return fmt.Sprintf("version %d, but the read saw %d", n.version, op.Stat.Version)
		}
	case tree.OpGetChildren, tree.OpGetChildren2:
		want := make([]string, 0, len(n.children))
		for c := range n.children {
			want = append(want, c)
		}
		sort.Strings(want)
		got := append([]string(nil), op.Children...)
		sort.Strings(got)
		if strings.Join(want, ",") != strings.Join(got, ",") {
			return fmt.Sprintf("children %v, but the read saw %v", want, got)
		}
	}
	if n.owner != op.Stat.EphemeralOwner && op.Type != tree.OpGetChildren {
		return fmt.Sprintf("ephemeral owner %#x, but the read saw %#x", n.owner, op.Stat.EphemeralOwner)
	}
	return ""
}

// checkSessionOrder: in the order a session's answers arrived, the zxids
// their replies carry never decrease.
func checkSessionOrder(all []client.Op, v *Verdict) {
	type last struct {
		zxid zab.Zxid
		op   *client.Op
	}
	bySession := map[zab.SessionID]last{}
	ops := make([]*client.Op, 0, len(all))
	for i := range all {
		op := &all[i]
		if answered(op) && op.Session != 0 && op.Zxid > 0 {
			ops = append(ops, op)
		}
	}
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].Return < ops[j].Return })
	bad := 0
	for _, op := range ops {
		l := bySession[op.Session]
		if l.op != nil && op.Zxid < l.zxid {
			bad++
			if bad <= 5 {
				v.add(ErrSessionOrder, op.String(), "answered at %s after %s answered at %s", op.Zxid, l.op, l.zxid)
			}
			continue
		}
		bySession[op.Session] = last{op.Zxid, op}
	}
}

// checkSyncReads: for each answered sync, the session's next read (called
// after it, so served after it: a session's requests are FIFO, and the
// recipe is an async sync then the read) must be answered at a zxid no older than every
// write some client had seen acknowledged before the sync was called.
func checkSyncReads(ops []client.Op, v *Verdict, strict bool) {
	var writes []*client.Op // acknowledged writes, by return time
	bySession := map[zab.SessionID][]*client.Op{}
	for i := range ops {
		op := &ops[i]
		if !answered(op) {
			continue
		}
		if op.IsWrite() && op.Zxid > 0 {
			writes = append(writes, op)
		}
		bySession[op.Session] = append(bySession[op.Session], op)
	}
	sort.SliceStable(writes, func(i, j int) bool { return writes[i].Return < writes[j].Return })
	// newest[i] is the highest zxid among writes[:i+1].
	newest := make([]*client.Op, len(writes))
	for i, w := range writes {
		newest[i] = w
		if i > 0 && newest[i-1].Zxid > w.Zxid {
			newest[i] = newest[i-1]
		}
	}
	before := func(t int64) *client.Op {
		i := sort.Search(len(writes), func(i int) bool { return writes[i].Return >= t })
		if i == 0 {
			return nil
		}
		return newest[i-1]
	}
	ids := make([]zab.SessionID, 0, len(bySession))
	for id := range bySession {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	report := func(where, format string, args ...any) {
		if strict {
			v.add(ErrSyncRead, where, format, args...)
		} else {
			v.Allowed = append(v.Allowed, Violation{Guarantee: ErrSyncRead, Detail: fmt.Sprintf(format, args...), Where: where})
		}
	}
	for _, id := range ids {
		ops := bySession[id] // in call order: a session's ops are FIFO
		for i, s := range ops {
			if s.Type != tree.OpSync || s.Err != tree.OK {
				continue
			}
			w := before(s.Call)
			if w == nil {
				continue
			}
			for _, r := range ops[i+1:] {
				if !isRead(r.Type) {
					continue
				}
				if r.Zxid < w.Zxid {
					report(r.String(), "read at %s after %s, but %s was acknowledged before the sync was called", r.Zxid, s, w)
				}
				break
			}
		}
	}
}

func isRead(t tree.OpCode) bool {
	switch t {
	case tree.OpGetData, tree.OpExists, tree.OpGetChildren, tree.OpGetChildren2, tree.OpGetACL:
		return true
	}
	return false
}
