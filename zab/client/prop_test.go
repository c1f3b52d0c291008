package client

// Property test: the client against a randomly misbehaving server. Rapid
// draws interleavings of ops, replies (in order, out of order, with errors),
// notifications, handshakes (accepted or expired), dropped connections and
// passing time. Whatever the interleaving: every op's callback runs at most
// once and exactly when its History entry ends; when the client is killed at
// the end every op has ended exactly once; only sent ops are Unknown; xids
// only grow; lastZxidSeen is the last reply header's zxid.

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// propServer is the test's server: what it has read from the client on the
// current connection and not answered yet.
type propServer struct {
	conn      zab.ConnID
	handshake bool // a ConnectRequest waits for its answer
	pending   []*zab.Request
	zxid      zab.Zxid
	lastXid   int32 // the highest xid any request carried
	session   zab.SessionID
}

type propTest struct {
	h             *harness
	srv           propServer
	calls         map[int]int // op index -> callbacks run
	lastReplyZxid zab.Zxid
}

func TestPropEveryOpEndsExactlyOnce(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		p := &propTest{calls: map[int]int{}}
		cfg := Config{RequestTimeout: rapid.SampledFrom([]int32{0, 0, 1500}).Draw(rt, "requestTimeout")}
		p.h = newHarness(rt, cfg)
		p.h.env.rng = rapid.Uint64().Draw(rt, "rng") | 1
		p.h.cl.Start()
		rt.Repeat(map[string]func(*rapid.T){
			"issue":    p.issue,
			"answer":   p.answer,
			"misorder": p.misorder,
			"handshake": func(t *rapid.T) {
				p.read(t)
				if !p.srv.handshake {
					t.Skip("no handshake waiting")
				}
				p.srv.handshake = false
				if rapid.IntRange(0, 9).Draw(t, "expire") == 0 {
					p.h.deliver(&zab.ConnectResponse{})
					return
				}
				if p.srv.session == 0 {
					p.srv.session = 0x77
				}
				p.h.deliver(&zab.ConnectResponse{Timeout: 6000, SessionID: p.srv.session})
			},
			"drop": func(t *rapid.T) {
				if p.h.conn() == 0 || p.h.connOf(p.h.conn()).closed {
					t.Skip("no open connection")
				}
				p.h.closeConn()
			},
			"notify": func(t *rapid.T) {
				p.read(t)
				if p.srv.handshake || p.h.cl.State() != Connected {
					t.Skip("not connected")
				}
				typ := rapid.SampledFrom([]tree.EventType{tree.EventNodeCreated, tree.EventNodeDeleted,
					tree.EventNodeDataChanged, tree.EventNodeChildrenChanged}).Draw(t, "event")
				p.h.notify(typ, rapid.SampledFrom(propPaths).Draw(t, "path"))
			},
			"advance": func(t *rapid.T) {
				p.read(t)
				p.h.advance(rapid.Int64Range(0, 3000).Draw(t, "ms") * millisecond)
			},
			"close": func(t *rapid.T) {
				if rapid.IntRange(0, 4).Draw(t, "rarely") == 0 {
					p.h.cl.Close()
				}
			},
			"": func(t *rapid.T) { p.check(t) },
		})
		p.h.cl.Kill()
		p.check(rt)
		for _, op := range p.h.hist.All() {
			if op.Outcome == Pending || p.calls[op.Index] != 1 {
				rt.Fatalf("after Kill: %s with %d callbacks", op, p.calls[op.Index])
			}
		}
	})
}

var propPaths = []string{"/a", "/a/b", "/c"}

// read takes what the client sent on its current connection.
func (p *propTest) read(t *rapid.T) {
	if p.h.conn() != p.srv.conn {
		p.srv = propServer{conn: p.h.conn(), zxid: p.srv.zxid, lastXid: p.srv.lastXid, session: p.srv.session}
	}
	for _, m := range p.h.out() {
		switch m := m.(type) {
		case *zab.ConnectRequest:
			if m.SessionID != 0 && m.SessionID != p.srv.session {
				t.Fatalf("resumes session %#x, not %#x", int64(m.SessionID), int64(p.srv.session))
			}
			if m.LastZxidSeen != p.h.cl.LastZxid() {
				t.Fatalf("ConnectRequest lastZxidSeen %s, client has %s", m.LastZxidSeen, p.h.cl.LastZxid())
			}
			p.srv.handshake = true
		case *zab.Request:
			if p.srv.handshake {
				t.Fatalf("request %s before the handshake's answer", m)
			}
			if m.Xid > 0 {
				if m.Xid <= p.srv.lastXid {
					t.Fatalf("xid %d after %d", m.Xid, p.srv.lastXid)
				}
				p.srv.lastXid = m.Xid
			}
			if m.Xid != zab.XidAuth {
				p.srv.pending = append(p.srv.pending, m)
			}
		}
	}
}

