package client

import (
	"fmt"
	"strings"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// History is what the clients of a run saw: every operation with its call
// and return times and its result, and every watch and session event
// delivered. The checkers read it; clients only append to it. Times come
// from Clock, the world's global virtual time, never a client's drifting
// clock; a nil Clock stamps 0.
type History struct {
	Ops    []Op
	Events []Event
	Clock  func() int64
	// seq numbers results and events in the order they were recorded:
	// times tie when messages arrive together, and a checker must know
	// whether a reply or a notification came first.
	seq int64
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
	op.Index = len(h.Ops)
	op.Call = h.now()
	op.Return = -1
	op.Outcome = Pending
	h.Ops = append(h.Ops, op)
	return op.Index
}

// complete records an op's result. Each op completes exactly once.
func (h *History) complete(i int, r *zab.Reply, out Outcome, answered bool) {
	op := &h.Ops[i]
	if op.Outcome != Pending {
		panic(fmt.Sprintf("op completed twice: %s", op))
	}
	op.Return = h.now()
	op.Seq = h.next()
	op.Outcome = out
	op.Err = r.Err
	if !answered {
		return
	}
	op.Zxid = r.Zxid
	switch rec := r.Record.(type) {
	case *zab.CreateResponse:
		op.Created = rec.Path
	case *zab.Create2Response:
		op.Created, op.Stat = rec.Path, rec.Stat
	case *zab.StatResponse:
		op.Stat = rec.Stat
	case *zab.GetDataResponse:
		op.RData, op.Stat = rec.Data, rec.Stat
	case *zab.GetChildrenResponse:
		op.Children = rec.Children
	case *zab.GetChildren2Response:
		op.Children, op.Stat = rec.Children, rec.Stat
	case *zab.GetACLResponse:
		op.ACL, op.Stat = rec.ACL, rec.Stat
	case *zab.MultiResponse:
		op.Results = rec.Results
		op.Err = multiErr(rec.Results, r.Err)
	case *zab.GetEphemeralsResponse:
		op.Children = rec.Paths
	case *zab.GetAllChildrenNumberResponse:
		op.Number = rec.Total
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
