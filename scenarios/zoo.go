package scenarios

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// The bug zoo: real ZooKeeper bugs re-created behind zab.Config switches,
// each with a regression scenario — a workload and a fault plan drawn from
// the seed that gives the bug its chance to matter — that must catch it
// within a band of seeds, while the correct server passes the same band.
// A harness is judged by the bugs it finds and how fast (DESIGN.md, "The
// bug zoo").
//
// The plans name servers: three voters elect the highest id, zk3, when
// they start together, so "the first leader" is zk3 and the followers are
// zk1 and zk2; the seed picks which follower plays which part.

// Bug is one entry of the zoo.
type Bug struct {
	ID      string // the switch, as zab.Bugs names it: "ZK3023"
	JIRA    string // the issues it re-creates
	Summary string
	// Fix is the apache/zookeeper commit whose change the switch reverses.
	Fix string
	// Set turns the bug on (on) or gives the correct server (!on).
	Set func(c *zab.Config, on bool)
	// Symptom, if set, is the guarantee the bug breaks where clients see
	// it, and the zoo counts a seed as catching the bug only when it is
	// among the findings: other checkers (the replica digest) may see the
	// damage first, out of any client's sight.
	Symptom error
	// scenario is the regression scenario without the switch; Scenario
	// fills in the name and the switch.
	scenario Scenario
}

// Name is the regression scenario's name: "zoo-zk3023".
func (b *Bug) Name() string { return "zoo-" + strings.ToLower(b.ID) }

// Scenario returns the bug's regression scenario: with the bug on it is
// named for the bug and must fail (be caught); with it off it is the
// correct server, "zoo-zk3023-fixed", which must pass.
func (b *Bug) Scenario(on bool) *Scenario {
	s := b.scenario
	s.Name = b.Name()
	s.Bug = b.ID
	s.MustFail = on
	if !on {
		s.Name += "-fixed"
		s.Bug = ""
		s.Description = "the correct server under " + b.Name() + "'s workload and faults"
	}
	base := s.Server
	s.Server = func(c *zab.Config) {
		if base != nil {
			base(c)
		}
		b.Set(c, on)
	}
	return &s
}

