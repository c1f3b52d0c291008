package jute

// Table tests of what a server may be sent that is not a clean round trip:
// ops a client may not send, truncated and garbled records, Java's
// leniencies (trailing bytes, any non-zero boolean), and the encoders'
// refusals.

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

func TestDecodeRequestErrors(t *testing.T) {
	tests := []struct {
		name    string
		frame   []byte
		code    tree.Code // 0: a plain error, not a RequestError
		errText string
	}{
		{"short header", hexFrame(t, "00000001 0000"), 0, "RequestHeader.type at offset 4"},
		{"unknown op", hexFrame(t, "00000005 000003e7"), tree.Unimplemented, "OpCode(999)"},
		{"notification", hexFrame(t, "00000005 00000000"), tree.Unimplemented, "notification"},
		{"createSession", hexFrame(t, "00000005 fffffff6 00007530"), tree.Unimplemented, "createSession"},
		{"deleteContainer", hexFrame(t, "00000005 00000014 2f61"), tree.Unimplemented, "deleteContainer"},
		{"sasl", hexFrame(t, "00000005 00000066 00000000"), tree.Unimplemented, "sasl"},
		{"truncated path", hexFrame(t, "00000005 00000004 00000005 2f61"), tree.MarshallingError,
			"path at offset 8: length 5 needs at least 5 bytes, 2 left"},
		{"missing watch", hexFrame(t, "00000005 00000004 00000002 2f61"), tree.MarshallingError, "watch at offset 14"},
		{"null-ish length", hexFrame(t, "00000005 00000005 00000002 2f61 fffffffe 00000000"), tree.MarshallingError,
			"SetDataRequest.data at offset 14: length -2 is negative"},
		{"huge acl count", hexFrame(t, "00000005 00000001 00000000 ffffffff 7fffffff"), tree.MarshallingError,
			"CreateRequest.acl at offset 16: length 2147483647 needs at least 25769803764 bytes, 0 left"},
		{"multi without done", hexFrame(t, "00000005 0000000e 00000002 00 ffffffff 00000000 ffffffff"),
			tree.MarshallingError, "MultiHeader.type at offset 25"},
		{"multi with setACL", hexFrame(t, "00000005 0000000e 00000007 00 ffffffff"), tree.MarshallingError,
			"op setACL cannot be in a multi"},
		{"multi with exists", hexFrame(t, "00000005 00000016 00000003 00 ffffffff 00000000 00"), tree.MarshallingError,
			"op exists cannot be in a multi"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := connectedServer(t)
			m, err := s.Decode(tt.frame)
			require.Error(t, err)
			assert.Nil(t, m)
			assert.ErrorContains(t, err, tt.errText)
			var re *RequestError
			if tt.code == 0 {
				assert.False(t, errors.As(err, &re))
				return
			}
			require.True(t, errors.As(err, &re), "%v", err)
			assert.Equal(t, int32(5), re.Xid)
			assert.Equal(t, tt.code, re.Code)
			if tt.code == tree.MarshallingError {
				assert.ErrorIs(t, err, ErrMalformed)
			}
			assert.Zero(t, s.Pending(), "a refused request awaits no reply")
		})
	}
}

func TestDecodeConnectErrors(t *testing.T) {
	_, err := NewServerCodec().Decode(hexFrame(t, "00000000 0000000000000000 00007530 0000000000000000 00000010 0000"))
	assert.ErrorIs(t, err, ErrMalformed)
	assert.ErrorContains(t, err, "ConnectRequest.passwd at offset 24")
}

