package client

// The compact op store against a dumb alternative, a slice of Ops: after
// any appends and replacements the History gives back exactly the Ops
// stored, nil and empty slices apart, codes past their narrow fields too.

import (
	"math"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

func drawBytes(t *rapid.T, label string) []byte {
	switch rapid.IntRange(0, 2).Draw(t, label+" kind") {
	case 0:
		return nil
	case 1:
		return []byte{}
	}
	return rapid.SliceOfN(rapid.Byte(), 1, 300).Draw(t, label)
}

func drawInt64(t *rapid.T, label string) int64 {
	return rapid.SampledFrom([]int64{0, 1, -1, 300, 1 << 32, 0x100000001, -1 << 40, math.MaxInt64, math.MinInt64}).Draw(t, label)
}

func drawInt32(t *rapid.T, label string) int32 {
	return rapid.SampledFrom([]int32{0, 1, -1, 127, 128, -129, 32767, -32769, math.MaxInt32, math.MinInt32}).Draw(t, label)
}

func drawOp(t *rapid.T) Op {
	paths := []string{"", "/", "/a", "/a/b", "/a/b0000000001"}
	op := Op{
		Client: int(drawInt32(t, "client")), Session: zab.SessionID(drawInt64(t, "session")), Xid: drawInt32(t, "xid"),
		Type: tree.OpCode(drawInt32(t, "type")), Path: rapid.SampledFrom(paths).Draw(t, "path"),
		Data: drawBytes(t, "data"), Version: drawInt32(t, "version"), Mode: tree.CreateMode(drawInt32(t, "mode")),
		Watch: rapid.Bool().Draw(t, "watch"), WatchMode: tree.AddWatchMode(drawInt32(t, "watchMode")),
		Call: drawInt64(t, "call"), Return: drawInt64(t, "return"), Outcome: Outcome(rapid.IntRange(0, 2).Draw(t, "outcome")),
		Seq: int64(rapid.Int32Min(0).Draw(t, "seq")), Err: tree.Code(drawInt32(t, "err")), Zxid: zab.Zxid(drawInt64(t, "zxid")),
		Server: zab.ServerID(drawInt64(t, "server")), Sent: rapid.Bool().Draw(t, "sent"),
		Created: rapid.SampledFrom(paths).Draw(t, "created"), RData: drawBytes(t, "rdata"),
		Number: drawInt32(t, "number"),
	}
	if rapid.Bool().Draw(t, "stat") {
		op.Stat = tree.Stat{Czxid: drawInt64(t, "czxid"), Mzxid: drawInt64(t, "mzxid"), Ctime: drawInt64(t, "ctime"),
			Mtime: drawInt64(t, "mtime"), Version: drawInt32(t, "sversion"), Cversion: drawInt32(t, "cversion"),
			Aversion: drawInt32(t, "aversion"), EphemeralOwner: drawInt64(t, "owner"), DataLength: drawInt32(t, "len"),
			NumChildren: drawInt32(t, "children"), Pzxid: drawInt64(t, "pzxid")}
	}
	if rapid.Bool().Draw(t, "acl") {
		op.ACL = rapid.SampledFrom([][]tree.ACL{{}, tree.OpenACLUnsafe, tree.CreatorAllACL, tree.ReadACLUnsafe}).Draw(t, "acls")
	}
	if rapid.Bool().Draw(t, "children") {
		op.Children = rapid.SliceOf(rapid.SampledFrom(paths)).Draw(t, "names")
	}
	if rapid.Bool().Draw(t, "multi") {
		op.Ops = []tree.Op{{Type: tree.OpCheck, Request: &tree.CheckVersionRequest{Path: "/a", Version: 1}}}
		op.Results = []tree.OpResult{{Type: tree.OpError, Err: tree.BadVersion}}
	}
	return op
}

func TestOpStoreRoundTripProperty(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		h := &History{}
		want := []Op{}
		for range rapid.IntRange(0, 2*opChunk+10).Draw(t, "n") {
			if len(want) > 0 && rapid.IntRange(0, 9).Draw(t, "replace") == 0 {
				i := rapid.IntRange(0, len(want)-1).Draw(t, "i")
				op := drawOp(t)
				op.Index = i
				h.Set(i, op)
				want[i] = op
				continue
			}
			op := drawOp(t)
			op.Index = len(want)
			require.Equal(t, op.Index, h.Append(op))
			want = append(want, op)
		}
		require.Equal(t, len(want), h.Len())
		for i, op := range h.All() {
			require.Equal(t, want[i], op, "op %d", i)
		}
		assert.Equal(t, want, h.Ops())
	})
}

func TestOpStoreKeepsNilApartFromEmpty(t *testing.T) {
	h := &History{}
	h.Append(Op{Data: []byte{}, RData: nil, ACL: []tree.ACL{}})
	h.Append(Op{Data: nil, RData: []byte{}})
	assert.NotNil(t, h.Op(0).Data)
	assert.Nil(t, h.Op(0).RData)
	assert.NotNil(t, h.Op(0).ACL)
	assert.Nil(t, h.Op(1).Data)
	assert.NotNil(t, h.Op(1).RData)
}

// The record's size is the point of the store: a field added carelessly
// should show here.
func TestOpRecIs88Bytes(t *testing.T) {
	assert.Equal(t, uintptr(88), unsafe.Sizeof(opRec{}))
}
