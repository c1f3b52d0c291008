package main

import (
	"fmt"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// The loads zabsim bench drives, each the same as a go test benchmark's
// (which live in _test files the command cannot import): the sim core's
// no-op nodes (sim/bench_test.go), the bare protocol writers of
// BenchmarkCommittedWrites (cluster/cluster_test.go) and the world of
// BenchmarkWorldMemory (cluster/bench_test.go). They are simulated code:
// deterministic, seeded, and timed only by the caller.

// nopNode answers each event with one more: a timer re-armed 1 µs out
// (timers), or the message sent back on its connection (messages).
type nopNode struct {
	w        *sim.World
	id       sim.NodeID
	messages bool
}

func (n *nopNode) Handle(ev *sim.Event) {
	if n.messages {
		n.w.Send(ev.Conn, n.id, ev.Payload)
		return
	}
	n.w.SetTimer(n.id, sim.Microsecond, nil)
}

// nopWorld is 64 nodes each with a timer armed, or 4 connected pairs with
// 8 messages in flight each: every Step then delivers one event and
// schedules the next.
func nopWorld(messages bool) *sim.World {
	w := sim.NewWorld(sim.Config{Seed: 1})
	var ns []*nopNode
	for i := 0; i < 64 && (!messages || i < 8); i++ {
		n := &nopNode{w: w, messages: messages}
		n.id = w.AddNode("n", n)
		ns = append(ns, n)
		if !messages {
			w.SetTimer(n.id, sim.Time(i), nil)
		}
	}
	for i := 0; messages && i < len(ns); i += 2 {
		c := w.Connect(ns[i].id, ns[i+1].id)
		for k := 0; k < 8; k++ {
			w.Send(c, ns[i].id, uint64(k))
		}
	}
	return w
}

// benchWriter is a bare client on the world: it opens a session on one
// server and issues writes, one at a time, counting the answers. It speaks
// the protocol by hand, so what it measures is the ensemble, not the
// client library.
type benchWriter struct {
	c       *cluster.Cluster
	node    sim.NodeID
	server  zab.ServerID
	conn    sim.ConnID
	session zab.SessionID
	xid     int32
	next    int
	ok      int
	stop    int // stop after this many writes
	// mixed: cycle create, setData, setData, delete on one node of its
	// own, so the tree stays small; otherwise every write creates a node.
	mixed bool
}

func addBenchWriter(c *cluster.Cluster, server zab.ServerID, n int, mixed bool) *benchWriter {
	wr := &benchWriter{c: c, server: server, stop: n, mixed: mixed}
	wr.node = c.World.AddNode(fmt.Sprintf("writer%d", c.World.NumNodes()), wr)
	c.World.After(0, wr.connect)
	return wr
}

func (wr *benchWriter) Handle(ev *sim.Event) {
	switch ev.Kind {
	case sim.EventMessage:
		switch m := ev.Payload.(type) {
		case *zab.ConnectResponse:
			wr.session = m.SessionID
			wr.send()
		case *zab.Reply:
			if m.Xid < 0 {
				return
			}
			if m.Err == tree.OK {
				wr.ok++
			}
			wr.send()
		}
	case sim.EventConnClosed:
		wr.conn = 0
		wr.c.World.After(500*sim.Millisecond, wr.connect)
	}
}

func (wr *benchWriter) connect() {
	if wr.conn != 0 {
		return
	}
	wr.conn = wr.c.World.Connect(wr.node, wr.c.NodeOf(wr.server))
	wr.c.World.Send(wr.conn, wr.node, &zab.ConnectRequest{Timeout: 10000, SessionID: wr.session})
}

func (wr *benchWriter) send() {
	if wr.next >= wr.stop {
		return
	}
	wr.next++
	wr.xid++
	req := &zab.Request{Xid: wr.xid, Type: tree.OpCreate,
		Record: &tree.CreateRequest{Path: fmt.Sprintf("/n%d-%d", wr.node, wr.next), ACL: tree.OpenACLUnsafe, Flags: tree.Persistent}}
	if wr.mixed {
		path := fmt.Sprintf("/n%d", wr.node)
		switch wr.next % 4 {
		case 1:
			req.Record = &tree.CreateRequest{Path: path, ACL: tree.OpenACLUnsafe, Flags: tree.Persistent}
		case 2, 3:
			req.Type, req.Record = tree.OpSetData, &tree.SetDataRequest{Path: path, Data: []byte("some data"), Version: -1}
		case 0:
			req.Type, req.Record = tree.OpDelete, &tree.DeleteRequest{Path: path, Version: -1}
		}
	}
	wr.c.World.Send(wr.conn, wr.node, req)
}

// writesRun is BenchmarkCommittedWrites's run: 30 writers on a 3-voter
// ensemble, 10 on each server, write as fast as their replies come back
// for the virtual time given, after 3 s for the election. It returns the
// writes committed.
func writesRun(seed uint64, mixed bool, d sim.Time) (int, error) {
	c, err := cluster.New(cluster.Config{Seed: seed, Voters: 3})
	if err != nil {
		return 0, err
	}
	c.Start()
	c.World.RunFor(3 * sim.Second)
	var ws []*benchWriter
	for k := 0; k < 30; k++ {
		ws = append(ws, addBenchWriter(c, c.IDs()[k%3], 1000, mixed))
	}
	c.World.RunFor(d)
	writes := 0
	for _, w := range ws {
		writes += w.ok
	}
	return writes, nil
}

// memoryWorld is BenchmarkWorldMemory's world: 5 voters and 10 clients
// that each create, set or read one of 100 keys every 10 ms, for the
// virtual time given after 3 s for the election.
func memoryWorld(seed uint64, d sim.Time) (*cluster.Cluster, error) {
	c, err := cluster.New(cluster.Config{Seed: seed, Voters: 5})
	if err != nil {
		return nil, err
	}
	c.Start()
	c.World.RunFor(3 * sim.Second)
	r := c.World.Rand("bench/memory")
	for k := 0; k < 10; k++ {
		cl := c.AddClient(client.Config{})
		cl.Start()
		var tick func()
		tick = func() {
			path := fmt.Sprintf("/k%d", r.Intn(100))
			switch r.Intn(3) {
			case 0:
				cl.Create(path, []byte("data"), tree.OpenACLUnsafe, tree.Persistent, nil)
			case 1:
				cl.SetData(path, []byte("more data"), -1, nil)
			case 2:
				cl.GetData(path, nil, nil)
			}
			c.World.After(10*sim.Millisecond, tick)
		}
		c.World.After(sim.Second, tick)
	}
	c.World.RunFor(d)
	return c, nil
}
