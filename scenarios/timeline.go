package scenarios

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// Timeline is what a run's report draws, distilled from the servers'
// records, their processes' crashes and pauses, the fault plan and the
// history once the run is over. Times are virtual nanoseconds from the
// start of the run. It is data: building it changes nothing in the run.
type Timeline struct {
	HealAt int64 `json:"heal_at"`
	End    int64 `json:"end"` // when the run stopped, after the clients closed
	// Servers holds one row per server, in id order.
	Servers []ServerRow `json:"servers"`
	// Leaders lists every leader established, in time order.
	Leaders []Established `json:"leaders"`
	// Faults are the windows and instants the plan put faults in.
	Faults []FaultWindow `json:"faults"`
	// Leaderless are the spells without an established leader that a
	// quorum of voters follows (see Stats.Elections).
	Leaderless []Span `json:"leaderless"`
	// Ops are the clients' operations in call order.
	Ops []OpSample `json:"ops"`
}

// The states a server row shows: zab's four, and Down while its process
// is dead (crashed, not yet restarted).
const (
	StateLooking   = "LOOKING"
	StateFollowing = "FOLLOWING"
	StateLeading   = "LEADING"
	StateObserving = "OBSERVING"
	StateDown      = "DOWN"
)

// ServerRow is one server's states over the run.
type ServerRow struct {
	ID       int  `json:"id"`
	Observer bool `json:"observer,omitempty"`
	// Invariant: intervals are in time order and do not overlap.
	Intervals []Interval `json:"intervals"`
}

// Interval is a stretch of time a server spent in one state.
type Interval struct {
	From  int64  `json:"from"`
	To    int64  `json:"to"`
	State string `json:"state"`
}

// Span is a stretch of virtual time.
type Span struct {
	From int64 `json:"from"`
	To   int64 `json:"to"`
}

// Established is a leader established for an epoch (a quorum took its
// NEWLEADER).
type Established struct {
	At     int64 `json:"at"`
	Server int   `json:"server"`
	Epoch  int64 `json:"epoch"`
}

// The kinds of fault windows.
const (
	FaultPartition = "partition"
	FaultPause     = "pause"
	FaultLatency   = "latency"
	FaultCrash     = "crash"
	FaultClock     = "clock"
	FaultOther     = "other" // instants: zxid rollover, a session's expiry, a clock jump
)

// FaultWindow is a time a fault was in force. Servers lists the servers it
// touched; empty means the whole ensemble. From == To marks an instant.
type FaultWindow struct {
	Kind    string `json:"kind"`
	From    int64  `json:"from"`
	To      int64  `json:"to"`
	Servers []int  `json:"servers,omitempty"`
	Label   string `json:"label"`
}

// OpSample is one client operation, reduced to what the latency and
// throughput plots need.
type OpSample struct {
	Type   string `json:"type"`
	Write  bool   `json:"write,omitempty"`
	Call   int64  `json:"call"`
	Return int64  `json:"return"` // -1 if it never returned
	// Result is "answered" (a server replied, with any code), "unknown"
	// (sent, no reply), "failed" (the client gave up before sending) or
	// "pending" (the run ended first).
	Result string `json:"result"`
}

// The results of an OpSample.
const (
	ResultAnswered = "answered"
	ResultUnknown  = "unknown"
	ResultFailed   = "failed"
	ResultPending  = "pending"
)

// Latency is how long an answered op took.
func (o OpSample) Latency() int64 { return o.Return - o.Call }

