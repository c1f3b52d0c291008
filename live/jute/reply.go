package jute

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// Replies: ReplyHeader(xid, zxid, err) and, when the server has one, the
// response record. FinalRequestProcessor sends the record it built (rsp)
// and none when rsp is null; every failing read and every write that
// failed in PrepRequestProcessor throws before rsp is set, so an error
// reply is a bare header. zab's server leaves Reply.Record nil in exactly
// those cases, so the encoder writes what the Reply holds, by its Go type:
//
//	*zab.CreateResponse               CreateResponse(path)
//	*zab.Create2Response              Create2Response(path, stat)
//	*zab.StatResponse                 ExistsResponse, SetDataResponse, SetACLResponse (stat)
//	*zab.GetDataResponse              GetDataResponse(data, stat)
//	*zab.GetChildrenResponse          GetChildrenResponse(children)
//	*zab.GetChildren2Response         GetChildren2Response(children, stat)
//	*zab.GetACLResponse               GetACLResponse(acl, stat)
//	*zab.SyncResponse                 SyncResponse(path)
//	*zab.MultiResponse                MultiResponse, for multi and multiRead
//	*zab.GetEphemeralsResponse        GetEphemeralsResponse(ephemerals)
//	*zab.GetAllChildrenNumberResponse GetAllChildrenNumberResponse(totalNumber)
//	*zab.WhoAmIResponse               WhoAmIResponse(clientInfo: ClientInfo(authScheme, user))
//	*zab.WatcherEvent                 WatcherEvent(type, state, path)
//	nil                               nothing, except for a successful addWatch:
//	                                  ErrorResponse(0), which Java's client reads
//
// The Java client reads the record only when err is 0
// (ClientCnxn.readResponse), and so does ours.

// appendReplyBody appends the record of r, a reply to a request of type op
// (OpNotification if unknown).
func appendReplyBody(b []byte, op tree.OpCode, r *zab.Reply) ([]byte, error) {
	switch rec := r.Record.(type) {
	case nil:
		if op == tree.OpAddWatch && r.Err == tree.OK {
			b = appendI32(b, 0) // FinalRequestProcessor: rsp = new ErrorResponse(0)
		}
	case *zab.CreateResponse:
		b = appendString(b, rec.Path)
	case *zab.Create2Response:
		b = appendStat(appendString(b, rec.Path), rec.Stat)
	case *zab.StatResponse:
		b = appendStat(b, rec.Stat)
	case *zab.GetDataResponse:
		b = appendStat(appendBuffer(b, rec.Data), rec.Stat)
	case *zab.GetChildrenResponse:
		b = appendStrings(b, rec.Children)
	case *zab.GetChildren2Response:
		b = appendStat(appendStrings(b, rec.Children), rec.Stat)
	case *zab.GetACLResponse:
		b = appendStat(appendACLs(b, rec.ACL), rec.Stat)
	case *zab.SyncResponse:
		b = appendString(b, rec.Path)
	case *zab.MultiResponse:
		return appendMultiResponse(b, rec)
	case *zab.GetEphemeralsResponse:
		b = appendStrings(b, rec.Paths)
	case *zab.GetAllChildrenNumberResponse:
		b = appendI32(b, rec.Total)
	case *zab.WhoAmIResponse:
		if rec.ClientInfo == nil {
			b = appendI32(b, -1)
			break
		}
		b = appendI32(b, int32(len(rec.ClientInfo)))
		for _, ci := range rec.ClientInfo {
			b = appendString(appendString(b, ci.AuthScheme), ci.User)
		}
	case *zab.WatcherEvent:
		b = appendString(appendI32(appendI32(b, int32(rec.Type)), int32(rec.State)), rec.Path)
	default:
		return b, fmt.Errorf("jute: no response record for %T (reply xid %d)", r.Record, r.Xid)
	}
	return b, nil
}

// appendMultiResponse is MultiResponse.serialize: per result a
// MultiHeader(type, false, err) and the result's record, then
// MultiHeader(-1, true, -1). A create2, createTTL or createContainer result
// goes out as create2 (FinalRequestProcessor builds them all as
// CreateResult(path, stat), whose type is create2); a deleteContainer one
// as delete. err in the header is 0 but for an error result, whose record
// is ErrorResponse(err). A missing Stat is written as zeros where Java
// would fail on a null.
func appendMultiResponse(b []byte, m *zab.MultiResponse) ([]byte, error) {
	for i, res := range m.Results {
		typ, err := wireResultType(res.Type), int32(0)
		if typ == tree.OpError {
			err = int32(res.Err)
		}
		b = appendMultiHeader(b, typ, false, err)
		switch typ {
		case tree.OpCreate:
			b = appendString(b, res.Path)
		case tree.OpCreate2:
			b = appendStat(appendString(b, res.Path), statOrZero(res.Stat))
		case tree.OpDelete, tree.OpCheck:
		case tree.OpSetData:
			b = appendStat(b, statOrZero(res.Stat))
		case tree.OpGetChildren:
			b = appendStrings(b, res.Children)
		case tree.OpGetData:
			b = appendStat(appendBuffer(b, res.Data), statOrZero(res.Stat))
		case tree.OpError:
			b = appendI32(b, err)
		default:
			return b, fmt.Errorf("jute: multi result %d: invalid type %v in MultiResponse", i, res.Type)
		}
	}
	return appendMultiHeader(b, -1, true, -1), nil
}

