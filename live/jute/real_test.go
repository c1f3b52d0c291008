package jute

// Differential test against a real ZooKeeper (Debian's 3.8.0, standalone,
// started here): a raw connection sends every op with ClientCodec, and
// every frame the real server sends back must be byte for byte what our
// ServerCodec encodes from what our ClientCodec decoded of it. A mirror
// ServerCodec decodes the same request bytes, so it knows each reply's op
// as the live runtime's codec would. Skipped with -short or without java
// and the jar.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

const (
	zkJar   = "/usr/share/java/zookeeper.jar"
	slf4jar = "/usr/share/java/slf4j-simple.jar"
)

// startRealZK starts a standalone ZooKeeperServerMain and returns its
// client address.
func startRealZK(t *testing.T) string {
	if testing.Short() {
		t.Skip("starts a JVM")
	}
	java, err := exec.LookPath("java")
	if err != nil {
		t.Skip("no java")
	}
	if _, err := os.Stat(zkJar); err != nil {
		t.Skip("no ZooKeeper jar")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	addr := ln.Addr().String()
	ln.Close()
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	dir := t.TempDir()
	cmd := exec.Command(java, "-cp", zkJar+":"+slf4jar,
		"-Dzookeeper.admin.enableServer=false", "-Dzookeeper.extendedTypesEnabled=true",
		"org.apache.zookeeper.server.ZooKeeperServerMain", port, dir)
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	require.NoError(t, cmd.Start())
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if t.Failed() {
			t.Logf("ZooKeeper's log:\n%s", log.String())
		}
	})
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if handshake(addr) == nil {
			return addr
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("ZooKeeper did not start on %s", addr)
	return ""
}

// handshake opens and drops a session: the server answers ruok before it
// serves, so only a ConnectResponse says it is up.
func handshake(addr string) error {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return err
	}
	defer c.Close()
	frame, _ := (&ClientCodec{}).Encode(nil, &zab.ConnectRequest{Timeout: 10000, Passwd: make([]byte, 16)})
	if _, err := c.Write(frame); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, err = ReadFrame(c, DefaultMaxBuffer)
	return err
}

// realConn is a raw connection with our codecs at both ends of it.
type realConn struct {
	t      *testing.T
	conn   net.Conn
	client *ClientCodec
	mirror *ServerCodec // decodes what we send, encodes what we receive
	xid    int32
	events []*zab.WatcherEvent
	// eventZxids are the notifications' header zxids.
	eventZxids []zab.Zxid
}

func dialReal(t *testing.T, addr string) *realConn {
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	t.Cleanup(func() { conn.Close() })
	rc := &realConn{t: t, conn: conn, client: &ClientCodec{}, mirror: NewServerCodec()}
	rc.send(&zab.ConnectRequest{Timeout: 10000, Passwd: make([]byte, 16)})
	m := rc.receive()
	resp := m.(*zab.ConnectResponse)
	require.NotZero(t, resp.SessionID)
	return rc
}

func (rc *realConn) send(m zab.Message) {
	frame, err := rc.client.Encode(nil, m)
	require.NoError(rc.t, err)
	_, err = rc.mirror.Decode(frame[4:])
	require.NoError(rc.t, err)
	_, err = rc.conn.Write(frame)
	require.NoError(rc.t, err)
}

// receive reads one frame, decodes it with the client codec and checks
// that the mirror server codec encodes the result to the same bytes.
func (rc *realConn) receive() zab.Message {
	t := rc.t
	rc.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	frame, err := ReadFrame(rc.conn, DefaultMaxBuffer)
	require.NoError(t, err)
	m, err := rc.client.Decode(frame)
	require.NoError(t, err, "frame %x", frame)
	var again []byte
	switch m := m.(type) {
	case *zab.ConnectResponse:
		again = rc.mirror.EncodeConnectResponse(nil, m)
	case *zab.Reply:
		again, err = rc.mirror.EncodeReply(nil, m)
		require.NoError(t, err)
		if ev, ok := m.Record.(*zab.WatcherEvent); ok {
			rc.events = append(rc.events, ev)
			rc.eventZxids = append(rc.eventZxids, m.Zxid)
		}
	}
	assert.Equal(t, hex.EncodeToString(frame), hex.EncodeToString(again[4:]), "real %v", describe(m))
	return m
}

