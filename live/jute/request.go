package jute

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
)

// Request records: what follows a RequestHeader(xid, type), op by op, as
// zookeeper.jute lays them out and as zab's server reads Request.Record
// (zab/requests.go, tree/prep.go):
//
//	create, create2, createContainer  CreateRequest        *tree.CreateRequest
//	createTTL                         CreateTTLRequest     *tree.CreateRequest (TTL set)
//	delete                            DeleteRequest        *tree.DeleteRequest
//	exists, getData, getChildren,     ExistsRequest, ...   *tree.PathWatchRequest
//	  getChildren2                      (path, watch)
//	setData                           SetDataRequest       *tree.SetDataRequest
//	getACL, sync                      GetACLRequest, ...   *tree.PathRequest
//	getAllChildrenNumber              (path)               *tree.PathRequest
//	getEphemerals                     (prefixPath)         *tree.PathRequest
//	setACL                            SetACLRequest        *tree.SetACLRequest
//	check                             CheckVersionRequest  *tree.CheckVersionRequest (3.8.0 takes a
//	                                                            stand-alone check; branch-3.8's
//	                                                            Request.isValid refuses it)
//	multi, multiRead                  MultiOperationRecord *tree.MultiRequest
//	checkWatches, removeWatches       (path, type)         *tree.RemoveWatchesRequest
//	addWatch                          AddWatchRequest      *tree.AddWatchRequest
//	setWatches, setWatches2           SetWatches(2)        *tree.SetWatchesRequest
//	auth                              AuthPacket           *tree.AuthRequest
//	ping, closeSession, whoAmI        nothing              nil
//	reconfig                          ReconfigRequest      nil (read and checked; zab refuses
//	                                                            every reconfig, ReconfigDisabled)
//
// Not accepted from a client: createSession and deleteContainer (the
// server makes them itself; deleteContainer's body is a bare path that
// ContainerManager builds), sasl (no SASL here), notification and error,
// and any other number.

// requestRecord reads the record of a request of type op. ok is false
// for an op a client may not send; d.err is set for a bad record.
func (d *decoder) requestRecord(op tree.OpCode) (rec any, ok bool) {
	switch op {
	case tree.OpCreate, tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL:
		return d.createRequest(op), true
	case tree.OpDelete:
		return d.deleteRequest(), true
	case tree.OpExists, tree.OpGetData, tree.OpGetChildren, tree.OpGetChildren2:
		return d.pathWatchRequest(), true
	case tree.OpSetData:
		return d.setDataRequest(), true
	case tree.OpGetACL, tree.OpSync, tree.OpGetAllChildrenNumber, tree.OpGetEphemerals:
		return &tree.PathRequest{Path: d.str("path")}, true
	case tree.OpSetACL:
		return &tree.SetACLRequest{Path: d.str("SetACLRequest.path"), ACL: d.acls("SetACLRequest.acl"),
			Version: d.i32("SetACLRequest.version")}, true
	case tree.OpCheck:
		return d.checkVersionRequest(), true
	case tree.OpMulti, tree.OpMultiRead:
		return d.multiRequest(), true
	case tree.OpCheckWatches, tree.OpRemoveWatches:
		return &tree.RemoveWatchesRequest{Path: d.str("RemoveWatchesRequest.path"),
			Type: tree.WatcherType(d.i32("RemoveWatchesRequest.type"))}, true
	case tree.OpAddWatch:
		return &tree.AddWatchRequest{Path: d.str("AddWatchRequest.path"),
			Mode: tree.AddWatchMode(d.i32("AddWatchRequest.mode"))}, true
	case tree.OpSetWatches, tree.OpSetWatches2:
		return d.setWatches(op), true
	case tree.OpAuth:
		return &tree.AuthRequest{Type: d.i32("AuthPacket.type"), Scheme: d.str("AuthPacket.scheme"),
			Auth: d.buffer("AuthPacket.auth")}, true
	case tree.OpPing, tree.OpCloseSession, tree.OpWhoAmI:
		return nil, true
	case tree.OpReconfig:
		d.str("ReconfigRequest.joiningServers")
		d.str("ReconfigRequest.leavingServers")
		d.str("ReconfigRequest.newMembers")
		d.i64("ReconfigRequest.curConfigId")
		return nil, true
	}
	return nil, false
}

