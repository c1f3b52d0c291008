package checker

// The session checker's tests: real runs where clients own ephemeral and
// sequential nodes and their sessions end every way a session can (closed,
// expired while the client was paused, expired after the client crashed)
// must pass; the same runs with the commit sequence or the history
// tampered with must fail with the guarantee broken; and hand-built
// sequences ZooKeeper allows must pass.

import (
	"fmt"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// clientNode finds the world node of client n (named client<n>).
func clientNode(t *testing.T, c *cluster.Cluster, n int) sim.NodeID {
	for i := 0; i < c.World.NumNodes(); i++ {
		if c.World.NodeName(sim.NodeID(i)) == fmt.Sprintf("client%d", n) {
			return sim.NodeID(i)
		}
	}
	t.Fatalf("no client%d", n)
	return 0
}

// owningRun is five clients creating ephemeral and sequential nodes under
// /q and ephemerals of their own, while one is paused past its session
// timeout (it sees its session expire), one crashes (the leader expires
// it), one closes, and the leader crashes.
func owningRun(t *testing.T, seed uint64) *cluster.Cluster {
	t.Helper()
	c, err := cluster.New(cluster.Config{Seed: seed, Voters: 3, Observers: 1})
	require.NoError(t, err)
	c.Start()
	c.World.RunFor(3 * sim.Second)
	r := c.World.Rand("test")
	var cls []*client.Client
	for i := 0; i < 5; i++ {
		cl := c.AddClient(client.Config{SessionTimeout: 4000})
		cls = append(cls, cl)
		node := clientNode(t, c, i+1)
		cl.Start()
		var tick func()
		tick = func() {
			if cl.State() != client.Connected && cl.State() != client.Connecting {
				return
			}
			if !c.World.Paused(node) { // a paused process calls nothing
				ownSomething(cl, r)
			}
			c.World.After(sim.Time(r.Int63n(int64(200*sim.Millisecond))), tick)
		}
		c.World.After(sim.Second, tick)
	}
	c.World.RunFor(5 * sim.Second)
	paused := clientNode(t, c, 2)
	c.World.Pause(paused)
	c.World.After(22*sim.Second, func() { c.World.Resume(paused) })
	c.World.After(2*sim.Second, func() { c.CrashClient(cls[2]) })
	c.World.After(4*sim.Second, func() { cls[3].Close() })
	c.World.RunFor(6 * sim.Second)
	if l, ok := c.Leader(); ok {
		c.Crash(l, true)
		c.World.After(3*sim.Second, func() { _ = c.Restart(l) })
	}
	c.World.RunFor(26 * sim.Second)
	return c
}

func ownSomething(cl *client.Client, r *sim.Rand) {
	switch r.Intn(7) {
	case 0:
		cl.Create("/q", nil, tree.OpenACLUnsafe, tree.Persistent, nil)
	case 1, 2:
		cl.Create("/q/n-", nil, tree.OpenACLUnsafe, tree.EphemeralSequential, nil)
	case 3:
		cl.Create("/q/p-", nil, tree.OpenACLUnsafe, tree.PersistentSequential, nil)
	case 4:
		cl.Create(fmt.Sprintf("/e%d", cl.ID()), nil, tree.OpenACLUnsafe, tree.Ephemeral, nil)
	case 5:
		cl.Delete(fmt.Sprintf("/e%d", cl.ID()), -1, nil)
	case 6:
		cl.Multi([]tree.Op{
			{Type: tree.OpCreate, Request: &tree.CreateRequest{Path: "/q/m-", ACL: tree.OpenACLUnsafe, Flags: tree.EphemeralSequential}},
			{Type: tree.OpCreate, Request: &tree.CreateRequest{Path: fmt.Sprintf("/e%d", cl.ID()), ACL: tree.OpenACLUnsafe, Flags: tree.Ephemeral}},
		}, nil)
	}
}

// closesWithEphemerals counts closeSession txns that delete something.
func closesWithEphemerals(recs []cluster.Record) int {
	n := 0
	for _, c := range agreedLog(recs) {
		if t, ok := c.entry.Txn.(tree.CloseSessionTxn); ok && len(t.Paths) > 0 {
			n++
		}
	}
	return n
}

func TestSessionsOnRealRuns(t *testing.T) {
	for seed := uint64(1); seed <= 5; seed++ {
		t.Run(fmt.Sprint(seed), func(t *testing.T) {
			c := owningRun(t, seed)
			h, recs := c.History(), c.Records()
			v := Sessions(h, recs)
			assert.True(t, v.OK(), v.String())
			assert.GreaterOrEqual(t, closesWithEphemerals(recs), 3, "closed and expired sessions took ephemerals with them")
			expired := 0
			for _, e := range h.Events {
				if e.State == tree.StateExpired {
					expired++
				}
			}
			assert.Equal(t, 1, expired, "the paused client saw its session expire")
		})
	}
}

// copyRecords copies records and the entries they point to, so a test may
// tamper with them.
func copyRecords(recs []cluster.Record) []cluster.Record {
	out := append([]cluster.Record(nil), recs...)
	for i := range out {
		if e := out[i].Obs.Entry; e != nil {
			cp := *e
			out[i].Obs.Entry = &cp
		}
	}
	return out
}

// findTxn finds the first delivered txn ok accepts, and every record of it.
func findTxn(t *testing.T, recs []cluster.Record, ok func(e *zab.LogEntry) bool) []*cluster.Record {
	var out []*cluster.Record
	for i := range recs {
		r := &recs[i]
		if r.Obs.Entry == nil || (r.Obs.Kind != zab.ObsDeliver && r.Obs.Kind != zab.ObsCommitted) {
			continue
		}
		if len(out) > 0 && r.Obs.Zxid != out[0].Obs.Zxid {
			continue
		}
		if len(out) > 0 || ok(r.Obs.Entry) {
			out = append(out, r)
		}
	}
	require.NotEmpty(t, out, "no txn to tamper with")
	return out
}

func setTxn(rs []*cluster.Record, txn tree.Txn) {
	for _, r := range rs {
		r.Obs.Entry.Txn = txn
	}
}

func TestSessionsCatchTampering(t *testing.T) {
	c := owningRun(t, 7)
	require.True(t, Sessions(c.History(), c.Records()).OK())
	log := agreedLog(c.Records())
	last := log[len(log)-1].entry.Zxid()
	// A session that closed owning ephemerals.
	var closing int64
	for _, x := range log {
		if t, ok := x.entry.Txn.(tree.CloseSessionTxn); ok && len(t.Paths) > 0 {
			closing = x.entry.Hdr.SessionID
			break
		}
	}
	require.NotZero(t, closing)
	isSeq := func(e *zab.LogEntry) bool {
		ct, ok := e.Txn.(tree.CreateTxn)
		return ok && len(ct.Path) > 5 && ct.Path[:5] == "/q/n-"
	}
	for _, tt := range []struct {
		name   string
		want   error
		tamper func(recs []cluster.Record, h *client.History) []cluster.Record
	}{
		{"Owner - an ephemeral created after its session closed - fail", ErrEphemeralOwner, func(recs []cluster.Record, _ *client.History) []cluster.Record {
			e := &zab.LogEntry{Hdr: tree.TxnHeader{SessionID: closing, Cxid: 1 << 30, Zxid: int64(last + 1), Type: tree.OpCreate},
				Txn: tree.CreateTxn{Path: "/late", ACL: tree.OpenACLUnsafe, Ephemeral: true}}
			return append(recs, cluster.Record{At: recs[len(recs)-1].At, Server: 1, Obs: zab.Observation{Kind: zab.ObsDeliver, Entry: e, Zxid: last + 1}})
		}},
		{"Life - a close that leaves an ephemeral of its session - fail", ErrEphemeralLife, func(recs []cluster.Record, _ *client.History) []cluster.Record {
			rs := findTxn(t, recs, func(e *zab.LogEntry) bool {
				ct, ok := e.Txn.(tree.CloseSessionTxn)
				return ok && e.Hdr.SessionID == closing && len(ct.Paths) > 0
			})
			paths := rs[0].Obs.Entry.Txn.(tree.CloseSessionTxn).Paths
			setTxn(rs, tree.CloseSessionTxn{Paths: paths[1:]})
			return recs
		}},
		{"Life - a close that deletes another session's ephemeral - fail", ErrEphemeralLife, func(recs []cluster.Record, _ *client.History) []cluster.Record {
			// The closing session's close also lists an ephemeral another
			// session owns at the time.
			n := newNaive()
			for _, x := range log {
				ct, ok := x.entry.Txn.(tree.CloseSessionTxn)
				if ok && x.entry.Hdr.SessionID == closing {
					for _, p := range sortedPaths(n) {
						if o := n.nodes[p].owner; o != 0 && o != closing {
							rs := findTxn(t, recs, func(e *zab.LogEntry) bool { return e.Zxid() == x.entry.Zxid() })
							setTxn(rs, tree.CloseSessionTxn{Paths: append([]string{p}, ct.Paths...)})
							return recs
						}
					}
				}
				n.applyCommit(x)
			}
			t.Fatal("no other session's ephemeral")
			return recs
		}},
		{"Sequential - a name handed out twice - fail", ErrSequential, func(recs []cluster.Record, _ *client.History) []cluster.Record {
			first := findTxn(t, recs, isSeq)
			name := first[0].Obs.Entry.Txn.(tree.CreateTxn).Path
			later := findTxn(t, recs, func(e *zab.LogEntry) bool { return isSeq(e) && e.Zxid() > first[0].Obs.Zxid })
			ct := later[0].Obs.Entry.Txn.(tree.CreateTxn)
			ct.Path = name
			setTxn(later, ct)
			return recs
		}},
		{"SessionExpired - an op answered after the client saw its session expire - fail", ErrSessionExpired, func(recs []cluster.Record, h *client.History) []cluster.Record {
			for _, e := range h.Events {
				if e.State != tree.StateExpired {
					continue
				}
				for i, op := range h.All() {
					if op.Session == e.Session && answered(&op) && op.Seq < e.Seq {
						op.Seq, op.Return = e.Seq+1, e.At+1
						h.Set(i, op)
						return recs
					}
				}
			}
			t.Fatal("no expired session with an answered op")
			return recs
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := cloneHistory(c.History())
			recs := tt.tamper(copyRecords(c.Records()), h)
			v := Sessions(h, recs)
			require.False(t, v.OK(), "tampering went unnoticed")
			assert.True(t, v.Has(tt.want), v.String())
		})
	}
}

func sortedPaths(n *naiveTree) []string {
	var out []string
	for p := range n.nodes {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// commitAs appends the next txn of the sequence, by another session.
func (b *hist) commitAs(session zab.SessionID, typ tree.OpCode, txn tree.Txn) zab.Zxid {
	saved := b.session
	b.session = session
	defer func() { b.session = saved }()
	return b.commit(typ, txn)
}

func TestSessionsLegalButSurprising(t *testing.T) {
	const other = zab.SessionID(0x43)
	for _, tt := range []struct {
		name  string
		build func(b *hist)
		want  error
	}{
		{"Sequential - names start again under a parent created again - pass", func(b *hist) {
			b.commit(tree.OpCreate, create("/q"))
			b.commit(tree.OpCreate, tree.CreateTxn{Path: "/q/n-0000000000", ParentCVersion: 1})
			b.commit(tree.OpDelete, tree.DeleteTxn{Path: "/q/n-0000000000"})
			b.commit(tree.OpDelete, tree.DeleteTxn{Path: "/q"})
			b.commit(tree.OpCreate, create("/q"))
			b.commit(tree.OpCreate, tree.CreateTxn{Path: "/q/n-0000000000", ParentCVersion: 1})
		}, nil},
		{"Sequential - a name goes back under one parent - fail", func(b *hist) {
			b.commit(tree.OpCreate, create("/q"))
			b.commit(tree.OpCreate, tree.CreateTxn{Path: "/q/n-0000000000", ParentCVersion: 1})
			b.commit(tree.OpCreate, tree.CreateTxn{Path: "/q/n-0000000001", ParentCVersion: 2})
			b.commit(tree.OpDelete, tree.DeleteTxn{Path: "/q/n-0000000000"})
			b.commit(tree.OpCreate, tree.CreateTxn{Path: "/q/n-0000000000", ParentCVersion: 1})
		}, ErrSequential},
		{"Sequential - a failed multi hands out no name - pass", func(b *hist) {
			b.commit(tree.OpCreate, create("/q"))
			b.commit(tree.OpMulti, tree.MultiTxn{Txns: []tree.SubTxn{
				{Type: tree.OpCreate, Txn: tree.CreateTxn{Path: "/q/n-0000000000", ParentCVersion: 1}},
				{Type: tree.OpError, Txn: tree.ErrorTxn{Err: tree.NoNode}},
			}})
			b.commit(tree.OpCreate, tree.CreateTxn{Path: "/q/n-0000000000", ParentCVersion: 1})
		}, nil},
		{"Owner - an ephemeral whose create's outcome was unknown goes with its expired session - pass", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			b.lost(tree.OpCreate, "/e", false)
			b.commit(tree.OpCreate, tree.CreateTxn{Path: "/e", ACL: tree.OpenACLUnsafe, Ephemeral: true})
			b.commit(tree.OpCloseSession, tree.CloseSessionTxn{Paths: []string{"/e"}})
			b.commit(tree.OpError, tree.ErrorTxn{Err: tree.SessionExpired}) // a request that raced the expiry
			b.state(tree.StateExpired, 0)
		}, nil},
		{"Owner - an ephemeral of a session nobody opened - fail", func(b *hist) {
			b.commitAs(other, tree.OpCreate, tree.CreateTxn{Path: "/e", ACL: tree.OpenACLUnsafe, Ephemeral: true})
		}, ErrEphemeralOwner},
		{"Life - a close lists a node another session deleted meanwhile - pass", func(b *hist) {
			b.commit(tree.OpCreate, tree.CreateTxn{Path: "/e", ACL: tree.OpenACLUnsafe, Ephemeral: true})
			b.commitAs(other, tree.OpDelete, tree.DeleteTxn{Path: "/e"})
			b.commit(tree.OpCloseSession, tree.CloseSessionTxn{Paths: []string{"/e"}})
		}, nil},
		{"Life - a close deletes a persistent node - fail", func(b *hist) {
			b.commit(tree.OpCreate, create("/p"))
			b.commit(tree.OpCloseSession, tree.CloseSessionTxn{Paths: []string{"/p"}})
		}, ErrEphemeralLife},
		{"SessionExpired - ops failed by the client after expiry - pass", func(b *hist) {
			b.state(tree.StateSyncConnected, 0)
			b.commit(tree.OpCloseSession, tree.CloseSessionTxn{})
			b.state(tree.StateExpired, 0)
			b.reply(tree.OpGetData, "/a", false, 0, tree.SessionExpired)
			b.changeLast(func(op *client.Op) { op.Server = 0 })
		}, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			b := newHist()
			tt.build(b)
			v := Sessions(&b.h, b.recs)
			if tt.want == nil {
				assert.True(t, v.OK(), v.String())
				return
			}
			require.False(t, v.OK(), "allowed")
			assert.True(t, v.Has(tt.want), v.String())
		})
	}
}

// ZOOKEEPER-1046's symptom as clients see it: a leader whose parent
// cversion went back hands out a name again, its first holder having
// deleted it, and two clients get the same name back from two creates
// that both succeeded. The violation names both.
func TestSessionsNameTheClientsThatGotOneSequentialNameTwice(t *testing.T) {
	b := newHist()
	b.commit(tree.OpCreate, create("/q"))
	seqCreate := func(cl int, session zab.SessionID, xid int32) {
		saved := b.session
		b.session = session
		defer func() { b.session = saved }()
		z := b.commit(tree.OpCreate, tree.CreateTxn{Path: "/q/n-0000000000", ACL: tree.OpenACLUnsafe, ParentCVersion: 1})
		b.recs[len(b.recs)-1].Obs.Entry.Hdr.Cxid = xid
		b.reply(tree.OpCreate, "/q/n-", false, z, tree.OK)
		b.changeLast(func(op *client.Op) {
			op.Client, op.Session, op.Xid, op.Mode, op.Created = cl, session, xid, tree.PersistentSequential, "/q/n-0000000000"
		})
	}
	seqCreate(1, 0x42, 7)
	b.commit(tree.OpDelete, tree.DeleteTxn{Path: "/q/n-0000000000"})
	seqCreate(2, 0x43, 3)

	v := Sessions(&b.h, b.recs)
	require.False(t, v.OK(), "a name handed out twice went unnoticed")
	require.True(t, v.Has(ErrSequential), v.String())
	assert.Equal(t, "sequential-names", Short(v.Violations[0].Guarantee))
	assert.Contains(t, v.Violations[0].Detail, "/q/n-0000000000 is handed out again: client 2 got it back from op #1")
	assert.Contains(t, v.Violations[0].Detail, "after client 1 got it back from op #0")
}
