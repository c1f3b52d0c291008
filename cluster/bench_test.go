package cluster

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// BenchmarkCommittedWrites measures simulated client writes committed per
// wall-clock second on a 3-voter ensemble: 30 writers, each with one
// create outstanding at a time; with the trace hashed only, and with the
// whole trace kept for printing.
// BenchmarkCommittedWrites: 30 clients on a 3-voter ensemble write as
// fast as their replies come back, for 10 s of virtual time. "create"
// grows the tree by a node per write (the tree's growth is most of its
// cost); "mixed" cycles create, setData, setData, delete, as a steady
// workload does. "kept" keeps the whole trace for printing.
func BenchmarkCommittedWrites(b *testing.B) {
	b.Run("create/hash", func(b *testing.B) { benchWrites(b, false, false) })
	b.Run("create/kept", func(b *testing.B) { benchWrites(b, true, false) })
	b.Run("mixed/hash", func(b *testing.B) { benchWrites(b, false, true) })
	b.Run("mixed/kept", func(b *testing.B) { benchWrites(b, true, true) })
}

func benchWrites(b *testing.B, keep, mixed bool) {
	b.ReportAllocs()
	writes := 0
	for i := 0; i < b.N; i++ {
		c, err := New(Config{Seed: uint64(i + 1), Voters: 3, KeepTrace: keep})
		if err != nil {
			b.Fatal(err)
		}
		c.Start()
		c.World.RunFor(3 * sim.Second)
		var ws []*writer
		for k := 0; k < 30; k++ {
			w := addWriter(c, c.IDs()[k%3], 1000)
			w.mixed = mixed
			ws = append(ws, w)
		}
		c.World.RunFor(10 * sim.Second)
		for _, w := range ws {
			writes += w.ok
		}
	}
	b.ReportMetric(float64(writes)/b.Elapsed().Seconds(), "writes/s")
	b.ReportMetric(float64(writes)/float64(b.N), "writes/run")
}

// BenchmarkElection measures the wall time of electing a leader in a
// fresh 3-voter ensemble.
func BenchmarkElection(b *testing.B) {
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		c, err := New(Config{Seed: uint64(i + 1), Voters: 3})
		if err != nil {
			b.Fatal(err)
		}
		c.Start()
		c.World.RunWhile(func() bool { _, ok := c.Leader(); return !ok })
	}
}

// BenchmarkWorldMemory reports the live heap of a 5-server world with 10
// clients after a minute of virtual time of mixed operations (about 59,000
// ops). Issue 4's target is 32 MB. Most of it is the servers' txn logs on
// the simulated disks (about 11 MB); the log index, the History and the
// observation records are kept compact (zab/logindex.go,
// zab/client/opstore.go, cluster/records.go).
func BenchmarkWorldMemory(b *testing.B) {
	for i := 0; i < b.N; i++ {
		runtime.GC()
		var before runtime.MemStats
		runtime.ReadMemStats(&before)
		c, err := New(Config{Seed: uint64(i + 1), Voters: 5})
		if err != nil {
			b.Fatal(err)
		}
		c.Start()
		c.World.RunFor(3 * sim.Second)
		r := c.World.Rand("bench/memory")
		for k := 0; k < 10; k++ {
			cl := c.AddClient(client.Config{})
			cl.Start()
			var tick func()
			tick = func() {
				path := fmt.Sprintf("/k%d", r.Intn(100))
				switch r.Intn(3) {
				case 0:
					cl.Create(path, []byte("data"), tree.OpenACLUnsafe, tree.Persistent, nil)
				case 1:
					cl.SetData(path, []byte("more data"), -1, nil)
				case 2:
					cl.GetData(path, nil, nil)
				}
				c.World.After(10*sim.Millisecond, tick)
			}
			c.World.After(sim.Second, tick)
		}
		c.World.RunFor(sim.Minute)
		runtime.GC()
		var after runtime.MemStats
		runtime.ReadMemStats(&after)
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/(1<<20), "MB")
		b.ReportMetric(float64(c.History().Len()), "ops")
		runtime.KeepAlive(c)
	}
}
