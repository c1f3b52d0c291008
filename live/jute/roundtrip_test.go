package jute

// Round trips, both directions, with rapid-generated records: a request a
// ClientCodec encodes is what a ServerCodec decodes, and a reply a
// ServerCodec encodes is what the ClientCodec decodes, for every op a
// client may send. Byte slices and lists are drawn nil, empty or full,
// since jute tells null (-1) from empty (0); strings are arbitrary bytes.

import (
	"testing"

	"github.com/stretchr/testify/require"
	"pgregory.net/rapid"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// clientOps are the ops a client may send with a record this package can
// encode (reconfig is decoded but has no record in zab; see
// TestDecodeReconfig).
var clientOps = []tree.OpCode{
	tree.OpCreate, tree.OpDelete, tree.OpExists, tree.OpGetData, tree.OpSetData,
	tree.OpGetACL, tree.OpSetACL, tree.OpGetChildren, tree.OpSync, tree.OpPing,
	tree.OpGetChildren2, tree.OpCheck, tree.OpMulti, tree.OpCreate2,
	tree.OpCheckWatches, tree.OpRemoveWatches, tree.OpCreateContainer, tree.OpCreateTTL,
	tree.OpMultiRead, tree.OpAuth, tree.OpSetWatches, tree.OpGetEphemerals,
	tree.OpGetAllChildrenNumber, tree.OpSetWatches2, tree.OpAddWatch, tree.OpWhoAmI,
	tree.OpCloseSession,
}

func genString(t *rapid.T, label string) string {
	return string(rapid.SliceOfN(rapid.Byte(), 0, 6).Draw(t, label))
}

// genBytes draws nil, empty or a few bytes.
func genBytes(t *rapid.T, label string) []byte {
	switch rapid.IntRange(0, 2).Draw(t, label+"Kind") {
	case 0:
		return nil
	case 1:
		return []byte{}
	}
	return rapid.SliceOfN(rapid.Byte(), 1, 8).Draw(t, label)
}

func genStrings(t *rapid.T, label string) []string {
	switch rapid.IntRange(0, 2).Draw(t, label+"Kind") {
	case 0:
		return nil
	case 1:
		return []string{}
	}
	n := rapid.IntRange(1, 4).Draw(t, label+"Len")
	out := make([]string, n)
	for i := range out {
		out[i] = genString(t, label)
	}
	return out
}

func genACLs(t *rapid.T) []tree.ACL {
	switch rapid.IntRange(0, 2).Draw(t, "aclKind") {
	case 0:
		return nil
	case 1:
		return []tree.ACL{}
	}
	n := rapid.IntRange(1, 3).Draw(t, "aclLen")
	out := make([]tree.ACL, n)
	for i := range out {
		out[i] = tree.ACL{Perms: tree.Perms(rapid.Int32().Draw(t, "perms")),
			ID: tree.ID{Scheme: genString(t, "scheme"), ID: genString(t, "id")}}
	}
	return out
}

func genStat(t *rapid.T) tree.Stat {
	i64, i32 := rapid.Int64(), rapid.Int32()
	return tree.Stat{Czxid: i64.Draw(t, "czxid"), Mzxid: i64.Draw(t, "mzxid"), Ctime: i64.Draw(t, "ctime"),
		Mtime: i64.Draw(t, "mtime"), Version: i32.Draw(t, "version"), Cversion: i32.Draw(t, "cversion"),
		Aversion: i32.Draw(t, "aversion"), EphemeralOwner: i64.Draw(t, "owner"),
		DataLength: i32.Draw(t, "dataLength"), NumChildren: i32.Draw(t, "numChildren"), Pzxid: i64.Draw(t, "pzxid")}
}

func genCreate(t *rapid.T, op tree.OpCode) *tree.CreateRequest {
	r := &tree.CreateRequest{Path: genString(t, "path"), Data: genBytes(t, "data"), ACL: genACLs(t),
		Flags: tree.CreateMode(rapid.Int32().Draw(t, "flags"))}
	if op == tree.OpCreateTTL {
		r.TTL = rapid.Int64().Draw(t, "ttl")
	}
	return r
}

// genRecord draws a request record of the type op carries.
func genRecord(t *rapid.T, op tree.OpCode) any {
	path, version := genString(t, "path"), rapid.Int32().Draw(t, "version")
	switch op {
	case tree.OpCreate, tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL:
		return genCreate(t, op)
	case tree.OpDelete:
		return &tree.DeleteRequest{Path: path, Version: version}
	case tree.OpExists, tree.OpGetData, tree.OpGetChildren, tree.OpGetChildren2:
		return &tree.PathWatchRequest{Path: path, Watch: rapid.Bool().Draw(t, "watch")}
	case tree.OpSetData:
		return &tree.SetDataRequest{Path: path, Data: genBytes(t, "data"), Version: version}
	case tree.OpGetACL, tree.OpSync, tree.OpGetAllChildrenNumber, tree.OpGetEphemerals:
		return &tree.PathRequest{Path: path}
	case tree.OpSetACL:
		return &tree.SetACLRequest{Path: path, ACL: genACLs(t), Version: version}
	case tree.OpCheck:
		return &tree.CheckVersionRequest{Path: path, Version: version}
	case tree.OpMulti, tree.OpMultiRead:
		return genMulti(t)
	case tree.OpCheckWatches, tree.OpRemoveWatches:
		return &tree.RemoveWatchesRequest{Path: path, Type: tree.WatcherType(version)}
	case tree.OpAddWatch:
		return &tree.AddWatchRequest{Path: path, Mode: tree.AddWatchMode(version)}
	case tree.OpSetWatches, tree.OpSetWatches2:
		r := &tree.SetWatchesRequest{RelativeZxid: rapid.Int64().Draw(t, "relativeZxid"),
			DataWatches: genStrings(t, "data"), ExistWatches: genStrings(t, "exist"), ChildWatches: genStrings(t, "child")}
		if op == tree.OpSetWatches2 {
			r.PersistentWatches, r.PersistentRecursiveWatches = genStrings(t, "persistent"), genStrings(t, "recursive")
		}
		return r
	case tree.OpAuth:
		return &tree.AuthRequest{Type: version, Scheme: genString(t, "scheme"), Auth: genBytes(t, "auth")}
	}
	return nil
}

// multiOps are the op types a MultiOperationRecord may hold.
var multiOps = []tree.OpCode{tree.OpCreate, tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL,
	tree.OpDelete, tree.OpSetData, tree.OpCheck, tree.OpGetData, tree.OpGetChildren}

func genMulti(t *rapid.T) *tree.MultiRequest {
	n := rapid.IntRange(0, 4).Draw(t, "ops")
	m := &tree.MultiRequest{}
	for range n {
		op := rapid.SampledFrom(multiOps).Draw(t, "op")
		m.Ops = append(m.Ops, tree.Op{Type: op, Request: genRecord(t, op)})
	}
	return m
}

// genResponse draws a successful reply's record for a request of type op.
func genResponse(t *rapid.T, op tree.OpCode) any {
	switch op {
	case tree.OpCreate:
		return &zab.CreateResponse{Path: genString(t, "path")}
	case tree.OpCreate2, tree.OpCreateTTL, tree.OpCreateContainer:
		return &zab.Create2Response{Path: genString(t, "path"), Stat: genStat(t)}
	case tree.OpExists, tree.OpSetData, tree.OpSetACL:
		return &zab.StatResponse{Stat: genStat(t)}
	case tree.OpGetData:
		return &zab.GetDataResponse{Data: genBytes(t, "data"), Stat: genStat(t)}
	case tree.OpGetChildren:
		return &zab.GetChildrenResponse{Children: genStrings(t, "children")}
	case tree.OpGetChildren2:
		return &zab.GetChildren2Response{Children: genStrings(t, "children"), Stat: genStat(t)}
	case tree.OpGetACL:
		return &zab.GetACLResponse{ACL: genACLs(t), Stat: genStat(t)}
	case tree.OpSync:
		return &zab.SyncResponse{Path: genString(t, "path")}
	case tree.OpMulti, tree.OpMultiRead:
		return genMultiResponse(t)
	case tree.OpGetEphemerals:
		return &zab.GetEphemeralsResponse{Paths: genStrings(t, "paths")}
	case tree.OpGetAllChildrenNumber:
		return &zab.GetAllChildrenNumberResponse{Total: rapid.Int32().Draw(t, "total")}
	case tree.OpWhoAmI:
		r := &zab.WhoAmIResponse{}
		if rapid.Bool().Draw(t, "some") {
			r.ClientInfo = []zab.ClientInfo{}
			for range rapid.IntRange(0, 3).Draw(t, "infos") {
				r.ClientInfo = append(r.ClientInfo, zab.ClientInfo{AuthScheme: genString(t, "scheme"), User: genString(t, "user")})
			}
		}
		return r
	}
	return nil
}

// resultTypes are the types a MultiResponse carries on the wire (createTTL
// and createContainer results go out as create2: TestMultiResultTypes).
var resultTypes = []tree.OpCode{tree.OpCreate, tree.OpCreate2, tree.OpDelete, tree.OpCheck,
	tree.OpSetData, tree.OpGetChildren, tree.OpGetData, tree.OpError}

func genMultiResponse(t *rapid.T) *zab.MultiResponse {
	n := rapid.IntRange(0, 4).Draw(t, "results")
	m := &zab.MultiResponse{}
	for range n {
		res := tree.OpResult{Type: rapid.SampledFrom(resultTypes).Draw(t, "type")}
		st := genStat(t)
		switch res.Type {
		case tree.OpCreate:
			res.Path = genString(t, "path")
		case tree.OpCreate2:
			res.Path, res.Stat = genString(t, "path"), &st
		case tree.OpSetData:
			res.Stat = &st
		case tree.OpGetChildren:
			res.Children = genStrings(t, "children")
		case tree.OpGetData:
			res.Data, res.Stat = genBytes(t, "data"), &st
		case tree.OpError:
			res.Err = tree.Code(rapid.Int32().Draw(t, "err"))
		}
		m.Results = append(m.Results, res)
	}
	return m
}

func TestRoundTripConnect(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		old := rapid.Bool().Draw(t, "oldClient")
		req := &zab.ConnectRequest{ProtocolVersion: rapid.Int32().Draw(t, "pv"),
			LastZxidSeen: zab.Zxid(rapid.Int64().Draw(t, "lastZxid")), Timeout: rapid.Int32().Draw(t, "timeout"),
			SessionID: zab.SessionID(rapid.Int64().Draw(t, "session")), Passwd: genBytes(t, "passwd"),
			ReadOnly: !old && rapid.Bool().Draw(t, "readOnly")}
		c, s := &ClientCodec{OldClient: old}, NewServerCodec()
		frame, err := c.Encode(nil, req)
		require.NoError(t, err)
		got, err := s.Decode(frame[4:])
		require.NoError(t, err)
		require.Equal(t, req, got)

		resp := &zab.ConnectResponse{ProtocolVersion: rapid.Int32().Draw(t, "pv"), Timeout: rapid.Int32().Draw(t, "timeout"),
			SessionID: zab.SessionID(rapid.Int64().Draw(t, "session")), Passwd: genBytes(t, "passwd"),
			ReadOnly: !old && rapid.Bool().Draw(t, "readOnly")}
		frame, err = s.Encode(nil, resp)
		require.NoError(t, err)
		gotResp, err := c.Decode(frame[4:])
		require.NoError(t, err)
		require.Equal(t, resp, gotResp)
	})
}

