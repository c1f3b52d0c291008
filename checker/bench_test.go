package checker

import (
	"fmt"
	"testing"
	"time"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// benchRun is a fault-free run in which 8 clients write (or read) 16 keys
// until the history holds n ops, with a leader crash in the middle so
// some writes end unknown.
func benchRun(b *testing.B, n int, reads bool) *cluster.Cluster {
	b.Helper()
	c, err := cluster.New(cluster.Config{Seed: 1, Voters: 3, Observers: 1})
	if err != nil {
		b.Fatal(err)
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
	for c.History().Len() < n {
		c.World.RunFor(sim.Second)
		if l, ok := c.Leader(); ok && !crashed && c.History().Len() > n/2 {
			crashed = true
			c.Crash(l, false)
			c.World.After(2*sim.Second, func() { _ = c.Restart(l) })
		}
	}
	c.World.RunFor(10 * sim.Second)
	return c
}

func BenchmarkLinearizableWrites(b *testing.B) {
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("ops=%d", n), func(b *testing.B) {
			c := benchRun(b, n, false)
			h, recs := c.History(), c.Records()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if v := LinearizableWrites(h, recs, time.Minute); !v.OK() {
					b.Fatal(v)
				}
			}
		})
	}
}

func BenchmarkReads(b *testing.B) {
	c := benchRun(b, 100000, true)
	h, recs := c.History(), c.Records()
	n := 0
	for _, op := range h.All() {
		if op.Type == tree.OpGetData {
			n++
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if v := Reads(h, recs, ReadOptions{}); !v.OK() {
			b.Fatal(v)
		}
	}
	b.StopTimer()
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(n*b.N)/s, "reads/s")
	}
}
