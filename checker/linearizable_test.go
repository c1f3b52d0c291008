package checker

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// hop builds a history op by hand.
func hop(c int, typ tree.OpCode, path string, call, ret int64, out client.Outcome, err tree.Code) client.Op {
	return client.Op{Client: c, Session: 0x100 + 0, Type: typ, Path: path, Call: call, Return: ret, Outcome: out, Err: err, Version: -1}
}

func check(ops ...client.Op) Verdict {
	return LinearizableWrites(client.NewHistory(ops, nil), nil, 10*time.Second)
}

func TestLinearizableWritesAcceptsConcurrentCreates(t *testing.T) {
	a := hop(1, tree.OpCreate, "/x", 0, 10, client.OK, tree.OK)
	a.Created = "/x"
	b := hop(2, tree.OpCreate, "/x", 5, 15, client.OK, tree.NodeExists)
	v := check(a, b)
	assert.True(t, v.OK(), v.String())
}

func TestLinearizableWritesCatchesViolations(t *testing.T) {
	for _, tt := range []struct {
		name string
		ops  []client.Op
	}{
		{"two creates of one path both succeed", func() []client.Op {
			a := hop(1, tree.OpCreate, "/x", 0, 10, client.OK, tree.OK)
			a.Created = "/x"
			b := hop(2, tree.OpCreate, "/x", 20, 30, client.OK, tree.OK)
			b.Created = "/x"
			return []client.Op{a, b}
		}()},
		{"a delete that finds nothing after a create finished", func() []client.Op {
			a := hop(1, tree.OpCreate, "/x", 0, 10, client.OK, tree.OK)
			a.Created = "/x"
			b := hop(2, tree.OpDelete, "/x", 20, 30, client.OK, tree.NoNode)
			return []client.Op{a, b}
		}()},
		{"a sequential name handed out twice", func() []client.Op {
			p := hop(1, tree.OpCreate, "/q", 0, 5, client.OK, tree.OK)
			p.Created = "/q"
			a := hop(1, tree.OpCreate, "/q/n-", 10, 20, client.OK, tree.OK)
			a.Mode, a.Created = tree.PersistentSequential, "/q/n-0000000000"
			b := hop(2, tree.OpCreate, "/q/n-", 30, 40, client.OK, tree.OK)
			b.Mode, b.Created = tree.PersistentSequential, "/q/n-0000000000"
			return []client.Op{p, a, b}
		}()},
		{"a setData whose version skips", func() []client.Op {
			a := hop(1, tree.OpCreate, "/x", 0, 10, client.OK, tree.OK)
			a.Created = "/x"
			b := hop(1, tree.OpSetData, "/x", 20, 30, client.OK, tree.OK)
			b.Stat.Version = 2
			return []client.Op{a, b}
		}()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := check(tt.ops...)
			require.False(t, v.OK())
			assert.True(t, v.Has(ErrLinearizability), v.String())
		})
	}
}

func TestLinearizableWritesUnknownMayOrMayNotHappen(t *testing.T) {
	a := hop(1, tree.OpCreate, "/x", 0, -1, client.Unknown, tree.ConnectionLoss)
	yes := hop(2, tree.OpDelete, "/x", 20, 30, client.OK, tree.OK)
	no := hop(2, tree.OpDelete, "/x", 20, 30, client.OK, tree.NoNode)
	assert.True(t, check(a, yes).OK(), "it happened")
	assert.True(t, check(a, no).OK(), "it did not")
}

// busyRun is clients writing to three hot keys while the leader crashes
// and comes back.
func busyRun(t *testing.T, seed uint64) *cluster.Cluster {
	t.Helper()
	c, err := cluster.New(cluster.Config{Seed: seed, Voters: 3, Observers: 1})
	require.NoError(t, err)
	c.Start()
	c.World.RunFor(3 * sim.Second)
	r := c.World.Rand("test")
	for i := 0; i < 4; i++ {
		cl := c.AddClient(client.Config{})
		cl.Start()
		var tick func()
		tick = func() {
			p := fmt.Sprintf("/k%d", r.Intn(3))
			switch r.Intn(5) {
			case 0:
				cl.Create(p, []byte("v"), tree.OpenACLUnsafe, tree.CreateMode(r.Intn(4)), nil)
			case 1:
				cl.Create(p+"/c", nil, tree.OpenACLUnsafe, tree.EphemeralSequential, nil)
			case 2:
				cl.SetData(p, []byte(fmt.Sprint(r.Intn(9))), int32(r.Intn(3))-1, nil)
			case 3:
				cl.Delete(p, -1, nil)
			case 4:
				cl.Multi([]tree.Op{
					{Type: tree.OpCheck, Request: &tree.CheckVersionRequest{Path: p, Version: -1}},
					{Type: tree.OpSetData, Request: &tree.SetDataRequest{Path: p, Data: []byte("m"), Version: -1}},
				}, nil)
			}
			c.World.After(sim.Time(r.Int63n(int64(100*sim.Millisecond))), tick)
		}
		c.World.After(sim.Second, tick)
	}
	c.World.RunFor(5 * sim.Second)
	if l, ok := c.Leader(); ok {
		c.Crash(l, true)
		c.World.After(3*sim.Second, func() { _ = c.Restart(l) })
	}
	c.World.RunFor(15 * sim.Second)
	return c
}

