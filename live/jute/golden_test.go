package jute

// Golden byte vectors, derived by hand from zookeeper.jute (branch-3.8),
// MultiResponse.serialize and the readOnly rules of processConnectRequest
// and finishSessionInit: each vector is written out field by field, then
// checked both ways (our encoder produces it, our decoder reads it back to
// the value).

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// hexFrame joins hex fields (spaces and | are ignored) into bytes.
func hexFrame(t testing.TB, fields ...string) []byte {
	t.Helper()
	s := strings.NewReplacer(" ", "", "|", "", "\n", "", "\t", "").Replace(strings.Join(fields, ""))
	b, err := hex.DecodeString(s)
	require.NoError(t, err)
	return b
}

const zero16 = "00000000000000000000000000000000"

func TestGoldenConnectRequest(t *testing.T) {
	m := &zab.ConnectRequest{LastZxidSeen: 0x100000005, Timeout: 30000, Passwd: make([]byte, 16)}
	body := []string{
		"00000000",         // protocolVersion 0
		"0000000100000005", // lastZxidSeen
		"00007530",         // timeOut 30000
		"0000000000000000", // sessionId 0
		"00000010", zero16, // passwd: 16 zero bytes
	}
	tests := []struct {
		name     string
		old      bool
		readOnly bool
		want     []byte
	}{
		{"with readOnly", false, true, hexFrame(t, append(append([]string{"0000002d"}, body...), "01")...)},
		{"old client, no readOnly", true, false, hexFrame(t, append([]string{"0000002c"}, body...)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := *m
			in.ReadOnly = tt.readOnly
			got, err := (&ClientCodec{OldClient: tt.old}).Encode(nil, &in)
			require.NoError(t, err)
			assert.Equal(t, hex.EncodeToString(tt.want), hex.EncodeToString(got))

			s := NewServerCodec()
			dec, err := s.Decode(tt.want[4:])
			require.NoError(t, err)
			assert.Equal(t, &in, dec)
			assert.Equal(t, !tt.old, s.hasReadOnly)

			// The response carries readOnly only if the request did.
			resp := s.EncodeConnectResponse(nil, &zab.ConnectResponse{Timeout: 4000, SessionID: 0x1000abc, Passwd: []byte{1, 2}})
			wantResp := []string{"00000000", "00000fa0", "0000000001000abc", "00000002", "0102"}
			if tt.old {
				assert.Equal(t, hex.EncodeToString(hexFrame(t, append([]string{"00000016"}, wantResp...)...)), hex.EncodeToString(resp))
			} else {
				assert.Equal(t, hex.EncodeToString(hexFrame(t, append(append([]string{"00000017"}, wantResp...), "00")...)), hex.EncodeToString(resp))
			}
		})
	}
}

func TestGoldenCreate2Request(t *testing.T) {
	req := &zab.Request{Xid: 1, Type: tree.OpCreate2, Record: &tree.CreateRequest{
		Path: "/a", Data: []byte("hi"), ACL: tree.OpenACLUnsafe, Flags: tree.Ephemeral}}
	want := hexFrame(t,
		"00000033",             // length 51
		"00000001", "0000000f", // RequestHeader xid 1, type create2 (15)
		"00000002 2f61",         // path "/a"
		"00000002 6869",         // data "hi"
		"00000001",              // acl: one entry
		"0000001f",              //   perms ALL (31)
		"00000005 776f726c64",   //   scheme "world"
		"00000006 616e796f6e65", //   id "anyone"
		"00000001",              // flags EPHEMERAL
	)
	c := &ClientCodec{}
	got, err := c.EncodeRequest(nil, req)
	require.NoError(t, err)
	assert.Equal(t, hex.EncodeToString(want), hex.EncodeToString(got))

	s := connectedServer(t)
	dec, err := s.Decode(want[4:])
	require.NoError(t, err)
	assert.Equal(t, req, dec)
}

var goldenStat = tree.Stat{Czxid: 1, Mzxid: 2, Ctime: 3, Mtime: 4, Version: 5, Cversion: 6, Aversion: 7,
	EphemeralOwner: 0, DataLength: 9, NumChildren: 2, Pzxid: 11}