// buildTimeline distills a finished run. skipped lists the plan's actions
// that found nothing to act on, as faults.Injector reports them.
func buildTimeline(c *cluster.Cluster, p faults.Plan, skipped []string, el *electionTracker) *Timeline {
	tl := &Timeline{HealAt: int64(p.HealAt), End: int64(c.World.Now())}
	rows := newRowBuilder(c)
	life := c.Lifecycle()
	li := 0
	n := 0
	handleLife := func(e cluster.LifeEvent) {
		rows.life(e)
		el.lifeEvent(e)
	}
	c.EachRecord(func(r cluster.Record) {
		for li < len(life) && life[li].Records <= n {
			handleLife(life[li])
			li++
		}
		n++
		switch r.Obs.Kind {
		case zab.ObsState:
			rows.state(r)
			el.stateRecord(r)
		case zab.ObsEstablished:
			tl.Leaders = append(tl.Leaders, Established{At: int64(r.At), Server: int(r.Server), Epoch: int64(r.Obs.Epoch)})
			el.establishedRecord(r)
		}
	})
	for ; li < len(life); li++ {
		handleLife(life[li])
	}
	el.finish(tl.End)
	tl.Leaderless = el.spells
	tl.Servers = rows.finish(tl.End)
	tl.Faults = faultWindows(p, life, skipped, tl.End)
	tl.Ops = opSamples(c.History())
	return tl
}

// rowBuilder turns state records and process changes into intervals.
type rowBuilder struct {
	rows []ServerRow
	cur  []Interval // the open interval per server; State "" when none
}

func newRowBuilder(c *cluster.Cluster) *rowBuilder {
	b := &rowBuilder{}
	for _, id := range c.IDs() {
		b.rows = append(b.rows, ServerRow{ID: int(id), Observer: int(id) > c.Voters()})
		b.cur = append(b.cur, Interval{})
	}
	return b
}

func (b *rowBuilder) enter(id zab.ServerID, at int64, state string) {
	i := int(id) - 1
	if i < 0 || i >= len(b.rows) {
		panic(fmt.Sprintf("timeline: server %d outside 1..%d", id, len(b.rows)))
	}
	if cur := b.cur[i]; cur.State != "" && at > cur.From {
		cur.To = at
		b.rows[i].Intervals = append(b.rows[i].Intervals, cur)
	}
	b.cur[i] = Interval{From: at, State: state}
}

func (b *rowBuilder) state(r cluster.Record) { b.enter(r.Server, int64(r.At), r.Obs.State.String()) }

func (b *rowBuilder) life(e cluster.LifeEvent) {
	switch e.Kind {
	case cluster.LifeCrash:
		b.enter(e.Server, int64(e.At), StateDown)
	case cluster.LifeRestart:
		// The new process reports its LOOKING at once.
		b.enter(e.Server, int64(e.At), "")
	}
}

func (b *rowBuilder) finish(end int64) []ServerRow {
	for i := range b.rows {
		b.enter(zab.ServerID(i+1), end, "")
	}
	return b.rows
}

// faultWindows reads the plan's windows, and takes crashes and pauses
// from what the processes went through (a leader's crash mid-proposal
// happens when it happens, not at its action's time).
func faultWindows(p faults.Plan, life []cluster.LifeEvent, skipped []string, end int64) []FaultWindow {
	var out []FaultWindow
	healAt := int64(p.HealAt)
	acts := p.Sorted().Actions
	for i, a := range acts {
		if wasSkipped(a, skipped) {
			continue
		}
		at := int64(a.At)
		switch a.Kind {
		case faults.Partition:
			to := healAt
			for _, b := range acts[i+1:] {
				if b.Kind == faults.Heal {
					to = int64(b.At)
					break
				}
			}
			var servers []int
			for _, g := range a.Groups {
				servers = append(servers, g...)
			}
			sort.Ints(servers)
			out = append(out, FaultWindow{Kind: FaultPartition, From: at, To: to, Servers: servers, Label: partitionLabel(a)})
		case faults.LatencySpike:
			to := min(at+int64(a.For), healAt)
			out = append(out, FaultWindow{Kind: FaultLatency, From: at, To: to, Servers: serverList(a.Server),
				Label: fmt.Sprintf("latency %s±%s", a.Latency, a.Jitter)})
		case faults.ClockDrift:
			out = append(out, FaultWindow{Kind: FaultClock, From: at, To: healAt, Servers: serverList(a.Server),
				Label: fmt.Sprintf("%s drifts %+dppm", targetName(a.Server), a.DriftPPM)})
		case faults.ClockJump:
			out = append(out, FaultWindow{Kind: FaultOther, From: at, To: at, Servers: serverList(a.Server),
				Label: fmt.Sprintf("%s clock jumps %s", targetName(a.Server), a.Jump)})
		case faults.NearRollover:
			out = append(out, FaultWindow{Kind: FaultOther, From: at, To: at, Label: fmt.Sprintf("zxid counter %d below rollover", a.Margin)})
		case faults.ExpireSession:
			out = append(out, FaultWindow{Kind: FaultOther, From: at, To: at, Label: fmt.Sprintf("client %d dies", a.Client)})
		}
	}
	out = append(out, processWindows(life, end)...)
	sort.SliceStable(out, func(i, j int) bool { return out[i].From < out[j].From })
	return out
}

