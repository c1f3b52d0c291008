package conform

import (
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/scenarios"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// ErrUnsupported is wrapped by RunReal's error for a scenario a real
// ensemble cannot play (another shape, a broken fault model, a workload
// with no real driver).
var ErrUnsupported = errors.New("the scenario cannot run on the real ensemble")

// RealRunConfig is one scenario run on a real ensemble.
type RealRunConfig struct {
	Scenario *scenarios.Scenario
	Seed     uint64 // draws the same fault plan as the simulated run
	Ensemble *Ensemble
	Log      io.Writer // a line per fault as it happens; nil for none
}

// Election is a leader killed and the one that followed it.
type Election struct {
	Killed    int
	At        time.Duration // since the run's start
	NewLeader int           // 0: none seen within the bound
	Took      time.Duration // from the kill to the new leader answering srvr as leader
}

// RealResult is a real run's outcome, checked as a simulated run is, with
// the history-only checkers (a real ensemble keeps no records).
type RealResult struct {
	Scenario  string
	Seed      uint64
	Plan      faults.Plan
	Applied   []string // the faults done, as "at: what"
	Skipped   []string // the actions a real ensemble cannot stage, and why
	History   *client.History
	Verdict   checker.Verdict
	Wall      time.Duration // from the first connection to the verdict
	Elections []Election
}

// Answered counts the ops a server answered.
func (r *RealResult) Answered() int { return Answered(r.History) }

// TickTime is the tickTime (ms) a scenario's servers run with, for the
// real ensemble to match.
func TickTime(s *scenarios.Scenario) int {
	c := zab.Config{}
	if s.Server != nil {
		s.Server(&c)
	}
	return int(c.WithDefaults().TickTime / 1e6)
}

// CheckRunnable says why a scenario cannot run on the real ensemble.
func CheckRunnable(s *scenarios.Scenario) error {
	switch {
	case s.Voters != 3 || s.Observers != 1:
		return fmt.Errorf("%w: %s has %d voters and %d observers; the real ensemble has 3 and 1", ErrUnsupported, s.Name, s.Voters, s.Observers)
	case s.MustFail || s.Violation != (sim.Violation{}):
		return fmt.Errorf("%w: %s breaks the fault model on purpose, which needs the simulator", ErrUnsupported, s.Name)
	case s.WorkloadName != "register" && s.WorkloadName != "ephemeral":
		return fmt.Errorf("%w: %s's workload %q has no real driver", ErrUnsupported, s.Name, s.WorkloadName)
	}
	return nil
}

// PlanFor is the fault plan a seed draws for a scenario: the same as the
// simulated run's (scenarios.Run draws from the world's "faults" stream).
func PlanFor(s *scenarios.Scenario, seed uint64) faults.Plan {
	if s.Plan != nil {
		return s.Plan(sim.Stream(seed, "faults"), s.Shape())
	}
	return faults.Plan{HealAt: faults.Duration(s.Duration - s.Heal), End: faults.Duration(s.Duration)}
}

// realRun is the state of one run.
type realRun struct {
	cfg     RealRunConfig
	rec     *recorder
	clients []*realClient
	dead    []bool
	res     *RealResult

	mu      sync.Mutex
	crashed map[int]bool
	paused  map[int]bool
	waits   sync.WaitGroup // election watchers
}

// RunReal runs the scenario's workload on the real ensemble through
// go-zookeeper, with the seed's fault plan staged for real (SIGKILL and
// restart, SIGSTOP and SIGCONT, a client's process dying), and checks the
// History: linearizable writes, session order and reads after sync,
// liveness after the heal, and a leader after the heal.
func RunReal(cfg RealRunConfig) (*RealResult, error) {
	s := cfg.Scenario
	if err := CheckRunnable(s); err != nil {
		return nil, err
	}
	if err := cleanKeys(cfg.Ensemble); err != nil {
		return nil, err
	}
	plan := PlanFor(s, cfg.Seed)
	h := &client.History{}
	r := &realRun{cfg: cfg, rec: &recorder{h: h}, crashed: map[int]bool{}, paused: map[int]bool{},
		res: &RealResult{Scenario: s.Name, Seed: cfg.Seed, Plan: plan, History: h}}
	r.rec.start = time.Now()
	for i := 0; i < s.Clients; i++ {
		cc := client.Config{}
		if s.Client != nil {
			s.Client(i, &cc)
		}
		addrs := cfg.Ensemble.Addrs()
		if len(cc.Servers) > 0 {
			addrs = addrs[:0:0]
			for _, id := range cc.Servers {
				addrs = append(addrs, cfg.Ensemble.Addr(int(id)))
			}
		}
		c, err := dialRealClient(i+1, addrs, 6*time.Second, r.rec)
		if err != nil {
			r.closeClients()
			return nil, err
		}
		r.clients = append(r.clients, c)
		r.dead = append(r.dead, false)
	}
	end := time.Duration(plan.End)
	var work sync.WaitGroup
	for i, c := range r.clients {
		work.Add(1)
		go func() {
			defer work.Done()
			r.workload(i, c, end)
		}()
	}
	r.stage(plan)
	work.Wait()
	r.closeClients()
	r.waits.Wait()
	r.check(plan)
	r.res.Wall = time.Since(r.rec.start) // as scenarios.Run's, checks included
	return r.res, nil
}

func (r *realRun) logf(format string, args ...any) {
	if r.cfg.Log != nil {
		fmt.Fprintf(r.cfg.Log, "%7.3fs  %s\n", time.Since(r.rec.start).Seconds(), fmt.Sprintf(format, args...))
	}
}

func (r *realRun) closeClients() {
	for i, c := range r.clients {
		if !r.isDead(i) {
			c.close()
		}
	}
}

func (r *realRun) isDead(i int) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.dead[i]
}

