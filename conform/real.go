package conform

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/tree"
)

// Real runs ops against a real ensemble through go-zookeeper: one
// connection per slot, pinned to that slot's server.
type Real struct {
	addrs   []string // per slot
	timeout time.Duration
	slots   []*realSlot
}

type realSlot struct {
	conn *zk.Conn
	auth [][2]string // scheme, auth: added again on reopen
	cur  *realEvents // the current session's
}

// realEvents is filled by one session's receive goroutine, in the order
// notifications arrive, and drained after each op of its slot. Each
// session has its own: a closed session's late events never reach the
// next one's.
type realEvents struct {
	mu     sync.Mutex
	events []Event
}

// NewReal makes a driver whose slot i talks to addrs[i] only.
func NewReal(addrs []string, sessionTimeout time.Duration) *Real {
	r := &Real{addrs: addrs, timeout: sessionTimeout}
	for range addrs {
		r.slots = append(r.slots, &realSlot{})
	}
	return r
}

// Name is "real".
func (r *Real) Name() string { return "real" }

type quiet struct{}

func (quiet) Printf(string, ...any) {}

// Open connects slot i and waits for its session.
func (r *Real) Open(i int) (int64, error) {
	s := r.slots[i]
	evs := &realEvents{}
	cb := func(ev zk.Event) {
		if ev.Type == zk.EventSession || ev.Type == zk.EventNotWatching {
			return
		}
		evs.mu.Lock()
		evs.events = append(evs.events, Event{Type: tree.EventType(ev.Type), Path: ev.Path})
		evs.mu.Unlock()
	}
	conn, _, err := zk.Connect([]string{r.addrs[i]}, r.timeout, zk.WithLogger(quiet{}), zk.WithEventCallback(cb))
	if err != nil {
		return 0, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for conn.State() != zk.StateHasSession {
		if time.Now().After(deadline) {
			conn.Close()
			return 0, fmt.Errorf("slot %d: no session with %s after 10 s (state %s)", i, r.addrs[i], conn.State())
		}
		time.Sleep(time.Millisecond)
	}
	s.conn, s.cur = conn, evs
	for _, a := range s.auth {
		if err := conn.AddAuth(a[0], []byte(a[1])); err != nil {
			return 0, fmt.Errorf("slot %d: addAuth %s again: %v", i, a[0], err)
		}
	}
	return conn.SessionID(), nil
}

// Close ends slot i's session (closeSession) and returns the events it
// got since its last op: go-zookeeper's Close returns once closeSession is
// answered, and what the server sent before that has been handed over.
func (r *Real) Close(i int) []Event {
	c := r.slots[i].conn
	if c == nil {
		return nil
	}
	c.Close()
	r.slots[i].conn = nil
	return r.drain(i)
}

// CloseAll ends every session.
func (r *Real) CloseAll() {
	for i := range r.slots {
		r.Close(i)
	}
}

// SessionID is slot i's current session.
func (r *Real) SessionID(i int) int64 { return r.slots[i].conn.SessionID() }

func (r *Real) drain(i int) []Event {
	evs := r.slots[i].cur
	evs.mu.Lock()
	defer evs.mu.Unlock()
	out := evs.events
	evs.events = nil
	return out
}

// Do runs one op and returns its outcome, with the events its session got
// since its last op.
func (r *Real) Do(op Op) Outcome {
	o := r.do(op)
	o.Events = r.drain(op.Slot)
	return o
}

func (r *Real) do(op Op) Outcome {
	c := r.slots[op.Slot].conn
	var o Outcome
	var err error
	switch op.Kind {
	case KCreate:
		o.Path, err = c.Create(op.Path, op.Data, int32(op.Mode), zkACL(op.ACL))
	case KCreateContainer:
		o.Path, err = c.CreateContainer(op.Path, op.Data, int32(op.Mode), zkACL(op.ACL))
	case KCreateTTL:
		o.Path, err = c.CreateTTL(op.Path, op.Data, int32(op.Mode), zkACL(op.ACL), time.Duration(op.TTL)*time.Millisecond)
	case KDelete:
		err = c.Delete(op.Path, op.Version)
	case KSetData:
		var st *zk.Stat
		st, err = c.Set(op.Path, op.Data, op.Version)
		o.Stat = treeStat(st, err)
	case KGetData:
		var st *zk.Stat
		if op.Watch {
			o.Data, st, _, err = c.GetW(op.Path)
		} else {
			o.Data, st, err = c.Get(op.Path)
		}
		o.Stat = treeStat(st, err)
		if err == nil && o.Data == nil {
			o.Data = []byte{}
		}
	case KExists:
		var ok bool
		var st *zk.Stat
		if op.Watch {
			ok, st, _, err = c.ExistsW(op.Path)
		} else {
			ok, st, err = c.Exists(op.Path)
		}
		if err == nil && !ok {
			err = zk.ErrNoNode
		}
		o.Stat = treeStat(st, err)
	case KGetChildren:
		var st *zk.Stat
		if op.Watch {
			o.Children, st, _, err = c.ChildrenW(op.Path)
		} else {
			o.Children, st, err = c.Children(op.Path)
		}
		o.Stat = treeStat(st, err)
		if err == nil && o.Children == nil {
			o.Children = []string{}
		}
	case KGetACL:
		var acl []zk.ACL
		var st *zk.Stat
		acl, st, err = c.GetACL(op.Path)
		o.Stat = treeStat(st, err)
		if err == nil {
			o.ACL = treeACL(acl)
		}
	case KSetACL:
		var st *zk.Stat
		st, err = c.SetACL(op.Path, zkACL(op.ACL), op.Version)
		o.Stat = treeStat(st, err)
	case KMulti:
		o = r.multi(c, op)
		return o
	case KSync:
		o.Path, err = c.Sync(op.Path)
	case KAddAuth:
		err = c.AddAuth(op.Scheme, []byte(op.Auth))
		if err == nil {
			s := r.slots[op.Slot]
			s.auth = append(s.auth, [2]string{op.Scheme, op.Auth})
		}
	default:
		panic(fmt.Sprintf("conform: real side cannot run %s", op))
	}
	o.Err = Code(err)
	if o.Err != tree.OK && op.Kind != KSync {
		o.Path = ""
	}
	return o
}

func (r *Real) multi(c *zk.Conn, op Op) Outcome {
	ops := make([]any, len(op.Multi))
	for i, s := range op.Multi {
		switch s.Kind {
		case KCreate:
			ops[i] = &zk.CreateRequest{Path: s.Path, Data: s.Data, Acl: zkACL(s.ACL), Flags: int32(s.Mode)}
		case KDelete:
			ops[i] = &zk.DeleteRequest{Path: s.Path, Version: s.Version}
		case KSetData:
			ops[i] = &zk.SetDataRequest{Path: s.Path, Data: s.Data, Version: s.Version}
		case KCheck:
			ops[i] = &zk.CheckVersionRequest{Path: s.Path, Version: s.Version}
		default:
			panic(fmt.Sprintf("conform: %s in a multi", s.Kind))
		}
	}
	res, err := c.Multi(ops...)
	o := Outcome{Err: Code(err)}
	for _, m := range res {
		sub := SubOutcome{Err: Code(m.Error), Path: m.String}
		if m.Stat != nil {
			st := tree.Stat(*m.Stat)
			sub.Stat = &st
		}
		o.Multi = append(o.Multi, sub)
	}
	return o
}

func treeStat(st *zk.Stat, err error) *tree.Stat {
	if err != nil || st == nil {
		return nil
	}
	s := tree.Stat(*st)
	return &s
}

func zkACL(acl []tree.ACL) []zk.ACL {
	if acl == nil {
		return nil
	}
	out := make([]zk.ACL, len(acl))
	for i, a := range acl {
		out[i] = zk.ACL{Perms: int32(a.Perms), Scheme: a.ID.Scheme, ID: a.ID.ID}
	}
	return out
}

func treeACL(acl []zk.ACL) []tree.ACL {
	out := make([]tree.ACL, len(acl))
	for i, a := range acl {
		out[i] = tree.ACL{Perms: tree.Perms(a.Perms), ID: tree.ID{Scheme: a.Scheme, ID: a.ID}}
	}
	return out
}

// zkErrors maps go-zookeeper's errors back to ZooKeeper's codes.
var zkErrors = map[error]tree.Code{
	zk.ErrAPIError:                tree.APIError,
	zk.ErrNoNode:                  tree.NoNode,
	zk.ErrNoAuth:                  tree.NoAuth,
	zk.ErrBadVersion:              tree.BadVersion,
	zk.ErrNoChildrenForEphemerals: tree.NoChildrenForEphemerals,
	zk.ErrNodeExists:              tree.NodeExists,
	zk.ErrNotEmpty:                tree.NotEmpty,
	zk.ErrSessionExpired:          tree.SessionExpired,
	zk.ErrInvalidACL:              tree.InvalidACL,
	zk.ErrAuthFailed:              tree.AuthFailed,
	zk.ErrSessionMoved:            tree.SessionMoved,
	zk.ErrReconfigDisabled:        tree.ReconfigDisabled,
	zk.ErrBadArguments:            tree.BadArguments,
	// Client-side refusals: Java's client throws IllegalArgumentException
	// for a bad path, which zabsim's client reports as BadArguments.
	zk.ErrInvalidPath:      tree.BadArguments,
	zk.ErrConnectionClosed: tree.ConnectionLoss,
	zk.ErrNoServer:         tree.ConnectionLoss,
	zk.ErrClosing:          tree.ConnectionLoss,
}

// Code is the ZooKeeper code of a go-zookeeper error (OK for nil). An
// error it does not know is SystemError.
func Code(err error) tree.Code {
	if err == nil {
		return tree.OK
	}
	if c, ok := zkErrors[err]; ok {
		return c
	}
	for e, c := range zkErrors {
		if errors.Is(err, e) {
			return c
		}
	}
	// ErrCode.toError: "unknown error: -2" for codes it has no error for.
	if rest, ok := strings.CutPrefix(err.Error(), "unknown error: "); ok {
		if n, err := strconv.Atoi(rest); err == nil {
			return tree.Code(n)
		}
	}
	return tree.SystemError
}
