package zab

import (
	"bytes"
	"strings"

	"github.com/zabsim/zabsim/tree"
)

// Replies, as FinalRequestProcessor builds them: a write is answered from
// the result of applying its txn, with the txn's zxid; a read runs against
// the local tree and carries the last applied zxid.

// writeReply builds the reply to a committed write.
func writeReply(req *Request, e *LogEntry, res tree.Result) *Reply {
	r := &Reply{Xid: req.Xid, Zxid: e.Zxid()}
	if e.Hdr.Type == tree.OpError {
		r.Err = res.Err
		if r.Err == tree.OK {
			if et, ok := e.Txn.(tree.ErrorTxn); ok {
				r.Err = et.Err
			}
		}
		return r
	}
	if res.Err != tree.OK && req.Type != tree.OpMulti {
		r.Err = res.Err
		return r
	}
	switch req.Type {
	case tree.OpCreate:
		r.Record = &CreateResponse{Path: res.Path}
	case tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL:
		r.Record = &Create2Response{Path: res.Path, Stat: statOf(res.Stat)}
	case tree.OpSetData, tree.OpSetACL:
		r.Record = &StatResponse{Stat: statOf(res.Stat)}
	case tree.OpMulti:
		r.Record = &MultiResponse{Results: res.Multi}
	}
	return r
}

func statOf(st *tree.Stat) tree.Stat {
	if st == nil {
		return tree.Stat{}
	}
	return *st
}

// read executes a read (or ping, setWatches, watch management) now.
func (s *Server) read(cc *clientConn, req *Request) *Reply {
	t := s.db.tree
	r := &Reply{Xid: req.Xid, Zxid: s.db.lastProcessed()}
	w := tree.WatcherID(0)
	if pw, ok := req.Record.(*tree.PathWatchRequest); ok && pw.Watch {
		w = s.watcherOf(cc)
	}
	switch rec := req.Record.(type) {
	case *tree.PathWatchRequest:
		r.Err, r.Record = s.readPath(cc, req.Type, rec.Path, w)
	case *tree.PathRequest:
		switch req.Type {
		case tree.OpGetACL:
			acl, st, code := t.GetACL(rec.Path, cc.auth)
			r.Err = code
			if code == tree.OK {
				r.Record = &GetACLResponse{ACL: acl, Stat: st}
			}
		case tree.OpGetEphemerals:
			r.Record = &GetEphemeralsResponse{Paths: t.GetEphemerals(int64(cc.session), rec.Path)}
		case tree.OpGetAllChildrenNumber:
			n, code := t.AllChildrenNumber(rec.Path, cc.auth)
			r.Err = code
			if code == tree.OK {
				r.Record = &GetAllChildrenNumberResponse{Total: int32(n)}
			}
		default:
			r.Err = tree.Unimplemented
		}
	case *tree.AddWatchRequest:
		t.AddWatch(rec.Path, s.watcherOf(cc), rec.Mode)
	case *tree.RemoveWatchesRequest:
		if req.Type == tree.OpCheckWatches {
			r.Err = t.CheckWatches(rec.Path, s.watcherOf(cc), rec.Type)
		} else {
			r.Err = s.removeWatches(cc, rec)
		}
	case *tree.SetWatchesRequest:
		// No txn fired these: their header carries NO_ZXID, as
		// ServerCnxn.process sends WatchedEvent.getZxid (ZOOKEEPER-4655).
		s.sendWatchEvents(t.SetWatches(rec.RelativeZxid, *rec, s.watcherOf(cc)), NoZxid)
	case *tree.MultiRequest:
		r.Record = s.multiRead(cc, rec)
	case nil:
		switch req.Type {
		case tree.OpPing:
		case tree.OpWhoAmI:
			r.Record = whoAmI(cc.auth)
		default:
			r.Err = tree.BadArguments
		}
	default:
		r.Err = tree.Unimplemented
	}
	return r
}

func (s *Server) readPath(cc *clientConn, op tree.OpCode, path string, w tree.WatcherID) (tree.Code, any) {
	t := s.db.tree
	switch op {
	case tree.OpExists:
		st, code := t.Exists(path, w)
		if code != tree.OK {
			return code, nil
		}
		return tree.OK, &StatResponse{Stat: st}
	case tree.OpGetData:
		data, st, code := t.GetData(path, cc.auth, w)
		if code != tree.OK {
			return code, nil
		}
		// A copy the client owns; empty stays empty and null null: on
		// the wire they are length 0 and -1, and clients tell them apart
		// (kazoo's Counter decodes b"" but not None).
		return tree.OK, &GetDataResponse{Data: bytes.Clone(data), Stat: st}
	case tree.OpGetChildren, tree.OpGetChildren2:
		kids, st, code := t.GetChildren(path, cc.auth, w)
		if code != tree.OK {
			return code, nil
		}
		if op == tree.OpGetChildren {
			return tree.OK, &GetChildrenResponse{Children: kids}
		}
		return tree.OK, &GetChildren2Response{Children: kids, Stat: st}
	}
	return tree.Unimplemented, nil
}

func (s *Server) removeWatches(cc *clientConn, rec *tree.RemoveWatchesRequest) tree.Code {
	code, evs := s.db.tree.RemoveWatches(rec.Path, s.watcherOf(cc), rec.Type, false)
	s.sendWatchEvents(evs, NoZxid)
	return code
}

// multiRead answers each getData/getChildren of a multiRead on its own.
func (s *Server) multiRead(cc *clientConn, m *tree.MultiRequest) *MultiResponse {
	out := &MultiResponse{}
	for _, op := range m.Ops {
		res := tree.OpResult{Type: op.Type}
		pw, ok := op.Request.(*tree.PathWatchRequest)
		if !ok {
			res.Type, res.Err = tree.OpError, tree.BadArguments
			out.Results = append(out.Results, res)
			continue
		}
		code, rec := s.readPath(cc, op.Type, pw.Path, 0)
		res.Err = code
		switch rec := rec.(type) {
		case *GetDataResponse:
			res.Data, res.Stat = rec.Data, &rec.Stat
		case *GetChildrenResponse:
			res.Children = rec.Children
		}
		if code != tree.OK {
			res.Type = tree.OpError
		}
		out.Results = append(out.Results, res)
	}
	return out
}

// whoAmI is AuthUtil.getClientInfos over the connection's ids.
func whoAmI(auth []tree.ID) *WhoAmIResponse {
	out := &WhoAmIResponse{ClientInfo: make([]ClientInfo, 0, len(auth))}
	for _, id := range auth {
		user := id.ID
		if id.Scheme == "digest" {
			user, _, _ = strings.Cut(id.ID, ":")
		}
		out.ClientInfo = append(out.ClientInfo, ClientInfo{AuthScheme: id.Scheme, User: user})
	}
	return out
}
