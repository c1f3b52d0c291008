package client

import (
	"fmt"
	"iter"
	"strings"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// History is what the clients of a run saw: every operation with its call
// and return times and its result, and every watch and session event
// delivered. The checkers read it; clients only append to it. Times come
// from Clock, the world's global virtual time, never a client's drifting
// clock; a nil Clock stamps 0. The zero History is empty and ready.
//
// The ops are stored compactly (see opStore) and read as Op values: Len
// and Op(i), All to range over them, Ops for a slice of them all.
type History struct {
	Events []Event
	Clock  func() int64
	// seq numbers results and events in the order they were recorded:
	// times tie when messages arrive together, and a checker must know
	// whether a reply or a notification came first.
	seq int64
	ops opStore
	// view is what Ops returned since the History last changed: nil
	// after any change.
	view []Op
}

// Len is the number of ops.
func (h *History) Len() int { return h.ops.len() }

// Op returns op i (0 <= i < Len()). Its slices alias the History: do not
// change them.
func (h *History) Op(i int) Op { return h.ops.op(i) }

// All ranges over the ops in order, with their indexes.
func (h *History) All() iter.Seq2[int, Op] {
	return func(yield func(int, Op) bool) {
		for i := range h.ops.len() {
			if !yield(i, h.ops.op(i)) {
				return
			}
		}
	}
}

// Ops returns every op, in order, for checkers that keep pointers to
// them. The slice is shared: built at the first call after the History
// last changed, every caller gets the same one until the next change.
// Read it, never write it: Set changes an op, and a test that tampers
// with a copy clones the slice first.
func (h *History) Ops() []Op {
	if h.view == nil {
		h.view = make([]Op, h.ops.len())
		for i := range h.view {
			h.view[i] = h.ops.op(i)
		}
	}
	return h.view
}

// NewHistory is a History of the given ops and events, as a test or a
// recorder outside this package builds one; each op's Index becomes its
// position. Recording may go on from there.
func NewHistory(ops []Op, events []Event) *History {
	h := &History{Events: events}
	for _, op := range ops {
		h.seq = max(h.seq, op.Seq)
		h.Append(op)
	}
	for _, e := range events {
		h.seq = max(h.seq, e.Seq)
	}
	return h
}

// Append adds a whole op, as a recorder outside this package (or a test)
// builds it, and returns its index, which becomes op.Index.
func (h *History) Append(op Op) int {
	h.view = nil
	return h.ops.add(&op)
}

// Set replaces op i by op, whose Index is taken to be i.
func (h *History) Set(i int, op Op) {
	h.view = nil
	h.ops.set(h.ops.rec(i), &op)
}

// Outcome says whether an operation's effect is known.
type Outcome uint8

const (
	// Pending: no result yet (the run ended first). Return is -1.
	Pending Outcome = iota
	// OK: the result is known. Either the server answered, with any code,
	// or the client failed the op without ever sending it (Err
	// ConnectionLoss, SessionExpired, AuthFailed, RequestTimeout or
	// BadArguments), so it surely took no effect. A checker reads Err.
	OK
	// Unknown: the op was sent and no answer came (connection loss,
	// request timeout, the session ended). A write may or may not have
	// taken effect, at any time after Call.
	Unknown
)

func (o Outcome) String() string {
	switch o {
	case Pending:
		return "pending"
	case OK:
		return "ok"
	case Unknown:
		return "unknown"
	}
	return fmt.Sprintf("Outcome(%d)", uint8(o))
}

// Op is one operation a client issued: its arguments as the op has them,
// and its result as the reply carried it.
type Op struct {
	Index   int // position in History.Ops
	Client  int
	Session zab.SessionID // the session it was sent on (at the call if never sent)
	Xid     int32         // the request's xid, its cxid at the server (0 if never sent)
	Type    tree.OpCode
	Path    string
	Data    []byte
	Version int32
	Mode    tree.CreateMode
	ACL     []tree.ACL
	Ops     []tree.Op // multi and multiRead
	Watch   bool      // it asked to leave a watch
	// WatchMode is addWatch's mode: persistent or persistent-recursive.
	WatchMode tree.AddWatchMode

	Call    int64 // global time of the call
	Return  int64 // global time of the result; -1 while Pending
	Outcome Outcome
	// Seq places the result among every result and event of the History,
	// in the order they were recorded (0 while Pending). Invariant: it
	// grows with Return.
	Seq int64
	// Err is the result code: the reply header's, or for multi and
	// multiRead the first failing op's (what ZooKeeper.multi throws).
	Err    tree.Code
	Zxid   zab.Zxid     // the reply header's zxid (answered ops only)
	Server zab.ServerID // the server it was sent to, if Sent
	Sent   bool         // it went out on a connection

	Created  string // create: the name the server gave
	Stat     tree.Stat
	RData    []byte   // getData
	Children []string // getChildren
	Results  []tree.OpResult
	Number   int32 // getAllChildrenNumber
}

// IsWrite reports whether the op changes the tree.
func (o *Op) IsWrite() bool { return o.Type.IsWrite() }

// String describes the op in one line.
func (o Op) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d c%d s=%#x %s", o.Index, o.Client, int64(o.Session), o.Type)
	if o.Path != "" {
		fmt.Fprintf(&b, " %s", o.Path)
	}
	switch o.Type {
	case tree.OpCreate, tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL:
		fmt.Fprintf(&b, " %q %s", o.Data, o.Mode)
	case tree.OpSetData:
		fmt.Fprintf(&b, " %q v=%d", o.Data, o.Version)
	case tree.OpDelete, tree.OpSetACL:
		fmt.Fprintf(&b, " v=%d", o.Version)
	case tree.OpMulti, tree.OpMultiRead:
		fmt.Fprintf(&b, " %d ops", len(o.Ops))
	}
	if o.Watch {
		b.WriteString(" watch")
	}
	if o.Return >= 0 {
		fmt.Fprintf(&b, " [%d,%d] %s %s", o.Call, o.Return, o.Outcome, o.Err)
	} else {
		fmt.Fprintf(&b, " [%d,…] %s", o.Call, o.Outcome)
	}
	if o.Outcome != OK || !o.Sent {
		return b.String()
	}
	fmt.Fprintf(&b, " zxid=%s @zk%d", o.Zxid, o.Server)
	if o.Err != tree.OK {
		return b.String()
	}
	switch o.Type {
	case tree.OpCreate, tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL:
		fmt.Fprintf(&b, " -> %s", o.Created)
	case tree.OpGetData:
		fmt.Fprintf(&b, " -> %q v=%d", o.RData, o.Stat.Version)
	case tree.OpGetChildren, tree.OpGetChildren2:
		fmt.Fprintf(&b, " -> %v", o.Children)
	case tree.OpExists, tree.OpSetData, tree.OpSetACL:
		fmt.Fprintf(&b, " -> v=%d", o.Stat.Version)
	}
	return b.String()
}