// sleepUntil waits until d after the start.
func (r *realRun) sleepUntil(d time.Duration) {
	if wait := time.Until(r.rec.start.Add(d)); wait > 0 {
		time.Sleep(wait)
	}
}

// workload is the scenario's workload for one client, as its simulated
// counterpart does it (scenarios.registerWorkload, ephemeralWorkload), one
// op at a time: go-zookeeper's calls wait for their replies.
func (r *realRun) workload(i int, c *realClient, end time.Duration) {
	rng := rand.New(rand.NewPCG(r.cfg.Seed, uint64(i)))
	lo, hi := 20*time.Millisecond, 120*time.Millisecond
	if r.cfg.Scenario.WorkloadName == "ephemeral" {
		lo, hi = 50*time.Millisecond, 250*time.Millisecond
	}
	r.sleepUntil(time.Second)
	for {
		time.Sleep(lo + time.Duration(rng.Int64N(int64(hi-lo))))
		if time.Since(r.rec.start) >= end || r.isDead(i) {
			return
		}
		if r.cfg.Scenario.WorkloadName == "ephemeral" {
			ephemeralOp(c, rng)
		} else {
			registerOp(c, rng)
		}
	}
}

func registerOp(c *realClient, rng *rand.Rand) {
	key := fmt.Sprintf("/r%d", rng.IntN(4))
	val := []byte(fmt.Sprint(rng.IntN(1000)))
	switch rng.IntN(8) {
	case 0, 1:
		c.getData(key)
	case 2:
		c.setData(key, val, -1)
	case 3:
		if _, st, code := c.getData(key); code == tree.OK {
			c.setData(key, val, st.Version) // compare-and-set
		}
	case 4:
		c.create(key, val, tree.Persistent)
	case 5:
		c.delete(key, -1)
	case 6:
		if c.sync(key) == tree.OK {
			c.getData(key)
		}
	case 7:
		c.checkAndSet(key, val)
	}
}

func ephemeralOp(c *realClient, rng *rand.Rand) {
	switch rng.IntN(5) {
	case 0:
		c.create("/members", nil, tree.Persistent)
	case 1:
		c.create("/members/m-", []byte(fmt.Sprint(c.id)), tree.EphemeralSequential)
	case 2, 3:
		c.getChildren("/members")
	case 4:
		c.setData("/members", []byte(fmt.Sprint(rng.IntN(100))), -1)
	}
}