func TestDecodeLeniencies(t *testing.T) {
	tests := []struct {
		name  string
		frame []byte
		want  *zab.Request
	}{
		// Java deserializes the record and ignores what follows.
		{"ping with trailing bytes", hexFrame(t, "fffffffe 0000000b 0102"),
			&zab.Request{Xid: zab.XidPing, Type: tree.OpPing}},
		{"closeSession", hexFrame(t, "00000007 fffffff5"), &zab.Request{Xid: 7, Type: tree.OpCloseSession}},
		{"whoAmI", hexFrame(t, "00000008 0000006b"), &zab.Request{Xid: 8, Type: tree.OpWhoAmI}},
		// DataInput.readBoolean: any non-zero byte is true.
		{"watch byte 7", hexFrame(t, "00000009 00000004 00000002 2f61 07"),
			&zab.Request{Xid: 9, Type: tree.OpGetData, Record: &tree.PathWatchRequest{Path: "/a", Watch: true}}},
		// A null ustring reads as "".
		{"null path", hexFrame(t, "0000000a 00000009 ffffffff"),
			&zab.Request{Xid: 10, Type: tree.OpSync, Record: &tree.PathRequest{}}},
		// reconfig is read (three ustrings and a long) and left to zab,
		// which refuses every reconfig with ReconfigDisabled.
		{"reconfig", hexFrame(t, "0000000b 00000010 00000001 61 ffffffff 00000000 ffffffffffffffff"),
			&zab.Request{Xid: 11, Type: tree.OpReconfig}},
		// done ends a multi whatever its type says.
		{"multi done with a type", hexFrame(t, "0000000c 0000000e 00000005 01 00000000"),
			&zab.Request{Xid: 12, Type: tree.OpMulti, Record: &tree.MultiRequest{}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := connectedServer(t)
			m, err := s.Decode(tt.frame)
			require.NoError(t, err)
			assert.Equal(t, tt.want, m)
		})
	}
}

// TestDecodeAllocatesOnlyWhatTheFrameHolds: a count far beyond the frame
// fails before anything is allocated for it.
func TestDecodeAllocatesOnlyWhatTheFrameHolds(t *testing.T) {
	s := connectedServer(t)
	frame := hexFrame(t, "00000005 00000065 0000000000000000 7fffffff")
	allocs := testing.AllocsPerRun(100, func() {
		_, err := s.Decode(frame)
		require.Error(t, err)
	})
	assert.Less(t, allocs, 20.0)
}

// TestMultiResultTypes: FinalRequestProcessor builds createTTL and
// createContainer results as CreateResult(path, stat), of type create2,
// and deleteContainer as DeleteResult; MultiResponse can write nothing
// else.
func TestMultiResultTypes(t *testing.T) {
	st := tree.Stat{Version: 3}
	in := &zab.MultiResponse{Results: []tree.OpResult{
		{Type: tree.OpCreateTTL, Path: "/t", Stat: &st},
		{Type: tree.OpCreateContainer, Path: "/c", Stat: &st},
		{Type: tree.OpDeleteContainer},
		{Type: tree.OpSetData}, // a missing stat goes out as zeros
	}}
	want := &zab.MultiResponse{Results: []tree.OpResult{
		{Type: tree.OpCreate2, Path: "/t", Stat: &st},
		{Type: tree.OpCreate2, Path: "/c", Stat: &st},
		{Type: tree.OpDelete},
		{Type: tree.OpSetData, Stat: &tree.Stat{}},
	}}
	c, s := connectedClient(t), connectedServer(t)
	frame, err := c.EncodeRequest(nil, &zab.Request{Xid: 1, Type: tree.OpMulti, Record: &tree.MultiRequest{}})
	require.NoError(t, err)
	_, err = s.Decode(frame[4:])
	require.NoError(t, err)
	frame, err = s.EncodeReply(nil, &zab.Reply{Xid: 1, Record: in})
	require.NoError(t, err)
	got, err := c.Decode(frame[4:])
	require.NoError(t, err)
	assert.Equal(t, want, got.(*zab.Reply).Record)

	_, err = s.EncodeReply(nil, &zab.Reply{Xid: 2, Record: &zab.MultiResponse{Results: []tree.OpResult{{Type: tree.OpSetACL}}}})
	assert.ErrorContains(t, err, "invalid type setACL in MultiResponse")
}

