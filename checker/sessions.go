package checker

import (
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// What ZooKeeper promises for sessions and the nodes they own: an
// ephemeral node exists exactly while its owner session lives (it is
// created only by an open session, and the session's closeSession txn,
// whether the client closed it or the leader expired it, deletes every
// ephemeral of the session and nothing else: ZOOKEEPER-1208 and -2355 are
// ephemerals that outlived theirs); sequential names come from the
// parent's cversion, so under one parent they strictly increase in commit
// order and none is handed out twice (ZOOKEEPER-1046 reused them after a
// replay); and a session the client saw expire is never answered again.
//
// A parent deleted and created again starts its cversion, and so its
// sequence, from 0: names repeat across such incarnations, and that is
// allowed. A multi that failed applied nothing and handed out no name.
var (
	ErrEphemeralOwner = errors.New("an ephemeral node is created only by a session that is open")
	ErrEphemeralLife  = errors.New("an ephemeral node lives exactly as long as its session: the session's close deletes every one of its ephemerals, and nothing else")
	ErrSequential     = errors.New("sequential names under a parent strictly increase in commit order, and none is handed out twice")
	ErrSessionExpired = errors.New("a session the client saw expire is answered no more")
)

// Sessions checks the agreed commit sequence for ephemerals and sequential
// names, and the history for answers after expiry.
func Sessions(h *client.History, recs []cluster.Record) Verdict {
	sc := &sessionChecker{n: newNaive(), ops: opsByTxn(h), counts: map[error]int{},
		opened: map[int64]zab.Zxid{}, closed: map[int64]zab.Zxid{}, seq: map[string]*seqParent{}}
	for _, c := range agreedLog(recs) {
		sc.check(c)
		sc.n.applyCommit(c)
	}
	sc.checkExpired(h)
	for _, g := range []error{ErrEphemeralOwner, ErrEphemeralLife, ErrSequential, ErrSessionExpired} {
		if n := sc.counts[g]; n > watchReportMax {
			sc.v.add(g, fmt.Sprintf("%d findings", n), "and %d more", n-watchReportMax)
		}
	}
	return sc.v
}

// sessionCxid names the request a txn came from.
type sessionCxid struct {
	session int64
	cxid    int32
}

// opsByTxn finds each sent op by its session and xid, which its txn's
// header carries as the cxid.
func opsByTxn(h *client.History) map[sessionCxid]*client.Op {
	out := map[sessionCxid]*client.Op{}
	ops := h.Ops()
	for i := range ops {
		op := &ops[i]
		if op.Server != 0 && op.Xid != 0 {
			out[sessionCxid{int64(op.Session), op.Xid}] = op
		}
	}
	return out
}

type sessionChecker struct {
	n      *naiveTree
	ops    map[sessionCxid]*client.Op
	opened map[int64]zab.Zxid // each session's createSession
	closed map[int64]zab.Zxid // each session's first closeSession
	seq    map[string]*seqParent
	v      Verdict
	counts map[error]int
}

// seqParent is one incarnation of a parent: the sequential names handed
// out under it.
type seqParent struct {
	last     int64
	lastName string
	lastAt   zab.Zxid
	names    map[string]seqName
}

// seqName is a sequential name's create: its txn and, if the history holds
// it, the op that sent it.
type seqName struct {
	at zab.Zxid
	op *client.Op
}

func (sc *sessionChecker) report(g error, where, format string, args ...any) {
	sc.counts[g]++
	if sc.counts[g] <= watchReportMax {
		sc.v.add(g, where, format, args...)
	}
}

func txnWhere(c agreedTxn) string {
	return fmt.Sprintf("txn %s committed at %d", c.entry.Zxid(), c.at)
}

// check looks at one committed txn against the tree before it.
func (sc *sessionChecker) check(c agreedTxn) {
	e := c.entry
	s := e.Hdr.SessionID
	switch t := e.Txn.(type) {
	case tree.CreateSessionTxn:
		if _, ok := sc.opened[s]; !ok {
			sc.opened[s] = e.Zxid()
		}
	case tree.CloseSessionTxn:
		sc.checkClose(c, t.Paths)
	case nil:
		if e.Hdr.Type == tree.OpCloseSession {
			sc.checkClose(c, nil)
		}
	case tree.MultiTxn:
		for _, sub := range t.Txns {
			if sub.Type == tree.OpError {
				return // a failed multi applies nothing
			}
		}
		for i, sub := range t.Txns {
			sc.checkCreate(c, sub.Txn, i)
		}
	default:
		sc.checkCreate(c, t, -1)
	}
}

// checkClose: the txn deletes the session's ephemerals, all of them, and
// nothing another session or nobody owns.
func (sc *sessionChecker) checkClose(c agreedTxn, paths []string) {
	s := c.entry.Hdr.SessionID
	if _, ok := sc.closed[s]; !ok {
		sc.closed[s] = c.entry.Zxid()
	}
	listed := map[string]bool{}
	for _, p := range paths {
		listed[p] = true
		if x := sc.n.nodes[p]; x != nil && x.owner != s {
			sc.report(ErrEphemeralLife, txnWhere(c), "closing session %#x deletes %s, which %s", s, p, ownedBy(x.owner))
		}
	}
	if paths == nil {
		return // an old-style closeSession: the tree deletes what the session owns
	}
	for _, p := range sc.n.ephemerals(s) {
		if !listed[p] {
			sc.report(ErrEphemeralLife, txnWhere(c), "closing session %#x does not list its ephemeral %s (txn %s lists %v)", s, p, c.entry, paths)
		}
	}
}

func ownedBy(owner int64) string {
	if owner == 0 {
		return "is no session's ephemeral"
	}
	return fmt.Sprintf("is session %#x's ephemeral", owner)
}

// checkCreate checks a create (sub is its place in a multi, -1 if alone).
func (sc *sessionChecker) checkCreate(c agreedTxn, txn tree.Txn, sub int) {
	var path string
	var cversion int32
	ephemeral := false
	switch t := txn.(type) {
	case tree.CreateTxn:
		path, cversion, ephemeral = t.Path, t.ParentCVersion, t.Ephemeral
	case tree.CreateContainerTxn:
		path, cversion = t.Path, t.ParentCVersion
	case tree.CreateTTLTxn:
		path, cversion = t.Path, t.ParentCVersion
	default:
		return
	}
	s := c.entry.Hdr.SessionID
	if ephemeral {
		sc.checkOwner(c, s, path)
	}
	op := sc.ops[sessionCxid{s, c.entry.Hdr.Cxid}]
	if suffix, ok := sc.sequential(op, path, cversion, sub); ok {
		sc.checkSequence(c, op, path, suffix)
	}
}

func (sc *sessionChecker) checkOwner(c agreedTxn, s int64, path string) {
	z := c.entry.Zxid()
	if zc, ok := sc.closed[s]; ok && zc < z {
		sc.report(ErrEphemeralOwner, txnWhere(c), "ephemeral %s is created by session %#x, which closed at %s", path, s, zc)
		return
	}
	if zo, ok := sc.opened[s]; !ok || zo > z {
		sc.report(ErrEphemeralOwner, txnWhere(c), "ephemeral %s is created by session %#x, which no createSession before it opened", path, s)
	}
}

// sequential reports whether the create asked for a sequential name, and
// the name's sequence number: the op that sent it says, or else a name
// ending in the parent's cversion before the create does.
func (sc *sessionChecker) sequential(op *client.Op, path string, cversion int32, sub int) (int64, bool) {
	if op != nil {
		requested, mode := op.Path, op.Mode
		if sub >= 0 {
			if sub >= len(op.Ops) {
				return 0, false
			}
			r, ok := op.Ops[sub].Request.(*tree.CreateRequest)
			if !ok {
				return 0, false
			}
			requested, mode = r.Path, r.Flags
		}
		if !mode.IsSequential() || !strings.HasPrefix(path, requested) {
			return 0, false
		}
		n, err := strconv.ParseInt(path[len(requested):], 10, 64)
		return n, err == nil
	}
	if len(path) < 10 {
		return 0, false
	}
	n, err := strconv.ParseInt(path[len(path)-10:], 10, 64)
	return n, err == nil && n == int64(cversion)-1
}

// checkSequence: under one incarnation of the parent, the number grows.
// op is the create's op, nil if the history lacks it.
func (sc *sessionChecker) checkSequence(c agreedTxn, op *client.Op, path string, n int64) {
	parentPath := tree.ParentPath(path)
	parent := sc.n.nodes[parentPath]
	if parent == nil {
		return // the create fails: no name is handed out
	}
	key := fmt.Sprintf("%s@%s", parentPath, parent.czxid)
	sp := sc.seq[key]
	if sp == nil {
		sp = &seqParent{last: -1 << 62, names: map[string]seqName{}}
		sc.seq[key] = sp
	}
	z := c.entry.Zxid()
	switch prev, seen := sp.names[path]; {
	case seen:
		sc.report(ErrSequential, txnWhere(c), "%s is handed out again: %s, after %s", path,
			describeSeqCreate(seqName{z, op}, path), describeSeqCreate(prev, path))
	case n <= sp.last:
		sc.report(ErrSequential, txnWhere(c), "%s comes after %s (txn %s) under %s", path, sp.lastName, sp.lastAt, parentPath)
	}
	sp.names[path] = seqName{z, op}
	if n > sp.last {
		sp.last, sp.lastName, sp.lastAt = n, path, z
	}
}

// describeSeqCreate says who a sequential name went to: "client 3 got it
// back from op #41 (txn 0x100000007)" when the client saw the name.
func describeSeqCreate(c seqName, path string) string {
	switch op := c.op; {
	case op == nil:
		return fmt.Sprintf("txn %s had it", c.at)
	case answered(op) && op.Err == tree.OK && op.Created == path:
		return fmt.Sprintf("client %d got it back from op #%d (txn %s)", op.Client, op.Index, c.at)
	case answered(op):
		return fmt.Sprintf("client %d's op #%d had it (txn %s)", op.Client, op.Index, c.at)
	default:
		return fmt.Sprintf("client %d's op #%d had it (txn %s), its answer unseen", op.Client, op.Index, c.at)
	}
}

// checkExpired: once a client saw its session expire, no server answers
// it.
func (sc *sessionChecker) checkExpired(h *client.History) {
	expired := map[zab.SessionID]*client.Event{}
	for i := range h.Events {
		e := &h.Events[i]
		if e.Type == tree.EventNone && e.State == tree.StateExpired && expired[e.Session] == nil {
			expired[e.Session] = e
		}
	}
	var late []*client.Op
	ops := h.Ops()
	for i := range ops {
		op := &ops[i]
		e := expired[op.Session]
		if e == nil || !answered(op) || op.Err == tree.SessionExpired {
			continue
		}
		if op.Seq > e.Seq || op.Seq == 0 && op.Return > e.At {
			late = append(late, op)
		}
	}
	sort.SliceStable(late, func(i, j int) bool { return late[i].Return < late[j].Return })
	for _, op := range late {
		e := expired[op.Session]
		sc.report(ErrSessionExpired, opWhere(op), "%s was answered after the client saw its session expire (%s)", op, e)
	}
}
