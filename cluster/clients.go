package cluster

import (
	"fmt"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// clientNode is one simulated client's process on the world.
type clientNode struct {
	c    *Cluster
	node sim.NodeID
	cl   *client.Client
	rand *sim.Rand
}

func (cn *clientNode) Handle(ev *sim.Event) {
	if zev, ok := toZab(ev); ok {
		cn.cl.Step(zev)
	}
}

func (cn *clientNode) Now() int64   { return int64(cn.c.World.NodeNow(cn.node)) }
func (cn *clientNode) Rand() uint64 { return cn.rand.Uint64() }
func (cn *clientNode) Connect(server zab.ServerID) zab.ConnID {
	return zab.ConnID(cn.c.World.Connect(cn.node, cn.c.NodeOf(server)))
}
func (cn *clientNode) Send(c zab.ConnID, m zab.Message) { cn.c.World.Send(sim.ConnID(c), cn.node, m) }
func (cn *clientNode) Close(c zab.ConnID)               { cn.c.World.Close(sim.ConnID(c), cn.node) }
func (cn *clientNode) SetTimer(d int64, t zab.Timer) zab.TimerID {
	return zab.TimerID(cn.c.World.SetTimer(cn.node, sim.Time(d), t))
}
func (cn *clientNode) CancelTimer(id zab.TimerID) { cn.c.World.CancelTimer(sim.TimerID(id)) }

// History is what the cluster's clients saw.
func (c *Cluster) History() *client.History {
	if c.history == nil {
		w := c.World
		c.history = &client.History{Clock: func() int64 { return int64(w.Now()) }}
	}
	return c.history
}

// AddClient creates a simulated client on its own world node; Start it to
// connect. Client ids count from 1 in the order added; the connect string
// is every server unless cfg names some.
func (c *Cluster) AddClient(cfg client.Config) *client.Client {
	cn := &clientNode{c: c}
	idx := c.newClientID()
	cn.node = c.World.AddNode(fmt.Sprintf("client%d", idx), cn)
	c.addrs[cn.node] = cfg.Addr
	if cfg.Addr == "" {
		c.addrs[cn.node] = hostAddr(1, idx)
	}
	cn.rand = c.World.Rand(fmt.Sprintf("client/%d", idx))
	if cfg.ID == 0 {
		cfg.ID = idx
	}
	if len(cfg.Servers) == 0 {
		cfg.Servers = c.IDs()
	}
	cn.cl = client.New(cfg, cn, c.History())
	c.clients = append(c.clients, cn)
	return cn.cl
}

// newClientID numbers clients from 1 in the order made, plain and process
// clients alike.
func (c *Cluster) newClientID() int {
	c.nclients++
	return c.nclients
}

// Clients returns the clients made by AddClient, in the order added.
func (c *Cluster) Clients() []*client.Client {
	out := make([]*client.Client, len(c.clients))
	for i, cn := range c.clients {
		out[i] = cn.cl
	}
	return out
}

// CrashClient kills a client's process: its connection breaks and its
// session lives on at the servers until it expires.
func (c *Cluster) CrashClient(cl *client.Client) {
	for _, cn := range c.clients {
		if cn.cl == cl && c.World.Up(cn.node) {
			c.World.Note(cn.node, fmt.Sprintf("crash client %d", cl.ID()))
			cl.Kill()
			c.World.Crash(cn.node, sim.CrashOptions{})
		}
	}
}