func describe(m zab.Message) string {
	if r, ok := m.(*zab.Reply); ok {
		return fmt.Sprintf("%v %#v", r, r.Record)
	}
	return fmt.Sprintf("%#v", m)
}

// call sends a request and reads frames until its reply.
func (rc *realConn) call(xid int32, op tree.OpCode, rec any) *zab.Reply {
	if xid == 0 {
		rc.xid++
		xid = rc.xid
	}
	rc.send(&zab.Request{Xid: xid, Type: op, Record: rec})
	for range 10 {
		r := rc.receive().(*zab.Reply)
		if r.Xid == xid {
			return r
		}
	}
	rc.t.Fatalf("no reply to %v xid %d", op, xid)
	return nil
}

func TestRealZooKeeper(t *testing.T) {
	addr := startRealZK(t)
	rc := dialReal(t, addr)
	open := tree.OpenACLUnsafe
	ok := func(op tree.OpCode, rec any) *zab.Reply {
		t.Helper()
		r := rc.call(0, op, rec)
		assert.Equal(t, tree.OK, r.Err, "%v", op)
		return r
	}
	fails := func(code tree.Code, op tree.OpCode, rec any) {
		t.Helper()
		r := rc.call(0, op, rec)
		assert.Equal(t, code, r.Err, "%v", op)
		assert.Nil(t, r.Record)
	}

	ok(tree.OpCreate, &tree.CreateRequest{Path: "/j", Data: []byte("root"), ACL: open})
	fails(tree.NodeExists, tree.OpCreate, &tree.CreateRequest{Path: "/j", ACL: open})
	r := ok(tree.OpCreate2, &tree.CreateRequest{Path: "/j/seq-", Data: []byte{}, ACL: open, Flags: tree.PersistentSequential})
	assert.Equal(t, "/j/seq-0000000000", r.Record.(*zab.Create2Response).Path)
	ok(tree.OpCreateContainer, &tree.CreateRequest{Path: "/j/box", ACL: open, Flags: tree.Container})
	ok(tree.OpCreateTTL, &tree.CreateRequest{Path: "/j/ttl", ACL: open, Flags: tree.PersistentWithTTL, TTL: 60000})
	ok(tree.OpCreate, &tree.CreateRequest{Path: "/j/eph", ACL: open, Flags: tree.Ephemeral})

	fails(tree.NoNode, tree.OpExists, &tree.PathWatchRequest{Path: "/j/w", Watch: true})
	ok(tree.OpExists, &tree.PathWatchRequest{Path: "/j"})
	r = ok(tree.OpGetData, &tree.PathWatchRequest{Path: "/j", Watch: true})
	assert.Equal(t, []byte("root"), r.Record.(*zab.GetDataResponse).Data)
	r = ok(tree.OpGetData, &tree.PathWatchRequest{Path: "/j/box"})
	assert.Nil(t, r.Record.(*zab.GetDataResponse).Data, "a node created with null data")
	r = ok(tree.OpGetData, &tree.PathWatchRequest{Path: "/j/seq-0000000000"})
	assert.Equal(t, []byte{}, r.Record.(*zab.GetDataResponse).Data, "a node created with empty data")
	fails(tree.NoNode, tree.OpGetData, &tree.PathWatchRequest{Path: "/nope"})
	ok(tree.OpSetData, &tree.SetDataRequest{Path: "/j", Data: []byte("v2"), Version: -1}) // fires the data watch
	fails(tree.BadVersion, tree.OpSetData, &tree.SetDataRequest{Path: "/j", Version: 99})
	ok(tree.OpGetACL, &tree.PathRequest{Path: "/j"})
	ok(tree.OpSetACL, &tree.SetACLRequest{Path: "/j/ttl", ACL: open, Version: -1})
	ok(tree.OpGetChildren, &tree.PathWatchRequest{Path: "/j", Watch: true})
	r = ok(tree.OpGetChildren2, &tree.PathWatchRequest{Path: "/j"})
	assert.Len(t, r.Record.(*zab.GetChildren2Response).Children, 4)
	ok(tree.OpGetChildren, &tree.PathWatchRequest{Path: "/j/eph"}) // no children: an empty list, not null
	ok(tree.OpSync, &tree.PathRequest{Path: "/j"})
	ok(tree.OpGetEphemerals, &tree.PathRequest{Path: "/"})
	ok(tree.OpGetAllChildrenNumber, &tree.PathRequest{Path: "/j"})
	r = ok(tree.OpWhoAmI, nil)
	assert.Equal(t, []zab.ClientInfo{{AuthScheme: "ip", User: "127.0.0.1"}}, r.Record.(*zab.WhoAmIResponse).ClientInfo)
	ok(tree.OpAddWatch, &tree.AddWatchRequest{Path: "/j/box", Mode: tree.AddWatchPersistentRecursive})
	ok(tree.OpCheckWatches, &tree.RemoveWatchesRequest{Path: "/j/box", Type: tree.WatcherAny})
	ok(tree.OpRemoveWatches, &tree.RemoveWatchesRequest{Path: "/j/box", Type: tree.WatcherAny}) // fires PersistentWatchRemoved
	fails(tree.NoWatcher, tree.OpRemoveWatches, &tree.RemoveWatchesRequest{Path: "/j/box", Type: tree.WatcherData})

	r = ok(tree.OpMulti, &tree.MultiRequest{Ops: []tree.Op{
		{Type: tree.OpCreate, Request: &tree.CreateRequest{Path: "/j/m1", ACL: open}},
		{Type: tree.OpCreate2, Request: &tree.CreateRequest{Path: "/j/m2", ACL: open}},
		{Type: tree.OpCreateTTL, Request: &tree.CreateRequest{Path: "/j/m3", ACL: open, Flags: tree.PersistentWithTTL, TTL: 5000}},
		{Type: tree.OpSetData, Request: &tree.SetDataRequest{Path: "/j/m1", Data: []byte("x"), Version: 0}},
		{Type: tree.OpCheck, Request: &tree.CheckVersionRequest{Path: "/j/m1", Version: 1}},
		{Type: tree.OpDelete, Request: &tree.DeleteRequest{Path: "/j/m2", Version: -1}},
	}})
	assert.Len(t, r.Record.(*zab.MultiResponse).Results, 6)
	r = rc.call(0, tree.OpMulti, &tree.MultiRequest{Ops: []tree.Op{
		{Type: tree.OpCreate, Request: &tree.CreateRequest{Path: "/j/m4", ACL: open}},
		{Type: tree.OpCreate, Request: &tree.CreateRequest{Path: "/j/m1", ACL: open}},
		{Type: tree.OpDelete, Request: &tree.DeleteRequest{Path: "/j/m1", Version: -1}},
	}})
	assert.Equal(t, &zab.MultiResponse{Results: []tree.OpResult{{Type: tree.OpError, Err: tree.OK},
		{Type: tree.OpError, Err: tree.NodeExists}, {Type: tree.OpError, Err: tree.RuntimeInconsistency}}}, r.Record)
	assert.Equal(t, tree.OK, r.Err, "a failed multi's header says OK; its results say why")
	ok(tree.OpMultiRead, &tree.MultiRequest{Ops: []tree.Op{
		{Type: tree.OpGetData, Request: &tree.PathWatchRequest{Path: "/j/m1"}},
		{Type: tree.OpGetChildren, Request: &tree.PathWatchRequest{Path: "/j"}},
		{Type: tree.OpGetData, Request: &tree.PathWatchRequest{Path: "/nope"}},
	}})

	// NB: FinalRequestProcessor answers a ping with PING_XID whatever
	// xid it came with (zab echoes the xid; clients always send -2).
	rc.call(zab.XidPing, tree.OpPing, nil)
	// A stand-alone check: 3.8.0 takes it (branch-3.8's Request.isValid
	// does not); a failing one is a bare header, a passing one gets no
	// reply at all (SetDataResponse(null stat) fails to serialize).
	fails(tree.BadVersion, tree.OpCheck, &tree.CheckVersionRequest{Path: "/j", Version: 42})
	rc.call(zab.XidSetWatches, tree.OpSetWatches, &tree.SetWatchesRequest{RelativeZxid: 1,
		DataWatches: []string{"/j/m1"}, ExistWatches: []string{"/j/w"}, ChildWatches: []string{}})
	rc.call(zab.XidSetWatches, tree.OpSetWatches2, &tree.SetWatchesRequest{RelativeZxid: 1,
		DataWatches: []string{}, ExistWatches: []string{}, ChildWatches: []string{},
		PersistentWatches: []string{"/j/m3"}, PersistentRecursiveWatches: []string{"/j"}})
	r = rc.call(zab.XidAuth, tree.OpAuth, &tree.AuthRequest{Scheme: "digest", Auth: []byte("u:p")})
	assert.Equal(t, &zab.Reply{Xid: zab.XidAuth}, r)

	ok(tree.OpCreate, &tree.CreateRequest{Path: "/j/w", ACL: open}) // the exists watch fires
	ok(tree.OpDelete, &tree.DeleteRequest{Path: "/j/w", Version: -1})
	fails(tree.NotEmpty, tree.OpDelete, &tree.DeleteRequest{Path: "/j", Version: -1})
	ok(tree.OpCloseSession, nil)

	// Watch events seen: the data watch on /j, the child watch on /j (m1..,
	// w), the removed persistent watch, the exists watch on /j/w...
	require.NotEmpty(t, rc.events)
	assert.Equal(t, []zab.Zxid{zab.NoZxid}, slices.Compact(rc.eventZxids),
		"3.8 sends every notification with zxid -1 (3.9 sends the txn's: ZOOKEEPER-4655)")
	types := map[tree.EventType]bool{}
	for _, ev := range rc.events {
		types[ev.Type] = true
	}
	assert.True(t, types[tree.EventNodeDataChanged], "%v", rc.events)
	assert.True(t, types[tree.EventNodeCreated], "%v", rc.events)
}

