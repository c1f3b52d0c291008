package scenarios

import (
	"fmt"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
)

// The recipes of the seed documents, each on five processes under a swarm
// of faults (an expire-session action crashes a process, which comes back
// two seconds later and starts its recipes anew) and of partitions that
// cut a process off the ensemble, each judged by its own checker besides
// the standard ones.

// recipeSessionMs is the session timeout the recipes' clients ask for.
const recipeSessionMs = 4000

// recipeScenario is the shape every recipe scenario shares.
func recipeScenario(name, desc string, workload func(*Workload), check func(*Workload, []cluster.Record, faults.Plan) checker.Verdict) *Scenario {
	return &Scenario{
		Name: name, Description: desc,
		Voters: 3, Observers: 1, Clients: 5,
		Duration: 50 * time.Second, Heal: 20 * time.Second,
		Server: fastTicks,
		Plan: func(r faults.Rand, sh faults.Shape) faults.Plan {
			return faults.ClientIsolation(r, sh, faults.Swarm(r, sh))
		},
		Processes: true, RestartAfter: 2 * time.Second, SessionTimeout: recipeSessionMs,
		Workload: workload,
		Check:    check,
	}
}

func init() {
	Register(recipeScenario("master-election",
		"five candidates elect a master (ephemeral-sequential, watch the predecessor); masters resign now and then",
		electionWorkload, func(w *Workload, recs []cluster.Record, p faults.Plan) checker.Verdict {
			return checker.Election(w.Log, w.Cluster.History(), recs, electionDir, recipeOptions(p, time.Second))
		}))
	Register(recipeScenario("locks",
		"five processes take an exclusive lock (one node) and a fair lock (sequential nodes) in turns",
		locksWorkload, func(w *Workload, recs []cluster.Record, p faults.Plan) checker.Verdict {
			return checker.Locks(w.Log, w.Cluster.History(), recs,
				[]checker.LockSpec{{Path: exclusiveLock}, {Path: fairLock, Fair: true}}, recipeOptions(p, 2*time.Second))
		}))
	Register(recipeScenario("queues",
		"two FIFO queues with producers and consumers, and a barrier of all five processes in rounds",
		queuesWorkload, func(w *Workload, recs []cluster.Record, p faults.Plan) checker.Verdict {
			opt := recipeOptions(p, 5*time.Second)
			opt.Members = len(w.Procs)
			return checker.Queues(w.Log, recs, queueDirs, barrierRoot, opt)
		}))
	s := recipeScenario("idgen",
		"IDs from sequential nodes and from snowflake workers (worker id, forever node, clock checks) while the processes' clocks drift and jump",
		idgenWorkload, func(w *Workload, recs []cluster.Record, p faults.Plan) checker.Verdict {
			return checker.IDs(w.Log, recs, recipeOptions(p, 2*time.Second))
		})
	s.Plan = func(r faults.Rand, sh faults.Shape) faults.Plan {
		return faults.ClientClocks(r, sh, faults.ClientIsolation(r, sh, faults.Swarm(r, sh)))
	}
	Register(s)
}

// recipeOptions: liveness is judged from ten seconds after the ensemble is
// back (a crashed holder's session takes the session timeout to expire,
// counted from when the new leader started tracking it).
func recipeOptions(p faults.Plan, gapMax time.Duration) checker.RecipeOptions {
	return checker.RecipeOptions{
		SessionTimeout: recipeSessionMs * int64(time.Millisecond),
		Slack:          200 * int64(time.Millisecond),
		HealAt:         int64(p.HealAt), End: int64(p.End),
		Bound:  int64(10 * time.Second),
		GapMax: int64(gapMax),
	}
}

// forEachProc starts a process's recipes now and again after each
// restart. alive tells the recipes of one life of the process from those
// of the next: what a dead life armed must do nothing.
func (w *Workload) forEachProc(start func(i int, alive func() bool)) {
	lives := make([]int, len(w.Procs))
	begin := func(i int) {
		lives[i]++
		life, p := lives[i], w.Procs[i]
		start(i, func() bool { return p.Up() && lives[i] == life })
	}
	for i := range w.Procs {
		begin(i)
	}
	w.OnRestart = begin
}

// after runs fn after d of virtual time unless the run has stopped.
// stopIfAlive stops what runs on a process when the workload stops, if the
// process still runs (a crashed one's recipes died with it).
func (w *Workload) stopIfAlive(alive func() bool, stop func()) {
	w.OnStop(func() {
		if alive() {
			stop()
		}
	})
}

func (w *Workload) after(d sim.Time, fn func()) {
	w.Cluster.World.After(d, func() {
		if !w.Stopped() {
			fn()
		}
	})
}

const electionDir = "/election"

