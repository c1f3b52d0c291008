package conform

import (
	"sync"
	"time"

	"github.com/go-zookeeper/zk"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// recorder keeps the History of a real run: every op with its call and
// return on the run's wall clock (ns since the start), in the format of
// zab/client, so the same checkers read it.
type recorder struct {
	mu    sync.Mutex
	h     *client.History
	start time.Time
}

func (r *recorder) now() int64 { return time.Since(r.start).Nanoseconds() }

func (r *recorder) begin(op client.Op) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	op.Call = r.now()
	op.Return = -1
	op.Outcome = client.Pending
	return r.h.Append(op)
}

func (r *recorder) complete(i int, fill func(op *client.Op)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	op := r.h.Op(i)
	op.Return = r.now()
	fill(&op)
	r.h.Set(i, op)
}

// realClient is one go-zookeeper client of a real run, issuing one op at
// a time and recording each.
type realClient struct {
	id   int
	conn *zk.Conn
	tap  *tap
	rec  *recorder
}

func dialRealClient(id int, addrs []string, sessionTimeout time.Duration, rec *recorder) (*realClient, error) {
	t := newTap(addrs)
	conn, _, err := zk.Connect(addrs, sessionTimeout, zk.WithLogger(quiet{}), zk.WithDialer(t.dial))
	if err != nil {
		return nil, err
	}
	return &realClient{id: id, conn: conn, tap: t, rec: rec}, nil
}

// run issues one op: call does it through go-zookeeper and fills the
// result fields of op when it succeeds. The outcome follows zab/client's
// rules: answered is OK with the server's code; not answered is Unknown
// if the request went out, else OK with the error (it surely did nothing).
func (c *realClient) run(op client.Op, opcode int32, call func(op *client.Op) error) (tree.Code, client.Op) {
	op.Client = c.id
	op.Session = zab.SessionID(c.conn.SessionID())
	i := c.rec.begin(op)
	c.tap.reset()
	var res client.Op
	err := call(&res)
	req, rep, sent, answered := c.tap.lookup(opcode)
	code := Code(err)
	var done client.Op
	c.rec.complete(i, func(o *client.Op) {
		o.Err = code
		o.Sent = sent
		o.Xid, o.Server = req.xid, zab.ServerID(req.server)
		switch {
		case code == tree.BadArguments && !sent:
			o.Outcome = client.OK // refused by the client
		case answered:
			o.Outcome, o.Zxid = client.OK, zab.Zxid(rep.zxid)
		case sent:
			o.Outcome = client.Unknown
		default:
			o.Outcome = client.OK
		}
		if o.Outcome == client.OK && o.Err == tree.OK || op.Type == tree.OpMulti && o.Outcome == client.OK {
			o.Created, o.Stat, o.RData, o.Children, o.Results = res.Created, res.Stat, res.RData, res.Children, res.Results
		}
		done = *o
	})
	return done.Err, done
}

func (c *realClient) getData(path string) ([]byte, tree.Stat, tree.Code) {
	code, op := c.run(client.Op{Type: tree.OpGetData, Path: path}, int32(tree.OpGetData), func(o *client.Op) error {
		d, st, err := c.conn.Get(path)
		if err == nil {
			o.RData, o.Stat = d, tree.Stat(*st)
		}
		return err
	})
	return op.RData, op.Stat, code
}

func (c *realClient) setData(path string, data []byte, version int32) tree.Code {
	code, _ := c.run(client.Op{Type: tree.OpSetData, Path: path, Data: data, Version: version}, int32(tree.OpSetData), func(o *client.Op) error {
		st, err := c.conn.Set(path, data, version)
		if err == nil {
			o.Stat = tree.Stat(*st)
		}
		return err
	})
	return code
}

func (c *realClient) create(path string, data []byte, mode tree.CreateMode) tree.Code {
	code, _ := c.run(client.Op{Type: tree.OpCreate, Path: path, Data: data, Mode: mode, ACL: tree.OpenACLUnsafe}, int32(tree.OpCreate), func(o *client.Op) error {
		p, err := c.conn.Create(path, data, int32(mode), zk.WorldACL(zk.PermAll))
		o.Created = p
		return err
	})
	return code
}

func (c *realClient) delete(path string, version int32) tree.Code {
	code, _ := c.run(client.Op{Type: tree.OpDelete, Path: path, Version: version}, int32(tree.OpDelete), func(*client.Op) error {
		return c.conn.Delete(path, version)
	})
	return code
}

func (c *realClient) sync(path string) tree.Code {
	code, _ := c.run(client.Op{Type: tree.OpSync, Path: path}, int32(tree.OpSync), func(*client.Op) error {
		_, err := c.conn.Sync(path)
		return err
	})
	return code
}

func (c *realClient) getChildren(path string) tree.Code {
	code, _ := c.run(client.Op{Type: tree.OpGetChildren2, Path: path}, int32(tree.OpGetChildren2), func(o *client.Op) error {
		kids, st, err := c.conn.Children(path)
		if err == nil {
			o.Children, o.Stat = kids, tree.Stat(*st)
		}
		return err
	})
	return code
}

// checkAndSet is the register workload's multi: check any version, set.
func (c *realClient) checkAndSet(path string, data []byte) tree.Code {
	ops := []tree.Op{
		{Type: tree.OpCheck, Request: &tree.CheckVersionRequest{Path: path, Version: -1}},
		{Type: tree.OpSetData, Request: &tree.SetDataRequest{Path: path, Data: data, Version: -1}},
	}
	code, _ := c.run(client.Op{Type: tree.OpMulti, Ops: ops}, int32(tree.OpMulti), func(o *client.Op) error {
		res, err := c.conn.Multi(&zk.CheckVersionRequest{Path: path, Version: -1},
			&zk.SetDataRequest{Path: path, Data: data, Version: -1})
		for i, r := range res {
			out := tree.OpResult{Type: ops[i].Type, Err: Code(r.Error)}
			if err != nil {
				out.Type = tree.OpError // a failed multi answers ErrorResults
			}
			if r.Stat != nil {
				st := tree.Stat(*r.Stat)
				out.Stat = &st
			}
			o.Results = append(o.Results, out)
		}
		return err
	})
	return code
}

// close ends the session, unless the client's process was killed.
func (c *realClient) close() { c.conn.Close() }
