package client

import (
	"bytes"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// The operations, ZooKeeper's asynchronous API. Each is sent at once if
// connected and queued otherwise; its callback runs exactly once, with the
// result or the error, from the event-thread phase of the Step (or call)
// that completed it: after the client's state is settled, in the order
// ClientCnxn's EventThread would run it. An op that fails at once (a dead
// client, a bad path) hears so before the call returns; a callback that
// calls the client is not re-entered. Every call is recorded in the
// History. A nil callback is allowed.
//
// Paths are checked as PathUtils.validatePath does before anything is sent;
// where Java throws IllegalArgumentException, the callback hears
// BadArguments (recorded as never sent). Multi ops go unchecked to the
// server.

// newCall records an op at its call and makes its call.
func (c *Client) newCall(op Op, rec any, hook, cb func(r *zab.Reply)) *call {
	op.Client = c.cfg.ID
	op.Session = c.session
	return &call{op: op.Type, record: rec, hook: hook, cb: cb, issued: c.env.Now(), hist: c.hist.begin(op)}
}

// issue makes a call and submits it, unless path is invalid.
func (c *Client) issue(op Op, rec any, hook, cb func(r *zab.Reply)) {
	cl := c.newCall(op, rec, hook, cb)
	if err := tree.ValidatePath(op.Path, op.Mode.IsSequential()); err != nil && hasPath(op.Type) {
		c.finish(cl, &zab.Reply{Err: tree.BadArguments}, false)
	} else {
		c.submit(cl)
	}
	c.settle()
}

func hasPath(t tree.OpCode) bool {
	return t != tree.OpMulti && t != tree.OpMultiRead && t != tree.OpCloseSession
}

func (c *Client) create(typ tree.OpCode, path string, data []byte, acl []tree.ACL, mode tree.CreateMode, ttl int64, cb func(path string, st tree.Stat, err tree.Code)) {
	data = bytes.Clone(data)
	req := &tree.CreateRequest{Path: path, Data: data, ACL: acl, Flags: mode, TTL: ttl}
	c.issue(Op{Type: typ, Path: path, Data: data, Mode: mode, ACL: acl}, req, nil, func(r *zab.Reply) {
		if cb == nil {
			return
		}
		switch rec := r.Record.(type) {
		case *zab.CreateResponse:
			cb(rec.Path, tree.Stat{}, r.Err)
		case *zab.Create2Response:
			cb(rec.Path, rec.Stat, r.Err)
		default:
			cb("", tree.Stat{}, r.Err)
		}
	})
}

// Create is create: the callback hears the created path (the sequential
// name for sequential modes).
func (c *Client) Create(path string, data []byte, acl []tree.ACL, mode tree.CreateMode, cb func(path string, err tree.Code)) {
	c.create(tree.OpCreate, path, data, acl, mode, 0, func(p string, _ tree.Stat, err tree.Code) {
		if cb != nil {
			cb(p, err)
		}
	})
}

// Create2 is create2: the created path and the new node's Stat.
func (c *Client) Create2(path string, data []byte, acl []tree.ACL, mode tree.CreateMode, cb func(path string, st tree.Stat, err tree.Code)) {
	c.create(tree.OpCreate2, path, data, acl, mode, 0, cb)
}

// CreateContainer is createContainer.
func (c *Client) CreateContainer(path string, data []byte, acl []tree.ACL, cb func(path string, st tree.Stat, err tree.Code)) {
	c.create(tree.OpCreateContainer, path, data, acl, tree.Container, 0, cb)
}

// CreateTTL is createTTL; mode is PersistentWithTTL or
// PersistentSequentialWithTTL, ttl in ms.
func (c *Client) CreateTTL(path string, data []byte, acl []tree.ACL, mode tree.CreateMode, ttl int64, cb func(path string, st tree.Stat, err tree.Code)) {
	c.create(tree.OpCreateTTL, path, data, acl, mode, ttl, cb)
}

// Delete is delete; version -1 matches any.
func (c *Client) Delete(path string, version int32, cb func(err tree.Code)) {
	c.issue(Op{Type: tree.OpDelete, Path: path, Version: version}, &tree.DeleteRequest{Path: path, Version: version}, nil, func(r *zab.Reply) {
		if cb != nil {
			cb(r.Err)
		}
	})
}

// Exists is exists. A non-nil watch is left if the node exists (a data
// watch) and also if it does not (an exist watch), as
// ExistsWatchRegistration does.
func (c *Client) Exists(path string, watch Watcher, cb func(st tree.Stat, err tree.Code)) {
	hook := func(r *zab.Reply) {
		switch {
		case watch == nil:
		case r.Err == tree.OK:
			c.watches.add(c.watches.data, path, watch)
		case r.Err == tree.NoNode:
			c.watches.add(c.watches.exist, path, watch)
		}
	}
	c.issue(Op{Type: tree.OpExists, Path: path, Watch: watch != nil}, &tree.PathWatchRequest{Path: path, Watch: watch != nil}, hook, func(r *zab.Reply) {
		if cb == nil {
			return
		}
		if rec, ok := r.Record.(*zab.StatResponse); ok {
			cb(rec.Stat, r.Err)
			return
		}
		cb(tree.Stat{}, r.Err)
	})
}

// GetData is getData; a watch is left only if the node exists.
func (c *Client) GetData(path string, watch Watcher, cb func(data []byte, st tree.Stat, err tree.Code)) {
	hook := func(r *zab.Reply) {
		if watch != nil && r.Err == tree.OK {
			c.watches.add(c.watches.data, path, watch)
		}
	}
	c.issue(Op{Type: tree.OpGetData, Path: path, Watch: watch != nil}, &tree.PathWatchRequest{Path: path, Watch: watch != nil}, hook, func(r *zab.Reply) {
		if cb == nil {
			return
		}
		if rec, ok := r.Record.(*zab.GetDataResponse); ok {
			cb(rec.Data, rec.Stat, r.Err)
			return
		}
		cb(nil, tree.Stat{}, r.Err)
	})
}

// SetData is setData; version -1 matches any.
func (c *Client) SetData(path string, data []byte, version int32, cb func(st tree.Stat, err tree.Code)) {
	data = bytes.Clone(data)
	c.issue(Op{Type: tree.OpSetData, Path: path, Data: data, Version: version}, &tree.SetDataRequest{Path: path, Data: data, Version: version}, nil, statCallback(cb))
}

func statCallback(cb func(st tree.Stat, err tree.Code)) func(r *zab.Reply) {
	return func(r *zab.Reply) {
		if cb == nil {
			return
		}
		if rec, ok := r.Record.(*zab.StatResponse); ok {
			cb(rec.Stat, r.Err)
			return
		}
		cb(tree.Stat{}, r.Err)
	}
}

// GetChildren is getChildren2: the children and the node's Stat; a watch
// is left only if the node exists.
func (c *Client) GetChildren(path string, watch Watcher, cb func(children []string, st tree.Stat, err tree.Code)) {
	hook := func(r *zab.Reply) {
		if watch != nil && r.Err == tree.OK {
			c.watches.add(c.watches.child, path, watch)
		}
	}
	c.issue(Op{Type: tree.OpGetChildren2, Path: path, Watch: watch != nil}, &tree.PathWatchRequest{Path: path, Watch: watch != nil}, hook, func(r *zab.Reply) {
		if cb == nil {
			return
		}
		if rec, ok := r.Record.(*zab.GetChildren2Response); ok {
			cb(rec.Children, rec.Stat, r.Err)
			return
		}
		cb(nil, tree.Stat{}, r.Err)
	})
}

// GetACL is getACL.
func (c *Client) GetACL(path string, cb func(acl []tree.ACL, st tree.Stat, err tree.Code)) {
	c.issue(Op{Type: tree.OpGetACL, Path: path}, &tree.PathRequest{Path: path}, nil, func(r *zab.Reply) {
		if cb == nil {
			return
		}
		if rec, ok := r.Record.(*zab.GetACLResponse); ok {
			cb(rec.ACL, rec.Stat, r.Err)
			return
		}
		cb(nil, tree.Stat{}, r.Err)
	})
}

// SetACL is setACL; version is the expected aversion (-1 any).
func (c *Client) SetACL(path string, acl []tree.ACL, version int32, cb func(st tree.Stat, err tree.Code)) {
	c.issue(Op{Type: tree.OpSetACL, Path: path, ACL: acl, Version: version}, &tree.SetACLRequest{Path: path, ACL: acl, Version: version}, nil, statCallback(cb))
}

// Multi is multi: all of ops or none. err is the first failed op's code,
// as ZooKeeper.multi throws it and MultiCallback hears it; results has one
// entry per op when the server answered.
func (c *Client) Multi(ops []tree.Op, cb func(results []tree.OpResult, err tree.Code)) {
	c.multi(tree.OpMulti, ops, cb)
}

// MultiRead is multiRead: getData and getChildren ops, each answered on
// its own; err is the first failed op's code.
func (c *Client) MultiRead(ops []tree.Op, cb func(results []tree.OpResult, err tree.Code)) {
	c.multi(tree.OpMultiRead, ops, cb)
}

func (c *Client) multi(typ tree.OpCode, ops []tree.Op, cb func(results []tree.OpResult, err tree.Code)) {
	ops = append([]tree.Op(nil), ops...)
	c.issue(Op{Type: typ, Ops: ops}, &tree.MultiRequest{Ops: ops}, nil, func(r *zab.Reply) {
		if cb == nil {
			return
		}
		if rec, ok := r.Record.(*zab.MultiResponse); ok {
			cb(rec.Results, multiErr(rec.Results, r.Err))
			return
		}
		cb(nil, r.Err)
	})
}

// Sync is sync: once it answers, reads on this connection see at least
// what the leader had committed when the sync reached it.
func (c *Client) Sync(path string, cb func(path string, err tree.Code)) {
	c.issue(Op{Type: tree.OpSync, Path: path}, &tree.PathRequest{Path: path}, nil, func(r *zab.Reply) {
		if cb == nil {
			return
		}
		if rec, ok := r.Record.(*zab.SyncResponse); ok {
			cb(rec.Path, r.Err)
			return
		}
		cb("", r.Err)
	})
}

// AddWatch is addWatch: a persistent (or persistent-recursive) watch,
// which stays after it fires, until removed with RemoveWatches(Any).
func (c *Client) AddWatch(path string, mode tree.AddWatchMode, watch Watcher, cb func(err tree.Code)) {
	hook := func(r *zab.Reply) {
		if watch == nil || (r.Err != tree.OK && r.Err != tree.NoNode) {
			return
		}
		if mode == tree.AddWatchPersistentRecursive {
			c.watches.add(c.watches.recursive, path, watch)
		} else {
			c.watches.add(c.watches.persistent, path, watch)
		}
	}
	c.issue(Op{Type: tree.OpAddWatch, Path: path, Watch: true, WatchMode: mode}, &tree.AddWatchRequest{Path: path, Mode: mode}, hook, codeCallback(cb))
}

func codeCallback(cb func(err tree.Code)) func(r *zab.Reply) {
	return func(r *zab.Reply) {
		if cb != nil {
			cb(r.Err)
		}
	}
}

// RemoveWatches is removeAllWatches: the server is asked to drop the
// session's watches of typ on path; when it answers OK (or whatever it
// answers, with local) the client drops its own and each removed watcher
// hears DataWatchRemoved, ChildWatchRemoved or PersistentWatchRemoved. A
// path with no such watch at the client fails with NoWatcher
// (ZKWatchManager.removeWatcher, run when the answer comes).
func (c *Client) RemoveWatches(path string, typ tree.WatcherType, local bool, cb func(err tree.Code)) {
	hook := func(r *zab.Reply) {
		if !c.watches.contains(path, typ) {
			r.Err = tree.NoWatcher
			return
		}
		if !local && r.Err != tree.OK {
			return
		}
		state := tree.StateSyncConnected
		if r.Err == tree.SessionExpired || r.Err == tree.ConnectionLoss {
			state = tree.StateDisconnected
		}
		groups := c.watches.remove(path, typ)
		if len(groups) == 0 {
			r.Err = tree.NoWatcher
			return
		}
		for _, g := range groups {
			c.queueEvent(zab.WatcherEvent{Type: g.typ, State: state, Path: path}, g.ws)
		}
		r.Err = tree.OK
	}
	c.issue(Op{Type: tree.OpRemoveWatches, Path: path}, &tree.RemoveWatchesRequest{Path: path, Type: typ}, hook, codeCallback(cb))
}

// GetEphemerals is getEphemerals: the session's ephemeral nodes whose
// paths start with prefix.
func (c *Client) GetEphemerals(prefix string, cb func(paths []string, err tree.Code)) {
	c.issue(Op{Type: tree.OpGetEphemerals, Path: prefix}, &tree.PathRequest{Path: prefix}, nil, func(r *zab.Reply) {
		if cb == nil {
			return
		}
		if rec, ok := r.Record.(*zab.GetEphemeralsResponse); ok {
			cb(rec.Paths, r.Err)
			return
		}
		cb(nil, r.Err)
	})
}

// GetAllChildrenNumber is getAllChildrenNumber: how many nodes lie below
// path.
func (c *Client) GetAllChildrenNumber(path string, cb func(n int32, err tree.Code)) {
	c.issue(Op{Type: tree.OpGetAllChildrenNumber, Path: path}, &tree.PathRequest{Path: path}, nil, func(r *zab.Reply) {
		if cb == nil {
			return
		}
		if rec, ok := r.Record.(*zab.GetAllChildrenNumberResponse); ok {
			cb(rec.Total, r.Err)
			return
		}
		cb(0, r.Err)
	})
}

// AddAuth is addAuthInfo: the credential is sent now if connected, and
// first thing on every later connection. cb hears the server's first
// answer (Java has no callback); AuthFailed ends the session. It is not an
// op of the History.
func (c *Client) AddAuth(scheme string, auth []byte, cb func(err tree.Code)) {
	a := &authInfo{scheme: scheme, auth: bytes.Clone(auth), cb: cb}
	switch {
	case !c.alive():
		c.answerAuth(a, finalCode(c.state))
	case c.state == Connected:
		c.auth = append(c.auth, a)
		c.sendAuth(a)
	default:
		c.auth = append(c.auth, a)
	}
	c.settle()
}
