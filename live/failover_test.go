package live

// Crash and recovery on the real runtime: the leader's process dies (its
// listeners and connections close, its loop stops), the others elect a new
// leader, a client's session carries on, and the dead server restarts from
// its data dir and catches up.

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/zab"
)

func TestLeaderKillAndRestart(t *testing.T) {
	// established receives the time of every leader's establishment.
	established := make(chan time.Time, 16)
	e, logs := startEnsembleWith(t, func(_ zab.ServerID, o zab.Observation) {
		if o.Kind == zab.ObsEstablished {
			select {
			case established <- time.Now():
			default:
			}
		}
	})
	old, err := e.WaitLeader(20 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	// The client may use any server but the observer's view lags, so give
	// it the voters; it will lose its server if that is the leader.
	c := connect(t, e.Servers()[:3])
	acl := zk.WorldACL(zk.PermAll)
	for i := range 20 {
		if _, err := c.Create(fmt.Sprintf("/before-%02d", i), []byte("x"), 0, acl); err != nil {
			t.Fatal(err)
		}
	}
	session := c.SessionID()
	for len(established) > 0 {
		<-established
	}
	killed := time.Now()
	e.Kill(old)

	leader, err := e.WaitLeader(30 * time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if leader == old {
		t.Fatalf("zk%d still leads after it was killed", old)
	}
	t.Logf("zk%d killed; zk%d established as leader %s later", old, leader, (<-established).Sub(killed).Round(time.Millisecond))
	// A request in flight when the connection broke fails; the session
	// does not: the client reconnects and carries on.
	eventually(t, "a write after the leader died", 30*time.Second, func() error {
		_, err := c.Create("/after", []byte("y"), 0, acl)
		if errors.Is(err, zk.ErrNodeExists) {
			return nil
		}
		return err
	})
	if c.SessionID() != session {
		t.Fatalf("session changed from %#x to %#x", session, c.SessionID())
	}
	if c.State() != zk.StateHasSession {
		t.Fatalf("client state %v", c.State())
	}

	if err := e.Start(old); err != nil {
		t.Fatal(err)
	}
	if _, err := e.WaitLeader(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	// The restarted server recovered the first writes from its own files
	// and learned the last from the leader.
	addr := e.Servers()[old-1]
	rc := connect(t, []string{addr})
	eventually(t, fmt.Sprintf("zk%d has every write", old), 20*time.Second, func() error {
		for _, p := range []string{"/before-00", "/before-19", "/after"} {
			if ok, _, err := rc.Exists(p); err != nil || !ok {
				return fmt.Errorf("%s: exists=%t err=%v", p, ok, err)
			}
		}
		return nil
	})
	if !recoveredFromDisk(logs.String(), old) {
		t.Fatalf("zk%d did not recover any txn from its data dir", old)
	}
	st, ok := e.Node(old).Stats()
	if !ok || st.State == zab.Leading || st.State == zab.Looking {
		t.Fatalf("restarted zk%d is %v", old, st.State)
	}
}

// recoveredFromDisk reports whether server id's log shows a recovery to a
// zxid past 0, which only its own files can give it.
func recoveredFromDisk(logs string, id zab.ServerID) bool {
	for _, line := range strings.Split(logs, "\n") {
		if strings.HasPrefix(line, fmt.Sprintf("zk%d ", id)) && strings.Contains(line, " recover 0x") && !strings.Contains(line, " recover 0x0 ") {
			return true
		}
	}
	return false
}

// TestWholeEnsembleRestarts: every server dies and comes back from its
// data dir; what was acknowledged before is still there.
func TestWholeEnsembleRestarts(t *testing.T) {
	e := startEnsemble(t)
	c := connect(t, e.Servers()[:3])
	acl := zk.WorldACL(zk.PermAll)
	for i := range 30 {
		if _, err := c.Create(fmt.Sprintf("/durable-%02d", i), []byte{byte(i)}, 0, acl); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := c.Set("/durable-07", []byte("seven"), 0); err != nil {
		t.Fatal(err)
	}
	c.Close()
	e.Stop()
	for _, id := range e.IDs() {
		if err := e.Start(id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := e.WaitLeader(30 * time.Second); err != nil {
		t.Fatal(err)
	}
	rc := connect(t, e.Servers()[:3])
	eventually(t, "the writes after the restart", 20*time.Second, func() error {
		kids, _, err := rc.Children("/")
		if err != nil {
			return err
		}
		if n := len(kids); n != 31 { // 30 and /zookeeper
			return fmt.Errorf("%d children of /: %v", n, kids)
		}
		data, st, err := rc.Get("/durable-07")
		if err != nil || string(data) != "seven" || st.Version != 1 {
			return fmt.Errorf("/durable-07 = %q version %d, %v", data, st.Version, err)
		}
		return nil
	})
}
