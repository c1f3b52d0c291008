package jute

// A real go-zookeeper client (v1.0.4, the version in go.mod) against a tiny
// TCP server whose every byte goes through this package: the server
// decodes what the client sends with ServerCodec and answers with its
// encoder. The server's "tree" is a map, just enough for the ops used; what
// is under test is that the client's own encoder and decoder agree with
// ours, op by op, including the handshake, a failed multi, an exists with a
// watch on a missing node and the notification that follows.
//
// The server runs one goroutine per connection: a test harness, outside
// the simulated world.

import (
	"errors"
	"io"
	"net"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

type fakeZK struct {
	t  *testing.T
	ln net.Listener

	mu          sync.Mutex
	zxid        zab.Zxid
	nodes       map[string][]byte
	watches     map[string]bool // exist/data watches of the (only) connection
	connects    []*zab.ConnectRequest
	hasReadOnly []bool
	requests    []*zab.Request
	errs        []error
	done        chan struct{}
}

func startFakeZK(t *testing.T) *fakeZK {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	f := &fakeZK{t: t, ln: ln, nodes: map[string][]byte{"/": nil}, watches: map[string]bool{}, done: make(chan struct{})}
	go f.accept()
	t.Cleanup(func() {
		ln.Close()
		<-f.done
	})
	return f
}

func (f *fakeZK) accept() {
	defer close(f.done)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := f.ln.Accept()
		if err != nil {
			return
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			if err := f.serve(c); err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) {
				f.mu.Lock()
				f.errs = append(f.errs, err)
				f.mu.Unlock()
			}
		}()
	}
}

func (f *fakeZK) serve(c net.Conn) error {
	codec := NewServerCodec()
	frame, word, err := ReadFirstFrame(c, DefaultMaxBuffer)
	if err != nil || word != "" {
		return err
	}
	m, err := codec.Decode(frame)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.connects = append(f.connects, m.(*zab.ConnectRequest))
	f.hasReadOnly = append(f.hasReadOnly, codec.hasReadOnly)
	f.mu.Unlock()
	out := codec.EncodeConnectResponse(nil, &zab.ConnectResponse{Timeout: 4000, SessionID: 0x1234, Passwd: make([]byte, 16)})
	if _, err := c.Write(out); err != nil {
		return err
	}
	for {
		frame, err := ReadFrame(c, DefaultMaxBuffer)
		if err != nil {
			return err
		}
		m, err := codec.Decode(frame)
		if err != nil {
			return err
		}
		req := m.(*zab.Request)
		f.mu.Lock()
		f.requests = append(f.requests, req)
		replies := f.handle(req)
		f.mu.Unlock()
		var out []byte
		for _, r := range replies {
			if out, err = codec.EncodeReply(out, r); err != nil {
				return err
			}
		}
		if _, err := c.Write(out); err != nil {
			return err
		}
		if req.Type == tree.OpCloseSession {
			return nil
		}
	}
}

// handle answers req: any watch notifications first (DataTree fires them
// before FinalRequestProcessor replies), then the reply.
func (f *fakeZK) handle(req *zab.Request) []*zab.Reply {
	r := &zab.Reply{Xid: req.Xid, Zxid: f.zxid}
	var events []*zab.Reply
	switch rec := req.Record.(type) {
	case nil: // ping, closeSession
	case *tree.AuthRequest:
		r.Zxid = 0
	case *tree.CreateRequest:
		r.Err, events = f.create(rec.Path, rec.Data)
		if r.Err == tree.OK {
			r.Zxid = f.zxid
			r.Record = &zab.CreateResponse{Path: rec.Path}
		}
	case *tree.SetDataRequest:
		r.Err, events = f.setData(rec.Path, rec.Data)
		if r.Err == tree.OK {
			r.Zxid = f.zxid
			r.Record = &zab.StatResponse{Stat: f.stat(rec.Path)}
		}
	case *tree.PathWatchRequest:
		r.Err, r.Record = f.read(req.Type, rec)
	case *tree.PathRequest: // sync
		r.Record = &zab.SyncResponse{Path: rec.Path}
	case *tree.MultiRequest:
		r.Record, events = f.multi(rec)
		r.Zxid = f.zxid
	default:
		r.Err = tree.Unimplemented
	}
	return append(events, r)
}

func (f *fakeZK) stat(path string) tree.Stat {
	n := 0
	for p := range f.nodes {
		if p != "/" && tree.ParentPath(p) == path {
			n++
		}
	}
	return tree.Stat{Czxid: 1, Mzxid: int64(f.zxid), DataLength: int32(len(f.nodes[path])), NumChildren: int32(n)}
}