// Event is a watch or session event delivered to a client's application.
// Node events are recorded when they reach at least one watcher; session
// events (Type EventNone) when their state changes, as EventThread passes
// them on.
type Event struct {
	Client  int
	Session zab.SessionID
	At      int64 // global time
	Type    tree.EventType
	State   tree.KeeperState
	Path    string
	Zxid    zab.Zxid // the client's lastZxidSeen when it was delivered
	// Trigger is, for a node event the server sent, the zxid its
	// notification header carries: the txn that fired it, or zab.NoZxid (-1)
	// when setWatches synthesised it on a reconnect (ServerCnxn.process
	// sends WatchedEvent.getZxid, ZOOKEEPER-4655). 0 for session events
	// and for the *WatchRemoved events the client makes itself.
	Trigger zab.Zxid
	// Seq places the event among every result and event of the History
	// (see Op.Seq).
	Seq int64
}

func (e Event) String() string {
	if e.Type == tree.EventNone {
		return fmt.Sprintf("c%d s=%#x at %d session %s seen=%s", e.Client, int64(e.Session), e.At, stateName(e.State), e.Zxid)
	}
	s := fmt.Sprintf("c%d s=%#x at %d %s %s seen=%s", e.Client, int64(e.Session), e.At, e.Type, e.Path, e.Zxid)
	if e.Trigger != 0 {
		s += fmt.Sprintf(" zxid=%s", e.Trigger)
	}
	return s
}

