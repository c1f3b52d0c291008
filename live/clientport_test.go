package live

// Real clients against a live ensemble: every common op of go-zookeeper,
// watches, multi; and a client that sends garbage is cut off alone.

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

func TestGoZookeeperOps(t *testing.T) {
	e := startEnsemble(t)
	c := connect(t, e.Servers()[:1])
	other := connect(t, e.Servers()[1:2])
	// Subtests run in order on one ensemble: each starts from the tree
	// the one before left.
	t.Run("create", func(t *testing.T) { opsCreate(t, c) })
	t.Run("set fires watches set on another server", func(t *testing.T) { opsWatches(t, c, other) })
	t.Run("multi", func(t *testing.T) { opsMulti(t, c) })
	t.Run("reads after sync", func(t *testing.T) { opsReads(t, other) })
	t.Run("delete and session close", func(t *testing.T) { opsDelete(t, c, other) })
	t.Run("ip ACLs see the socket's address", func(t *testing.T) { opsIPACL(t, connect(t, e.Servers()[2:3])) })
}

// Loopback clients are ("ip", "127.0.0.1") from the first packet on.
func opsIPACL(t *testing.T, c *zk.Conn) {
	local := []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "127.0.0.0/8"}}
	remote := []zk.ACL{{Perms: zk.PermAll, Scheme: "ip", ID: "10.0.0.0/8"}}
	if _, err := c.Create("/lo", []byte("x"), 0, local); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/far", []byte("x"), 0, remote); err != nil {
		t.Fatal(err)
	}
	if _, _, err := c.Get("/lo"); err != nil {
		t.Fatalf("get /lo from 127.0.0.1: %v", err)
	}
	if _, _, err := c.Get("/far"); !errors.Is(err, zk.ErrNoAuth) {
		t.Fatalf("get /far from 127.0.0.1: %v, want no auth", err)
	}
}

var openACL = zk.WorldACL(zk.PermAll)

func opsCreate(t *testing.T, c *zk.Conn) {
	if _, err := c.Create("/app", []byte("v0"), 0, openACL); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Create("/app", nil, 0, openACL); !errors.Is(err, zk.ErrNodeExists) {
		t.Fatalf("create again: %v, want node exists", err)
	}
	if seq, err := c.Create("/app/item-", []byte("x"), zk.FlagSequence, openACL); err != nil || seq != "/app/item-0000000000" {
		t.Fatalf("sequential create = %q, %v", seq, err)
	}
	if eph, err := c.Create("/app/eph", nil, zk.FlagEphemeral, openACL); err != nil || eph != "/app/eph" {
		t.Fatalf("ephemeral create = %q, %v", eph, err)
	}
}

// waitEvent waits for a watch to fire with the type and path given.
func waitEvent(t *testing.T, ch <-chan zk.Event, typ zk.EventType, path string) {
	t.Helper()
	select {
	case ev := <-ch:
		if ev.Type != typ || ev.Path != path {
			t.Fatalf("watch fired %+v, want %v on %s", ev, typ, path)
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("no %v on %s in 10s", typ, path)
	}
}

func opsWatches(t *testing.T, c, other *zk.Conn) {
	_, _, dataWatch, err := other.GetW("/app")
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Set("/app", []byte("v1"), 0)
	if err != nil || st.Version != 1 {
		t.Fatalf("set = %+v, %v", st, err)
	}
	if _, err := c.Set("/app", []byte("v2"), 0); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("set with a stale version: %v, want bad version", err)
	}
	waitEvent(t, dataWatch, zk.EventNodeDataChanged, "/app")
}

func opsMulti(t *testing.T, c *zk.Conn) {
	_, _, childWatch, err := c.ChildrenW("/app")
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Multi(
		&zk.CreateRequest{Path: "/app/m1", Data: []byte("m"), Acl: openACL},
		&zk.SetDataRequest{Path: "/app/m1", Data: []byte("n"), Version: 0},
		&zk.CheckVersionRequest{Path: "/app", Version: 1},
		&zk.DeleteRequest{Path: "/app/m1", Version: 1},
	)
	if err != nil || len(res) != 4 || res[0].String != "/app/m1" {
		t.Fatalf("multi = %+v, %v", res, err)
	}
	waitEvent(t, childWatch, zk.EventNodeChildrenChanged, "/app")
	if _, err := c.Multi(&zk.CheckVersionRequest{Path: "/app", Version: 7}, &zk.DeleteRequest{Path: "/app", Version: -1}); !errors.Is(err, zk.ErrBadVersion) {
		t.Fatalf("failing multi: %v, want bad version", err)
	}
}

func opsReads(t *testing.T, other *zk.Conn) {
	if _, err := other.Sync("/app"); err != nil {
		t.Fatal(err)
	}
	if kids, _, err := other.Children("/app"); err != nil || len(kids) != 2 {
		t.Fatalf("children = %v, %v", kids, err)
	}
	if data, _, err := other.Get("/app"); err != nil || string(data) != "v1" {
		t.Fatalf("get = %q, %v", data, err)
	}
	if ok, _, err := other.Exists("/nope"); err != nil || ok {
		t.Fatalf("exists /nope = %t, %v", ok, err)
	}
}