func (f *fakeZK) create(path string, data []byte) (tree.Code, []*zab.Reply) {
	if _, ok := f.nodes[path]; ok {
		return tree.NodeExists, nil
	}
	if _, ok := f.nodes[tree.ParentPath(path)]; !ok {
		return tree.NoNode, nil
	}
	f.zxid++
	f.nodes[path] = data
	return tree.OK, f.fire(path, tree.EventNodeCreated)
}

func (f *fakeZK) setData(path string, data []byte) (tree.Code, []*zab.Reply) {
	if _, ok := f.nodes[path]; !ok {
		return tree.NoNode, nil
	}
	f.zxid++
	f.nodes[path] = data
	return tree.OK, f.fire(path, tree.EventNodeDataChanged)
}

func (f *fakeZK) fire(path string, typ tree.EventType) []*zab.Reply {
	if !f.watches[path] {
		return nil
	}
	delete(f.watches, path)
	return []*zab.Reply{{Xid: zab.XidNotification, Zxid: f.zxid,
		Record: &zab.WatcherEvent{Type: typ, State: tree.StateSyncConnected, Path: path}}}
}

func (f *fakeZK) read(op tree.OpCode, rec *tree.PathWatchRequest) (tree.Code, any) {
	data, ok := f.nodes[rec.Path]
	if rec.Watch && op == tree.OpExists {
		f.watches[rec.Path] = true
	}
	if !ok {
		return tree.NoNode, nil
	}
	switch op {
	case tree.OpExists:
		return tree.OK, &zab.StatResponse{Stat: f.stat(rec.Path)}
	case tree.OpGetData:
		return tree.OK, &zab.GetDataResponse{Data: data, Stat: f.stat(rec.Path)}
	case tree.OpGetChildren, tree.OpGetChildren2:
		kids := []string{}
		for p := range f.nodes {
			if p != "/" && tree.ParentPath(p) == rec.Path {
				kids = append(kids, p[strings.LastIndexByte(p, '/')+1:])
			}
		}
		sort.Strings(kids)
		if op == tree.OpGetChildren {
			return tree.OK, &zab.GetChildrenResponse{Children: kids}
		}
		return tree.OK, &zab.GetChildren2Response{Children: kids, Stat: f.stat(rec.Path)}
	}
	return tree.Unimplemented, nil
}

// multi applies creates and setData all or nothing, with MultiResponse's
// results: on failure OK before the failing op, its code, then
// RuntimeInconsistency.
func (f *fakeZK) multi(m *tree.MultiRequest) (*zab.MultiResponse, []*zab.Reply) {
	saved, zxid := maps(f.nodes), f.zxid
	var results []tree.OpResult
	var events []*zab.Reply
	failed := -1
	for i, op := range m.Ops {
		code := tree.Unimplemented
		var evs []*zab.Reply
		res := tree.OpResult{Type: op.Type}
		switch rec := op.Request.(type) {
		case *tree.CreateRequest:
			code, evs = f.create(rec.Path, rec.Data)
			res.Path = rec.Path
		case *tree.SetDataRequest:
			code, evs = f.setData(rec.Path, rec.Data)
			st := f.stat(rec.Path)
			res.Stat = &st
		}
		if code != tree.OK {
			failed = i
			break
		}
		events = append(events, evs...)
		results = append(results, res)
	}
	if failed < 0 {
		return &zab.MultiResponse{Results: results}, events
	}
	f.nodes, f.zxid = saved, zxid+1
	results = results[:0]
	for i := range m.Ops {
		code := tree.OK
		switch {
		case i == failed:
			code = tree.NodeExists
		case i > failed:
			code = tree.RuntimeInconsistency
		}
		results = append(results, tree.OpResult{Type: tree.OpError, Err: code})
	}
	return &zab.MultiResponse{Results: results}, nil
}

