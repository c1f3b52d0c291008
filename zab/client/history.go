package client

import (
	"fmt"
	"strings"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// History is what the clients of a run saw: every operation with its call
// and return times and its result, and every watch event delivered. The
// checkers read it; the clients only append to it. Times come from Clock,
// the world's global virtual time, not a client's drifting clock.
type History struct {
	Ops    []Op
	Events []Event
	Clock  func() int64
}

// Outcome says whether an operation's effect is known.
type Outcome uint8

const (
	// Pending: no answer yet (the run ended first).
	Pending Outcome = iota
	// OK: the server answered, with any error code: the result is known.
	OK
	// Unknown: the connection broke or the session ended before an
	// answer. A write may or may not have taken effect.
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

// Op is one operation a client issued. Arguments are set as the op has
// them; results as the reply carried them.
type Op struct {
	Index   int // position in History.Ops
	Client  int
	Session zab.SessionID // the session it was sent on (0 if never sent)
	Xid     int32         // its xid on that session, the txn's cxid (0 if never sent)
	Type    tree.OpCode
	Path    string
	Data    []byte
	Version int32
	Mode    tree.CreateMode
	ACL     []tree.ACL
	Ops     []tree.Op // multi
	Watch   bool

	Call    int64
	Return  int64 // -1 while pending
	Outcome Outcome
	Err     tree.Code
	Zxid    zab.Zxid // the reply header's zxid: the server's last applied
	Server  zab.ServerID

	Created  string // create: the name the server gave
	Stat     tree.Stat
	RData    []byte   // getData
	Children []string // getChildren
	Results  []tree.OpResult
}

// IsWrite reports whether the op changes the tree.
func (o *Op) IsWrite() bool { return o.Type.IsWrite() }

func (o Op) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d c%d s=%#x %s %s", o.Index, o.Client, int64(o.Session), o.Type, o.Path)
	switch o.Type {
	case tree.OpCreate, tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL:
		fmt.Fprintf(&b, " %q %s", o.Data, o.Mode)
	case tree.OpSetData:
		fmt.Fprintf(&b, " %q v=%d", o.Data, o.Version)
	case tree.OpDelete, tree.OpCheck:
		fmt.Fprintf(&b, " v=%d", o.Version)
	case tree.OpMulti:
		fmt.Fprintf(&b, " %d ops", len(o.Ops))
	}
	fmt.Fprintf(&b, " [%d,", o.Call)
	if o.Return >= 0 {
		fmt.Fprintf(&b, "%d]", o.Return)
	} else {
		b.WriteString("…]")
	}
	fmt.Fprintf(&b, " %s", o.Outcome)
	if o.Outcome == OK {
		fmt.Fprintf(&b, " %s zxid=%s @zk%d", o.Err, o.Zxid, o.Server)
		if o.Created != "" {
			fmt.Fprintf(&b, " -> %s", o.Created)
		}
		if o.Type == tree.OpGetData && o.Err == tree.OK {
			fmt.Fprintf(&b, " -> %q v=%d", o.RData, o.Stat.Version)
		}
	}
	return b.String()
}

// Event is a watch notification delivered to a client's application.
type Event struct {
	Client  int
	Session zab.SessionID
	At      int64
	Type    tree.EventType
	State   tree.KeeperState
	Path    string
	Zxid    zab.Zxid // the client's last zxid seen when it was delivered
}

func (e Event) String() string {
	return fmt.Sprintf("c%d s=%#x at %d state=%d %s %s seen=%s", e.Client, int64(e.Session), e.At, e.State, e.Type, e.Path, e.Zxid)
}

func (h *History) now() int64 {
	if h.Clock == nil {
		return 0
	}
	return h.Clock()
}

func (h *History) begin(op Op) int {
	op.Index = len(h.Ops)
	op.Call = h.now()
	op.Return = -1
	h.Ops = append(h.Ops, op)
	return op.Index
}