func (d *decoder) createRequest(op tree.OpCode) *tree.CreateRequest {
	r := &tree.CreateRequest{Path: d.str("CreateRequest.path"), Data: d.buffer("CreateRequest.data"),
		ACL: d.acls("CreateRequest.acl"), Flags: tree.CreateMode(d.i32("CreateRequest.flags"))}
	if op == tree.OpCreateTTL {
		r.TTL = d.i64("CreateTTLRequest.ttl")
	}
	return r
}

func (d *decoder) deleteRequest() *tree.DeleteRequest {
	return &tree.DeleteRequest{Path: d.str("DeleteRequest.path"), Version: d.i32("DeleteRequest.version")}
}

func (d *decoder) pathWatchRequest() *tree.PathWatchRequest {
	return &tree.PathWatchRequest{Path: d.str("path"), Watch: d.boolean("watch")}
}

func (d *decoder) setDataRequest() *tree.SetDataRequest {
	return &tree.SetDataRequest{Path: d.str("SetDataRequest.path"), Data: d.buffer("SetDataRequest.data"),
		Version: d.i32("SetDataRequest.version")}
}

func (d *decoder) checkVersionRequest() *tree.CheckVersionRequest {
	return &tree.CheckVersionRequest{Path: d.str("CheckVersionRequest.path"),
		Version: d.i32("CheckVersionRequest.version")}
}

// setWatches reads SetWatches, or SetWatches2 with its two persistent
// lists; for setWatches those stay nil.
func (d *decoder) setWatches(op tree.OpCode) *tree.SetWatchesRequest {
	r := &tree.SetWatchesRequest{
		RelativeZxid: d.i64("SetWatches.relativeZxid"),
		DataWatches:  d.strings("SetWatches.dataWatches"),
		ExistWatches: d.strings("SetWatches.existWatches"),
		ChildWatches: d.strings("SetWatches.childWatches"),
	}
	if op == tree.OpSetWatches2 {
		r.PersistentWatches = d.strings("SetWatches2.persistentWatches")
		r.PersistentRecursiveWatches = d.strings("SetWatches2.persistentRecursiveWatches")
	}
	return r
}

// sizeMultiHeader is MultiHeader(type, done, err): every op of a multi
// costs at least this, which bounds the loop below by the frame.
const sizeMultiHeader = sizeInt + 1 + sizeInt

// multiRequest is MultiOperationRecord.deserialize: MultiHeader(type,
// done, err) and the op's record, until a header with done set. Read and
// write ops are both accepted in either kind of multi: Java's mixing check
// fails the request with MarshallingError, as zab's server does with a read
// op in a multi; the decoder leaves that to the server.
func (d *decoder) multiRequest() *tree.MultiRequest {
	m := &tree.MultiRequest{}
	for range d.remaining()/sizeMultiHeader + 1 {
		typ := tree.OpCode(d.i32("MultiHeader.type"))
		done := d.boolean("MultiHeader.done")
		d.i32("MultiHeader.err")
		if d.err != nil || done {
			return m
		}
		var rec any
		switch typ {
		case tree.OpCreate, tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL:
			rec = d.createRequest(typ)
		case tree.OpDelete:
			rec = d.deleteRequest()
		case tree.OpSetData:
			rec = d.setDataRequest()
		case tree.OpCheck:
			rec = d.checkVersionRequest()
		case tree.OpGetChildren, tree.OpGetData:
			rec = d.pathWatchRequest()
		default:
			d.off -= sizeMultiHeader
			d.fail("MultiHeader.type", "op %v cannot be in a multi", typ)
			return m
		}
		m.Ops = append(m.Ops, tree.Op{Type: typ, Request: rec})
	}
	d.fail("MultiOperationRecord", "no done header")
	return m
}

