package client

import (
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// The operations. Each is asynchronous: it is sent at once if connected,
// queued otherwise, and its callback runs exactly once with the result or
// the error. Every call is recorded in the History. A nil callback is
// allowed.

// fillResult copies a reply's result into the op's history record.
func fillResult(op *Op, r *zab.Reply) {
	switch rec := r.Record.(type) {
	case *zab.CreateResponse:
		op.Created = rec.Path
	case *zab.Create2Response:
		op.Created, op.Stat = rec.Path, rec.Stat
	case *zab.StatResponse:
		op.Stat = rec.Stat
	case *zab.GetDataResponse:
		op.RData, op.Stat = rec.Data, rec.Stat
	case *zab.GetChildrenResponse:
		op.Children = rec.Children
	case *zab.GetChildren2Response:
		op.Children, op.Stat = rec.Children, rec.Stat
	case *zab.GetACLResponse:
		op.ACL, op.Stat = rec.ACL, rec.Stat
	case *zab.MultiResponse:
		op.Results = rec.Results
	}
}

func (c *Client) start(op Op, rec any, done func(r *zab.Reply)) {
	op.Client = c.cfg.ID
	op.Session = c.session
	cl := &call{op: op.Type, record: rec, done: done, hist: c.hist.begin(op)}
	c.submit(cl)
}

func (c *Client) create(typ tree.OpCode, path string, data []byte, acl []tree.ACL, mode tree.CreateMode, ttl int64, cb func(path string, st tree.Stat, err tree.Code)) {
	req := &tree.CreateRequest{Path: path, Data: data, ACL: acl, Flags: mode, TTL: ttl}
	c.start(Op{Type: typ, Path: path, Data: data, Mode: mode, ACL: acl}, req, func(r *zab.Reply) {
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

// Create is create: it answers with the created path (the sequential name
// for sequential modes).
func (c *Client) Create(path string, data []byte, acl []tree.ACL, mode tree.CreateMode, cb func(path string, err tree.Code)) {
	c.create(tree.OpCreate, path, data, acl, mode, 0, func(p string, _ tree.Stat, err tree.Code) {
		if cb != nil {
			cb(p, err)
		}
	})
}

// Create2 is create2: the path and the new node's Stat.
func (c *Client) Create2(path string, data []byte, acl []tree.ACL, mode tree.CreateMode, cb func(path string, st tree.Stat, err tree.Code)) {
	c.create(tree.OpCreate2, path, data, acl, mode, 0, cb)
}

// CreateContainer is createContainer.
func (c *Client) CreateContainer(path string, data []byte, acl []tree.ACL, cb func(path string, st tree.Stat, err tree.Code)) {
	c.create(tree.OpCreateContainer, path, data, acl, tree.Container, 0, cb)
}

// CreateTTL is createTTL; mode must be one of the TTL modes.
func (c *Client) CreateTTL(path string, data []byte, acl []tree.ACL, mode tree.CreateMode, ttl int64, cb func(path string, st tree.Stat, err tree.Code)) {
	c.create(tree.OpCreateTTL, path, data, acl, mode, ttl, cb)
}

// Delete is delete; version -1 matches any.
func (c *Client) Delete(path string, version int32, cb func(err tree.Code)) {
	c.start(Op{Type: tree.OpDelete, Path: path, Version: version}, &tree.DeleteRequest{Path: path, Version: version}, func(r *zab.Reply) {
		if cb != nil {
			cb(r.Err)
		}
	})
}

// Exists is exists; a non-nil watch is left whether or not the node
// exists (an exist watch if it does not).
func (c *Client) Exists(path string, watch Watcher, cb func(st tree.Stat, err tree.Code)) {
	c.start(Op{Type: tree.OpExists, Path: path, Watch: watch != nil}, &tree.PathWatchRequest{Path: path, Watch: watch != nil}, func(r *zab.Reply) {
		if watch != nil {
			switch r.Err {
			case tree.OK:
				c.watches.data[path] = append(c.watches.data[path], watch)
			case tree.NoNode:
				c.watches.exist[path] = append(c.watches.exist[path], watch)
			}
		}
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
	c.start(Op{Type: tree.OpGetData, Path: path, Watch: watch != nil}, &tree.PathWatchRequest{Path: path, Watch: watch != nil}, func(r *zab.Reply) {
		if watch != nil && r.Err == tree.OK {
			c.watches.data[path] = append(c.watches.data[path], watch)
		}
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
	c.start(Op{Type: tree.OpSetData, Path: path, Data: data, Version: version}, &tree.SetDataRequest{Path: path, Data: data, Version: version}, func(r *zab.Reply) {
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

// GetChildren is getChildren2: the children, sorted, and the node's Stat.
func (c *Client) GetChildren(path string, watch Watcher, cb func(children []string, st tree.Stat, err tree.Code)) {
	c.start(Op{Type: tree.OpGetChildren2, Path: path, Watch: watch != nil}, &tree.PathWatchRequest{Path: path, Watch: watch != nil}, func(r *zab.Reply) {
		if watch != nil && r.Err == tree.OK {
			c.watches.child[path] = append(c.watches.child[path], watch)
		}
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
	c.start(Op{Type: tree.OpGetACL, Path: path}, &tree.PathRequest{Path: path}, func(r *zab.Reply) {
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
	c.start(Op{Type: tree.OpSetACL, Path: path, ACL: acl, Version: version}, &tree.SetACLRequest{Path: path, ACL: acl, Version: version}, func(r *zab.Reply) {
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

// Multi is multi: all of ops or none. err is the first failing op's code,
// as ZooKeeper.multi throws it; results has one entry per op either way.
func (c *Client) Multi(ops []tree.Op, cb func(results []tree.OpResult, err tree.Code)) {
	c.start(Op{Type: tree.OpMulti, Ops: ops}, &tree.MultiRequest{Ops: ops}, func(r *zab.Reply) {
		if cb == nil {
			return
		}
		rec, ok := r.Record.(*zab.MultiResponse)
		if !ok {
			cb(nil, r.Err)
			return
		}
		cb(rec.Results, multiErr(rec.Results, r.Err))
	})
}

// multiErr is the code ZooKeeper.multi throws: the first op that failed.
func multiErr(results []tree.OpResult, header tree.Code) tree.Code {
	if header != tree.OK {
		return header
	}
	for _, res := range results {
		if res.Type == tree.OpError && res.Err != tree.OK {
			return res.Err
		}
	}
	return tree.OK
}

// MultiRead is multiRead: getData and getChildren ops answered each on its
// own.
func (c *Client) MultiRead(ops []tree.Op, cb func(results []tree.OpResult, err tree.Code)) {
	c.start(Op{Type: tree.OpMultiRead, Ops: ops}, &tree.MultiRequest{Ops: ops}, func(r *zab.Reply) {
		if cb == nil {
			return
		}
		if rec, ok := r.Record.(*zab.MultiResponse); ok {
			cb(rec.Results, r.Err)
			return
		}
		cb(nil, r.Err)
	})
}

// Sync is sync: once it answers, a read on this connection sees at least
// what the leader had committed when the sync reached it.
func (c *Client) Sync(path string, cb func(path string, err tree.Code)) {
	c.start(Op{Type: tree.OpSync, Path: path}, &tree.PathRequest{Path: path}, func(r *zab.Reply) {
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
// which stays after it fires.
func (c *Client) AddWatch(path string, mode tree.AddWatchMode, watch Watcher, cb func(err tree.Code)) {
	c.start(Op{Type: tree.OpAddWatch, Path: path, Watch: true}, &tree.AddWatchRequest{Path: path, Mode: mode}, func(r *zab.Reply) {
		if r.Err == tree.OK && watch != nil {
			if mode == tree.AddWatchPersistentRecursive {
				c.watches.recursive[path] = append(c.watches.recursive[path], watch)
			} else {
				c.watches.persistent[path] = append(c.watches.persistent[path], watch)
			}
		}
		if cb != nil {
			cb(r.Err)
		}
	})
}

// RemoveWatches is removeWatches: the watches of typ on path go, and each
// removed watcher hears DataWatchRemoved or ChildWatchRemoved. With local,
// only the client's record is cleared (the server is not asked), as when
// the server cannot be reached. A path with no such watch fails at once
// with NoWatcher, as ZooKeeper's client checks before sending.
func (c *Client) RemoveWatches(path string, typ tree.WatcherType, local bool, cb func(err tree.Code)) {
	op := Op{Type: tree.OpRemoveWatches, Path: path}
	if !c.watches.has(path, typ) {
		idx := c.hist.begin(Op{Type: op.Type, Path: path, Client: c.cfg.ID, Session: c.session})
		c.finish(&call{hist: idx}, &zab.Reply{Err: tree.NoWatcher}, OK)
		if cb != nil {
			cb(tree.NoWatcher)
		}
		return
	}
	removed := func() {
		data, child := c.watches.remove(path, typ)
		for _, w := range data {
			w(zab.WatcherEvent{Type: tree.EventDataWatchRemoved, State: tree.StateSyncConnected, Path: path})
		}
		for _, w := range child {
			w(zab.WatcherEvent{Type: tree.EventChildWatchRemoved, State: tree.StateSyncConnected, Path: path})
		}
	}
	if local {
		idx := c.hist.begin(Op{Type: op.Type, Path: path, Client: c.cfg.ID, Session: c.session})
		c.finish(&call{hist: idx}, &zab.Reply{}, OK)
		removed()
		if cb != nil {
			cb(tree.OK)
		}
		return
	}
	c.start(op, &tree.RemoveWatchesRequest{Path: path, Type: typ}, func(r *zab.Reply) {
		if r.Err == tree.OK {
			removed()
		}
		if cb != nil {
			cb(r.Err)
		}
	})
}

// GetEphemerals is getEphemerals: the session's ephemeral nodes under
// prefix.
func (c *Client) GetEphemerals(prefix string, cb func(paths []string, err tree.Code)) {
	c.start(Op{Type: tree.OpGetEphemerals, Path: prefix}, &tree.PathRequest{Path: prefix}, func(r *zab.Reply) {
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
	c.start(Op{Type: tree.OpGetAllChildrenNumber, Path: path}, &tree.PathRequest{Path: path}, func(r *zab.Reply) {
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

// AddAuth is addAuthInfo: the credentials are sent now (if connected) and
// again on every reconnect. cb hears the server's first answer; a failure
// ends the session (AUTH_FAILED).
func (c *Client) AddAuth(scheme string, auth []byte, cb func(err tree.Code)) {
	if !c.alive() {
		if cb != nil {
			cb(tree.SessionExpired)
		}
		return
	}
	a := &authInfo{scheme: scheme, auth: append([]byte(nil), auth...), cb: cb}
	c.auth = append(c.auth, a)
	if c.state == Connected {
		c.sendAuth(a)
	}
}
