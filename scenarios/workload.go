package scenarios

import (
	"fmt"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab/client"
)

// Workload is what a scenario's clients do: their behaviour is scheduled
// on the world and draws from the run's workload stream, never the
// faults' (adding an operation does not move a fault).
type Workload struct {
	Cluster *cluster.Cluster
	Rand    *sim.Rand
	Clients []*client.Client
	// Procs are the processes of a Processes scenario; Log is what the
	// recipes running on them claim.
	Procs []*cluster.Process
	Log   *recipes.Log
	// OnRestart, if set, hears that process i (0-based) came back after a
	// crash: what ran on it starts anew.
	OnRestart func(i int)
	// End is when the run stops issuing operations; HealAt when every
	// fault is undone.
	End, HealAt  sim.Time
	stopped      bool
	parent       *Workload // a sub-workload stops with its parent
	stoppers     []func()
	restartAfter sim.Time
}

// sub is the workload of some of the clients; it stops with w.
func (w *Workload) sub(clients []*client.Client) *Workload {
	return &Workload{Cluster: w.Cluster, Rand: w.Rand, Clients: clients, End: w.End, HealAt: w.HealAt, Log: w.Log, parent: w}
}

// OnStop registers fn to run when the workload stops (recipes stop
// before their sessions close, or they would open new ones).
func (w *Workload) OnStop(fn func()) { w.stoppers = append(w.stoppers, fn) }

// Stopped reports whether the run has stopped issuing operations.
func (w *Workload) Stopped() bool {
	return w.stopped || w.parent != nil && w.parent.Stopped() || w.Now() >= w.End
}

func (w *Workload) addProcesses(s *Scenario) {
	w.restartAfter = sim.Time(s.RestartAfter)
	for i := 0; i < s.Clients; i++ {
		p := w.Cluster.AddProcess(fmt.Sprintf("proc%d", i+1))
		p.Config = client.Config{SessionTimeout: s.SessionTimeout}
		w.Procs = append(w.Procs, p)
	}
}

// crashProcess kills process n (1-based) and brings it back later.
func (w *Workload) crashProcess(n int) {
	if n < 1 || n > len(w.Procs) || !w.Procs[n-1].Up() {
		return
	}
	p := w.Procs[n-1]
	p.Crash()
	w.Log.Add(recipes.Entry{Kind: recipes.KindCrash, Proc: p.ID(), Local: p.Now()})
	if w.restartAfter <= 0 {
		return
	}
	w.Cluster.World.After(w.restartAfter, func() {
		if w.stopped || p.Up() {
			return
		}
		p.Restart()
		w.Log.Add(recipes.Entry{Kind: recipes.KindRestart, Proc: p.ID(), Local: p.Now()})
		if w.OnRestart != nil {
			w.OnRestart(n - 1)
		}
	})
}

// Now is the world's virtual time.
func (w *Workload) Now() sim.Time { return w.Cluster.World.Now() }

// Loop calls fn every pause() until the end of the run, starting after
// start. fn should issue operations, not wait for them.
func (w *Workload) Loop(start sim.Time, pause func() sim.Time, fn func()) {
	var tick func()
	tick = func() {
		if w.Stopped() {
			return
		}
		fn()
		w.Cluster.World.After(pause(), tick)
	}
	w.Cluster.World.After(start, tick)
}

// Uniform returns a pause drawn uniformly from [lo, hi).
func (w *Workload) Uniform(lo, hi sim.Time) func() sim.Time {
	return func() sim.Time { return lo + sim.Time(w.Rand.Int63n(int64(hi-lo))) }
}

// Live reports whether a client can still issue operations.
func Live(cl *client.Client) bool {
	return cl.State() == client.Connected || cl.State() == client.Connecting
}