// appendRequestRecord appends the record of a request of type op; rec must
// be the type requestRecord decodes for op.
func appendRequestRecord(b []byte, op tree.OpCode, rec any) ([]byte, error) {
	bad := func() ([]byte, error) {
		return b, fmt.Errorf("jute: %v request cannot carry a %T", op, rec)
	}
	switch op {
	case tree.OpCreate, tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL,
		tree.OpDelete, tree.OpSetData, tree.OpCheck,
		tree.OpExists, tree.OpGetData, tree.OpGetChildren, tree.OpGetChildren2:
		out, ok := appendOpRecord(b, op, rec)
		if !ok {
			return bad()
		}
		return out, nil
	case tree.OpGetACL, tree.OpSync, tree.OpGetAllChildrenNumber, tree.OpGetEphemerals:
		r, ok := rec.(*tree.PathRequest)
		if !ok {
			return bad()
		}
		return appendString(b, r.Path), nil
	case tree.OpSetACL:
		r, ok := rec.(*tree.SetACLRequest)
		if !ok {
			return bad()
		}
		return appendI32(appendACLs(appendString(b, r.Path), r.ACL), r.Version), nil
	case tree.OpMulti, tree.OpMultiRead:
		r, ok := rec.(*tree.MultiRequest)
		if !ok {
			return bad()
		}
		return appendMultiRequest(b, r)
	case tree.OpCheckWatches, tree.OpRemoveWatches:
		r, ok := rec.(*tree.RemoveWatchesRequest)
		if !ok {
			return bad()
		}
		return appendI32(appendString(b, r.Path), int32(r.Type)), nil
	case tree.OpAddWatch:
		r, ok := rec.(*tree.AddWatchRequest)
		if !ok {
			return bad()
		}
		return appendI32(appendString(b, r.Path), int32(r.Mode)), nil
	case tree.OpSetWatches, tree.OpSetWatches2:
		r, ok := rec.(*tree.SetWatchesRequest)
		if !ok {
			return bad()
		}
		return appendSetWatches(b, op, r)
	case tree.OpAuth:
		r, ok := rec.(*tree.AuthRequest)
		if !ok {
			return bad()
		}
		return appendBuffer(appendString(appendI32(b, r.Type), r.Scheme), r.Auth), nil
	case tree.OpPing, tree.OpCloseSession, tree.OpWhoAmI:
		if rec != nil {
			return bad()
		}
		return b, nil
	}
	return b, fmt.Errorf("jute: no request record for %v", op)
}

// appendOpRecord appends the records an op of a multi may carry (and the
// stand-alone requests that share them).
func appendOpRecord(b []byte, op tree.OpCode, rec any) ([]byte, bool) {
	switch r := rec.(type) {
	case *tree.CreateRequest:
		switch op {
		case tree.OpCreate, tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL:
		default:
			return b, false
		}
		b = appendString(b, r.Path)
		b = appendBuffer(b, r.Data)
		b = appendACLs(b, r.ACL)
		b = appendI32(b, int32(r.Flags))
		if op == tree.OpCreateTTL {
			b = appendI64(b, r.TTL)
		}
		return b, true
	case *tree.DeleteRequest:
		return appendI32(appendString(b, r.Path), r.Version), op == tree.OpDelete
	case *tree.SetDataRequest:
		return appendI32(appendBuffer(appendString(b, r.Path), r.Data), r.Version), op == tree.OpSetData
	case *tree.CheckVersionRequest:
		return appendI32(appendString(b, r.Path), r.Version), op == tree.OpCheck
	case *tree.PathWatchRequest:
		switch op {
		case tree.OpExists, tree.OpGetData, tree.OpGetChildren, tree.OpGetChildren2:
		default:
			return b, false
		}
		return appendBool(appendString(b, r.Path), r.Watch), true
	}
	return b, false
}

func appendMultiRequest(b []byte, m *tree.MultiRequest) ([]byte, error) {
	for i, op := range m.Ops {
		switch op.Type {
		case tree.OpGetChildren2, tree.OpExists:
			return b, fmt.Errorf("jute: multi op %d: %v cannot be in a multi", i, op.Type)
		}
		b = appendMultiHeader(b, op.Type, false, -1)
		var ok bool
		if b, ok = appendOpRecord(b, op.Type, op.Request); !ok {
			return b, fmt.Errorf("jute: multi op %d: %v cannot carry a %T", i, op.Type, op.Request)
		}
	}
	return appendMultiHeader(b, -1, true, -1), nil
}

func appendMultiHeader(b []byte, typ tree.OpCode, done bool, err int32) []byte {
	return appendI32(appendBool(appendI32(b, int32(typ)), done), err)
}

func appendSetWatches(b []byte, op tree.OpCode, r *tree.SetWatchesRequest) ([]byte, error) {
	if op == tree.OpSetWatches && (r.PersistentWatches != nil || r.PersistentRecursiveWatches != nil) {
		return b, fmt.Errorf("jute: setWatches cannot carry persistent watches (setWatches2 can)")
	}
	b = appendI64(b, r.RelativeZxid)
	b = appendStrings(b, r.DataWatches)
	b = appendStrings(b, r.ExistWatches)
	b = appendStrings(b, r.ChildWatches)
	if op == tree.OpSetWatches2 {
		b = appendStrings(b, r.PersistentWatches)
		b = appendStrings(b, r.PersistentRecursiveWatches)
	}
	return b, nil
}
