package checker

import (
	"fmt"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// BenchRun is the run the checkers' benchmarks check (go test -bench and
// zabsim bench), not a check: on three voters and an observer, 8 clients
// write (or, with reads, mostly read) 16 keys until the history holds n
// ops, with a leader crash in the middle so some writes end unknown. It is
// deterministic: the same n and reads give the same history.
func BenchRun(n int, reads bool) (*cluster.Cluster, error) {
	c, err := cluster.New(cluster.Config{Seed: 1, Voters: 3, Observers: 1})
	if err != nil {
		return nil, err
	}
	c.Start()
	c.World.RunFor(2 * sim.Second)
	r := c.World.Rand("bench")
	for i := 0; i < 8; i++ {
		cl := c.AddClient(client.Config{})
		cl.Start()
		var tick func()
		tick = func() {
			if c.History().Len() >= n {
				return
			}
			p := fmt.Sprintf("/k%d", r.Intn(16))
			switch k := r.Intn(10); {
			case reads && k < 9:
				cl.GetData(p, nil, nil)
			case k < 3:
				cl.Create(p, []byte("v"), tree.OpenACLUnsafe, tree.CreateMode(r.Intn(4)), nil)
			case k < 7:
				cl.SetData(p, []byte(fmt.Sprint(r.Intn(9))), int32(r.Intn(3))-1, nil)
			default:
				cl.Delete(p, -1, nil)
			}
			c.World.After(sim.Time(r.Int63n(int64(20*sim.Millisecond))), tick)
		}
		c.World.After(0, tick)
	}
	crashed := false
	// The clients together issue about 800 ops per virtual second: a
	// run that has not reached n in n/8 virtual seconds is stuck.
	for s := 0; c.History().Len() < n; s++ {
		if s > n/8+60 {
			return nil, fmt.Errorf("bench run: %d of %d ops after %d virtual seconds", c.History().Len(), n, s)
		}
		c.World.RunFor(sim.Second)
		if l, ok := c.Leader(); ok && !crashed && c.History().Len() > n/2 {
			crashed = true
			c.Crash(l, false)
			c.World.After(2*sim.Second, func() { _ = c.Restart(l) })
		}
	}
	c.World.RunFor(10 * sim.Second)
	return c, nil
}