const goldenStatHex = "0000000000000001 0000000000000002 0000000000000003 0000000000000004" +
	"00000005 00000006 00000007 0000000000000000 00000009 00000002 000000000000000b"

func TestGoldenGetChildren2Reply(t *testing.T) {
	reply := &zab.Reply{Xid: 7, Zxid: 0x200000003, Record: &zab.GetChildren2Response{
		Children: []string{"a", "bc"}, Stat: goldenStat}}
	want := hexFrame(t,
		"00000063",                                 // length 99
		"00000007", "0000000200000003", "00000000", // ReplyHeader xid 7, zxid, err 0
		"00000002", "00000001 61", "00000002 6263", // children ["a", "bc"]
		goldenStatHex,
	)
	checkReply(t, tree.OpGetChildren2, reply, want)
}

func TestGoldenMultiReply(t *testing.T) {
	st := tree.Stat{Version: 1}
	tests := []struct {
		name  string
		reply *zab.Reply
		want  []byte
	}{{
		name: "success",
		reply: &zab.Reply{Xid: 3, Zxid: 0x10, Record: &zab.MultiResponse{Results: []tree.OpResult{
			{Type: tree.OpCreate, Path: "/x"},
			{Type: tree.OpSetData, Stat: &st},
			{Type: tree.OpDelete},
			{Type: tree.OpCheck},
		}}},
		want: hexFrame(t,
			"00000087", // length 135
			"00000003", "0000000000000010", "00000000",
			"00000001 00 00000000", "00000002 2f78", // create, "/x"
			"00000005 00 00000000", "0000000000000000 0000000000000000 0000000000000000 0000000000000000",
			"00000001 00000000 00000000 0000000000000000 00000000 00000000 0000000000000000", // setData, stat
			"00000002 00 00000000", // delete
			"0000000d 00 00000000", // check
			"ffffffff 01 ffffffff", // done
		),
	}, {
		name: "failed: each op an ErrorResult",
		reply: &zab.Reply{Xid: 4, Zxid: 0x11, Record: &zab.MultiResponse{Results: []tree.OpResult{
			{Type: tree.OpError, Err: tree.OK},
			{Type: tree.OpError, Err: tree.NodeExists},
			{Type: tree.OpError, Err: tree.RuntimeInconsistency},
		}}},
		want: hexFrame(t,
			"00000040", // length 64
			"00000004", "0000000000000011", "00000000",
			"ffffffff 00 00000000", "00000000", // error 0 (an op before the failure)
			"ffffffff 00 ffffff92", "ffffff92", // error NODEEXISTS (-110)
			"ffffffff 00 fffffffe", "fffffffe", // error RUNTIMEINCONSISTENCY (-2)
			"ffffffff 01 ffffffff",
		),
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkReply(t, tree.OpMulti, tt.reply, tt.want) })
	}
}

func TestGoldenWatchEvent(t *testing.T) {
	reply := &zab.Reply{Xid: zab.XidNotification, Zxid: 0x200000004, Record: &zab.WatcherEvent{
		Type: tree.EventNodeDataChanged, State: tree.StateSyncConnected, Path: "/a"}}
	want := hexFrame(t,
		"0000001e", // length 30
		"ffffffff", "0000000200000004", "00000000",
		"00000003", "00000003", "00000002 2f61", // NodeDataChanged, SyncConnected, "/a"
	)
	s := connectedServer(t)
	got, err := s.EncodeReply(nil, reply)
	require.NoError(t, err)
	assert.Equal(t, hex.EncodeToString(want), hex.EncodeToString(got))
	c := connectedClient(t)
	dec, err := c.Decode(want[4:])
	require.NoError(t, err)
	assert.Equal(t, reply, dec)
}