// processWindows pairs crashes with restarts and pauses with resumes.
func processWindows(life []cluster.LifeEvent, end int64) []FaultWindow {
	var out []FaultWindow
	type open struct{ crash, pause int64 }
	opened := map[zab.ServerID]*open{}
	var ids []zab.ServerID
	get := func(id zab.ServerID) *open {
		if o, ok := opened[id]; ok {
			return o
		}
		o := &open{crash: -1, pause: -1}
		opened[id] = o
		ids = append(ids, id)
		return o
	}
	closePause := func(id zab.ServerID, o *open, at int64) {
		if o.pause >= 0 {
			out = append(out, FaultWindow{Kind: FaultPause, From: o.pause, To: at, Servers: []int{int(id)}, Label: fmt.Sprintf("zk%d paused", id)})
			o.pause = -1
		}
	}
	closeCrash := func(id zab.ServerID, o *open, at int64) {
		if o.crash >= 0 {
			out = append(out, FaultWindow{Kind: FaultCrash, From: o.crash, To: at, Servers: []int{int(id)}, Label: fmt.Sprintf("zk%d down", id)})
			o.crash = -1
		}
	}
	for _, e := range life {
		o, at := get(e.Server), int64(e.At)
		switch e.Kind {
		case cluster.LifeCrash:
			closePause(e.Server, o, at)
			o.crash = at
		case cluster.LifeRestart:
			closeCrash(e.Server, o, at)
		case cluster.LifePause:
			o.pause = at
		case cluster.LifeResume:
			closePause(e.Server, o, at)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		closePause(id, opened[id], end)
		closeCrash(id, opened[id], end)
	}
	return out
}

func wasSkipped(a faults.Action, skipped []string) bool {
	prefix := fmt.Sprintf("%s %s:", a.At, a.Kind)
	for _, s := range skipped {
		if strings.HasPrefix(s, prefix) {
			return true
		}
	}
	return false
}

func partitionLabel(a faults.Action) string {
	parts := make([]string, len(a.Groups))
	for i, g := range a.Groups {
		parts[i] = fmt.Sprint(g)
	}
	arrow := " | "
	if a.OneWay {
		arrow = " -> "
	}
	return "partition " + strings.Join(parts, arrow)
}

func serverList(id int) []int {
	if id == 0 {
		return nil
	}
	return []int{id}
}

func targetName(id int) string {
	if id == 0 {
		return "leader"
	}
	return fmt.Sprintf("zk%d", id)
}

func opSamples(h *client.History) []OpSample {
	out := make([]OpSample, h.Len())
	for i, op := range h.All() {
		s := OpSample{Type: op.Type.String(), Write: op.IsWrite(), Call: op.Call, Return: op.Return}
		switch {
		case op.Outcome == client.Pending:
			s.Result = ResultPending
		case op.Outcome == client.Unknown:
			s.Result = ResultUnknown
		case op.Server == 0:
			s.Result = ResultFailed
		default:
			s.Result = ResultAnswered
		}
		out[i] = s
	}
	return out
}

// semanticAnswer reports whether a code is the tree's own answer to a
// request (the server decided it), not trouble on the way.
func semanticAnswer(c tree.Code) bool {
	switch c {
	case tree.OK, tree.NoNode, tree.NodeExists, tree.BadVersion, tree.NotEmpty, tree.NoChildrenForEphemerals:
		return true
	}
	return false
}
