// Package scenarios holds zabsim's named scenarios — an ensemble's shape,
// a client workload, a fault profile and the checks — and runs one of them
// for one seed. The go tests run every scenario over a band of seeds; the
// zabsim command runs, replays and sweeps them.
package scenarios

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// Scenario is one named test of the ensemble.
type Scenario struct {
	Name        string
	Description string
	Voters      int
	Observers   int
	Clients     int
	// Duration is the run's virtual length; the last Heal of it has no
	// faults, so liveness can be judged.
	Duration time.Duration
	Heal     time.Duration
	// Server adjusts every server's configuration.
	Server func(*zab.Config)
	// Plan draws the fault plan from the run's fault stream; nil means
	// no faults.
	Plan func(r faults.Rand, sh faults.Shape) faults.Plan
	// Workload starts the clients' behaviour.
	Workload func(w *Workload)
	// WorkloadName names Workload for a driver outside the simulation
	// (zabsim conform runs "register" or "ephemeral" on a real ensemble).
	WorkloadName string
	// Violation breaks the simulated network's promises on purpose. Such
	// a scenario must fail: it proves the checkers see.
	Violation sim.Violation
	// MustFail marks a scenario whose runs are expected to be caught.
	MustFail bool
	// Bug names the zab.Bugs switch a zoo scenario turns on ("ZK3023");
	// empty for the correct server.
	Bug string
	// StrictSync makes a stale read after sync a violation (see
	// checker.ErrSyncRead); otherwise it is reported as allowed.
	StrictSync bool
	// Client adjusts client i's configuration (0-based), e.g. its
	// connect string; nil leaves every client on every server.
	Client func(i int, c *client.Config)
	// Processes makes the scenario's Clients processes (Workload.Procs)
	// that the workload runs recipes on, instead of plain clients. An
	// expire-session action crashes a process; RestartAfter later it comes
	// back and Workload.OnRestart starts what runs on it anew.
	Processes    bool
	RestartAfter time.Duration
	// SessionTimeout, ms, is what the scenario's clients ask for (0: the
	// client's default).
	SessionTimeout int32
	// Check adds the scenario's own checks (its recipes') to the
	// standard ones.
	Check func(w *Workload, recs []cluster.Record, p faults.Plan) checker.Verdict
}

// Shape is the shape faults are drawn for.
func (s *Scenario) Shape() faults.Shape {
	return faults.Shape{Servers: s.Voters + s.Observers, Voters: s.Voters, Clients: s.Clients, End: s.Duration, Heal: s.Heal}
}

// Options change how a run is recorded, never what happens in it.
type Options struct {
	KeepTrace bool
}

// Result is one run's outcome.
type Result struct {
	Scenario  string
	Seed      uint64
	Plan      faults.Plan
	PlanFile  string // set by the caller when the plan came from a file
	Verdict   checker.Verdict
	TraceHash uint64
	Events    int64
	Ops       int
	Skipped   []string // fault actions that found nothing to act on
	Cluster   *cluster.Cluster
	// Timeline is what the run's report draws and Stats what a sweep keeps
	// of it; both are distilled after the run from what it recorded.
	Timeline *Timeline
	Stats    Stats
}

// Failed reports whether the run broke a guarantee (for a MustFail
// scenario, that is the expected outcome).
func (r *Result) Failed() bool { return !r.Verdict.OK() }

// ReplayCommand is the command that reruns this run bit for bit.
func (r *Result) ReplayCommand() string {
	cmd := fmt.Sprintf("go run ./cmd/zabsim run %s --seed %d", r.Scenario, r.Seed)
	if r.PlanFile != "" {
		cmd += " --plan " + r.PlanFile
	}
	return cmd
}

// eventsPerSecondMax sets a run's event budget: this many events per
// virtual second of the run (and of its 10 s wind-down), four times what
// the busiest scenario delivers (swarm-5, about 2,600), so only a storm —
// votes that beat each other for ever (ZOOKEEPER-1419) — reaches it and
// fails the run.
const eventsPerSecondMax = 10_000

func (s *Scenario) maxEvents() int64 {
	return int64(eventsPerSecondMax * (s.Duration + 10*time.Second).Seconds())
}