// electionWorkload: every process runs a candidate; a master resigns
// after half a second to five seconds, or (one in three) stays until a
// fault unseats it.
func electionWorkload(w *Workload) {
	w.forEachProc(func(i int, alive func() bool) {
		p := w.Procs[i]
		c := recipes.NewCandidate(p, w.Log, electionDir)
		c.OnMaster = func() {
			if w.Rand.Intn(3) == 0 {
				return // a master that stays until a fault unseats it
			}
			w.after(w.Uniform(500*sim.Millisecond, 5*sim.Second)(), func() {
				if alive() && c.IsMaster() {
					c.Resign()
				}
			})
		}
		w.stopIfAlive(alive, c.Stop)
		c.Start()
	})
}

const (
	exclusiveLock = "/locks/exclusive/lock"
	fairLock      = "/locks/fair"
)

// locksWorkload: every process takes both locks over and over, holding
// each for 50-400 ms (one hold in eight for 2-8 s) and pausing up to
// 300 ms between.
func locksWorkload(w *Workload) {
	w.forEachProc(func(i int, alive func() bool) {
		p := w.Procs[i]
		for _, l := range []recipes.Lock{recipes.NewExclusiveLock(p, w.Log, exclusiveLock), recipes.NewFairLock(p, w.Log, fairLock)} {
			l := l
			again := func() {
				w.after(w.Uniform(sim.Millisecond, 300*sim.Millisecond)(), func() {
					if alive() {
						l.Acquire()
					}
				})
			}
			l.SetHooks(func() {
				hold := w.Uniform(50*sim.Millisecond, 400*sim.Millisecond)()
				if w.Rand.Intn(8) == 0 {
					hold = w.Uniform(2*sim.Second, 8*sim.Second)() // a long critical section
				}
				w.after(hold, func() {
					if alive() && l.Held() {
						l.Release()
						again()
					}
				})
			}, func(string) { again() })
			w.stopIfAlive(alive, l.Stop)
			l.Start()
			w.after(sim.Second, func() {
				if alive() {
					l.Acquire()
				}
			})
		}
	})
}

var queueDirs = []string{"/queues/q0", "/queues/q1"}

const barrierRoot = "/barrier"

// queuesWorkload: processes 1 and 2 produce into both queues every
// 200-600 ms; processes 3 to 5 consume from both, pausing 10-60 ms after
// each take; all five meet at a barrier in rounds, working 100-800 ms
// between rounds.
func queuesWorkload(w *Workload) {
	w.forEachProc(func(i int, alive func() bool) {
		p := w.Procs[i]
		for _, dir := range queueDirs {
			if i < 2 {
				pr := recipes.NewProducer(p, w.Log, dir)
				pr.Start()
				w.stopIfAlive(alive, pr.Stop)
				w.Loop(sim.Second, w.Uniform(200*sim.Millisecond, 600*sim.Millisecond), func() {
					if alive() {
						pr.Enqueue()
					}
				})
				continue
			}
			c := recipes.NewConsumer(p, w.Log, dir)
			c.OnTaken = func(string, []byte) {
				w.after(w.Uniform(10*sim.Millisecond, 60*sim.Millisecond)(), func() {
					if alive() {
						c.Take()
					}
				})
			}
			c.Start()
			w.stopIfAlive(alive, c.Stop)
			// A take that ended without an item (a lost session) is
			// started again by this poll; one under way ignores it.
			w.Loop(sim.Second, w.Uniform(500*sim.Millisecond, sim.Second), func() {
				if alive() {
					c.Take()
				}
			})
		}
		b := recipes.NewBarrier(p, w.Log, barrierRoot, len(w.Procs), fmt.Sprintf("m%d", i+1))
		b.OnPass = func(r int) {
			w.after(w.Uniform(100*sim.Millisecond, 800*sim.Millisecond)(), func() {
				if alive() {
					b.Enter(r + 1)
				}
			})
		}
		b.Start()
		w.stopIfAlive(alive, b.Stop)
		w.after(sim.Second, func() {
			if alive() {
				b.Resume()
			}
		})
	})
}

// idgenWorkload: every process asks both generators for an ID every
// 100-300 ms.
func idgenWorkload(w *Workload) {
	w.forEachProc(func(i int, alive func() bool) {
		p := w.Procs[i]
		seq := recipes.NewSeqIDs(p, w.Log, "/ids")
		sf := recipes.NewSnowflake(p, w.Log, fmt.Sprintf("worker-%d", i+1), recipes.SnowflakeConfig{})
		seq.Start()
		sf.Start()
		w.OnStop(func() {
			if alive() {
				seq.Stop()
				sf.Stop()
			}
		})
		w.Loop(sim.Second, w.Uniform(100*sim.Millisecond, 300*sim.Millisecond), func() {
			if alive() {
				seq.Next()
				sf.NextID()
			}
		})
	})
}
