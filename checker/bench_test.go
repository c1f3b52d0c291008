package checker

import (
	"fmt"
	"testing"
	"time"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/tree"
)

// benchRun is BenchRun for a benchmark.
func benchRun(b *testing.B, n int, reads bool) *cluster.Cluster {
	b.Helper()
	c, err := BenchRun(n, reads)
	if err != nil {
		b.Fatal(err)
	}
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