// Run runs a scenario for one seed. plan, if not nil, replaces the plan
// the seed would draw.
func Run(s *Scenario, seed uint64, plan *faults.Plan, opts Options) (*Result, error) {
	c, err := cluster.New(cluster.Config{Seed: seed, Voters: s.Voters, Observers: s.Observers, Server: s.Server, KeepTrace: opts.KeepTrace, MaxEvents: s.maxEvents()})
	if err != nil {
		return nil, err
	}
	var p faults.Plan
	switch {
	case plan != nil:
		p = plan.Clone()
	case s.Plan != nil:
		p = s.Plan(c.World.Rand("faults"), s.Shape())
	default:
		p = faults.Plan{HealAt: faults.Duration(s.Duration - s.Heal), End: faults.Duration(s.Duration)}
	}
	if err := p.Validate(s.Voters+s.Observers, s.Clients); err != nil {
		return nil, err
	}
	c.World.SetViolation(s.Violation)
	c.Start()
	w := &Workload{Cluster: c, Rand: c.World.Rand("workload"), End: sim.Time(p.End), HealAt: sim.Time(p.HealAt),
		Log: &recipes.Log{Clock: func() int64 { return int64(c.World.Now()) }}}
	in := &faults.Injector{C: c}
	if s.Processes {
		w.addProcesses(s)
		in.ExpireClient = w.crashProcess
		in.ClientNode = func(n int) (sim.NodeID, bool) {
			if n < 1 || n > len(w.Procs) {
				return 0, false
			}
			return w.Procs[n-1].Node(), true
		}
	} else {
		for i := 0; i < s.Clients; i++ {
			cc := client.Config{SessionTimeout: s.SessionTimeout}
			if s.Client != nil {
				s.Client(i, &cc)
			}
			w.Clients = append(w.Clients, c.AddClient(cc))
		}
		in.ExpireClient = func(n int) {
			if n >= 1 && n <= len(w.Clients) {
				c.CrashClient(w.Clients[n-1])
			}
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(p.String()), "\n") {
		c.World.Note(sim.NoNode, "plan: "+line)
	}
	in.Schedule(p)
	for _, cl := range w.Clients {
		cl.Start()
	}
	if s.Workload != nil {
		s.Workload(w)
	}
	c.World.RunUntil(sim.Time(p.End))
	// Let what is in flight finish: recipes stop, clients close, sessions
	// end.
	w.stopped = true
	for _, stop := range w.stoppers {
		stop()
	}
	for _, cl := range w.Clients {
		cl.Close()
	}
	for _, p := range w.Procs {
		p.CloseAll()
	}
	c.World.RunFor(10 * sim.Second)

	res := &Result{Scenario: s.Name, Seed: seed, Plan: p, Skipped: in.Skipped, Cluster: c,
		TraceHash: c.World.TraceHash(), Events: c.World.TraceCount(), Ops: c.History().Len()}
	recs := c.Records()
	res.Verdict.Merge(checker.EventBudget(c.World.Exhausted(), s.maxEvents(), int64(c.World.Now())))
	res.Verdict.Merge(checker.CheckZab(recs))
	res.Verdict.Merge(checker.LinearizableWrites(c.History(), recs, time.Minute))
	res.Verdict.Merge(checker.SessionEnds(recs))
	res.Verdict.Merge(checker.Reads(c.History(), recs, checker.ReadOptions{StrictSync: s.StrictSync}))
	res.Verdict.Merge(checker.Liveness(c.History(), int64(p.HealAt), int64(s.Heal/2), int64(p.End)))
	res.Verdict.Merge(checker.LeaderElected(recs, s.Voters, int64(p.HealAt), int64(s.Heal/2)))
	res.Verdict.Merge(checker.Watches(c.History(), recs, int64(s.Heal/2)))
	res.Verdict.Merge(checker.Sessions(c.History(), recs))
	if s.Check != nil {
		res.Verdict.Merge(s.Check(w, recs, p))
	}
	el := newElectionTracker(s.Voters, int64(p.HealAt))
	res.Timeline = buildTimeline(c, p, in.Skipped, el)
	res.Stats = buildStats(res.Timeline, c.History(), el, res.Verdict)
	return res, nil
}

var registry = map[string]*Scenario{}

// Register adds a scenario; names are unique.
func Register(s *Scenario) {
	if _, dup := registry[s.Name]; dup {
		panic("scenarios: " + s.Name + " registered twice")
	}
	registry[s.Name] = s
}

// All lists the scenarios by name.
func All() []*Scenario {
	out := make([]*Scenario, 0, len(registry))
	for _, s := range registry {
		out = append(out, s)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Lookup finds a scenario by name, the bug zoo's too (zoo-zk3023 and
// zoo-zk3023-fixed); the error names the closest ones.
func Lookup(name string) (*Scenario, error) {
	if s, ok := registry[name]; ok {
		return s, nil
	}
	if s, ok := lookupZoo(name); ok {
		return s, nil
	}
	type cand struct {
		name string
		d    int
	}
	var cs []cand
	for n := range registry {
		cs = append(cs, cand{n, editDistance(name, n)})
	}
	for _, n := range zooNames() {
		cs = append(cs, cand{n, editDistance(name, n)})
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].d < cs[j].d || cs[i].d == cs[j].d && cs[i].name < cs[j].name })
	var near []string
	for _, c := range cs {
		if len(near) == 3 || c.d > max(3, len(name)/2) {
			break
		}
		near = append(near, c.name)
	}
	if len(near) == 0 {
		return nil, fmt.Errorf("unknown scenario %q (zabsim scenarios lists them)", name)
	}
	return nil, fmt.Errorf("unknown scenario %q; did you mean %s?", name, strings.Join(near, ", "))
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
