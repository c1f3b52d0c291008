package faults

import (
	"fmt"
	"time"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
)

// Injector applies a plan to a cluster: every action is scheduled on the
// cluster's world at its time, each is noted in the trace as its plan
// line, and at HealAt every fault is undone. Client faults need the
// scenario's help: ExpireClient is called with the action's client number.
type Injector struct {
	C *cluster.Cluster
	// ExpireClient kills client n's process so its session expires; nil
	// makes expire-session actions a no-op noted in the trace.
	ExpireClient func(n int)
	// ClientNode resolves client n's world node (its process), for clock
	// faults aimed at clients; nil makes them no-ops noted in the trace.
	ClientNode func(n int) (sim.NodeID, bool)
	// drifting are the client nodes whose clocks drift, reset at the heal.
	drifting []sim.NodeID
	// nearLimit are the leaders whose counters jumped near the limit, in
	// the epoch they did; one still leading that epoch at the heal rolls
	// over then.
	nearLimit []nearLimit
	// Skipped lists actions that found nothing to act on (no leader at
	// that moment, a server already down), as "at kind: why".
	Skipped []string
}

// Schedule puts the plan's actions, and its heal, on the world's clock,
// relative to now.
func (in *Injector) Schedule(p Plan) {
	w := in.C.World
	start := w.Now()
	for _, a := range p.Sorted().Actions {
		a := a
		w.At(start+sim.Time(a.At), func() {
			w.Note(sim.NoNode, "fault: "+a.String())
			in.apply(a)
		})
	}
	w.At(start+sim.Time(p.HealAt), func() {
		w.Note(sim.NoNode, "fault: heal everything")
		in.HealAll()
	})
}

// target resolves an action's server: 0 is the leader now.
func (in *Injector) target(a Action) (zab.ServerID, bool) {
	if a.Server != 0 {
		return zab.ServerID(a.Server), true
	}
	l, ok := in.C.Leader()
	if !ok {
		in.skip(a, "no leader")
	}
	return l, ok
}

func (in *Injector) skip(a Action, why string) {
	in.Skipped = append(in.Skipped, fmt.Sprintf("%s %s: %s", a.At, a.Kind, why))
	in.C.World.Note(sim.NoNode, "fault skipped: "+why)
}

func (in *Injector) nodes(ids []int) []sim.NodeID {
	out := make([]sim.NodeID, len(ids))
	for i, id := range ids {
		out[i] = in.C.NodeOf(zab.ServerID(id))
	}
	return out
}

func (in *Injector) apply(a Action) {
	c, w := in.C, in.C.World
	switch a.Kind {
	case Partition:
		for i := 0; i < len(a.Groups); i++ {
			for j := i + 1; j < len(a.Groups); j++ {
				if a.OneWay {
					w.PartitionOneWay(in.nodes(a.Groups[i]), in.nodes(a.Groups[j]))
				} else {
					w.Partition(in.nodes(a.Groups[i]), in.nodes(a.Groups[j]))
				}
			}
		}
	case Heal:
		w.Heal()
	case Crash:
		if id, ok := in.target(a); ok {
			if !c.Up(id) {
				in.skip(a, fmt.Sprintf("zk%d is down", id))
				return
			}
			c.Crash(id, a.Torn)
		}
	case Restart:
		ids := []zab.ServerID{zab.ServerID(a.Server)}
		if a.Server == 0 {
			ids = c.Crashed()
		}
		for _, id := range ids {
			if c.Up(id) {
				in.skip(a, fmt.Sprintf("zk%d is running", id))
				continue
			}
			if err := c.Restart(id); err != nil {
				in.skip(a, err.Error())
			}
		}
	case CrashLeaderMid:
		if id, ok := in.target(Action{At: a.At, Kind: a.Kind}); ok {
			c.CrashAfterProposals(id, a.K, a.Torn)
		}
	case CrashBeforeSync:
		if id, ok := in.followerTarget(a); ok {
			c.CrashBeforeLogSync(id, a.Torn)
		}
	case Pause:
		if id, ok := in.target(a); ok {
			c.Pause(id)
		}
	case Resume:
		ids := []zab.ServerID{zab.ServerID(a.Server)}
		if a.Server == 0 {
			ids = c.PausedServers()
		}
		for _, id := range ids {
			c.Resume(id)
		}
	case ClockDrift, ClockJump:
		if a.Client != 0 {
			in.clientClock(a)
			return
		}
		if id, ok := in.target(a); ok {
			in.clock(a, c.NodeOf(id))
		}
	case LatencySpike:
		in.latency(a)
	case NearRollover:
		l, ok := c.Leader()
		if !ok {
			in.skip(a, "no leader")
			return
		}
		limit := c.ServerConfig(l).CounterLimit
		if !c.Server(l).JumpZxidCounter(limit - uint32(a.Margin)) {
			in.skip(a, fmt.Sprintf("zk%d cannot jump its counter now", l))
			return
		}
		in.nearLimit = append(in.nearLimit, nearLimit{server: l, epoch: c.Server(l).Epoch()})
	case IsolateClient:
		in.isolateClient(a)
	case ExpireSession:
		if in.ExpireClient == nil {
			in.skip(a, "no clients to expire")
			return
		}
		in.ExpireClient(a.Client)
	}
}