func opsDelete(t *testing.T, c, other *zk.Conn) {
	if err := c.Delete("/app", -1); !errors.Is(err, zk.ErrNotEmpty) {
		t.Fatalf("delete non-empty: %v", err)
	}
	if err := c.Delete("/app/item-0000000000", 0); err != nil {
		t.Fatal(err)
	}
	// Closing the session removes its ephemeral.
	_, _, gone, err := other.ExistsW("/app/eph")
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	waitEvent(t, gone, zk.EventNodeDeleted, "/app/eph")
}

// rawClient opens a client connection and completes the handshake by
// hand, so the test can then send bytes no client library would.
func rawClient(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	// ConnectRequest: protocolVersion, lastZxidSeen, timeout, sessionId, passwd.
	var req []byte
	req = binary.BigEndian.AppendUint32(req, 0)
	req = binary.BigEndian.AppendUint64(req, 0)
	req = binary.BigEndian.AppendUint32(req, 10000)
	req = binary.BigEndian.AppendUint64(req, 0)
	req = binary.BigEndian.AppendUint32(req, 16)
	req = append(req, make([]byte, 16)...)
	writeFrame(t, nc, req)
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	var l [4]byte
	if _, err := io.ReadFull(nc, l[:]); err != nil {
		t.Fatalf("no ConnectResponse: %v", err)
	}
	if _, err := io.CopyN(io.Discard, nc, int64(binary.BigEndian.Uint32(l[:]))); err != nil {
		t.Fatal(err)
	}
	return nc
}

func writeFrame(t *testing.T, nc net.Conn, payload []byte) {
	t.Helper()
	b := binary.BigEndian.AppendUint32(nil, uint32(len(payload)))
	if _, err := nc.Write(append(b, payload...)); err != nil {
		t.Fatal(err)
	}
}

// closedByServer waits for the server to close nc.
func closedByServer(t *testing.T, nc net.Conn, what string) {
	t.Helper()
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, err := io.Copy(io.Discard, nc)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatalf("%s: the server kept the connection open", what)
	}
}

func TestBadClientIsCutOffAlone(t *testing.T) {
	e, logs := startEnsembleLogs(t)
	addr := e.Servers()[0]
	good := connect(t, []string{addr})
	if _, err := good.Create("/x", nil, 0, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}

	cases := []struct {
		name, logged string
		send         func(net.Conn)
	}{
		{"oversized frame", "above jute.maxbuffer", func(nc net.Conn) { nc.Write([]byte{0x00, 0x10, 0x00, 0x00}) }},
		{"negative length", "is negative", func(nc net.Conn) { nc.Write([]byte{0xff, 0xff, 0xff, 0xf0}) }},
		{"malformed record", "MarshallingError", func(nc net.Conn) {
			// getData (4) whose path length runs past the frame.
			writeFrame(t, nc, []byte{0, 0, 0, 1, 0, 0, 0, 4, 0x7f, 0, 0, 0})
		}},
		{"unknown op", "Unimplemented", func(nc net.Conn) { writeFrame(t, nc, []byte{0, 0, 0, 1, 0, 0, 0x30, 0x39}) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			nc := rawClient(t, addr)
			tc.send(nc)
			closedByServer(t, nc, tc.name)
			if _, _, err := good.Get("/x"); err != nil {
				t.Fatalf("the well-behaved client suffered: %v", err)
			}
			if !strings.Contains(logs.String(), tc.logged) {
				t.Fatalf("no log line says %q", tc.logged)
			}
		})
	}
	t.Run("request before the handshake", func(t *testing.T) {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		writeFrame(t, nc, []byte{0, 0, 0, 1, 0, 0, 0, 4, 0, 0, 0, 2, '/', 'x', 0})
		closedByServer(t, nc, "request before the handshake")
		if _, _, err := good.Get("/x"); err != nil {
			t.Fatalf("the well-behaved client suffered: %v", err)
		}
		if !strings.Contains(logs.String(), "ConnectRequest") {
			t.Fatal("no log line says the first frame was no ConnectRequest")
		}
	})
}

// TestPipelinedRequests: many requests in flight on one connection are
// each answered, in order, with their own result (a reader once handed
// the loop a later frame in place of an earlier one).
func TestPipelinedRequests(t *testing.T) {
	e := startEnsemble(t)
	c := connect(t, e.Servers()[1:2])
	const n = 200
	errs := make(chan error, n)
	for i := range n {
		go func() {
			p := fmt.Sprintf("/p%03d", i)
			if _, err := c.Create(p, []byte(p), 0, openACL); err != nil {
				errs <- err
				return
			}
			data, _, err := c.Get(p)
			if err == nil && string(data) != p {
				err = fmt.Errorf("get %s gave %q", p, data)
			}
			errs <- err
		}()
	}
	deadline := time.After(30 * time.Second)
	for range n {
		select {
		case err := <-errs:
			if err != nil {
				t.Fatal(err)
			}
		case <-deadline:
			t.Fatal("pipelined requests unanswered after 30s")
		}
	}
}