// Zoo lists the bugs, by id.
func Zoo() []*Bug {
	out := append([]*Bug(nil), zoo...)
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// lookupZoo finds a zoo scenario by name: zoo-zk3023 or zoo-zk3023-fixed.
func lookupZoo(name string) (*Scenario, bool) {
	for _, b := range zoo {
		switch name {
		case b.Name():
			return b.Scenario(true), true
		case b.Name() + "-fixed":
			return b.Scenario(false), true
		}
	}
	return nil, false
}

func zooNames() []string {
	var out []string
	for _, b := range zoo {
		out = append(out, b.Name(), b.Name()+"-fixed")
	}
	return out
}

// at and span are plan times: a duration, and a duration drawn from [lo, hi).
func at(d time.Duration) faults.Duration { return faults.Duration(d) }

func span(r faults.Rand, lo, hi time.Duration) time.Duration {
	return lo + time.Duration(r.Float64()*float64(hi-lo))
}

// zooPlan is a plan of the actions, each no later than the heal.
func zooPlan(sh faults.Shape, actions ...faults.Action) faults.Plan {
	p := faults.Plan{HealAt: faults.Duration(sh.End - sh.Heal), End: faults.Duration(sh.End)}
	for _, a := range actions {
		a.At = min(a.At, p.HealAt)
		p.Actions = append(p.Actions, a)
	}
	return p.Sorted()
}

// others lists the voters 1..n but x.
func others(n, x int) []int {
	var out []int
	for i := 1; i <= n; i++ {
		if i != x {
			out = append(out, i)
		}
	}
	return out
}

// broadcastLossPlan: a follower (c) is cut off, so the leader commits with
// the other (b) alone; b dies between writing its next proposal and
// syncing it; the leader dies; c and b, neither holding that proposal,
// elect a leader. A proposal b acknowledged before its fsync was
// committed, and the new history lacks it.
func broadcastLossPlan(r faults.Rand, sh faults.Shape) faults.Plan {
	c := 1 + r.Intn(2)
	b := 3 - c
	t0 := span(r, 2*time.Second, 4*time.Second)
	tb := t0 + span(r, 300*time.Millisecond, 1200*time.Millisecond)
	tl := tb + span(r, 100*time.Millisecond, 800*time.Millisecond)
	th := tl + span(r, 500*time.Millisecond, 1500*time.Millisecond)
	return zooPlan(sh,
		faults.Action{At: at(t0), Kind: faults.Partition, Groups: [][]int{{c}, others(3, c)}},
		faults.Action{At: at(tb), Kind: faults.CrashBeforeSync, Server: b},
		faults.Action{At: at(tl), Kind: faults.Crash, Server: 3},
		faults.Action{At: at(th), Kind: faults.Heal},
		faults.Action{At: at(th), Kind: faults.Restart, Server: b},
	)
}

// syncLossPlan: a follower (b) is cut off while the leader (zk3) and the
// other follower (a) commit; zk3 dies; on the heal a leads and syncs b
// with a DIFF of what b missed, and b dies between writing those txns and
// syncing them; a dies too; b and zk3 come back. zk3 holds the committed
// txns; b must not win on an epoch it took before it had them.
func syncLossPlan(r faults.Rand, sh faults.Shape) faults.Plan {
	b := 1 + r.Intn(2)
	a := 3 - b
	t0 := span(r, 2*time.Second, 4*time.Second)
	tArm := t0 + span(r, 1000*time.Millisecond, 1500*time.Millisecond)
	tl := t0 + span(r, 1500*time.Millisecond, 2500*time.Millisecond)
	th := tl + span(r, 300*time.Millisecond, 1000*time.Millisecond)
	ta := th + span(r, 1500*time.Millisecond, 2500*time.Millisecond)
	return zooPlan(sh,
		faults.Action{At: at(t0), Kind: faults.Partition, Groups: [][]int{{b}, others(3, b)}},
		faults.Action{At: at(tArm), Kind: faults.CrashBeforeSync, Server: b},
		faults.Action{At: at(tl), Kind: faults.Crash, Server: 3},
		faults.Action{At: at(th), Kind: faults.Heal},
		faults.Action{At: at(ta), Kind: faults.Crash, Server: a},
		faults.Action{At: at(ta + 500*time.Millisecond), Kind: faults.Restart, Server: b},
		faults.Action{At: at(ta + 500*time.Millisecond), Kind: faults.Restart, Server: 3},
	)
}

// quietWorkload: the register workload for the first 2.5 s, then only
// reads, so no txn moves any zxid while the faults shuffle epochs.
func quietWorkload(w *Workload) {
	quiet := w.Now() + 2500*sim.Millisecond
	for _, cl := range w.Clients {
		cl := cl
		w.Loop(sim.Second, w.Uniform(20*sim.Millisecond, 120*sim.Millisecond), func() {
			if !Live(cl) {
				return
			}
			key := fmt.Sprintf("/r%d", w.Rand.Intn(4))
			if w.Now() >= quiet {
				cl.GetData(key, nil, nil)
				return
			}
			switch w.Rand.Intn(3) {
			case 0:
				cl.GetData(key, nil, nil)
			case 1:
				cl.Create(key, nil, tree.OpenACLUnsafe, tree.Persistent, nil)
			case 2:
				cl.SetData(key, []byte(fmt.Sprint(w.Rand.Intn(1000))), -1, nil)
			}
		})
	}
}

// splitEpochsPlan: zk3 (the leader) is cut off and zk1, zk2 elect zk2 in a
// new epoch with no txn in it; then the whole ensemble goes down and comes
// back together. zk1 and zk2 have the new epoch, zk3 the old one, all the
// same last zxid: only the epoch tells the votes apart. With a vote order
// that lets zk3's higher id beat it, zk3 beats zk2 beats zk1 beats zk3,
// and the election goes round in a circle.
func splitEpochsPlan(r faults.Rand, sh faults.Shape) faults.Plan {
	t0 := span(r, 3*time.Second, 4*time.Second)
	tc := t0 + span(r, 4*time.Second, 5*time.Second)
	tr := tc + span(r, 300*time.Millisecond, 1000*time.Millisecond)
	var as []faults.Action
	as = append(as, faults.Action{At: at(t0), Kind: faults.Partition, Groups: [][]int{{3}, {1, 2}}})
	for s := 1; s <= 3; s++ {
		as = append(as, faults.Action{At: at(tc), Kind: faults.Crash, Server: s})
	}
	as = append(as, faults.Action{At: at(tc), Kind: faults.Heal}, faults.Action{At: at(tr), Kind: faults.Restart})
	return zooPlan(sh, as...)
}

// rolloverPlan pushes the leader's zxid counter a few txns short of
// 0xffffffff, now and then.
func rolloverPlan(r faults.Rand, sh faults.Shape) faults.Plan {
	var as []faults.Action
	for t := 2 * time.Second; t < sh.End-sh.Heal-time.Second; t += span(r, 2*time.Second, 4*time.Second) {
		as = append(as, faults.Action{At: at(t), Kind: faults.NearRollover, Margin: 1 + r.Intn(20)})
	}
	return zooPlan(sh, as...)
}

// closeRaceWorkload: every client but the first two creates an ephemeral,
// closes its session at a random moment and, like a client without the
// closing fence, sends another create-ephemeral right behind the
// closeSession; the first two read and write.
func closeRaceWorkload(w *Workload) {
	for i, cl := range w.Clients {
		cl := cl
		if i < 2 {
			w.Loop(sim.Second, w.Uniform(50*sim.Millisecond, 150*sim.Millisecond), func() {
				if !Live(cl) {
					return
				}
				if w.Rand.Intn(2) == 0 {
					cl.GetChildren("/s", nil, nil)
				} else {
					cl.Create("/s", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
				}
			})
			continue
		}
		start := sim.Second + sim.Time(w.Rand.Int63n(int64(12*sim.Second)))
		w.Cluster.World.After(start, func() {
			if !Live(cl) {
				return
			}
			cl.Create("/s", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
			cl.Create(fmt.Sprintf("/s/c%d-", cl.ID()), nil, tree.OpenACLUnsafe, tree.EphemeralSequential, nil)
			cl.Close()
			cl.Create(fmt.Sprintf("/s/c%d-late-", cl.ID()), nil, tree.OpenACLUnsafe, tree.EphemeralSequential, nil)
		})
	}
}

// diffBreakPlan: a follower (f) is down for a few seconds; when it comes
// back, the leader is armed to die right after its k-th PROPOSAL send,
// which is likely inside the DIFF that brings f up to date, so f's sync
// breaks off in the middle. Everyone comes back a few seconds later.
func diffBreakPlan(r faults.Rand, sh faults.Shape) faults.Plan {
	f := 1 + r.Intn(2)
	t0 := span(r, 2*time.Second, 4*time.Second)
	tr := t0 + span(r, 2*time.Second, 3*time.Second)
	return zooPlan(sh,
		faults.Action{At: at(t0), Kind: faults.Crash, Server: f},
		faults.Action{At: at(tr), Kind: faults.Restart, Server: f},
		faults.Action{At: at(tr), Kind: faults.CrashLeaderMid, K: 1 + r.Intn(40)},
		faults.Action{At: at(tr + span(r, 2*time.Second, 4*time.Second)), Kind: faults.Restart},
	)
}

// sessionWorkload: the ephemeral workload for half the clients, each of
// which closes its session at a random moment, so closeSession txns
// delete ephemerals while the faults play; the register workload for the
// rest.
func sessionWorkload(w *Workload) {
	half := len(w.Clients) / 2
	ephemeralWorkload(w.sub(w.Clients[:half]))
	registerWorkload(w.sub(w.Clients[half:]))
	for _, cl := range w.Clients[:half] {
		cl := cl
		w.Cluster.World.After(2*sim.Second+sim.Time(w.Rand.Int63n(int64(8*sim.Second))), cl.Close)
	}
}

// restartsPlan crashes and restarts servers one at a time, the leader
// every other time, so each recovers from its newest (fuzzy) snapshot
// and the log after it, and the lead passes between servers that did and
// did not replay.
func restartsPlan(r faults.Rand, sh faults.Shape) faults.Plan {
	var as []faults.Action
	for t := 2 * time.Second; t < sh.End-sh.Heal-time.Second; t += span(r, 1200*time.Millisecond, 2*time.Second) {
		s := 0 // the leader
		if r.Intn(2) == 0 {
			s = 1 + r.Intn(sh.Voters)
		}
		as = append(as,
			faults.Action{At: at(t), Kind: faults.Crash, Server: s, Torn: r.Intn(2) == 0},
			faults.Action{At: at(t + span(r, 300*time.Millisecond, 1000*time.Millisecond)), Kind: faults.Restart})
	}
	return zooPlan(sh, as...)
}

// sequentialWorkload: clients create sequential nodes under /q and delete
// each soon after its name comes back, as a lock or a queue does, so a
// name handed out again finds its place free.
func sequentialWorkload(w *Workload) {
	for _, cl := range w.Clients {
		cl := cl
		w.Loop(sim.Second, w.Uniform(40*sim.Millisecond, 120*sim.Millisecond), func() {
			if !Live(cl) {
				return
			}
			switch w.Rand.Intn(4) {
			case 0:
				cl.Create("/q", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
			case 1, 2:
				hold := sim.Time(w.Rand.Int63n(int64(300 * sim.Millisecond)))
				cl.Create("/q/n-", []byte(fmt.Sprint(cl.ID())), tree.OpenACLUnsafe, tree.PersistentSequential, func(name string, err tree.Code) {
					if err != tree.OK {
						return
					}
					w.Cluster.World.After(hold, func() {
						if Live(cl) {
							cl.Delete(name, -1, nil)
						}
					})
				})
			case 3:
				// Sweep up what a lost session or reply left behind.
				cl.GetChildren("/q", nil, func(children []string, _ tree.Stat, err tree.Code) {
					if err != tree.OK || len(children) == 0 || !Live(cl) {
						return
					}
					sort.Strings(children)
					cl.Delete("/q/"+children[0], -1, nil)
				})
			}
		})
	}
}

// pausedLeaderPlan: the leader (zk3) stalls, a GC pause, while the network
// cuts it from the others; they elect a new leader and commit writes. It
// wakes up still believing it leads, its followers' goodbyes held by the
// partition, with the syncs its clients sent meanwhile; the partition
// heals later.
func pausedLeaderPlan(r faults.Rand, sh faults.Shape) faults.Plan {
	// After 4 s every reader has its session: a createSession held by
	// the pause would be outstanding, and a sync waits for it.
	t0 := span(r, 4*time.Second, 6*time.Second)
	tr := t0 + span(r, 4500*time.Millisecond, 6*time.Second)
	return zooPlan(sh,
		faults.Action{At: at(t0), Kind: faults.Partition, Groups: [][]int{{3}, {1, 2}}},
		faults.Action{At: at(t0), Kind: faults.Pause, Server: 3},
		faults.Action{At: at(tr), Kind: faults.Resume, Server: 3},
		faults.Action{At: at(tr + span(r, 1500*time.Millisecond, 3*time.Second)), Kind: faults.Heal},
	)
}

// syncReadWorkload: the first half of the clients, on zk3 only, sync and
// then read one key every 50–150 ms without waiting for the previous
// sync; the rest, on zk1 and zk2, write it.
func syncReadWorkload(w *Workload) {
	for i, cl := range w.Clients {
		cl := cl
		reader := i < len(w.Clients)/2
		w.Loop(sim.Second, w.Uniform(50*sim.Millisecond, 150*sim.Millisecond), func() {
			if !Live(cl) {
				return
			}
			key := fmt.Sprintf("/k%d", w.Rand.Intn(2))
			if !reader {
				if w.Rand.Intn(4) == 0 {
					cl.Create(key, nil, tree.OpenACLUnsafe, tree.Persistent, nil)
				} else {
					cl.SetData(key, []byte(fmt.Sprint(w.Rand.Intn(1000))), -1, nil)
				}
				return
			}
			cl.Sync(key, func(string, tree.Code) {
				if Live(cl) {
					cl.GetData(key, nil, nil)
				}
			})
		})
	}
}

var zoo = []*Bug{
	{
		ID: "ZK3023", JIRA: "ZOOKEEPER-3023, ZOOKEEPER-4646",
		Summary: "a follower ACKs a proposal (or NEWLEADER) before the txn is fsynced",
		Fix:     "b0608e009 (ZOOKEEPER-3023), 2f86f89cc (ZOOKEEPER-4646)",
		Set:     func(c *zab.Config, on bool) { c.Bugs.ZK3023 = on },
		scenario: Scenario{
			Description: "a follower dies between writing a proposal and syncing it while it is the leader's only partner; the leader dies; the other two elect",
			Voters:      3, Clients: 5,
			Duration: 25 * time.Second, Heal: 15 * time.Second,
			Server: fastTicks, Workload: registerWorkload, Plan: broadcastLossPlan,
		},
	},
	{
		ID: "ZK4643", JIRA: "ZOOKEEPER-4643",
		Summary: "a follower persists the new currentEpoch before the txns of its DIFF sync are logged",
		Fix:     "cdd13ca1f (ZOOKEEPER-4643, with 4646, 4685, 4394)",
		Set:     func(c *zab.Config, on bool) { c.Bugs.ZK4643 = on },
		scenario: Scenario{
			Description: "a lagging follower dies while it writes the DIFF that brings it up to date; the new leader dies; it and the old leader come back",
			Voters:      3, Clients: 5,
			Duration: 28 * time.Second, Heal: 15 * time.Second,
			Server: fastTicks, Workload: registerWorkload, Plan: syncLossPlan,
		},
	},
	{
		ID: "ZK3911", JIRA: "ZOOKEEPER-3911",
		Summary: "a follower logs the DIFF's txns only after UPTODATE, while the leader starts serving on the NEWLEADER quorum",
		Fix:     "31032cf98 / 9b2b72abc (ZOOKEEPER-3911)",
		Set:     func(c *zab.Config, on bool) { c.Bugs.ZK3911 = on },
		scenario: Scenario{
			Description: "a lagging follower acknowledges NEWLEADER and dies before the DIFF is on its disk; the new leader dies; it and the old leader come back",
			Voters:      3, Clients: 5,
			Duration: 28 * time.Second, Heal: 15 * time.Second,
			Server: fastTicks, Workload: registerWorkload, Plan: syncLossPlan,
		},
	},
	{
		ID: "ZK1419", JIRA: "ZOOKEEPER-1419",
		Summary: "the vote order lets a higher id win over a higher epoch",
		Fix:     "6125ab947 (ZOOKEEPER-1419)",
		Set:     func(c *zab.Config, on bool) { c.Bugs.ZK1419 = on },
		scenario: Scenario{
			Description: "a quiet ensemble splits its epochs (zk1 in a new epoch, zk3 in the old, same last zxid) and must then elect",
			Voters:      3, Clients: 5,
			Duration: 26 * time.Second, Heal: 15 * time.Second,
			Server: fastTicks, Workload: quietWorkload, Plan: splitEpochsPlan,
		},
	},
	{
		ID: "ZK1277", JIRA: "ZOOKEEPER-1277",
		Summary: "the leader keeps proposing past the zxid counter limit (the counter carries into the epoch bits)",
		Fix:     "a0ef2911d (ZOOKEEPER-1277)",
		Set:     func(c *zab.Config, on bool) { c.Bugs.ZK1277 = on },
		scenario: Scenario{
			Description: "the register workload while the leader's zxid counter is pushed a few txns short of 2^32",
			Voters:      3, Clients: 5,
			Duration: 22 * time.Second, Heal: 15 * time.Second,
			Server: fastTicks, Workload: registerWorkload, Plan: rolloverPlan,
		},
	},
	{
		ID: "ZK1208", JIRA: "ZOOKEEPER-1208",
		Summary: "a create-ephemeral queued behind its session's closeSession still succeeds (the session is not marked closing)",
		Fix:     "83f7f8049 (ZOOKEEPER-1208)",
		Set:     func(c *zab.Config, on bool) { c.Bugs.ZK1208 = on },
		scenario: Scenario{
			Description: "clients close their sessions with a create-ephemeral pipelined right behind the closeSession",
			Voters:      3, Clients: 8,
			Duration: 20 * time.Second, Heal: 5 * time.Second,
			Server: fastTicks, Workload: closeRaceWorkload,
			Client: func(_ int, c *client.Config) { c.NoCloseFence = true },
		},
	},
	{
		ID: "ZK2355", JIRA: "ZOOKEEPER-2355",
		Summary: "a follower marks a DIFF's zxid as processed before applying it; an ephemeral then outlives its session on that replica",
		Fix:     "1789e0d6f (ZOOKEEPER-2355)",
		Set:     func(c *zab.Config, on bool) { c.Bugs.ZK2355 = on },
		scenario: Scenario{
			Description: "a follower comes back and the leader dies in the middle of the DIFF that syncs it",
			Voters:      3, Clients: 6,
			Duration: 27 * time.Second, Heal: 15 * time.Second,
			Server: fastTicks, Workload: sessionWorkload, Plan: diffBreakPlan,
		},
	},
	{
		ID: "ZK1046", JIRA: "ZOOKEEPER-1046",
		Summary: "the parent's cversion is recomputed on replay (not restored from the txn), so sequential names go wrong",
		Fix:     "f46e91870 (ZOOKEEPER-1046)",
		Set:     func(c *zab.Config, on bool) { c.Bugs.ZK1046 = on },
		// The name handed out again reaches a client: a leader whose
		// replay left the parent's cversion ahead hands out names past
		// the others'; the next leader hands them out again.
		Symptom: checker.ErrSequential,
		scenario: Scenario{
			Description: "sequential creates, each deleted soon after, under one parent while servers (the leader every other time) restart from fuzzy snapshots",
			Voters:      3, Clients: 4,
			Duration: 30 * time.Second, Heal: 12 * time.Second,
			Server:   func(c *zab.Config) { fastTicks(c); c.SnapCount = 20 },
			Workload: sequentialWorkload, Plan: restartsPlan,
		},
	},
	{
		ID: "ZK1675", JIRA: "ZOOKEEPER-1675",
		Summary: "sync is answered without a quorum round, so a deposed leader answers it (3.8's behaviour; correct is Config.QuorumSync)",
		Fix:     "3741e0914 (ZOOKEEPER-1675, master)",
		Set:     func(c *zab.Config, on bool) { c.QuorumSync = !on },
		scenario: Scenario{
			Description: "the leader stalls while others elect and write, then answers the syncs its clients sent meanwhile (strict sync reads)",
			Voters:      3, Clients: 6,
			Duration: 30 * time.Second, Heal: 15 * time.Second,
			Server: fastTicks, Workload: syncReadWorkload, Plan: pausedLeaderPlan,
			StrictSync: true,
			Client: func(i int, c *client.Config) {
				c.SessionTimeout = 10000
				if i < 3 {
					c.Servers = []zab.ServerID{3}
				} else {
					c.Servers = []zab.ServerID{1, 2}
				}
			},
		},
	},
}