func TestEncodeErrors(t *testing.T) {
	tests := []struct {
		name    string
		req     *zab.Request
		errText string
	}{
		{"wrong record", &zab.Request{Type: tree.OpGetData, Record: &tree.PathRequest{}},
			"getData request cannot carry a *tree.PathRequest"},
		{"create record on delete", &zab.Request{Type: tree.OpDelete, Record: &tree.CreateRequest{}},
			"delete request cannot carry a *tree.CreateRequest"},
		{"record on ping", &zab.Request{Type: tree.OpPing, Record: &tree.PathRequest{}}, "ping request cannot carry"},
		{"reconfig", &zab.Request{Type: tree.OpReconfig}, "no request record for reconfig"},
		{"exists in multi", &zab.Request{Type: tree.OpMulti, Record: &tree.MultiRequest{Ops: []tree.Op{
			{Type: tree.OpExists, Request: &tree.PathWatchRequest{}}}}}, "exists cannot be in a multi"},
		{"mismatched multi op", &zab.Request{Type: tree.OpMulti, Record: &tree.MultiRequest{Ops: []tree.Op{
			{Type: tree.OpSetData, Request: &tree.DeleteRequest{}}}}}, "setData cannot carry a *tree.DeleteRequest"},
		{"persistent watches in setWatches", &zab.Request{Type: tree.OpSetWatches, Record: &tree.SetWatchesRequest{
			PersistentWatches: []string{"/p"}}}, "setWatches cannot carry persistent watches"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := connectedClient(t)
			dst := []byte("keep")
			got, err := c.EncodeRequest(dst, tt.req)
			assert.ErrorContains(t, err, tt.errText)
			assert.Equal(t, []byte("keep"), got)
			assert.Zero(t, c.Pending())
		})
	}
	s := connectedServer(t)
	_, err := s.Encode(nil, &zab.Request{})
	assert.ErrorContains(t, err, "*zab.Request is not sent to clients")
	got, err := s.EncodeReply([]byte("keep"), &zab.Reply{Xid: 1, Record: &tree.PathRequest{}})
	assert.ErrorContains(t, err, "no response record for *tree.PathRequest")
	assert.Equal(t, []byte("keep"), got)
}

// TestAuthReply: zab answers auth at once, outside the request order, with
// the request's xid and zxid 0; a failure is a bare AUTHFAILED header.
func TestAuthReply(t *testing.T) {
	c, s := connectedClient(t), connectedServer(t)
	for _, req := range []*zab.Request{
		{Xid: 1, Type: tree.OpGetData, Record: &tree.PathWatchRequest{Path: "/a"}},
		{Xid: zab.XidAuth, Type: tree.OpAuth, Record: &tree.AuthRequest{Scheme: "ip", Auth: []byte("x")}},
	} {
		frame, err := c.EncodeRequest(nil, req)
		require.NoError(t, err)
		_, err = s.Decode(frame[4:])
		require.NoError(t, err)
	}
	assert.Equal(t, 1, s.Pending())
	frame, err := s.EncodeReply(nil, &zab.Reply{Xid: zab.XidAuth, Err: tree.AuthFailed})
	require.NoError(t, err)
	assert.Equal(t, hexFrame(t, "00000010 fffffffc 0000000000000000 ffffff8d"), frame)
	got, err := c.Decode(frame[4:])
	require.NoError(t, err)
	assert.Equal(t, &zab.Reply{Xid: zab.XidAuth, Err: tree.AuthFailed}, got)
	assert.Equal(t, 1, c.Pending())
}

func TestClientDecodeErrors(t *testing.T) {
	c := connectedClient(t)
	_, err := c.Decode(hexFrame(t, "00000005 0000000000000001 00000000"))
	assert.ErrorContains(t, err, "reply xid=5 err=OK answers no request")
	_, err = c.Decode(hexFrame(t, "ffffffff 0000000000000001 00000000 00000001"))
	assert.ErrorIs(t, err, ErrMalformed)
}
