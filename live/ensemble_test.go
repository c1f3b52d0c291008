package live

// Live tests run real servers on loopback TCP in this process and talk to
// them with real clients (go-zookeeper, zkCli.sh, kazoo). They wait on
// conditions with generous deadlines and never assert on a fixed sleep.

import (
	"bytes"
	"fmt"
	"log"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/zab"
)

// logBuffer keeps the servers' logs and prints them if the test fails.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// startEnsemble starts a 3+1 ensemble with a short tick and waits for its
// leader.
func startEnsemble(t *testing.T) *Ensemble {
	t.Helper()
	e, _ := startEnsembleLogs(t)
	return e
}

func startEnsembleLogs(t *testing.T) (*Ensemble, *logBuffer) {
	t.Helper()
	return startEnsembleWith(t, nil)
}

func startEnsembleWith(t *testing.T, observe func(zab.ServerID, zab.Observation)) (*Ensemble, *logBuffer) {
	t.Helper()
	logs := &logBuffer{}
	e, err := StartEnsemble(EnsembleConfig{Voters: 3, Observers: 1, DataDir: t.TempDir(),
		Logger:  log.New(logs, "", log.Lmicroseconds),
		Tune:    func(c *zab.Config) { c.TickTime = 500 * 1e6 },
		Observe: observe})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		e.Stop()
		if t.Failed() {
			t.Logf("server logs:\n%s", logs.String())
		}
	})
	if _, err := e.WaitLeader(20 * time.Second); err != nil {
		t.Fatal(err)
	}
	return e, logs
}

// connect opens a go-zookeeper session and waits until it has one.
func connect(t *testing.T, servers []string) *zk.Conn {
	t.Helper()
	c, events, err := zk.Connect(servers, 10*time.Second, zk.WithLogger(quietLogger{}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return c
			}
		case <-deadline:
			t.Fatalf("no session with %v after 20s", servers)
		}
	}
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// eventually retries fn until it succeeds or the deadline passes.
func eventually(t *testing.T, what string, timeout time.Duration, fn func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := fn()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: still failing after %s: %v", what, timeout, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestEnsembleElectsAndServes(t *testing.T) {
	e := startEnsemble(t)
	c := connect(t, e.Servers())
	if _, err := c.Create("/a", []byte("1"), 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	data, st, err := c.Get("/a")
	if err != nil || string(data) != "1" || st.Version != 0 {
		t.Fatalf("get /a = %q %+v %v", data, st, err)
	}
	eventually(t, "the observer sees /a", 10*time.Second, func() error {
		if _, _, err := connect(t, e.Servers()[3:]).Get("/a"); err != nil {
			return err
		}
		return nil
	})
}

// TestStopLeavesNoGoroutines: a node's goroutines all end with Stop, and
// four-letter-word connections do not pile any up while it runs.
func TestStopLeavesNoGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	e := startEnsemble(t)
	for range 3 {
		fourLetter(t, e.Servers()[0], "srvr")
	}
	c := connect(t, e.Servers()[:1])
	c.Close()
	e.Stop()
	eventually(t, "goroutines to end", 10*time.Second, func() error {
		if n := runtime.NumGoroutine(); n > before+5 {
			return fmt.Errorf("%d goroutines, %d before the ensemble", n, before)
		}
		return nil
	})
}
