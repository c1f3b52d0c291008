package scenarios

import (
	"github.com/zabsim/zabsim/cluster"
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
	// End is when the run stops issuing operations.
	End     sim.Time
	stopped bool
	parent  *Workload // a sub-workload stops with its parent
}

func (w *Workload) done() bool {
	return w.stopped || w.parent != nil && w.parent.done() || w.Now() >= w.End
}

// sub is the workload of some of the clients; it stops with w.
func (w *Workload) sub(clients []*client.Client) *Workload {
	return &Workload{Cluster: w.Cluster, Rand: w.Rand, Clients: clients, End: w.End, parent: w}
}

// Now is the world's virtual time.
func (w *Workload) Now() sim.Time { return w.Cluster.World.Now() }

// Loop calls fn every pause() until the end of the run, starting after
// start. fn should issue operations, not wait for them.
func (w *Workload) Loop(start sim.Time, pause func() sim.Time, fn func()) {
	var tick func()
	tick = func() {
		if w.done() {
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