func maps(m map[string][]byte) map[string][]byte {
	out := make(map[string][]byte, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

type discard struct{}

func (discard) Printf(string, ...any) {}

func TestGoZookeeperClient(t *testing.T) {
	f := startFakeZK(t)
	conn, events, err := zk.Connect([]string{f.ln.Addr().String()}, 4*time.Second, zk.WithLogger(discard{}))
	require.NoError(t, err)
	defer conn.Close()
	waitSession(t, events)
	assert.EqualValues(t, 0x1234, conn.SessionID())

	acl := zk.WorldACL(zk.PermAll)
	p, err := conn.Create("/a", []byte("hello"), 0, acl)
	require.NoError(t, err)
	assert.Equal(t, "/a", p)
	_, err = conn.Create("/a", nil, 0, acl)
	assert.ErrorIs(t, err, zk.ErrNodeExists)

	data, st, err := conn.Get("/a")
	require.NoError(t, err)
	assert.Equal(t, []byte("hello"), data)
	assert.EqualValues(t, 5, st.DataLength)

	results, err := conn.Multi(
		&zk.CreateRequest{Path: "/a/b", Data: []byte{}, Acl: acl},
		&zk.SetDataRequest{Path: "/a", Data: []byte("x"), Version: -1},
	)
	require.NoError(t, err)
	require.Len(t, results, 2)
	assert.Equal(t, "/a/b", results[0].String)
	assert.EqualValues(t, 1, results[1].Stat.DataLength)

	results, err = conn.Multi(
		&zk.CreateRequest{Path: "/a/c", Acl: acl},
		&zk.CreateRequest{Path: "/a/b", Acl: acl},
		&zk.SetDataRequest{Path: "/a", Version: -1},
	)
	assert.ErrorIs(t, err, zk.ErrNodeExists)
	require.Len(t, results, 3)
	assert.NoError(t, results[0].Error)
	assert.ErrorIs(t, results[1].Error, zk.ErrNodeExists)
	assert.ErrorContains(t, results[2].Error, "-2", "RUNTIMEINCONSISTENCY, which go-zookeeper has no name for")

	kids, st, err := conn.Children("/a")
	require.NoError(t, err)
	assert.Equal(t, []string{"b"}, kids)
	assert.EqualValues(t, 1, st.NumChildren)

	ok, _, watch, err := conn.ExistsW("/w")
	require.NoError(t, err)
	assert.False(t, ok)
	_, err = conn.Create("/w", nil, 0, acl)
	require.NoError(t, err)
	select {
	case ev := <-watch:
		assert.Equal(t, zk.EventNodeCreated, ev.Type)
		assert.Equal(t, "/w", ev.Path)
	case <-time.After(5 * time.Second):
		t.Fatal("no NodeCreated event")
	}

	require.NoError(t, conn.AddAuth("digest", []byte("u:p")))
	_, err = conn.Sync("/a")
	require.NoError(t, err)
	conn.Close()

	f.ln.Close()
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Empty(t, f.errs)
	require.Len(t, f.connects, 1)
	assert.Equal(t, &zab.ConnectRequest{Timeout: 4000, Passwd: make([]byte, 16)}, f.connects[0])
	assert.False(t, f.hasReadOnly[0], "go-zookeeper sends no readOnly byte")

	// What the client sent, as zab's server sees it.
	ops := make([]tree.OpCode, 0, len(f.requests))
	for _, r := range f.requests {
		if r.Type != tree.OpPing {
			ops = append(ops, r.Type)
		}
	}
	assert.Equal(t, []tree.OpCode{tree.OpCreate, tree.OpCreate, tree.OpGetData, tree.OpMulti, tree.OpMulti,
		tree.OpGetChildren2, tree.OpExists, tree.OpCreate, tree.OpAuth, tree.OpSync, tree.OpCloseSession}, ops)
	wantOpen := []tree.ACL{{Perms: tree.PermAll, ID: tree.AnyoneID}}
	assert.Equal(t, &tree.CreateRequest{Path: "/a", Data: []byte("hello"), ACL: wantOpen}, f.requests[0].Record)
	assert.Equal(t, &tree.CreateRequest{Path: "/a", ACL: wantOpen}, f.requests[1].Record, "nil data goes out as -1")
	i := slices.IndexFunc(f.requests, func(r *zab.Request) bool { return r.Type == tree.OpMulti })
	assert.Equal(t, &tree.MultiRequest{Ops: []tree.Op{
		{Type: tree.OpCreate, Request: &tree.CreateRequest{Path: "/a/b", Data: []byte{}, ACL: wantOpen}},
		{Type: tree.OpSetData, Request: &tree.SetDataRequest{Path: "/a", Data: []byte("x"), Version: -1}},
	}}, f.requests[i].Record)
	i = slices.IndexFunc(f.requests, func(r *zab.Request) bool { return r.Type == tree.OpExists })
	assert.Equal(t, &tree.PathWatchRequest{Path: "/w", Watch: true}, f.requests[i].Record)
	i = slices.IndexFunc(f.requests, func(r *zab.Request) bool { return r.Type == tree.OpAuth })
	assert.Equal(t, &tree.AuthRequest{Scheme: "digest", Auth: []byte("u:p")}, f.requests[i].Record)
}

func waitSession(t *testing.T, events <-chan zk.Event) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		select {
		case ev := <-events:
			if ev.State == zk.StateHasSession {
				return
			}
		case <-deadline:
			t.Fatal("no session")
		}
	}
}