// cleanKeys deletes what an earlier run on the same ensemble left under
// the workloads' keys: the checkers start from an empty tree.
func cleanKeys(e *Ensemble) error {
	conn, _, err := zk.Connect(e.Addrs(), 10*time.Second, zk.WithLogger(quiet{}))
	if err != nil {
		return err
	}
	defer conn.Close()
	for _, p := range []string{"/r0", "/r1", "/r2", "/r3", "/members"} {
		kids, _, err := conn.Children(p)
		if errors.Is(err, zk.ErrNoNode) {
			continue
		}
		if err != nil {
			return fmt.Errorf("conform: clearing %s: %v", p, err)
		}
		for _, k := range kids {
			if err := conn.Delete(p+"/"+k, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
				return fmt.Errorf("conform: clearing %s/%s: %v", p, k, err)
			}
		}
		if err := conn.Delete(p, -1); err != nil && !errors.Is(err, zk.ErrNoNode) {
			return fmt.Errorf("conform: clearing %s: %v", p, err)
		}
	}
	return nil
}

// stage applies the plan's actions at their times, heals at HealAt, and
// returns at End.
func (r *realRun) stage(p faults.Plan) {
	for _, a := range p.Sorted().Actions {
		r.sleepUntil(time.Duration(a.At))
		r.apply(a)
	}
	r.sleepUntil(time.Duration(p.HealAt))
	r.healAll()
	r.sleepUntil(time.Duration(p.End))
}

func (r *realRun) note(a faults.Action, format string, args ...any) {
	line := fmt.Sprintf("%s: %s", a.At, fmt.Sprintf(format, args...))
	r.res.Applied = append(r.res.Applied, line)
	r.logf("%s", fmt.Sprintf(format, args...))
}

func (r *realRun) skip(a faults.Action, why string) {
	r.res.Skipped = append(r.res.Skipped, fmt.Sprintf("%s %s: %s", a.At, a.Kind, why))
	r.logf("skipped %s: %s", a.Kind, why)
}

// target resolves an action's server: 0 is the leader now.
func (r *realRun) target(a faults.Action) (int, bool) {
	if a.Server != 0 {
		return a.Server, true
	}
	l, err := r.cfg.Ensemble.Leader()
	if err != nil {
		r.skip(a, err.Error())
		return 0, false
	}
	return l, true
}

func (r *realRun) apply(a faults.Action) {
	switch a.Kind {
	case faults.Crash, faults.CrashLeaderMid:
		r.kill(a)
	case faults.Restart:
		r.each(a, r.crashed, "restart", r.cfg.Ensemble.Restart)
	case faults.Pause:
		n, ok := r.target(a)
		if !ok {
			return
		}
		if err := r.cfg.Ensemble.Pause(n); err != nil {
			r.skip(a, err.Error())
			return
		}
		r.mu.Lock()
		r.paused[n] = true
		r.mu.Unlock()
		r.note(a, "SIGSTOP zk%d", n)
	case faults.Resume:
		r.each(a, r.paused, "SIGCONT", r.cfg.Ensemble.Resume)
	case faults.ExpireSession:
		if a.Client < 1 || a.Client > len(r.clients) {
			r.skip(a, fmt.Sprintf("no client %d", a.Client))
			return
		}
		r.mu.Lock()
		r.dead[a.Client-1] = true
		r.mu.Unlock()
		r.clients[a.Client-1].tap.kill()
		r.note(a, "client %d's process dies (its session expires)", a.Client)
	default:
		r.skip(a, "not staged on a real ensemble (it needs the simulator, or root for iptables, tc or the clock)")
	}
}

// kill SIGKILLs the action's server (the leader for crash-leader-mid: the
// K-th PROPOSAL cannot be aimed at from outside, so it dies at once) and
// times the election if it led.
func (r *realRun) kill(a faults.Action) {
	if a.Kind == faults.CrashLeaderMid {
		a.Server = 0
	}
	n, ok := r.target(a)
	if !ok {
		return
	}
	leader, _ := r.cfg.Ensemble.Leader()
	if err := r.cfg.Ensemble.Kill(n); err != nil {
		r.skip(a, err.Error())
		return
	}
	r.mu.Lock()
	r.crashed[n] = true
	r.mu.Unlock()
	if n != leader {
		r.note(a, "SIGKILL zk%d", n)
		return
	}
	r.note(a, "SIGKILL zk%d (the leader)", n)
	r.watchElection(n)
}

