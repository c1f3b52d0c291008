// Package cluster runs a ZooKeeper ensemble of zab servers and simulated
// clients on a sim.World: the thin binding between the protocol and the
// simulated world. It starts servers from a zoo.cfg-like description,
// crashes, restarts and pauses them, and records what they report so
// checkers can read it afterwards.
package cluster

import (
	"fmt"
	"sort"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// Config describes an ensemble.
type Config struct {
	Seed      uint64
	Voters    int
	Observers int
	// Peers, if set, is the ensemble with its own server ids (a zoo.cfg's
	// server.N lines: see FromZooCfg); Voters and Observers are then
	// counted from it.
	Peers []zab.Peer
	// Server adjusts every server's configuration (tickTime, limits, bugs).
	Server       func(*zab.Config)
	Latency      sim.Latency
	FsyncLatency sim.Latency
	KeepTrace    bool
	// MaxEvents stops the world after this many delivered events (0: no
	// limit), so a message storm cannot run a sweep out of time.
	MaxEvents int64
}

// Record is one observation a server reported, with when and who.
type Record struct {
	At     sim.Time
	Server zab.ServerID
	Obs    zab.Observation
}

// Cluster is an ensemble on a simulated world.
type Cluster struct {
	World *sim.World
	// records holds every observation in the order reported.
	records recordLog
	// obs is the observation being reported, which the trace hashes when
	// it keeps none.
	obs zab.Observation
	// kept holds the observations a kept trace points to.
	kept [][]zab.Observation

	cfg     Config
	peers   []zab.Peer
	servers []*serverNode // index id-1
	clients []*clientNode
	procs   []*Process
	// nclients counts the clients made so far, of AddClient and of
	// processes: their ids in histories.
	nclients int
	history  *client.History
	byNode   map[sim.NodeID]zab.ServerID
	// addrs is each node's IPv4 address, what "ip" ACLs see. Only
	// looked up, never iterated.
	addrs map[sim.NodeID]string
	// life holds the servers' process changes, for reports. It is kept
	// beside the trace (the notes feed the hash), never in it.
	life []LifeEvent
	// OnObserve, if set, sees each observation as it is reported (fault
	// hooks such as "crash the leader after its k-th PROPOSAL").
	OnObserve func(Record)
}

// New builds the world and the servers; nothing runs until Start.
func New(cfg Config) (*Cluster, error) {
	var peers []zab.Peer
	if len(cfg.Peers) > 0 {
		cfg.Voters, cfg.Observers = 0, 0
		seen := map[zab.ServerID]bool{}
		for _, p := range cfg.Peers {
			if seen[p.ID] {
				return nil, fmt.Errorf("cluster: server %d is given twice", p.ID)
			}
			seen[p.ID] = true
			if p.Observer {
				cfg.Observers++
			} else {
				cfg.Voters++
			}
		}
		peers = append(peers, cfg.Peers...)
		sort.Slice(peers, func(i, j int) bool { return peers[i].ID < peers[j].ID })
	} else {
		for i := 1; i <= cfg.Voters+cfg.Observers; i++ {
			peers = append(peers, zab.Peer{ID: zab.ServerID(i), Observer: i > cfg.Voters})
		}
	}
	if cfg.Voters < 1 || cfg.Voters+cfg.Observers > 254 {
		return nil, fmt.Errorf("cluster: %d voters and %d observers: need 1..254 servers with at least one voter", cfg.Voters, cfg.Observers)
	}
	w := sim.NewWorld(sim.Config{Seed: cfg.Seed, KeepTrace: cfg.KeepTrace, Latency: cfg.Latency, FsyncLatency: cfg.FsyncLatency, MaxEvents: cfg.MaxEvents})
	c := &Cluster{World: w, cfg: cfg, byNode: map[sim.NodeID]zab.ServerID{},
		addrs: map[sim.NodeID]string{}, peers: peers}
	for _, p := range c.peers {
		sn := &serverNode{c: c, id: p.ID}
		sn.node = w.AddNode(fmt.Sprintf("zk%d", p.ID), sn)
		sn.rand = w.Rand(fmt.Sprintf("server/%d", p.ID))
		c.byNode[sn.node] = p.ID
		c.addrs[sn.node] = fmt.Sprintf("10.0.0.%d", p.ID)
		if err := sn.newServer(); err != nil {
			return nil, err
		}
		c.servers = append(c.servers, sn)
	}
	return c, nil
}

// ServerConfig returns the configuration a server of this cluster runs with.
func (c *Cluster) ServerConfig(id zab.ServerID) zab.Config {
	zc := zab.Config{ID: id, Peers: c.peers}
	if c.cfg.Server != nil {
		c.cfg.Server(&zc)
	}
	return zc.WithDefaults()
}

// Start boots every server.
func (c *Cluster) Start() {
	for _, sn := range c.servers {
		sn.step(zab.StartEvent{})
	}
}

// IDs lists the server ids in order.
func (c *Cluster) IDs() []zab.ServerID {
	ids := make([]zab.ServerID, len(c.peers))
	for i, p := range c.peers {
		ids[i] = p.ID
	}
	return ids
}

// Voters reports how many voting servers the cluster has.
func (c *Cluster) Voters() int { return c.cfg.Voters }

// Server returns the running server with the id (nil if out of range).
func (c *Cluster) Server(id zab.ServerID) *zab.Server {
	if sn := c.node(id); sn != nil {
		return sn.srv
	}
	return nil
}

// NodeOf returns the world node of a server.
func (c *Cluster) NodeOf(id zab.ServerID) sim.NodeID { return c.node(id).node }

func (c *Cluster) node(id zab.ServerID) *serverNode {
	i := sort.Search(len(c.servers), func(i int) bool { return c.servers[i].id >= id })
	if i == len(c.servers) || c.servers[i].id != id {
		return nil
	}
	return c.servers[i]
}

// Up reports whether a server is running.
func (c *Cluster) Up(id zab.ServerID) bool { return c.World.Up(c.NodeOf(id)) }

// Leader returns the established leader that is up, if exactly one is. A
// server that decided to lead but has no quorum yet does not count: it may
// sit in discovery for initLimit ticks while the others elect another.
func (c *Cluster) Leader() (zab.ServerID, bool) {
	var found []zab.ServerID
	for _, sn := range c.servers {
		if c.World.Up(sn.node) && sn.srv.Established() {
			found = append(found, sn.id)
		}
	}
	if len(found) != 1 {
		return 0, false
	}
	return found[0], true
}

// Crash kills a server; its disk loses what was not fsynced (and may keep
// a torn last record).
func (c *Cluster) Crash(id zab.ServerID, torn bool) {
	sn := c.node(id)
	sn.afterProposals, sn.beforeLogSync = 0, false
	c.World.Note(sn.node, fmt.Sprintf("crash zk%d torn=%t", id, torn))
	if c.World.Up(sn.node) {
		c.addLife(id, LifeCrash)
	}
	c.World.Crash(sn.node, sim.CrashOptions{TornTail: torn})
}

// Restart brings a crashed server back with a fresh process on its disk.
func (c *Cluster) Restart(id zab.ServerID) error {
	sn := c.node(id)
	if c.World.Up(sn.node) {
		return fmt.Errorf("restart zk%d: it is running", id)
	}
	if err := sn.newServer(); err != nil {
		return err
	}
	c.World.Note(sn.node, fmt.Sprintf("restart zk%d", id))
	c.addLife(id, LifeRestart)
	c.World.Restart(sn.node, sn)
	sn.step(zab.StartEvent{})
	return nil
}

// Pause and Resume stop a server's process for a while (a GC pause, SIGSTOP).
func (c *Cluster) Pause(id zab.ServerID) {
	if !c.World.Paused(c.NodeOf(id)) {
		c.addLife(id, LifePause)
	}
	c.World.Pause(c.NodeOf(id))
}

func (c *Cluster) Resume(id zab.ServerID) {
	if c.World.Paused(c.NodeOf(id)) {
		c.addLife(id, LifeResume)
	}
	c.World.Resume(c.NodeOf(id))
}

// CrashAfterProposals makes server id die right after its k-th PROPOSAL
// send from now: the followers it had sent to have the txn, the others do
// not, and its own log write of it is lost.
func (c *Cluster) CrashAfterProposals(id zab.ServerID, k int, torn bool) {
	sn := c.node(id)
	sn.afterProposals, sn.dyingTorn = k, torn
}

// CrashBeforeLogSync makes server id die between its next txn log write
// and the fsync of it.
func (c *Cluster) CrashBeforeLogSync(id zab.ServerID, torn bool) {
	sn := c.node(id)
	sn.beforeLogSync, sn.dyingTorn = true, torn
}

// Crashed lists the servers that are down.
func (c *Cluster) Crashed() []zab.ServerID {
	var out []zab.ServerID
	for _, sn := range c.servers {
		if !c.World.Up(sn.node) {
			out = append(out, sn.id)
		}
	}
	return out
}

// PausedServers lists the servers that are paused.
func (c *Cluster) PausedServers() []zab.ServerID {
	var out []zab.ServerID
	for _, sn := range c.servers {
		if c.World.Up(sn.node) && c.World.Paused(sn.node) {
			out = append(out, sn.id)
		}
	}
	return out
}

// Disarm cancels a pending CrashAfterProposals or CrashBeforeLogSync.
func (c *Cluster) Disarm(id zab.ServerID) {
	sn := c.node(id)
	sn.afterProposals, sn.beforeLogSync = 0, false
}

// Records returns every observation in the order reported, as one slice
// the caller owns.
func (c *Cluster) Records() []Record {
	out := make([]Record, 0, c.records.len())
	c.records.each(func(r *Record) { out = append(out, *r) })
	return out
}

// EachRecord calls fn on every observation in order, without making the
// slice Records does.
func (c *Cluster) EachRecord(fn func(Record)) {
	c.records.each(func(r *Record) { fn(*r) })
}

// FromZooCfg is the cluster a zoo.cfg describes: its server.N lines (ids
// and observers) and its timing (tickTime, initLimit, syncLimit, session
// timeout bounds) for every server. tune, if not nil, adjusts each
// server's configuration after that.
func FromZooCfg(seed uint64, z *zab.ZooCfg, tune func(*zab.Config)) (Config, error) {
	if len(z.Servers) == 0 {
		return Config{}, fmt.Errorf("cluster: zoo.cfg has no server.N lines")
	}
	return Config{Seed: seed, Peers: z.Peers(), Server: func(c *zab.Config) {
		z.Apply(c)
		if tune != nil {
			tune(c)
		}
	}}, nil
}

// hostAddr is the address of host n of a /16: clients are in 10.1.0.0/16
// (unless they name their own), processes in 10.2.0.0/16.
func hostAddr(net, n int) string { return fmt.Sprintf("10.%d.%d.%d", net, n/250, n%250+1) }

// Addr is the IPv4 address a world node's connections come from.
func (c *Cluster) Addr(n sim.NodeID) string { return c.addrs[n] }
