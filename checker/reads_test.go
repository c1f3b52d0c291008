package checker

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// readingRun is busyRun plus clients that read the hot keys.
func readingRun(t *testing.T, seed uint64) (*client.History, func() Verdict) {
	c := busyRun(t, seed)
	r := c.World.Rand("reads")
	for i := 0; i < 3; i++ {
		cl := c.AddClient(client.Config{})
		cl.Start()
		var tick func()
		tick = func() {
			p := fmt.Sprintf("/k%d", r.Intn(3))
			switch r.Intn(4) {
			case 0:
				cl.GetData(p, nil, nil)
			case 1:
				cl.Exists(p, nil, nil)
			case 2:
				cl.GetChildren(p, nil, nil)
			case 3:
				cl.Sync(p, nil)
				cl.GetData(p, nil, nil)
			}
			c.World.After(sim.Time(r.Int63n(int64(50*sim.Millisecond))), tick)
		}
		c.World.After(0, tick)
	}
	c.World.RunFor(10 * sim.Second)
	return c.History(), func() Verdict { return Reads(c.History(), c.Records(), ReadOptions{StrictSync: true}) }
}

func TestReadsOnRealRuns(t *testing.T) {
	for seed := uint64(1); seed <= 4; seed++ {
		h, check := readingRun(t, seed)
		v := check()
		assert.True(t, v.OK(), "seed %d: %s", seed, v)
		reads := 0
		for _, op := range h.All() {
			if !op.IsWrite() && op.Outcome == client.OK {
				reads++
			}
		}
		assert.Greater(t, reads, 300, "seed %d", seed)
	}
}

// syncThenRead finds a sync, late enough that writes were acknowledged
// before it, and the read its session called next: the read's index.
func syncThenRead(t *testing.T, h *client.History) int {
	for i, s := range h.All() {
		if s.Type != tree.OpSync || s.Outcome != client.OK || s.Err != tree.OK || s.Zxid < 0x100000010 {
			continue
		}
		for j := i + 1; j < h.Len(); j++ {
			if r := h.Op(j); r.Session == s.Session && r.Type == tree.OpGetData && r.Outcome == client.OK {
				return j
			}
		}
	}
	t.Fatal("no sync followed by a read")
	return -1
}

func TestStaleReadAfterSyncIsAllowedUnlessStrict(t *testing.T) {
	h, _ := readingRun(t, 6)
	i := syncThenRead(t, h)
	old := h.Op(i)
	r := old
	r.Zxid = 1 // as if answered by a server that had applied nothing
	h.Set(i, r)
	defer h.Set(i, old)

	lax := Reads(h, nil, ReadOptions{})
	strict := Reads(h, nil, ReadOptions{StrictSync: true})
	assert.True(t, strict.Has(ErrSyncRead), strict.String())
	assert.False(t, lax.Has(ErrSyncRead), lax.String())
	found := false
	for _, a := range lax.Allowed {
		found = found || a.Guarantee == ErrSyncRead
	}
	assert.True(t, found, "the stale read is reported as allowed: %s", lax)
}

func TestReadsCatchesTampering(t *testing.T) {
	h, check := readingRun(t, 5)
	// tamper changes the first op ok accepts, in h, and returns the undo.
	tamper := func(ok func(op *client.Op) bool, change func(op *client.Op)) func() {
		for i, op := range h.All() {
			if ok(&op) {
				old := op
				change(&op)
				h.Set(i, op)
				return func() { h.Set(i, old) }
			}
		}
		t.Fatal("no op to tamper with")
		return nil
	}
	for _, tt := range []struct {
		name   string
		want   error
		tamper func() func()
	}{
		{"stale data", ErrReadAtZxid, func() func() {
			return tamper(func(op *client.Op) bool {
				return op.Type == tree.OpGetData && op.Err == tree.OK && op.Outcome == client.OK
			}, func(op *client.Op) { op.RData = append([]byte("stale-"), op.RData...) })
		}},
		{"a read that misses a node that is there", ErrReadAtZxid, func() func() {
			return tamper(func(op *client.Op) bool {
				return op.Type == tree.OpExists && op.Err == tree.OK && op.Outcome == client.OK
			}, func(op *client.Op) { op.Err = tree.NoNode })
		}},
		{"a missing child", ErrReadAtZxid, func() func() {
			return tamper(func(op *client.Op) bool {
				return op.Type == tree.OpGetChildren2 && op.Err == tree.OK && op.Outcome == client.OK && len(op.Children) > 0
			}, func(op *client.Op) { op.Children = op.Children[1:] })
		}},
		{"a session's zxid goes back", ErrSessionOrder, func() func() {
			return tamper(func(op *client.Op) bool {
				return op.Outcome == client.OK && op.Zxid > 0x100000010 && op.Index > h.Len()/2
			}, func(op *client.Op) { op.Zxid = 1 })
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			undo := tt.tamper()
			defer undo()
			v := check()
			require.False(t, v.OK(), "tampering went unnoticed")
			assert.True(t, v.Has(tt.want), v.String())
		})
	}
}
