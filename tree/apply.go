package tree

// Result is processTxn's ProcessTxnResult plus the watch events the change
// fired, in the order ZooKeeper fires them.
type Result struct {
	Type   OpCode
	Err    Code
	Path   string
	Stat   *Stat      // the client's stat (copyStat): create2, createTTL, createContainer, setData, setACL
	Multi  []OpResult // one per op of a multi, as MultiResponse carries them
	Events []WatchEvent
}

// Apply applies a committed transaction (DataTree.processTxn). A txn that
// fails here (a replay over a fuzzy snapshot, or an error txn) leaves the
// tree as ZooKeeper leaves it and reports the code; lastZxid advances
// either way.
func (t *Tree) Apply(hdr TxnHeader, txn Txn) Result {
	var events []WatchEvent
	r := t.apply(hdr, txn, &events)
	r.Events = events
	if hdr.Zxid > t.lastZxid {
		t.lastZxid = hdr.Zxid
	}
	return r
}

func (t *Tree) apply(hdr TxnHeader, txn Txn, events *[]WatchEvent) Result {
	r := Result{Type: hdr.Type}
	switch x := txn.(type) {
	case CreateTxn:
		r.Path = x.Path
		owner := int64(0)
		if x.Ephemeral {
			owner = hdr.SessionID
		}
		st, code := t.createNode(x.Path, x.Data, x.ACL, owner, x.ParentCVersion, hdr.Zxid, hdr.Time, events)
		r.Err = code
		if code == OK && hdr.Type != OpCreate {
			r.Stat = &st
		}
		if code == NodeExists && hdr.Type == OpCreate {
			// processTxn's repair for a create replayed over a fuzzy
			// snapshot whose node was recreated by another session: bring
			// the parent's cversion and pzxid up to the txn's.
			if c := t.setCversionPzxid(ParentPath(x.Path), x.ParentCVersion, hdr.Zxid); c != OK {
				r.Err = c
			}
		}
	case CreateContainerTxn:
		r.Path = x.Path
		st, code := t.createNode(x.Path, x.Data, x.ACL, ContainerOwner, x.ParentCVersion, hdr.Zxid, hdr.Time, events)
		r.Err = code
		if code == OK {
			r.Stat = &st
		}
	case CreateTTLTxn:
		r.Path = x.Path
		st, code := t.createNode(x.Path, x.Data, x.ACL, TTLOwner(x.TTL), x.ParentCVersion, hdr.Zxid, hdr.Time, events)
		r.Err = code
		if code == OK {
			r.Stat = &st
		}
	case DeleteTxn:
		r.Path = x.Path
		r.Err = t.deleteNode(x.Path, hdr.Zxid, events)
	case SetDataTxn:
		r.Path = x.Path
		st, code := t.setData(x.Path, x.Data, x.Version, hdr.Zxid, hdr.Time, events)
		r.Err = code
		if code == OK {
			r.Stat = &st
		}
	case SetACLTxn:
		r.Path = x.Path
		st, code := t.setACL(x.Path, x.ACL, x.Version)
		r.Err = code
		if code == OK {
			r.Stat = &st
		}
	case CheckVersionTxn:
		r.Path = x.Path
	case CreateSessionTxn:
	case CloseSessionTxn:
		t.killSession(hdr.SessionID, hdr.Zxid, x.Paths, events)
	case ErrorTxn:
		r.Err = x.Err
	case MultiTxn:
		r.Err, r.Multi = t.applyMulti(hdr, x, events)
	case nil:
		if hdr.Type == OpCloseSession {
			t.killSession(hdr.SessionID, hdr.Zxid, nil, events)
		}
	}
	return r
}

// applyMulti is processTxn's multi case: if any op is an error txn, every
// other op is turned into an error result — OK before the first error,
// RuntimeInconsistency after it — and nothing is applied; otherwise each op
// is applied in turn and the multi's code is the first op's failure.
func (t *Tree) applyMulti(hdr TxnHeader, m MultiTxn, events *[]WatchEvent) (Code, []OpResult) {
	failed := false
	for _, s := range m.Txns {
		if s.Type == OpError {
			failed = true
			break
		}
	}
	results := make([]OpResult, 0, len(m.Txns))
	code := OK
	postFailed := false
	for _, s := range m.Txns {
		typ, txn := s.Type, s.Txn
		if typ == OpError {
			postFailed = true
		}
		if failed && typ != OpError {
			ec := OK
			if postFailed {
				ec = RuntimeInconsistency
			}
			typ, txn = OpError, ErrorTxn{Err: ec}
		}
		sub := TxnHeader{SessionID: hdr.SessionID, Cxid: hdr.Cxid, Zxid: hdr.Zxid, Time: hdr.Time, Type: typ}
		r := t.apply(sub, txn, events)
		results = append(results, opResult(typ, r))
		if r.Err != OK && code == OK {
			code = r.Err
		}
	}
	return code, results
}

// opResult is what FinalRequestProcessor puts in a MultiResponse for one
// applied op.
func opResult(typ OpCode, r Result) OpResult {
	out := OpResult{Type: typ, Err: r.Err}
	if typ == OpError {
		return OpResult{Type: OpError, Err: r.Err}
	}
	switch typ {
	case OpCreate:
		out.Path = r.Path
	case OpCreate2, OpCreateTTL, OpCreateContainer:
		out.Path, out.Stat = r.Path, r.Stat
	case OpSetData:
		out.Stat = r.Stat
	}
	return out
}