func wireResultType(t tree.OpCode) tree.OpCode {
	switch t {
	case tree.OpCreateTTL, tree.OpCreateContainer:
		return tree.OpCreate2
	case tree.OpDeleteContainer:
		return tree.OpDelete
	}
	return t
}

func statOrZero(s *tree.Stat) tree.Stat {
	if s == nil {
		return tree.Stat{}
	}
	return *s
}

// replyRecord reads the record of a successful reply to a request of type
// op: the inverse of appendReplyBody. Ops whose reply has no record give
// nil (addWatch's ErrorResponse is read and dropped).
func (d *decoder) replyRecord(op tree.OpCode) any {
	switch op {
	case tree.OpCreate:
		return &zab.CreateResponse{Path: d.str("CreateResponse.path")}
	case tree.OpCreate2, tree.OpCreateTTL, tree.OpCreateContainer:
		return &zab.Create2Response{Path: d.str("Create2Response.path"), Stat: d.stat("Create2Response.stat")}
	case tree.OpExists, tree.OpSetData, tree.OpSetACL:
		return &zab.StatResponse{Stat: d.stat("stat")}
	case tree.OpGetData, tree.OpReconfig:
		return &zab.GetDataResponse{Data: d.buffer("GetDataResponse.data"), Stat: d.stat("GetDataResponse.stat")}
	case tree.OpGetChildren:
		return &zab.GetChildrenResponse{Children: d.strings("GetChildrenResponse.children")}
	case tree.OpGetChildren2:
		return &zab.GetChildren2Response{Children: d.strings("GetChildren2Response.children"),
			Stat: d.stat("GetChildren2Response.stat")}
	case tree.OpGetACL:
		return &zab.GetACLResponse{ACL: d.acls("GetACLResponse.acl"), Stat: d.stat("GetACLResponse.stat")}
	case tree.OpSync:
		return &zab.SyncResponse{Path: d.str("SyncResponse.path")}
	case tree.OpMulti, tree.OpMultiRead:
		return d.multiResponse()
	case tree.OpGetEphemerals:
		return &zab.GetEphemeralsResponse{Paths: d.strings("GetEphemeralsResponse.ephemerals")}
	case tree.OpGetAllChildrenNumber:
		return &zab.GetAllChildrenNumberResponse{Total: d.i32("GetAllChildrenNumberResponse.totalNumber")}
	case tree.OpAddWatch:
		d.i32("ErrorResponse.err")
	case tree.OpWhoAmI:
		n := d.length("WhoAmIResponse.clientInfo", 2*sizeString)
		if n < 0 {
			return &zab.WhoAmIResponse{}
		}
		out := &zab.WhoAmIResponse{ClientInfo: make([]zab.ClientInfo, n)}
		for i := range out.ClientInfo {
			out.ClientInfo[i] = zab.ClientInfo{AuthScheme: d.str("ClientInfo.authScheme"), User: d.str("ClientInfo.user")}
		}
		return out
	}
	return nil
}

// multiResponse is MultiResponse.deserialize. An error result's code is
// its ErrorResponse's, as Java reads it (the header's err is ignored).
func (d *decoder) multiResponse() *zab.MultiResponse {
	m := &zab.MultiResponse{}
	for range d.remaining()/sizeMultiHeader + 1 {
		typ := tree.OpCode(d.i32("MultiHeader.type"))
		done := d.boolean("MultiHeader.done")
		d.i32("MultiHeader.err")
		if d.err != nil || done {
			return m
		}
		res := tree.OpResult{Type: typ}
		switch typ {
		case tree.OpCreate:
			res.Path = d.str("CreateResponse.path")
		case tree.OpCreate2:
			res.Path = d.str("Create2Response.path")
			res.Stat = d.statPtr("Create2Response.stat")
		case tree.OpDelete, tree.OpCheck:
		case tree.OpSetData:
			res.Stat = d.statPtr("SetDataResponse.stat")
		case tree.OpGetChildren:
			res.Children = d.strings("GetChildrenResponse.children")
		case tree.OpGetData:
			res.Data = d.buffer("GetDataResponse.data")
			res.Stat = d.statPtr("GetDataResponse.stat")
		case tree.OpError:
			res.Err = tree.Code(d.i32("ErrorResponse.err"))
		default:
			d.off -= sizeMultiHeader
			d.fail("MultiHeader.type", "invalid type %v in MultiResponse", typ)
			return m
		}
		m.Results = append(m.Results, res)
	}
	d.fail("MultiResponse", "no done header")
	return m
}

func (d *decoder) statPtr(field string) *tree.Stat {
	s := d.stat(field)
	return &s
}
