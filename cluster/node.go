package cluster

import (
	"fmt"

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
}

func (sn *serverNode) newServer() error {
	srv, err := zab.NewServer(sn.c.ServerConfig(sn.id), sn)
	if err != nil {
		return err
	}
	sn.srv = srv
	return nil
}

func (sn *serverNode) step(ev zab.Event) { sn.srv.Step(ev) }

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

func (sn *serverNode) Now() int64   { return int64(sn.c.World.NodeNow(sn.node)) }
func (sn *serverNode) Rand() uint64 { return sn.rand.Uint64() }
func (sn *serverNode) Connect(to zab.ServerID, _ zab.Port) zab.ConnID {
	return zab.ConnID(sn.c.World.Connect(sn.node, sn.c.NodeOf(to)))
}
func (sn *serverNode) Send(c zab.ConnID, m zab.Message) { sn.c.World.Send(sim.ConnID(c), sn.node, m) }
func (sn *serverNode) Close(c zab.ConnID)               { sn.c.World.Close(sim.ConnID(c), sn.node) }
func (sn *serverNode) SetTimer(d int64, t zab.Timer) zab.TimerID {
	return zab.TimerID(sn.c.World.SetTimer(sn.node, sim.Time(d), t))
}
func (sn *serverNode) CancelTimer(id zab.TimerID) { sn.c.World.CancelTimer(sim.TimerID(id)) }
func (sn *serverNode) Disk() zab.Disk             { return sn.c.World.Disk(sn.node) }
func (sn *serverNode) Fsync(file string, token uint64) {
	sn.c.World.Fsync(sn.node, file, token)
}
func (sn *serverNode) Logf(string, ...any) {}

// Observe records the observation and feeds it to the trace (and so the
// hash: a run that differs in protocol facts differs in hash).
func (sn *serverNode) Observe(o zab.Observation) {
	r := Record{At: sn.c.World.Now(), Server: sn.id, Obs: o}
	sn.c.Records = append(sn.c.Records, r)
	sn.c.World.Record(sn.node, o)
	if sn.c.OnObserve != nil {
		sn.c.OnObserve(r)
	}
}
