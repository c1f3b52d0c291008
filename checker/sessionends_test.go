package checker

// Session ends and the event budget, fed by hand: commit sequences in
// which a session closes and then (or before) an ephemeral of it is
// created, and budgets spent or not. Cases are named
// "<Guarantee> - <case> - pass|fail".

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

func committed(txns ...*zab.LogEntry) []cluster.Record {
	var recs []cluster.Record
	for _, e := range txns {
		// Delivered by two servers, the second time out of zxid order: the
		// check goes by the agreed sequence, not by report order.
		recs = append(recs, cluster.Record{Server: 1, Obs: zab.Observation{Kind: zab.ObsDeliver, Entry: e, Zxid: e.Zxid()}})
	}
	for i := len(txns) - 1; i >= 0; i-- {
		recs = append(recs, cluster.Record{Server: 2, Obs: zab.Observation{Kind: zab.ObsDeliver, Entry: txns[i], Zxid: txns[i].Zxid()}})
	}
	return recs
}

func txnAt(counter uint32, session int64, typ tree.OpCode, txn tree.Txn) *zab.LogEntry {
	return &zab.LogEntry{Hdr: tree.TxnHeader{SessionID: session, Zxid: int64(zab.MakeZxid(1, counter)), Type: typ}, Txn: txn}
}

func TestSessionEnds(t *testing.T) {
	const s = 0x51
	closeS := func(c uint32) *zab.LogEntry {
		return txnAt(c, s, tree.OpCloseSession, tree.CloseSessionTxn{Paths: []string{"/e"}})
	}
	eph := func(c uint32, session int64, path string) *zab.LogEntry {
		return txnAt(c, session, tree.OpCreate, tree.CreateTxn{Path: path, Ephemeral: true, ParentCVersion: -1})
	}
	for _, tt := range []struct {
		name string
		recs []cluster.Record
		want error
	}{
		{"session ends - ephemeral before the close - pass", committed(eph(1, s, "/e"), closeS(2)), nil},
		{"session ends - refused create after the close - pass",
			committed(eph(1, s, "/e"), closeS(2), txnAt(3, s, tree.OpError, tree.ErrorTxn{Err: tree.SessionExpired})), nil},
		{"session ends - another session's ephemeral after the close - pass", committed(closeS(1), eph(2, 0x52, "/f")), nil},
		{"session ends - persistent node after the close - pass",
			committed(closeS(1), txnAt(2, s, tree.OpCreate, tree.CreateTxn{Path: "/p", ParentCVersion: -1})), nil},
		{"session ends - ephemeral after the close - fail", committed(eph(1, s, "/e"), closeS(2), eph(3, s, "/late")), ErrSessionEnded},
		{"session ends - ephemeral in a multi after the close - fail", committed(closeS(1), txnAt(2, s, tree.OpMulti, tree.MultiTxn{Txns: []tree.SubTxn{
			{Type: tree.OpCreate, Txn: tree.CreateTxn{Path: "/m", Ephemeral: true, ParentCVersion: -1}},
		}})), ErrSessionEnded},
		{"session ends - failed multi after the close - pass", committed(closeS(1), txnAt(2, s, tree.OpMulti, tree.MultiTxn{Txns: []tree.SubTxn{
			{Type: tree.OpCreate, Txn: tree.CreateTxn{Path: "/m", Ephemeral: true, ParentCVersion: -1}},
			{Type: tree.OpError, Txn: tree.ErrorTxn{Err: tree.NoNode}},
		}})), nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			v := SessionEnds(tt.recs)
			if tt.want == nil {
				assert.True(t, v.OK(), v.String())
				return
			}
			assert.True(t, v.Has(tt.want), v.String())
			assert.Len(t, v.Violations, 1, "one violation, though two servers delivered the txn")
		})
	}
}

func TestEventBudget(t *testing.T) {
	assert.True(t, EventBudget(false, 1000, 5e9).OK(), "event storm - within budget - pass")
	v := EventBudget(true, 1000, 5e9)
	assert.True(t, v.Has(ErrEventStorm), "event storm - budget spent - fail")
	assert.Contains(t, v.String(), "1000 events delivered by 5s")
}

func TestShortNamesEveryGuarantee(t *testing.T) {
	for _, sn := range shortNames {
		assert.Equal(t, sn.name, Short(sn.guarantee))
		assert.NotContains(t, sn.name, " ")
	}
	assert.Equal(t, "other", Short(errors.New("other")))
	v := Verdict{Violations: []Violation{{Guarantee: ErrDurability}, {Guarantee: ErrTotalOrder}, {Guarantee: ErrDurability}}}
	assert.Equal(t, []string{"durability", "total-order"}, v.Caught())
}
