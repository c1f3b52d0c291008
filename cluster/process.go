package cluster

import (
	"fmt"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// Process is a client application's process on its own world node: one
// clock (which may drift and jump), timers that die with it, and any number
// of ZooKeeper sessions over its life, as an application that makes a new
// ZooKeeper handle after its session expired. Recipes run on processes.
type Process struct {
	// Config is what Connect makes clients with.
	Config client.Config

	c    *Cluster
	id   int
	name string
	node sim.NodeID

	clients []*client.Client
	// conns and timers route a connection's events and a timer's firing
	// to the client that owns it. Only looked up, never iterated.
	conns  map[zab.ConnID]*client.Client
	timers map[zab.TimerID]*client.Client
}

// procTimer is the payload of a timer the application itself armed.
type procTimer struct{ fn func() }

// AddProcess adds a running process; ids count from 1 in the order added.
func (c *Cluster) AddProcess(name string) *Process {
	p := &Process{c: c, id: len(c.procs) + 1, name: name,
		conns: map[zab.ConnID]*client.Client{}, timers: map[zab.TimerID]*client.Client{}}
	p.node = c.World.AddNode(name, p)
	c.addrs[p.node] = hostAddr(2, p.id)
	c.procs = append(c.procs, p)
	return p
}

// Processes returns the processes in the order added.
func (c *Cluster) Processes() []*Process { return append([]*Process(nil), c.procs...) }

// ID is the process's number.
func (p *Process) ID() int { return p.id }

// Name is the name the process was added with.
func (p *Process) Name() string { return p.name }

// Node is the process's world node.
func (p *Process) Node() sim.NodeID { return p.node }

// Now is the process's own clock, ns.
func (p *Process) Now() int64 { return int64(p.c.World.NodeNow(p.node)) }

// Up reports whether the process runs (has not crashed, or restarted).
func (p *Process) Up() bool { return p.c.World.Up(p.node) }

// After runs fn after d of the process's clock, unless cancelled or the
// process dies first. It returns the cancel function.
func (p *Process) After(d int64, fn func()) (cancel func()) {
	id := p.c.World.SetTimer(p.node, sim.Time(d), procTimer{fn: fn})
	return func() {
		if id != 0 {
			p.c.World.CancelTimer(id)
		}
	}
}

// NewClient makes a client (a ZooKeeper handle) on the process; Start it
// to connect. Its id in histories is the next client id of the cluster;
// the connect string is every server unless cfg names some.
func (p *Process) NewClient(cfg client.Config) *client.Client {
	idx := p.c.newClientID()
	if cfg.ID == 0 {
		cfg.ID = idx
	}
	if len(cfg.Servers) == 0 {
		cfg.Servers = p.c.IDs()
	}
	env := &procClient{p: p, rand: p.c.World.Rand(fmt.Sprintf("client/%d", idx))}
	env.cl = client.New(cfg, env, p.c.History())
	p.clients = append(p.clients, env.cl)
	return env.cl
}

// Connect makes a client with the process's Config; Start it to connect.
func (p *Process) Connect() *client.Client { return p.NewClient(p.Config) }

// Clients lists the clients the process made, in order.
func (p *Process) Clients() []*client.Client { return append([]*client.Client(nil), p.clients...) }

// Crash kills the process: every session it holds loses its connection
// and lives on at the servers until it expires; its timers never fire.
func (p *Process) Crash() {
	if !p.Up() {
		return
	}
	p.c.World.Note(p.node, fmt.Sprintf("crash process %s", p.name))
	for _, cl := range p.clients {
		cl.Kill()
	}
	p.c.World.Crash(p.node, sim.CrashOptions{})
	clear(p.conns)
	clear(p.timers)
}

// Restart brings a crashed process back, with no clients: what ran on it
// starts over. Its clock keeps whatever offset it had.
func (p *Process) Restart() {
	if p.Up() {
		return
	}
	p.c.World.Note(p.node, fmt.Sprintf("restart process %s", p.name))
	p.c.World.Restart(p.node, p)
}

// CloseAll closes every session of the process that is still alive.
func (p *Process) CloseAll() {
	for _, cl := range p.clients {
		cl.Close()
	}
}

// Handle implements sim.Handler: the application's timers run their
// function, everything else goes to the client that owns it.
func (p *Process) Handle(ev *sim.Event) {
	if t, ok := ev.Payload.(procTimer); ok && ev.Kind == sim.EventTimer {
		t.fn()
		return
	}
	zev, ok := toZab(ev)
	if !ok {
		return
	}
	var cl *client.Client
	switch e := zev.(type) {
	case zab.MessageEvent:
		cl = p.conns[e.Conn]
	case zab.ClosedEvent:
		cl = p.conns[e.Conn]
		delete(p.conns, e.Conn)
	case zab.TimerEvent:
		cl = p.timers[e.ID]
		delete(p.timers, e.ID)
	}
	if cl != nil {
		cl.Step(zev)
	}
}

// procClient is one client's Env on its process.
type procClient struct {
	p    *Process
	rand *sim.Rand
	cl   *client.Client
}

func (pc *procClient) Now() int64   { return pc.p.Now() }
func (pc *procClient) Rand() uint64 { return pc.rand.Uint64() }
func (pc *procClient) Connect(server zab.ServerID) zab.ConnID {
	id := zab.ConnID(pc.p.c.World.Connect(pc.p.node, pc.p.c.NodeOf(server)))
	pc.p.conns[id] = pc.cl
	return id
}
func (pc *procClient) Send(c zab.ConnID, m zab.Message) {
	pc.p.c.World.Send(sim.ConnID(c), pc.p.node, m)
}
func (pc *procClient) Close(c zab.ConnID) {
	delete(pc.p.conns, c)
	pc.p.c.World.Close(sim.ConnID(c), pc.p.node)
}
func (pc *procClient) SetTimer(d int64, t zab.Timer) zab.TimerID {
	id := zab.TimerID(pc.p.c.World.SetTimer(pc.p.node, sim.Time(d), t))
	if id != 0 {
		pc.p.timers[id] = pc.cl
	}
	return id
}
func (pc *procClient) CancelTimer(id zab.TimerID) {
	delete(pc.p.timers, id)
	pc.p.c.World.CancelTimer(sim.TimerID(id))
}
