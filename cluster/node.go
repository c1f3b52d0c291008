package cluster

import (
	"fmt"
	"strings"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
)

// serverNode is one server's process on the world: a sim.Handler that
// turns world events into zab events, and the zab.Env the server acts on.
type serverNode struct {
	c    *Cluster
	id   zab.ServerID
	node sim.NodeID
	srv  *zab.Server
	rand *sim.Rand

	// dying: the process dies during the step in progress. What it sends,
	// writes or syncs from then on never happens; the crash itself comes
	// when the step returns (a process cannot be stopped mid-function).
	dying     bool
	dyingTorn bool
	// afterProposals: die right after this many more PROPOSAL sends.
	afterProposals int
	// beforeLogSync: die between the next log write and its fsync.
	beforeLogSync bool
}

func (sn *serverNode) newServer() error {
	srv, err := zab.NewServer(sn.c.ServerConfig(sn.id), sn)
	if err != nil {
		return err
	}
	sn.srv = srv
	return nil
}

func (sn *serverNode) step(ev zab.Event) {
	sn.srv.Step(ev)
	if sn.dying {
		sn.dying = false
		sn.c.Crash(sn.id, sn.dyingTorn)
	}
}

// Handle implements sim.Handler.
func (sn *serverNode) Handle(ev *sim.Event) {
	if zev, ok := toZab(ev); ok {
		sn.step(zev)
	}
}

func toZab(ev *sim.Event) (zab.Event, bool) {
	switch ev.Kind {
	case sim.EventMessage:
		m, ok := ev.Payload.(zab.Message)
		if !ok {
			panic(fmt.Sprintf("message of type %T on conn %d", ev.Payload, ev.Conn))
		}
		return zab.MessageEvent{Conn: zab.ConnID(ev.Conn), Msg: m}, true
	case sim.EventConnClosed:
		return zab.ClosedEvent{Conn: zab.ConnID(ev.Conn)}, true
	case sim.EventTimer:
		return zab.TimerEvent{ID: zab.TimerID(ev.Timer), Timer: ev.Payload.(zab.Timer)}, true
	case sim.EventFsync:
		return zab.FsyncEvent{File: ev.File, Token: ev.Payload.(uint64)}, true
	}
	return nil, false
}

func (sn *serverNode) Now() int64     { return int64(sn.c.World.NodeNow(sn.node)) }
func (sn *serverNode) Elapsed() int64 { return int64(sn.c.World.NodeElapsed(sn.node)) }
func (sn *serverNode) Rand() uint64   { return sn.rand.Uint64() }
func (sn *serverNode) Connect(to zab.ServerID, _ zab.Port) zab.ConnID {
	return zab.ConnID(sn.c.World.Connect(sn.node, sn.c.NodeOf(to)))
}
func (sn *serverNode) Send(c zab.ConnID, m zab.Message) {
	if sn.dying {
		return
	}
	sn.c.World.Send(sim.ConnID(c), sn.node, m)
	if p, ok := m.(*zab.Packet); ok && p.Type == zab.PacketProposal && sn.afterProposals > 0 {
		sn.afterProposals--
		if sn.afterProposals == 0 {
			sn.dying = true
		}
	}
}

func (sn *serverNode) RemoteAddr(c zab.ConnID) string {
	a, b := sn.c.World.ConnEnds(sim.ConnID(c))
	if a == sn.node {
		a = b
	}
	return sn.c.addrs[a]
}

func (sn *serverNode) Close(c zab.ConnID) {
	if !sn.dying {
		sn.c.World.Close(sim.ConnID(c), sn.node)
	}
}
func (sn *serverNode) SetTimer(d int64, t zab.Timer) zab.TimerID {
	return zab.TimerID(sn.c.World.SetTimer(sn.node, sim.Time(d), t))
}
func (sn *serverNode) CancelTimer(id zab.TimerID) { sn.c.World.CancelTimer(sim.TimerID(id)) }
func (sn *serverNode) Disk() zab.Disk {
	if sn.dying {
		return deadDisk{sn.c.World.Disk(sn.node)}
	}
	return sn.c.World.Disk(sn.node)
}

func (sn *serverNode) Fsync(file string, token uint64) {
	if sn.dying {
		return
	}
	if sn.beforeLogSync && strings.HasPrefix(file, "log.") {
		sn.beforeLogSync = false
		sn.dying = true
		return
	}
	sn.c.World.Fsync(sn.node, file, token)
}

// deadDisk is the disk as a dying process sees it: reads work, writes go
// nowhere.
type deadDisk struct{ *sim.Disk }

func (deadDisk) Append(string, []byte)        {}
func (deadDisk) WriteFile(string, []byte)     {}
func (deadDisk) Truncate(string, int64) error { return nil }
func (deadDisk) Remove(string)                {}
func (deadDisk) Rename(string, string) error  { return nil }
func (sn *serverNode) Logf(string, ...any)    {}

// Observe records the observation and feeds it to the trace (and so the
// hash: a run that differs in protocol facts differs in hash).
func (sn *serverNode) Observe(o zab.Observation) {
	c := sn.c
	r := Record{At: c.World.Now(), Server: sn.id, Obs: o}
	c.records.add(&r)
	if c.cfg.KeepTrace {
		// The kept trace prints the observation later: it gets its own.
		c.World.Record(sn.node, c.keepObs(o))
	} else {
		// Only hashed, at once: no need to box it.
		c.obs = o
		c.World.Record(sn.node, &c.obs)
	}
	if c.OnObserve != nil {
		c.OnObserve(r)
	}
}
