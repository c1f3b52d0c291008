package conform

import (
	"fmt"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// Sim runs ops against a simulated cluster through zabsim's own client:
// one client per slot, its connect string only that slot's server. Each op
// is issued and the world run until its callback, as the real side waits
// for its reply.
type Sim struct {
	C       *cluster.Cluster
	servers []zab.ServerID // per slot
	timeout int32          // ms
	slots   []*simSlot
}

type simSlot struct {
	cl     *client.Client
	auth   [][2]string
	events int // History.Events already handed out
}

// opWait bounds the virtual time one op may take: nothing in the
// differential sequence waits on a timeout, so an op that needs this long
// is stuck.
const opWait = 60 * sim.Second

// NewSim starts the cluster cfg describes, waits until it has a leader and
// every server serves, and makes a driver whose slot i talks to
// servers[i] only.
func NewSim(cfg cluster.Config, servers []zab.ServerID, sessionTimeoutMs int32) (*Sim, error) {
	c, err := cluster.New(cfg)
	if err != nil {
		return nil, err
	}
	c.Start()
	deadline := c.World.Now() + opWait
	for {
		if _, ok := c.Leader(); ok && c.World.Now() > 2*sim.Second {
			break
		}
		if c.World.Now() > deadline {
			return nil, fmt.Errorf("sim: no leader after %v", opWait)
		}
		c.World.RunFor(10 * sim.Millisecond)
	}
	s := &Sim{C: c, servers: servers, timeout: sessionTimeoutMs}
	for range servers {
		s.slots = append(s.slots, &simSlot{})
	}
	return s, nil
}

// Name is "zabsim".
func (s *Sim) Name() string { return "zabsim" }

// runUntil runs the world until done holds, at most opWait of virtual time.
func (s *Sim) runUntil(what string, done func() bool) error {
	w := s.C.World
	deadline := w.Now() + opWait
	for !done() {
		if w.Now() > deadline || !w.Step() {
			return fmt.Errorf("sim: %s did not finish within %v of virtual time", what, opWait)
		}
	}
	return nil
}

// Open starts a new session on slot i, adds the slot's credentials, and
// waits until it is connected.
func (s *Sim) Open(i int) (int64, error) {
	slot := s.slots[i]
	cl := s.C.AddClient(client.Config{Servers: []zab.ServerID{s.servers[i]}, SessionTimeout: s.timeout, Addr: "127.0.0.1"})
	cl.Start()
	if err := s.runUntil(fmt.Sprintf("slot %d's connect", i), func() bool { return cl.State() != client.Connecting }); err != nil {
		return 0, err
	}
	if cl.State() != client.Connected {
		return 0, fmt.Errorf("sim: slot %d: %s", i, cl)
	}
	slot.cl = cl
	slot.events = len(s.C.History().Events)
	for _, a := range slot.auth {
		if code := s.addAuth(cl, a[0], a[1]); code != tree.OK {
			return 0, fmt.Errorf("sim: slot %d: addAuth %s again: %s", i, a[0], code)
		}
	}
	return int64(cl.SessionID()), nil
}

func (s *Sim) addAuth(cl *client.Client, scheme, auth string) tree.Code {
	var code tree.Code
	done := false
	cl.AddAuth(scheme, []byte(auth), func(err tree.Code) { code, done = err, true })
	if err := s.runUntil("addAuth", func() bool { return done }); err != nil {
		return tree.SystemError
	}
	return code
}

// Close ends slot i's session, waits until the client is closed, and
// returns the events it got since its last op.
func (s *Sim) Close(i int) []Event {
	cl := s.slots[i].cl
	if cl == nil {
		return nil
	}
	cl.Close()
	_ = s.runUntil("close", func() bool { return cl.State() != client.Connected && cl.State() != client.Connecting })
	evs := s.drain(i)
	s.slots[i].cl = nil
	return evs
}

// SessionID is slot i's current session.
func (s *Sim) SessionID(i int) int64 { return int64(s.slots[i].cl.SessionID()) }

// drain returns the node events slot i's client got since the last drain.
func (s *Sim) drain(i int) []Event {
	slot := s.slots[i]
	h := s.C.History()
	var out []Event
	for _, e := range h.Events[slot.events:] {
		if e.Client == slot.cl.ID() && e.Type != tree.EventNone {
			out = append(out, Event{Type: e.Type, Path: e.Path})
		}
	}
	slot.events = len(h.Events)
	return out
}

// Do runs one op and returns its outcome, with the events its session got
// since its last op.
func (s *Sim) Do(op Op) Outcome {
	var o Outcome
	done := false
	finish := func(err tree.Code) {
		o.Err, done = err, true
	}
	cl := s.slots[op.Slot].cl
	statOf := func(st tree.Stat, err tree.Code) *tree.Stat {
		if err != tree.OK {
			return nil
		}
		return &st
	}
	var watch client.Watcher
	if op.Watch {
		watch = func(zab.WatcherEvent) {} // History records the event
	}
	switch op.Kind {
	case KCreate:
		cl.Create(op.Path, op.Data, op.ACL, op.Mode, func(p string, err tree.Code) { o.Path = p; finish(err) })
	case KCreateContainer:
		cl.CreateContainer(op.Path, op.Data, op.ACL, func(p string, _ tree.Stat, err tree.Code) { o.Path = p; finish(err) })
	case KCreateTTL:
		cl.CreateTTL(op.Path, op.Data, op.ACL, op.Mode, op.TTL, func(p string, _ tree.Stat, err tree.Code) { o.Path = p; finish(err) })
	case KDelete:
		cl.Delete(op.Path, op.Version, finish)
	case KSetData:
		cl.SetData(op.Path, op.Data, op.Version, func(st tree.Stat, err tree.Code) { o.Stat = statOf(st, err); finish(err) })
	case KGetData:
		cl.GetData(op.Path, watch, func(d []byte, st tree.Stat, err tree.Code) {
			o.Stat = statOf(st, err)
			if err == tree.OK {
				o.Data = append([]byte{}, d...)
			}
			finish(err)
		})
	case KExists:
		cl.Exists(op.Path, watch, func(st tree.Stat, err tree.Code) { o.Stat = statOf(st, err); finish(err) })
	case KGetChildren:
		cl.GetChildren(op.Path, watch, func(kids []string, st tree.Stat, err tree.Code) {
			o.Stat = statOf(st, err)
			if err == tree.OK {
				o.Children = append([]string{}, kids...)
			}
			finish(err)
		})
	case KGetACL:
		cl.GetACL(op.Path, func(acl []tree.ACL, st tree.Stat, err tree.Code) {
			o.Stat = statOf(st, err)
			if err == tree.OK {
				o.ACL = append([]tree.ACL{}, acl...)
			}
			finish(err)
		})
	case KSetACL:
		cl.SetACL(op.Path, op.ACL, op.Version, func(st tree.Stat, err tree.Code) { o.Stat = statOf(st, err); finish(err) })
	case KMulti:
		cl.Multi(simMulti(op.Multi), func(res []tree.OpResult, err tree.Code) {
			for _, r := range res {
				if !goZKDecodes(r.Type) {
					// What go-zookeeper makes of this reply: the results
					// before this one, and APIError.
					err = tree.APIError
					break
				}
				o.Multi = append(o.Multi, SubOutcome{Err: r.Err, Path: r.Path, Stat: r.Stat})
			}
			finish(err)
		})
	case KSync:
		cl.Sync(op.Path, func(p string, err tree.Code) { o.Path = p; finish(err) })
	case KAddAuth:
		code := s.addAuth(cl, op.Scheme, op.Auth)
		if code == tree.OK {
			s.slots[op.Slot].auth = append(s.slots[op.Slot].auth, [2]string{op.Scheme, op.Auth})
		}
		finish(code)
	default:
		panic(fmt.Sprintf("conform: sim side cannot run %s", op))
	}
	if err := s.runUntil(op.String(), func() bool { return done }); err != nil {
		o.Err = tree.OperationTimeout
	}
	if o.Err != tree.OK && op.Kind != KSync {
		o.Path = ""
	}
	o.Events = s.drain(op.Slot)
	return o
}

// goZKDecodes reports whether go-zookeeper v1.0.4 can decode a multi result
// of this type. Its multiResponse.Decode (structs.go) knows create, setData,
// check, delete and error, and answers any other type with ErrAPIError,
// keeping the results before it. ZooKeeper answers a create of a container
// (or TTL) node inside a multi with a create2 result carrying a Stat
// (FinalRequestProcessor, release-3.8.0: "case OpCode.createContainer:
// subResult = new CreateResult(subTxnResult.path, subTxnResult.stat)", and
// that CreateResult is typed create2): zabsim's results go through the
// same filter so the two sides compare.
func goZKDecodes(t tree.OpCode) bool {
	switch t {
	case tree.OpCreate, tree.OpSetData, tree.OpCheck, tree.OpDelete, tree.OpError:
		return true
	}
	return false
}

func simMulti(subs []SubOp) []tree.Op {
	ops := make([]tree.Op, len(subs))
	for i, s := range subs {
		switch s.Kind {
		case KCreate:
			ops[i] = tree.Op{Type: tree.OpCreate, Request: &tree.CreateRequest{Path: s.Path, Data: s.Data, ACL: s.ACL, Flags: s.Mode}}
		case KDelete:
			ops[i] = tree.Op{Type: tree.OpDelete, Request: &tree.DeleteRequest{Path: s.Path, Version: s.Version}}
		case KSetData:
			ops[i] = tree.Op{Type: tree.OpSetData, Request: &tree.SetDataRequest{Path: s.Path, Data: s.Data, Version: s.Version}}
		case KCheck:
			ops[i] = tree.Op{Type: tree.OpCheck, Request: &tree.CheckVersionRequest{Path: s.Path, Version: s.Version}}
		default:
			panic(fmt.Sprintf("conform: %s in a multi", s.Kind))
		}
	}
	return ops
}