func (p *propTest) issue(t *rapid.T) {
	idx := p.h.hist.Len()
	done := func() { p.calls[idx]++ }
	path := rapid.SampledFrom(propPaths).Draw(t, "path")
	var w Watcher
	if rapid.Bool().Draw(t, "watch") {
		w = func(zab.WatcherEvent) {}
	}
	switch rapid.IntRange(0, 8).Draw(t, "op") {
	case 0:
		p.h.cl.Create(path, []byte("v"), tree.OpenACLUnsafe, tree.Persistent, func(string, tree.Code) { done() })
	case 1:
		p.h.cl.SetData(path, []byte("w"), -1, func(tree.Stat, tree.Code) { done() })
	case 2:
		p.h.cl.Delete(path, -1, func(tree.Code) { done() })
	case 3:
		p.h.cl.GetData(path, w, func([]byte, tree.Stat, tree.Code) { done() })
	case 4:
		p.h.cl.Exists(path, w, func(tree.Stat, tree.Code) { done() })
	case 5:
		p.h.cl.GetChildren(path, w, func([]string, tree.Stat, tree.Code) { done() })
	case 6:
		p.h.cl.Multi([]tree.Op{{Type: tree.OpDelete, Request: &tree.DeleteRequest{Path: path, Version: -1}}},
			func([]tree.OpResult, tree.Code) { done() })
	case 7:
		p.h.cl.AddWatch(path, tree.AddWatchPersistentRecursive, w, func(tree.Code) { done() })
	case 8:
		p.h.cl.RemoveWatches(path, tree.WatcherAny, rapid.Bool().Draw(t, "local"), func(tree.Code) { done() })
	}
	if p.h.hist.Len() != idx+1 {
		t.Fatalf("op %d not recorded", idx)
	}
}

// answer replies to the oldest unanswered request, with a random code.
func (p *propTest) answer(t *rapid.T) {
	p.read(t)
	if p.srv.handshake || len(p.srv.pending) == 0 || p.h.connOf(p.h.conn()).closed {
		t.Skip("nothing to answer")
	}
	r := p.srv.pending[0]
	p.srv.pending = p.srv.pending[1:]
	p.srv.zxid++
	code := rapid.SampledFrom([]tree.Code{tree.OK, tree.OK, tree.OK, tree.NoNode, tree.NodeExists}).Draw(t, "code")
	var rec any
	switch r.Type {
	case tree.OpCreate:
		rec = &zab.CreateResponse{Path: "/x"}
	case tree.OpGetData:
		rec = &zab.GetDataResponse{Data: []byte("d")}
	case tree.OpExists, tree.OpSetData:
		rec = &zab.StatResponse{}
	case tree.OpGetChildren2:
		rec = &zab.GetChildren2Response{}
	case tree.OpMulti:
		rec = &zab.MultiResponse{Results: []tree.OpResult{{Type: tree.OpError, Err: tree.NoNode}}}
	}
	if r.Xid > 0 {
		p.lastReplyZxid = p.srv.zxid
	}
	p.h.answer(r, p.srv.zxid, code, rec)
}

// misorder answers a later request first: a protocol error.
func (p *propTest) misorder(t *rapid.T) {
	p.read(t)
	var later []*zab.Request
	for _, r := range p.srv.pending {
		if r.Xid > 0 {
			later = append(later, r)
		}
	}
	if p.srv.handshake || len(later) < 2 || p.h.connOf(p.h.conn()).closed {
		t.Skip("nothing to misorder")
	}
	p.h.answer(later[1], p.srv.zxid, tree.OK, nil)
	if p.h.cl.State() == Connected {
		t.Fatalf("still connected after reply xid %d before %d", later[1].Xid, later[0].Xid)
	}
}

func (p *propTest) check(t *rapid.T) {
	for _, op := range p.h.hist.All() {
		n := p.calls[op.Index]
		switch {
		case n > 1:
			t.Fatalf("%s: %d callbacks", op, n)
		case (op.Outcome == Pending) != (n == 0):
			t.Fatalf("%s: %d callbacks", op, n)
		case op.Outcome == Unknown && op.Xid == 0:
			t.Fatalf("never sent, yet unknown: %s", op)
		case op.Outcome == Pending && op.Return != -1, op.Outcome != Pending && op.Return < op.Call:
			t.Fatalf("bad stamps: %s", op)
		}
	}
	if got := p.h.cl.LastZxid(); got != p.lastReplyZxid && p.lastReplyZxid != 0 {
		// A misordered reply is not taken; every in-order one is.
		if got > p.lastReplyZxid {
			t.Fatalf("lastZxidSeen %s ahead of the last reply %s", got, p.lastReplyZxid)
		}
	}
	outstanding := 0
	for _, op := range p.h.hist.All() {
		if op.Outcome == Pending {
			outstanding++
		}
	}
	if outstanding != p.h.cl.Outstanding()-p.internal() {
		t.Fatalf("%d pending ops, client holds %d: %s", outstanding, p.h.cl.Outstanding(), p.h.cl)
	}
}

// internal counts the client's own calls (setWatches, closeSession).
func (p *propTest) internal() int {
	n := 0
	for _, q := range [][]*call{p.h.cl.sent, p.h.cl.queued} {
		for _, cl := range q {
			if cl.hist < 0 {
				n++
			}
		}
	}
	return n
}
