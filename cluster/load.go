package cluster

import (
	"fmt"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// The loads the cluster's tests and benchmarks and `zabsim bench` drive,
// here once so the command measures what the benchmarks measure.

// Writer is a bare client on the world: it opens a session on one server
// and issues writes, one at a time, counting the answers. It speaks the
// protocol by hand, so the ensemble is tested and measured apart from the
// client library.
type Writer struct {
	c       *Cluster
	node    sim.NodeID
	server  zab.ServerID
	conn    sim.ConnID
	session zab.SessionID
	xid     int32
	next    int
	stop    int // stop after this many writes
	// mixed: cycle create, setData, setData, delete on one node of its
	// own, so the tree stays small; otherwise every write creates a node.
	mixed bool
	// OK and Errs count the writes answered OK and with an error.
	OK, Errs int
}

// AddWriter adds a writer on server that makes n writes.
func (c *Cluster) AddWriter(server zab.ServerID, n int, mixed bool) *Writer {
	wr := &Writer{c: c, server: server, stop: n, mixed: mixed}
	wr.node = c.World.AddNode(fmt.Sprintf("writer%d", c.World.NumNodes()), wr)
	c.World.After(0, wr.connect)
	return wr
}

func (wr *Writer) Handle(ev *sim.Event) {
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
				wr.OK++
			} else {
				wr.Errs++
			}
			wr.send()
		}
	case sim.EventConnClosed:
		wr.conn = 0
		wr.c.World.After(500*sim.Millisecond, wr.connect)
	}
}

func (wr *Writer) connect() {
	if wr.conn != 0 {
		return
	}
	wr.conn = wr.c.World.Connect(wr.node, wr.c.NodeOf(wr.server))
	wr.c.World.Send(wr.conn, wr.node, &zab.ConnectRequest{Timeout: 10000, SessionID: wr.session})
}

func (wr *Writer) send() {
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

// WritesRun is BenchmarkCommittedWrites's run: 30 writers on a 3-voter
// ensemble of cfg, 10 on each server, write as fast as their replies come
// back for the virtual time given, after 3 s for the election. It returns
// the writes committed.
func WritesRun(cfg Config, mixed bool, d sim.Time) (int, error) {
	cfg.Voters, cfg.Observers = 3, 0
	c, err := New(cfg)
	if err != nil {
		return 0, err
	}
	c.Start()
	c.World.RunFor(3 * sim.Second)
	var ws []*Writer
	for k := 0; k < 30; k++ {
		ws = append(ws, c.AddWriter(c.IDs()[k%3], 1000, mixed))
	}
	c.World.RunFor(d)
	writes := 0
	for _, w := range ws {
		writes += w.OK
	}
	return writes, nil
}

// MemoryWorld is BenchmarkWorldMemory's world: 5 voters and 10 clients
// that each create, set or read one of 100 keys every 10 ms, for the
// virtual time given after 3 s for the election.
func MemoryWorld(seed uint64, d sim.Time) (*Cluster, error) {
	c, err := New(Config{Seed: seed, Voters: 5})
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
