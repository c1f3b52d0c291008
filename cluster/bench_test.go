package cluster

import (
	"testing"

	"github.com/zabsim/zabsim/sim"
)

// BenchmarkCommittedWrites measures simulated client writes committed per
// wall-clock second on a 3-voter ensemble: 30 writers, each with one
// create outstanding at a time; with the trace hashed only, and with the
// whole trace kept for printing.
func BenchmarkCommittedWrites(b *testing.B) {
	b.Run("hash", func(b *testing.B) { benchWrites(b, false) })
	b.Run("kept", func(b *testing.B) { benchWrites(b, true) })
}

func benchWrites(b *testing.B, keep bool) {
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
			ws = append(ws, addWriter(c, c.IDs()[k%3], 1000))
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
