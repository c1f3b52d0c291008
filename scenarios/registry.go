package scenarios

import (
	"fmt"
	"time"

	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// fastTicks shortens tickTime so that elections, limits and session
// timeouts fit runs of tens of seconds: 500 ms ticks make initLimit 5 s,
// syncLimit 2.5 s and session timeouts 1..10 s.
func fastTicks(c *zab.Config) { c.TickTime = 500 * 1e6 }

func init() {
	Register(&Scenario{
		Name:        "register",
		Description: "five clients read, write, compare-and-set and delete a few keys with no faults",
		Voters:      3, Observers: 1, Clients: 5,
		Duration: 30 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: registerWorkload, WorkloadName: "register",
	})
	Register(&Scenario{
		Name:        "leader-crash",
		Description: "the register workload while the leader crashes mid-proposal (some followers have the txn) and restarts",
		Voters:      3, Observers: 1, Clients: 5,
		Duration: 40 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: registerWorkload, WorkloadName: "register",
		Plan: func(r faults.Rand, sh faults.Shape) faults.Plan {
			p := faults.Plan{HealAt: faults.Duration(sh.End - sh.Heal), End: faults.Duration(sh.End)}
			for at := 3 * time.Second; at < sh.End-sh.Heal-4*time.Second; at += 8 * time.Second {
				jitter := time.Duration(r.Float64() * float64(2*time.Second))
				p.Actions = append(p.Actions,
					faults.Action{At: faults.Duration(at + jitter), Kind: faults.CrashLeaderMid, K: 1 + r.Intn(20), Torn: r.Intn(2) == 0},
					faults.Action{At: faults.Duration(at + jitter + 4*time.Second), Kind: faults.Restart})
			}
			return p
		},
	})
	Register(&Scenario{
		Name:        "swarm",
		Description: "the register workload under a swarm of every fault kind at random intensities",
		Voters:      3, Observers: 1, Clients: 5,
		Duration: 45 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: registerWorkload, WorkloadName: "register",
		Plan: faults.Swarm,
	})
	Register(&Scenario{
		Name:        "ci",
		Description: "the CI run: 30 virtual seconds, ten clients on three voters and an observer, a swarm of faults for the first half",
		Voters:      3, Observers: 1, Clients: 10,
		// A heal window shorter than 15 s is shorter than what ZooKeeper
		// may take to recover: learners that follow a leader which has
		// gone back to LOOKING retry it for initLimit before they look.
		Duration: 30 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: registerWorkload, WorkloadName: "register",
		Plan: faults.Swarm,
	})
	Register(&Scenario{
		Name:        "swarm-5",
		Description: "five voters and an observer under a swarm of faults, ten clients",
		Voters:      5, Observers: 1, Clients: 10,
		Duration: 45 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: registerWorkload, WorkloadName: "register",
		Plan: faults.Swarm,
	})
	Register(&Scenario{
		Name:        "register-partitions",
		Description: "Jepsen's register: concurrent reads, writes and compare-and-sets on a few keys while the network partitions (symmetric and one-way, minority and majority sides) and heals",
		Voters:      5, Observers: 0, Clients: 5,
		Duration: 45 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: registerWorkload, WorkloadName: "register",
		Plan: faults.SwarmOf(faults.Partition, faults.Partition),
	})
	Register(&Scenario{
		Name:        "rollover",
		Description: "the register workload while the leader's zxid counter is pushed near 2^32 again and again, forcing new epochs under load",
		Voters:      3, Observers: 1, Clients: 5,
		Duration: 40 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: registerWorkload, WorkloadName: "register",
		Plan: func(r faults.Rand, sh faults.Shape) faults.Plan {
			p := faults.Plan{HealAt: faults.Duration(sh.End - sh.Heal), End: faults.Duration(sh.End)}
			for at := 3 * time.Second; at < sh.End-sh.Heal; at += time.Duration(2+r.Intn(4)) * time.Second {
				p.Actions = append(p.Actions, faults.Action{At: faults.Duration(at), Kind: faults.NearRollover, Margin: 1 + r.Intn(30)})
			}
			return p
		},
	})
	Register(&Scenario{
		Name:        "observers",
		Description: "three voters and two observers that serve every client, while the observers are cut off, paused and crashed",
		Voters:      3, Observers: 2, Clients: 6,
		Duration: 45 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: registerWorkload, WorkloadName: "register",
		Client: func(i int, c *client.Config) {
			c.Servers = []zab.ServerID{zab.ServerID(4 + i%2), zab.ServerID(5 - i%2)}
		},
		Plan: func(r faults.Rand, sh faults.Shape) faults.Plan {
			p := faults.Plan{HealAt: faults.Duration(sh.End - sh.Heal), End: faults.Duration(sh.End)}
			for at := 3 * time.Second; at < sh.End-sh.Heal-3*time.Second; at += time.Duration(3+r.Intn(4)) * time.Second {
				obs := 4 + r.Intn(2)
				undo := faults.Duration(at + time.Duration(1+r.Intn(3))*time.Second)
				switch r.Intn(3) {
				case 0:
					p.Actions = append(p.Actions,
						faults.Action{At: faults.Duration(at), Kind: faults.Partition, Groups: [][]int{{obs}, {1, 2, 3, 9 - obs}}, OneWay: r.Intn(3) == 0},
						faults.Action{At: undo, Kind: faults.Heal})
				case 1:
					p.Actions = append(p.Actions,
						faults.Action{At: faults.Duration(at), Kind: faults.Pause, Server: obs},
						faults.Action{At: undo, Kind: faults.Resume, Server: obs})
				case 2:
					p.Actions = append(p.Actions,
						faults.Action{At: faults.Duration(at), Kind: faults.Crash, Server: obs, Torn: r.Intn(2) == 0},
						faults.Action{At: undo, Kind: faults.Restart, Server: obs})
				}
			}
			return p.Sorted()
		},
	})
	Register(&Scenario{
		Name:        "expiry-storm",
		Description: "ten clients holding ephemerals; most of their processes die at once, and the leader expires a storm of sessions while the rest go on",
		Voters:      3, Observers: 1, Clients: 10,
		Duration: 40 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: ephemeralWorkload, WorkloadName: "ephemeral",
		Plan: func(r faults.Rand, sh faults.Shape) faults.Plan {
			p := faults.Plan{HealAt: faults.Duration(sh.End - sh.Heal), End: faults.Duration(sh.End)}
			at := 6*time.Second + time.Duration(r.Float64()*float64(6*time.Second))
			for c := 1; c <= sh.Clients; c++ {
				if c <= 3 {
					continue // three survive to see the others' ephemerals go
				}
				p.Actions = append(p.Actions, faults.Action{At: faults.Duration(at + time.Duration(r.Intn(50))*time.Millisecond), Kind: faults.ExpireSession, Client: c})
			}
			if r.Intn(2) == 0 { // and sometimes the leader goes down in the middle of it
				p.Actions = append(p.Actions,
					faults.Action{At: faults.Duration(at + 2*time.Second), Kind: faults.Crash},
					faults.Action{At: faults.Duration(at + 5*time.Second), Kind: faults.Restart})
			}
			return p.Sorted()
		},
	})
	Register(&Scenario{
		Name:        "violation-disk",
		Description: "MUST FAIL: fsync reports done but makes nothing durable, and the whole ensemble loses power twice",
		Voters:      3, Observers: 0, Clients: 5,
		Duration: 35 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: registerWorkload, WorkloadName: "register",
		Violation: sim.Violation{FsyncLies: true},
		MustFail:  true,
		Plan: func(r faults.Rand, sh faults.Shape) faults.Plan {
			p := faults.Plan{HealAt: faults.Duration(sh.End - sh.Heal), End: faults.Duration(sh.End)}
			for _, at := range []time.Duration{6 * time.Second, 13 * time.Second} {
				at += time.Duration(r.Float64() * float64(time.Second))
				for s := 1; s <= sh.Servers; s++ {
					p.Actions = append(p.Actions, faults.Action{At: faults.Duration(at), Kind: faults.Crash, Server: s})
				}
				p.Actions = append(p.Actions, faults.Action{At: faults.Duration(at + time.Second), Kind: faults.Restart})
			}
			return p.Sorted()
		},
	})
	Register(&Scenario{
		Name:        "watches",
		Description: "clients leave and re-arm watches (standard, persistent, recursive) and own ephemeral and sequential nodes while others write, under a swarm of faults",
		Voters:      3, Observers: 1, Clients: 6,
		Duration: 45 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: watchWorkload,
		Plan:     faults.Swarm,
	})
	Register(&Scenario{
		Name:        "violation-network",
		Description: "MUST FAIL: the network drops and reorders inside connections, which ZAB assumes it never does",
		Voters:      3, Observers: 1, Clients: 5,
		Duration: 30 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: registerWorkload, WorkloadName: "register",
		Violation: sim.Violation{DropProb: 0.02, ReorderProb: 0.05},
		MustFail:  true,
	})
}

// registerWorkload is Jepsen's ZooKeeper test in spirit: each client, every
// 20–120 ms, reads, writes, compares-and-sets, creates or deletes one of a
// few keys, and now and then syncs before a read.
func registerWorkload(w *Workload) {
	for _, cl := range w.Clients {
		cl := cl
		w.Loop(sim.Second, w.Uniform(20*sim.Millisecond, 120*sim.Millisecond), func() {
			if !Live(cl) {
				return
			}
			key := fmt.Sprintf("/r%d", w.Rand.Intn(4))
			val := []byte(fmt.Sprint(w.Rand.Intn(1000)))
			switch w.Rand.Intn(8) {
			case 0, 1:
				cl.GetData(key, nil, nil)
			case 2:
				cl.SetData(key, val, -1, nil)
			case 3:
				cl.GetData(key, nil, func(_ []byte, st tree.Stat, err tree.Code) {
					if err == tree.OK && Live(cl) {
						cl.SetData(key, val, st.Version, nil) // compare-and-set
					}
				})
			case 4:
				cl.Create(key, val, tree.OpenACLUnsafe, tree.Persistent, nil)
			case 5:
				cl.Delete(key, -1, nil)
			case 6:
				cl.Sync(key, func(string, tree.Code) {
					if Live(cl) {
						cl.GetData(key, nil, nil)
					}
				})
			case 7:
				cl.Multi([]tree.Op{
					{Type: tree.OpCheck, Request: &tree.CheckVersionRequest{Path: key, Version: -1}},
					{Type: tree.OpSetData, Request: &tree.SetDataRequest{Path: key, Data: val, Version: -1}},
				}, nil)
			}
		})
	}
}

// ephemeralWorkload: each client keeps an ephemeral-sequential member node
// under /members (re-creating it if its session lost it), lists the
// members, and writes a little.
func ephemeralWorkload(w *Workload) {
	for _, cl := range w.Clients {
		cl := cl
		w.Loop(sim.Second, w.Uniform(50*sim.Millisecond, 250*sim.Millisecond), func() {
			if !Live(cl) {
				return
			}
			switch w.Rand.Intn(5) {
			case 0:
				cl.Create("/members", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
			case 1:
				cl.Create("/members/m-", []byte(fmt.Sprint(cl.ID())), tree.OpenACLUnsafe, tree.EphemeralSequential, nil)
			case 2, 3:
				cl.GetChildren("/members", nil, nil)
			case 4:
				cl.SetData("/members", []byte(fmt.Sprint(w.Rand.Intn(100))), -1, nil)
			}
		})
	}
}