// Real runs: clients writing under a leader crash keep writes linearizable.
func TestLinearizableWritesOnRealRuns(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			c := busyRun(t, seed)
			v := LinearizableWrites(c.History(), c.Records(), time.Minute)
			assert.True(t, v.OK(), v.String())
			writes := 0
			for _, op := range c.History().All() {
				if op.IsWrite() {
					writes++
				}
			}
			assert.Greater(t, writes, 200)
		})
	}
}

// The same runs, each tampered with in one way a buggy server or client
// could: every tamper must be caught.
func TestLinearizableWritesCatchesTamperedRuns(t *testing.T) {
	c := busyRun(t, 9)
	find := func(ops []client.Op, ok func(op *client.Op) bool) *client.Op {
		for i := range ops {
			if ok(&ops[i]) {
				return &ops[i]
			}
		}
		t.Fatal("no op to tamper with")
		return nil
	}
	for _, tt := range []struct {
		name   string
		tamper func(ops []client.Op)
	}{
		{"a create reports another name", func(ops []client.Op) {
			op := find(ops, func(op *client.Op) bool {
				return op.Type == tree.OpCreate && op.Outcome == client.OK && op.Err == tree.OK && op.Mode.IsSequential()
			})
			op.Created += "0"
		}},
		{"a failed delete reports success", func(ops []client.Op) {
			op := find(ops, func(op *client.Op) bool {
				return op.Type == tree.OpDelete && op.Outcome == client.OK && op.Err == tree.NoNode
			})
			op.Err = tree.OK
		}},
		{"a setData reports an old version", func(ops []client.Op) {
			op := find(ops, func(op *client.Op) bool {
				return op.Type == tree.OpSetData && op.Outcome == client.OK && op.Err == tree.OK && op.Stat.Version > 0
			})
			op.Stat.Version--
		}},
		{"a reply carries the wrong zxid", func(ops []client.Op) {
			op := find(ops, func(op *client.Op) bool { return op.IsWrite() && op.Outcome == client.OK && op.Err == tree.OK })
			op.Zxid++
		}},
		{"a write answered before its call", func(ops []client.Op) {
			op := find(ops, func(op *client.Op) bool { return op.IsWrite() && op.Outcome == client.OK && op.Err == tree.OK })
			op.Call, op.Return = op.Call-int64(10*sim.Second), op.Call-int64(9*sim.Second)
		}},
		{"an acknowledged write that never committed", func(ops []client.Op) {
			op := find(ops, func(op *client.Op) bool { return op.IsWrite() && op.Outcome == client.OK && op.Err == tree.OK })
			op.Xid += 100000
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ops := slices.Clone(c.History().Ops())
			tt.tamper(ops)
			v := LinearizableWrites(client.NewHistory(ops, c.History().Events), c.Records(), time.Minute)
			require.False(t, v.OK(), "tampering went unnoticed")
			assert.True(t, v.Has(ErrLinearizability), v.String())
		})
	}
}

func TestVisualizeWritesShowsAFailingHistory(t *testing.T) {
	a := hop(1, tree.OpCreate, "/x", 0, 10, client.OK, tree.OK)
	a.Created = "/x"
	b := hop(2, tree.OpCreate, "/x", 20, 30, client.OK, tree.OK)
	b.Created = "/x"
	h := client.NewHistory([]client.Op{a, b}, nil)
	var out strings.Builder
	require.NoError(t, VisualizeWrites(h, nil, 10*time.Second, &out))
	assert.Contains(t, out.String(), "<html")
	assert.Contains(t, out.String(), "create /x", "the ops are described as the history prints them")
	var again strings.Builder
	require.NoError(t, VisualizeWrites(h, nil, 10*time.Second, &again))
	assert.Equal(t, out.String(), again.String(), "the visualisation is deterministic")
}
