package live

// Small-write throughput and latency over loopback, with the same Go
// client (go-zookeeper), against a zabsim live ensemble and a real
// ZooKeeper 3.8 ensemble (Debian's, started by conform/ensemble's
// scripts), side by side:
//
//	go test ./live -run '^$' -bench SmallWrites -benchtime 3000x
//
// Each sub-benchmark does b.N setData calls of 16 bytes, spread over C
// sessions (each on its own znode, round-robin over the three voters) and
// reports writes/s and the latency percentiles, after 300 untimed writes
// to warm up. The real ensemble is
// skipped, with the reason, where java or the jar is missing.

import (
	"fmt"
	"log"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/conform"
)

func BenchmarkSmallWrites(b *testing.B) {
	targets := []struct {
		name  string
		start func(b *testing.B) (servers []string, stop func())
	}{
		{"zabsim", func(b *testing.B) ([]string, func()) {
			e, err := StartEnsemble(EnsembleConfig{Voters: 3, Observers: 1, DataDir: b.TempDir(),
				Logger: log.New(&logBuffer{}, "", 0)})
			if err != nil {
				b.Fatal(err)
			}
			if _, err := e.WaitLeader(30 * time.Second); err != nil {
				b.Fatal(err)
			}
			return e.Servers()[:3], e.Stop
		}},
		{"zookeeper", func(b *testing.B) ([]string, func()) {
			if err := conform.Available(); err != nil {
				b.Skipf("SKIP: no real ZooKeeper here: %v", err)
			}
			e, err := conform.Start(conform.Options{Dir: b.TempDir()})
			if err != nil {
				b.Fatal(err)
			}
			return e.Addrs()[:3], func() { e.Stop() }
		}},
	}
	for _, tgt := range targets {
		b.Run(tgt.name, func(b *testing.B) {
			servers, stop := tgt.start(b)
			defer stop()
			for _, clients := range []int{1, 16} {
				b.Run(fmt.Sprintf("clients=%d", clients), func(b *testing.B) {
					benchWrites(b, servers, clients)
				})
			}
		})
	}
}

func benchWrites(b *testing.B, servers []string, clients int) {
	conns := make([]*zk.Conn, clients)
	root := fmt.Sprintf("/bench-%d", time.Now().UnixNano())
	for i := range conns {
		c, _, err := zk.Connect([]string{servers[i%len(servers)]}, 10*time.Second, zk.WithLogger(quietLogger{}))
		if err != nil {
			b.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	acl := zk.WorldACL(zk.PermAll)
	if _, err := createRetry(conns[0], root, acl); err != nil {
		b.Fatal(err)
	}
	for i, c := range conns {
		if _, err := createRetry(c, fmt.Sprintf("%s/c%d", root, i), acl); err != nil {
			b.Fatal(err)
		}
	}
	payload := []byte("0123456789abcdef")
	// Warm up (a JVM's JIT, connection buffers) outside the timing.
	for i := range 300 {
		if _, err := conns[i%clients].Set(fmt.Sprintf("%s/c%d", root, i%clients), payload, -1); err != nil {
			b.Fatal(err)
		}
	}
	lat := make([][]time.Duration, clients)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for i, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := fmt.Sprintf("%s/c%d", root, i)
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				if _, err := c.Set(path, payload, -1); err != nil {
					b.Error(err)
					return
				}
				lat[i] = append(lat[i], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) == 0 {
		return
	}
	pct := func(p float64) float64 {
		return float64(all[min(len(all)-1, int(p*float64(len(all))))]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(all))/elapsed.Seconds(), "writes/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	b.ReportMetric(float64(all[len(all)-1])/float64(time.Millisecond), "max-ms")
}

// createRetry creates a node, waiting out a session still being set up.
func createRetry(c *zk.Conn, path string, acl []zk.ACL) (string, error) {
	deadline := time.Now().Add(30 * time.Second)
	for {
		p, err := c.Create(path, nil, 0, acl)
		if err == nil || time.Now().After(deadline) {
			return p, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}
