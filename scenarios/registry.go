package scenarios

import (
	"fmt"
	"time"

	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
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
		Workload: registerWorkload,
	})
	Register(&Scenario{
		Name:        "leader-crash",
		Description: "the register workload while the leader crashes mid-proposal (some followers have the txn) and restarts",
		Voters:      3, Observers: 1, Clients: 5,
		Duration: 40 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: registerWorkload,
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
		Workload: registerWorkload,
		Plan:     faults.Swarm,
	})
	Register(&Scenario{
		Name:        "swarm-5",
		Description: "five voters and an observer under a swarm of faults, ten clients",
		Voters:      5, Observers: 1, Clients: 10,
		Duration: 45 * time.Second, Heal: 15 * time.Second,
		Server:   fastTicks,
		Workload: registerWorkload,
		Plan:     faults.Swarm,
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
		Server:    fastTicks,
		Workload:  registerWorkload,
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