// TestRoundTrip sends a few requests of random ops, then answers them in
// order, each with a random record or error, with a notification now and
// then: every value arrives as it left.
func TestRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		c, s := connectedClient(t), connectedServer(t)
		n := rapid.IntRange(1, 5).Draw(t, "requests")
		var sent []*zab.Request
		for i := range n {
			op := rapid.SampledFrom(clientOps).Draw(t, "op")
			req := &zab.Request{Xid: int32(i) + rapid.Int32Range(0, 1<<20).Draw(t, "xidBase")*8, Type: op,
				Record: genRecord(t, op)}
			frame, err := c.EncodeRequest(nil, req)
			require.NoError(t, err)
			got, err := s.Decode(frame[4:])
			require.NoError(t, err)
			require.Equal(t, req, got)
			sent = append(sent, req)
		}
		for _, req := range sent {
			if rapid.Bool().Draw(t, "notify") {
				checkReplyTrip(t, s, c, &zab.Reply{Xid: zab.XidNotification, Zxid: zab.Zxid(rapid.Int64().Draw(t, "zxid")),
					Record: &zab.WatcherEvent{Type: tree.EventType(rapid.Int32().Draw(t, "type")),
						State: tree.KeeperState(rapid.Int32().Draw(t, "state")), Path: genString(t, "path")}})
			}
			reply := &zab.Reply{Xid: req.Xid, Zxid: zab.Zxid(rapid.Int64().Draw(t, "zxid"))}
			if rapid.IntRange(0, 3).Draw(t, "fail") == 0 {
				reply.Err = tree.Code(rapid.Int32Range(-130, -1).Draw(t, "err"))
			} else {
				reply.Record = genResponse(t, req.Type)
			}
			checkReplyTrip(t, s, c, reply)
		}
		require.Zero(t, s.Pending())
		require.Zero(t, c.Pending())
	})
}

func checkReplyTrip(t *rapid.T, s *ServerCodec, c *ClientCodec, reply *zab.Reply) {
	frame, err := s.EncodeReply(nil, reply)
	require.NoError(t, err)
	got, err := c.Decode(frame[4:])
	require.NoError(t, err)
	require.Equal(t, reply, got)
}
