package conform

import (
	"fmt"
	"strings"

	"github.com/zabsim/zabsim/tree"
)

// Kind is what an Op of the differential sequence does.
type Kind uint8

const (
	KCreate          Kind = iota + 1 // create with Mode (persistent, ephemeral, sequential)
	KCreateContainer                 // createContainer
	KCreateTTL                       // createTTL with Mode and TTL
	KDelete
	KSetData
	KGetData
	KExists
	KGetChildren // getChildren2
	KGetACL
	KSetACL
	KMulti
	KSync
	KAddAuth // addAuth(Scheme, Auth)
	KReopen  // close the slot's session and open a new one (with its auth)
	KCheck   // a multi's version check; only inside KMulti
)

var kindNames = map[Kind]string{
	KCreate: "create", KCreateContainer: "createContainer", KCreateTTL: "createTTL",
	KDelete: "delete", KSetData: "setData", KGetData: "getData", KExists: "exists",
	KGetChildren: "getChildren", KGetACL: "getACL", KSetACL: "setACL", KMulti: "multi",
	KSync: "sync", KAddAuth: "addAuth", KReopen: "reopen", KCheck: "check",
}

func (k Kind) String() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Op is one operation of the sequence, the same on both sides: issued on
// the session of Slot, synchronously (the next op starts after its reply).
type Op struct {
	Index   int
	Slot    int // the session slot: 0..len(slots)-1
	Kind    Kind
	Path    string
	Data    []byte
	Version int32
	Mode    tree.CreateMode
	TTL     int64
	ACL     []tree.ACL
	Watch   bool
	Multi   []SubOp
	Scheme  string // addAuth
	Auth    string // addAuth
	// Barrier marks the multi Gen adds to bring a session up to date
	// (see Gen); it changes nothing.
	Barrier bool
}

// SubOp is one op of a multi: KCreate, KDelete, KSetData or KCheck.
type SubOp struct {
	Kind    Kind
	Path    string
	Data    []byte
	Version int32
	Mode    tree.CreateMode
	ACL     []tree.ACL
}

func (o Op) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "#%d s%d %s", o.Index, o.Slot, o.Kind)
	if o.Path != "" {
		fmt.Fprintf(&b, " %s", o.Path)
	}
	switch o.Kind {
	case KCreate, KCreateContainer, KCreateTTL:
		fmt.Fprintf(&b, " %q %s acl=%s", o.Data, o.Mode, aclString(o.ACL))
		if o.Kind == KCreateTTL {
			fmt.Fprintf(&b, " ttl=%d", o.TTL)
		}
	case KSetData:
		fmt.Fprintf(&b, " %q v=%d", o.Data, o.Version)
	case KDelete:
		fmt.Fprintf(&b, " v=%d", o.Version)
	case KSetACL:
		fmt.Fprintf(&b, " acl=%s v=%d", aclString(o.ACL), o.Version)
	case KAddAuth:
		fmt.Fprintf(&b, " %s:%s", o.Scheme, o.Auth)
	case KMulti:
		for _, s := range o.Multi {
			fmt.Fprintf(&b, " [%s]", s)
		}
	}
	if o.Watch {
		b.WriteString(" watch")
	}
	if o.Barrier {
		b.WriteString(" (barrier)")
	}
	return b.String()
}

func (s SubOp) String() string {
	switch s.Kind {
	case KCreate:
		return fmt.Sprintf("create %s %q %s acl=%s", s.Path, s.Data, s.Mode, aclString(s.ACL))
	case KSetData:
		return fmt.Sprintf("setData %s %q v=%d", s.Path, s.Data, s.Version)
	}
	return fmt.Sprintf("%s %s v=%d", s.Kind, s.Path, s.Version)
}

func aclString(acl []tree.ACL) string {
	parts := make([]string, len(acl))
	for i, a := range acl {
		parts[i] = a.String()
	}
	return "[" + strings.Join(parts, ",") + "]"
}

// Outcome is what one side answered to an op, raw: zxids and session ids
// as that side has them. Normalize makes two sides' outcomes comparable.
type Outcome struct {
	Err      tree.Code
	Path     string     // create: the name given; sync: the path
	Stat     *tree.Stat // nil where the op returns none
	Data     []byte
	Children []string
	ACL      []tree.ACL
	Multi    []SubOutcome
	// Events are the watch events the op's session received up to the
	// op's reply and after its previous op's reply, in order.
	Events []Event
}

// SubOutcome is one result of a multi.
type SubOutcome struct {
	Err  tree.Code
	Path string
	Stat *tree.Stat
}

// Event is one watch notification a session received.
type Event struct {
	Type tree.EventType
	Path string
}

func (e Event) String() string { return e.Type.String() + " " + e.Path }