// TestRealZooKeeperOldClient: a ConnectRequest without the readOnly byte
// gets a ConnectResponse without one (and our encoder agrees: receive
// checks the bytes).
func TestRealZooKeeperOldClient(t *testing.T) {
	addr := startRealZK(t)
	conn, err := net.Dial("tcp", addr)
	require.NoError(t, err)
	defer conn.Close()
	rc := &realConn{t: t, conn: conn, client: &ClientCodec{OldClient: true}, mirror: NewServerCodec()}
	rc.send(&zab.ConnectRequest{Timeout: 10000, Passwd: make([]byte, 16)})
	rc.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	frame, err := ReadFrame(conn, DefaultMaxBuffer)
	require.NoError(t, err)
	assert.Len(t, frame, 4+4+8+4+16, "no readOnly byte")
	m, err := rc.client.Decode(frame)
	require.NoError(t, err)
	assert.Equal(t, frame, rc.mirror.EncodeConnectResponse(nil, m.(*zab.ConnectResponse))[4:])
}

// TestRealZooKeeperRefusals: an op 3.8 does not know is answered
// UNIMPLEMENTED and the connection closed (UnimplementedRequestProcessor),
// which is what ServerCodec's RequestError carries.
func TestRealZooKeeperRefusals(t *testing.T) {
	addr := startRealZK(t)
	rc := dialReal(t, addr)
	frame := hexFrame(t, "00000001 000003e7 00000002 2f6a ffffffff")
	_, err := NewServerCodec().decodeRequest(frame)
	var re *RequestError
	require.ErrorAs(t, err, &re)
	_, err = rc.conn.Write(append(hexFrame(t, fmt.Sprintf("%08x", len(frame))), frame...))
	require.NoError(t, err)
	rc.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	reply, err := ReadFrame(rc.conn, DefaultMaxBuffer)
	require.NoError(t, err)
	assert.Equal(t, "00000001", hex.EncodeToString(reply[:4]))
	assert.Equal(t, int32(re.Code), int32(binary.BigEndian.Uint32(reply[12:16])), "UNIMPLEMENTED")
	_, err = ReadFrame(rc.conn, DefaultMaxBuffer)
	assert.Error(t, err, "closed")
}