// TestGoldenAddWatchReply: FinalRequestProcessor answers addWatch with
// ErrorResponse(0), four bytes Java's client reads; zab's Reply has no
// record.
func TestGoldenAddWatchReply(t *testing.T) {
	reply := &zab.Reply{Xid: 9, Zxid: 0x12}
	want := hexFrame(t, "00000014", "00000009", "0000000000000012", "00000000", "00000000")
	checkReply(t, tree.OpAddWatch, reply, want)
}

// TestGoldenErrorReply: an error reply is the bare header.
func TestGoldenErrorReply(t *testing.T) {
	reply := &zab.Reply{Xid: 5, Zxid: 0x13, Err: tree.NoNode}
	want := hexFrame(t, "00000010", "00000005", "0000000000000013", "ffffff9b")
	checkReply(t, tree.OpExists, reply, want)
}

// checkReply has a client send a request of type op with reply's xid, the
// server decode it, encode reply to want, and the client decode want back
// to reply.
func checkReply(t *testing.T, op tree.OpCode, reply *zab.Reply, want []byte) {
	t.Helper()
	c, s := connectedClient(t), connectedServer(t)
	frame, err := c.EncodeRequest(nil, &zab.Request{Xid: reply.Xid, Type: op, Record: sampleRecord(op)})
	require.NoError(t, err)
	_, err = s.Decode(frame[4:])
	require.NoError(t, err)
	got, err := s.EncodeReply(nil, reply)
	require.NoError(t, err)
	assert.Equal(t, hex.EncodeToString(want), hex.EncodeToString(got))
	assert.Zero(t, s.Pending())
	dec, err := c.Decode(want[4:])
	require.NoError(t, err)
	assert.Equal(t, reply, dec)
	assert.Zero(t, c.Pending())
}

// sampleRecord is a valid request record for op.
func sampleRecord(op tree.OpCode) any {
	switch op {
	case tree.OpCreate, tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL:
		return &tree.CreateRequest{Path: "/s", ACL: tree.OpenACLUnsafe}
	case tree.OpDelete:
		return &tree.DeleteRequest{Path: "/s", Version: -1}
	case tree.OpExists, tree.OpGetData, tree.OpGetChildren, tree.OpGetChildren2:
		return &tree.PathWatchRequest{Path: "/s"}
	case tree.OpSetData:
		return &tree.SetDataRequest{Path: "/s", Version: -1}
	case tree.OpGetACL, tree.OpSync, tree.OpGetAllChildrenNumber, tree.OpGetEphemerals:
		return &tree.PathRequest{Path: "/s"}
	case tree.OpSetACL:
		return &tree.SetACLRequest{Path: "/s", ACL: tree.OpenACLUnsafe, Version: -1}
	case tree.OpCheck:
		return &tree.CheckVersionRequest{Path: "/s", Version: -1}
	case tree.OpMulti, tree.OpMultiRead:
		return &tree.MultiRequest{}
	case tree.OpCheckWatches, tree.OpRemoveWatches:
		return &tree.RemoveWatchesRequest{Path: "/s", Type: tree.WatcherAny}
	case tree.OpAddWatch:
		return &tree.AddWatchRequest{Path: "/s"}
	case tree.OpSetWatches, tree.OpSetWatches2:
		return &tree.SetWatchesRequest{}
	case tree.OpAuth:
		return &tree.AuthRequest{Scheme: "digest", Auth: []byte("u:p")}
	}
	return nil
}

// tb is what both *testing.T and *rapid.T offer.
type tb interface {
	require.TestingT
	Helper()
}

func connectedServer(t tb) *ServerCodec {
	t.Helper()
	s := NewServerCodec()
	frame, err := (&ClientCodec{}).Encode(nil, &zab.ConnectRequest{Passwd: make([]byte, 16)})
	require.NoError(t, err)
	_, err = s.Decode(frame[4:])
	require.NoError(t, err)
	return s
}

func connectedClient(t tb) *ClientCodec {
	t.Helper()
	c := &ClientCodec{}
	_, err := c.Decode(connectedServer(t).EncodeConnectResponse(nil, &zab.ConnectResponse{Passwd: make([]byte, 16)})[4:])
	require.NoError(t, err)
	return c
}
