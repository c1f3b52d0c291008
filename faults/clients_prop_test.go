package faults_test

import (
	"fmt"
	"testing"
	"time"

	"pgregory.net/rapid"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// Clients issue random operations while a swarm plan runs. Whatever the
// faults: every callback runs exactly once, every op ends (answered or
// unknown), a client never sees a zxid go backwards, and the servers keep
// the ZAB invariants.
func TestPropClientsUnderFaults(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		seed := rapid.Uint64().Draw(t, "seed")
		c, err := cluster.New(cluster.Config{Seed: seed, Voters: 3, Observers: 1})
		if err != nil {
			t.Fatal(err)
		}
		c.Start()
		p := faults.Swarm(rapidRand{t}, faults.Shape{Servers: 4, Voters: 3, Clients: 3, End: 50 * time.Second, Heal: 25 * time.Second})
		in := &faults.Injector{C: c}
		in.ExpireClient = func(n int) {
			if n >= 1 && n <= len(c.Clients()) {
				c.CrashClient(c.Clients()[n-1])
			}
		}
		in.Schedule(p)
		r := c.World.Rand("test/workload")
		calls := map[int]int{} // op index -> callbacks run
		for i := 0; i < 3; i++ {
			cl := c.AddClient(client.Config{SessionTimeout: 6000})
			cl.Start()
			var last zab.Zxid
			check := func(name string) {
				if z := cl.LastZxid(); z < last {
					t.Fatalf("client %d: zxid went back from %s to %s (%s)", cl.ID(), last, z, name)
				}
				last = cl.LastZxid()
			}
			var tick func()
			tick = func() {
				if cl.State() != client.Connecting && cl.State() != client.Connected {
					return
				}
				idx := c.History().Len()
				path := fmt.Sprintf("/k%d", r.Intn(4))
				done := func() { calls[idx]++; check(path) }
				switch r.Intn(5) {
				case 0:
					cl.Create(path, []byte("v"), tree.OpenACLUnsafe, tree.CreateMode(r.Intn(4)), func(string, tree.Code) { done() })
				case 1:
					cl.SetData(path, []byte(fmt.Sprint(r.Intn(100))), -1, func(tree.Stat, tree.Code) { done() })
				case 2:
					cl.Delete(path, -1, func(tree.Code) { done() })
				case 3:
					cl.GetData(path, nil, func([]byte, tree.Stat, tree.Code) { done() })
				case 4:
					cl.Sync("/", func(string, tree.Code) { done() })
				}
				c.World.After(sim.Time(r.Int63n(int64(300*sim.Millisecond))), tick)
			}
			c.World.After(sim.Second, tick)
		}
		c.World.RunFor(sim.Time(p.End))
		for _, cl := range c.Clients() {
			if cl.State() == client.Connected || cl.State() == client.Connecting {
				cl.Close()
			}
		}
		c.World.RunFor(20 * sim.Second)
		for _, op := range c.History().All() {
			if op.Outcome == client.Pending {
				t.Fatalf("op never ended: %s\nplan:\n%s", op, p)
			}
			if calls[op.Index] != 1 {
				t.Fatalf("op %s: %d callbacks\nplan:\n%s", op, calls[op.Index], p)
			}
		}
		if v := checker.CheckZab(c.Records()); !v.OK() {
			t.Fatalf("%s\nplan:\n%s", v, p)
		}
		if v := checker.LinearizableWrites(c.History(), c.Records(), time.Minute); !v.OK() {
			t.Fatalf("%s\nplan:\n%s", v, p)
		}
	})
}