// isolateClient cuts a client's process off every server for a.For (a
// network partition between the application and the ensemble); the heal
// ends it sooner.
func (in *Injector) isolateClient(a Action) {
	if in.ClientNode == nil {
		in.skip(a, "no client nodes to isolate")
		return
	}
	node, ok := in.ClientNode(a.Client)
	if !ok {
		in.skip(a, fmt.Sprintf("client %d has no node", a.Client))
		return
	}
	c, w := in.C, in.C.World
	servers := make([]sim.NodeID, 0, len(c.IDs()))
	for _, id := range c.IDs() {
		servers = append(servers, c.NodeOf(id))
	}
	w.Partition([]sim.NodeID{node}, servers)
	w.After(sim.Time(a.For), func() {
		for _, s := range servers {
			w.HealLink(node, s)
		}
	})
}

// clientClock applies a clock fault to a client's node.
func (in *Injector) clientClock(a Action) {
	if in.ClientNode == nil {
		in.skip(a, "no client clocks to change")
		return
	}
	node, ok := in.ClientNode(a.Client)
	if !ok {
		in.skip(a, fmt.Sprintf("client %d has no node", a.Client))
		return
	}
	if a.Kind == ClockDrift {
		in.drifting = append(in.drifting, node)
	}
	in.clock(a, node)
}

func (in *Injector) clock(a Action, node sim.NodeID) {
	if a.Kind == ClockDrift {
		in.C.World.SetClockDrift(node, float64(a.DriftPPM))
	} else {
		in.C.World.AdjustClock(node, sim.Time(a.Jump))
	}
}

// nearLimit is a leader whose zxid counter jumped near its limit.
type nearLimit struct {
	server zab.ServerID
	epoch  zab.Epoch
}

// followerTarget resolves a server that is not the leader: a.Server, or
// the lowest-numbered running follower.
func (in *Injector) followerTarget(a Action) (zab.ServerID, bool) {
	if a.Server != 0 {
		return zab.ServerID(a.Server), true
	}
	for _, id := range in.C.IDs() {
		if in.C.Up(id) && in.C.Server(id).State() == zab.Following {
			return id, true
		}
	}
	in.skip(a, "no running follower")
	return 0, false
}

// latency raises the latency of a server's links (every link with Server
// 0) for a.For.
func (in *Injector) latency(a Action) {
	c, w := in.C, in.C.World
	l := sim.Latency{Base: sim.Time(a.Latency), Jitter: sim.Time(a.Jitter)}
	var pairs [][2]sim.NodeID
	ids := c.IDs()
	for i, x := range ids {
		for _, y := range ids[i+1:] {
			if a.Server == 0 || int(x) == a.Server || int(y) == a.Server {
				pairs = append(pairs, [2]sim.NodeID{c.NodeOf(x), c.NodeOf(y)})
			}
		}
	}
	for _, p := range pairs {
		w.SetLinkLatency(p[0], p[1], l)
	}
	d := a.For
	if d == 0 {
		d = Duration(time.Second)
	}
	w.After(sim.Time(d), func() {
		for _, p := range pairs {
			w.ClearLinkLatency(p[0], p[1])
		}
	})
}

// HealAll undoes every fault: links heal, latency returns to normal,
// paused servers resume, crashed ones restart, clocks (the clients' too)
// stop drifting, pending targeted crashes are disarmed, and a leader whose
// counter was jumped near its limit rolls over. Clock jumps stay: a clock
// that was stepped keeps its offset.
func (in *Injector) HealAll() {
	c, w := in.C, in.C.World
	for _, n := range in.nearLimit {
		if c.Up(n.server) && c.Server(n.server).Epoch() == n.epoch && c.Server(n.server).Rollover() {
			w.Note(c.NodeOf(n.server), fmt.Sprintf("heal: zk%d rolls over its zxid counter", n.server))
		}
	}
	in.nearLimit = nil
	w.Heal()
	ids := c.IDs()
	for i, x := range ids {
		for _, y := range ids[i+1:] {
			w.ClearLinkLatency(c.NodeOf(x), c.NodeOf(y))
		}
	}
	for _, id := range ids {
		c.Disarm(id)
		if c.Up(id) {
			c.Resume(id)
			w.SetClockDrift(c.NodeOf(id), 0)
		}
	}
	for _, node := range in.drifting {
		w.SetClockDrift(node, 0)
	}
	in.drifting = nil
	for _, id := range c.Crashed() {
		if err := c.Restart(id); err != nil {
			in.Skipped = append(in.Skipped, "heal: "+err.Error())
		}
	}
}