// each undoes a fault on the action's server, or (server 0) on every
// server in set.
func (r *realRun) each(a faults.Action, set map[int]bool, what string, undo func(int) error) {
	for _, n := range r.targets(a.Server, set) {
		if err := undo(n); err != nil {
			r.skip(a, err.Error())
			continue
		}
		r.note(a, "%s zk%d", what, n)
	}
}

// targets is the one server named, or (0) every one in set, taken out of
// set.
func (r *realRun) targets(n int, set map[int]bool) []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	if n != 0 {
		out = []int{n}
	} else {
		for id := range set {
			out = append(out, id)
		}
		sort.Ints(out)
	}
	for _, id := range out {
		delete(set, id)
	}
	return out
}

// healAll undoes every fault, as faults.Injector.HealAll does: paused
// servers resume, crashed ones restart. Dead clients stay dead.
func (r *realRun) healAll() {
	a := faults.Action{At: r.res.Plan.HealAt}
	for _, n := range r.targets(0, r.paused) {
		if err := r.cfg.Ensemble.Resume(n); err == nil {
			r.note(a, "heal: SIGCONT zk%d", n)
		}
	}
	for _, n := range r.targets(0, r.crashed) {
		if err := r.cfg.Ensemble.Restart(n); err == nil {
			r.note(a, "heal: restart zk%d", n)
		}
	}
}

// watchElection times the next leader after leader was killed: until
// another server answers srvr as leader.
func (r *realRun) watchElection(killed int) {
	at := time.Since(r.rec.start)
	r.waits.Add(1)
	go func() {
		defer r.waits.Done()
		start := time.Now()
		el := Election{Killed: killed, At: at}
		for time.Since(start) < 30*time.Second {
			if l, err := r.cfg.Ensemble.Leader(); err == nil && l != killed {
				el.NewLeader, el.Took = l, time.Since(start)
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		r.mu.Lock()
		r.res.Elections = append(r.res.Elections, el)
		r.mu.Unlock()
		if el.NewLeader != 0 {
			r.logf("zk%d leads, %v after zk%d was killed", el.NewLeader, el.Took.Round(time.Millisecond), killed)
		}
	}()
}

// check runs the history-only checkers, and asks the servers for a
// leader, as checker.LeaderElected asks the records.
func (r *realRun) check(p faults.Plan) {
	s := r.cfg.Scenario
	h := r.res.History
	v := &r.res.Verdict
	v.Merge(checker.LinearizableWrites(h, nil, time.Minute))
	v.Merge(checker.Reads(h, nil, checker.ReadOptions{StrictSync: s.StrictSync}))
	v.Merge(checker.Liveness(h, int64(p.HealAt), int64(s.Heal/2), int64(p.End)))
	if _, err := r.cfg.Ensemble.Leader(); err != nil {
		v.Violations = append(v.Violations, checker.Violation{Guarantee: checker.ErrNoLeader,
			Detail: "after the run: " + err.Error(), Where: "srvr"})
	}
}

// Summary is the result in a few lines.
func (r *RealResult) Summary() string {
	var b strings.Builder
	status := "PASS"
	if !r.Verdict.OK() {
		status = "FAIL"
	}
	fmt.Fprintf(&b, "real ensemble, scenario %s seed %d: %s\n", r.Scenario, r.Seed, status)
	fmt.Fprintf(&b, "  %d ops, %d answered, in %v\n", r.History.Len(), r.Answered(), r.Wall.Round(time.Millisecond))
	for _, a := range r.Applied {
		fmt.Fprintf(&b, "  fault %s\n", a)
	}
	for _, sk := range r.Skipped {
		fmt.Fprintf(&b, "  (skipped: %s)\n", sk)
	}
	for _, el := range r.Elections {
		fmt.Fprintf(&b, "  election after killing zk%d at %v: zk%d in %v\n", el.Killed, el.At.Round(time.Millisecond), el.NewLeader, el.Took.Round(time.Millisecond))
	}
	if !r.Verdict.OK() || len(r.Verdict.Allowed) > 0 {
		b.WriteString(r.Verdict.String())
	}
	return b.String()
}
