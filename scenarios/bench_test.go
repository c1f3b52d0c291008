package scenarios

import (
	"testing"
	"time"
)

// BenchmarkScenarios runs each scenario over successive seeds on one
// goroutine, checking included: seeds/s is per core (a sweep multiplies it
// by its jobs), and sim-s/s is virtual seconds simulated per wall second.
func BenchmarkScenarios(b *testing.B) {
	for _, s := range All() {
		b.Run(s.Name, func(b *testing.B) {
			var virtual time.Duration
			for i := 0; i < b.N; i++ {
				res, err := Run(s, uint64(i+1), nil, Options{})
				if err != nil {
					b.Fatal(err)
				}
				if res.Failed() != s.MustFail {
					b.Fatalf("seed %d: %s", i+1, res.Verdict)
				}
				virtual += s.Duration
			}
			if sec := b.Elapsed().Seconds(); sec > 0 {
				b.ReportMetric(float64(b.N)/sec, "seeds/s")
				b.ReportMetric(virtual.Seconds()/sec, "sim-s/s")
			}
		})
	}
}