func stateName(s tree.KeeperState) string {
	switch s {
	case tree.StateDisconnected:
		return "Disconnected"
	case tree.StateSyncConnected:
		return "SyncConnected"
	case tree.StateAuthFailed:
		return "AuthFailed"
	case tree.StateConnectedReadOnly:
		return "ConnectedReadOnly"
	case tree.StateSaslAuthenticated:
		return "SaslAuthenticated"
	case tree.StateExpired:
		return "Expired"
	case tree.StateClosed:
		return "Closed"
	}
	return fmt.Sprintf("KeeperState(%d)", int32(s))
}

func (h *History) now() int64 {
	if h.Clock == nil {
		return 0
	}
	return h.Clock()
}

// next is the next place in the order of results and events.
func (h *History) next() int64 {
	h.seq++
	return h.seq
}

// begin appends an op at its call and returns its index.
func (h *History) begin(op Op) int {
	op.Call = h.now()
	op.Return = -1
	op.Outcome = Pending
	h.view = nil
	return h.ops.add(&op)
}

// sent records that op i went out on a connection.
func (h *History) sent(i int, session zab.SessionID, server zab.ServerID, xid int32) {
	h.view = nil
	r := h.ops.rec(i)
	r.session, r.xid = session, xid
	h.ops.setServer(r, server)
	r.flags |= opSent
}

// complete records an op's result. Each op completes exactly once.
func (h *History) complete(i int, r *zab.Reply, out Outcome, answered bool) {
	h.view = nil
	s := &h.ops
	op := s.rec(i)
	if op.outcome != Pending {
		panic(fmt.Sprintf("op completed twice: %s", h.Op(i)))
	}
	op.ret = h.now()
	op.seq = uint32(narrow32(h.next(), "seq"))
	op.outcome = out
	s.setErr(op, r.Err)
	if !answered {
		return
	}
	op.zxid = r.Zxid
	switch rec := r.Record.(type) {
	case *zab.CreateResponse:
		op.created = s.intern(rec.Path)
	case *zab.Create2Response:
		op.created = s.intern(rec.Path)
		s.setResult(op, &rec.Stat, nil)
	case *zab.StatResponse:
		s.setResult(op, &rec.Stat, nil)
	case *zab.GetDataResponse:
		s.setResult(op, &rec.Stat, rec.Data)
	case *zab.GetChildrenResponse:
		s.moreOf(op).children = rec.Children
	case *zab.GetChildren2Response:
		s.moreOf(op).children = rec.Children
		s.setResult(op, &rec.Stat, nil)
	case *zab.GetACLResponse:
		op.acl = s.internACL(rec.ACL)
		s.setResult(op, &rec.Stat, nil)
	case *zab.MultiResponse:
		s.moreOf(op).results = rec.Results
		s.setErr(op, multiErr(rec.Results, r.Err))
	case *zab.GetEphemeralsResponse:
		s.moreOf(op).children = rec.Paths
	case *zab.GetAllChildrenNumberResponse:
		s.moreOf(op).number = rec.Total
	}
}

// multiErr is the code of a multi as ZooKeeper.multi throws it and
// MultiCallback hears it: the header's, else the first failed op's.
func multiErr(results []tree.OpResult, header tree.Code) tree.Code {
	if header != tree.OK {
		return header
	}
	for _, res := range results {
		if res.Type == tree.OpError && res.Err != tree.OK {
			return res.Err
		}
	}
	return tree.OK
}
