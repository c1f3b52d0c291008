package tree

import (
	"fmt"
	"strings"
)

// This file is the leader's request preparation, ZooKeeper 3.8's
// PrepRequestProcessor.pRequest2Txn (branch-3.8): a client's write request
// becomes the transaction the leader proposes. It is validated against the
// committed Tree plus the changes of transactions already prepared but not
// yet applied (ZooKeeperServer.outstandingChanges), so that requests
// pipelined behind each other see each other's effects.

// Prepper holds the leader's outstanding changes over a committed Tree.
// It is not safe for concurrent use; the server calls it from its one step
// function.
type Prepper struct {
	tree *Tree
	// changes is ZooKeeperServer.outstandingChanges, oldest first.
	// Invariant: zxids never decrease along it; all records of one request
	// share that request's zxid.
	changes []*changeRecord
	// byPath is outstandingChangesForPath. Invariant: byPath[p] is the
	// newest record of changes whose path is p, and exists only if one does.
	byPath map[string]*changeRecord
}

// changeRecord is ZooKeeperServer.ChangeRecord: what a node will look like
// once the txn with this zxid is applied.
type changeRecord struct {
	zxid    int64
	path    string // the root is always "/", never ""
	deleted bool   // Java's stat == null: the txn removes the node
	stat    Stat   // stat.NumChildren is Java's childCount
	acl     []ACL  // never modified in place; replaced when it changes
}

// PrepRequest is one write request as the leader's PrepRequestProcessor
// sees it, after the caller has checked the session (expired, closing,
// moved): Prep does not.
type PrepRequest struct {
	Type      OpCode // OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL, OpDelete, OpDeleteContainer, OpSetData, OpSetACL, OpCheck, OpMulti, OpCreateSession, OpCloseSession (OpReconfig is refused)
	SessionID int64
	Cxid      int32
	Zxid      int64 // already assigned by the leader
	Time      int64 // leader clock, ms
	Auth      []ID  // the session's authenticated ids (request.authInfo)
	// Record is *CreateRequest (create, create2, createContainer,
	// createTTL), *DeleteRequest (delete, deleteContainer; the version is
	// ignored for the latter), *SetDataRequest, *SetACLRequest,
	// *CheckVersionRequest, *MultiRequest, *CreateSessionRequest, nil for
	// closeSession. A record of the wrong type is a MarshallingError, as a
	// request that fails to deserialize is in ZooKeeper.
	Record any
	// ExtendedTypes is zookeeper.extendedTypesEnabled: TTL nodes allowed
	// (else Unimplemented), and TTL owners read as TTL, not as sessions.
	ExtendedTypes bool
}

// NewPrepper returns a Prepper with no outstanding changes over t, which
// the caller keeps applying txns to (calling Applied after each).
func NewPrepper(t *Tree) *Prepper {
	return &Prepper{tree: t, byPath: make(map[string]*changeRecord)}
}

// Prep is pRequest2Txn: it returns the header and txn to propose. A failed
// request becomes hdr.Type = OpError with ErrorTxn{code}, as ZooKeeper
// proposes error txns; a multi stays OpMulti, its MultiTxn holding the
// per-op error txns as ZooKeeper builds them. A successful prep records its
// changes so later Preps see them until Applied(hdr.Zxid).
//
// The txn aliases r's Data slices; ACL slices are new.
func (p *Prepper) Prep(r PrepRequest) (TxnHeader, Txn) {
	if n := len(p.changes); n > 0 && p.changes[n-1].zxid >= r.Zxid {
		panic(fmt.Sprintf("tree: Prep zxid %#x not above outstanding zxid %#x", r.Zxid, p.changes[n-1].zxid))
	}
	hdr := TxnHeader{SessionID: r.SessionID, Cxid: r.Cxid, Zxid: r.Zxid, Time: r.Time, Type: r.Type}
	var txn Txn
	var code Code
	switch r.Type {
	case OpMulti:
		txn, code = p.prepMulti(&r)
	case OpCreateSession:
		txn, code = prepCreateSession(&r)
	case OpCloseSession:
		txn = p.prepCloseSession(&r)
	case OpReconfig:
		// zookeeper.reconfigEnabled defaults to false (ReconfigDisabled).
		code = ReconfigDisabled
	default:
		txn, code = p.prepOp(&r, r.Type, r.Record)
	}
	if code != OK {
		hdr.Type = OpError
		return hdr, ErrorTxn{Err: code}
	}
	return hdr, txn
}

// Applied drops every change record with zxid <= zxid, as
// ZooKeeperServer.processTxn does (under outstandingChanges) after the
// txn is applied to the tree. Call it after each txn the leader applies.
func (p *Prepper) Applied(zxid int64) {
	for len(p.changes) > 0 && p.changes[0].zxid <= zxid {
		c := p.changes[0]
		p.changes[0] = nil
		p.changes = p.changes[1:]
		if p.byPath[c.path] == c {
			delete(p.byPath, c.path)
		}
	}
	if len(p.changes) == 0 {
		p.changes = nil
	}
}

// Reset forgets all outstanding changes, as a new leadership starts with a
// fresh ZooKeeperServer.
func (p *Prepper) Reset() {
	p.changes = nil
	clear(p.byPath)
}

// Outstanding is the number of change records not yet applied.
func (p *Prepper) Outstanding() int { return len(p.changes) }

// String lists the outstanding change records, oldest first.
func (p *Prepper) String() string {
	var b strings.Builder
	for _, c := range p.changes {
		if c.deleted {
			fmt.Fprintf(&b, "%#x %s deleted\n", c.zxid, c.path)
			continue
		}
		fmt.Fprintf(&b, "%#x %s %v acl=%v\n", c.zxid, c.path, c.stat, c.acl)
	}
	return b.String()
}

// prepOp prepares one op of the kinds a multi may hold, and the
// stand-alone requests that share their code.
func (p *Prepper) prepOp(r *PrepRequest, typ OpCode, rec any) (Txn, Code) {
	switch typ {
	case OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL:
		if req, ok := rec.(*CreateRequest); ok {
			return p.prepCreate(r, typ, req)
		}
	case OpDelete:
		if req, ok := rec.(*DeleteRequest); ok {
			return p.prepDelete(r, req)
		}
	case OpDeleteContainer:
		if req, ok := rec.(*DeleteRequest); ok {
			return p.prepDeleteContainer(r, req.Path)
		}
	case OpSetData:
		if req, ok := rec.(*SetDataRequest); ok {
			return p.prepSetData(r, req)
		}
	case OpSetACL:
		if req, ok := rec.(*SetACLRequest); ok {
			return p.prepSetACL(r, req)
		}
	case OpCheck:
		if req, ok := rec.(*CheckVersionRequest); ok {
			return p.prepCheck(r, req)
		}
	default:
		panic(fmt.Sprintf("tree: Prep of %v, which is not a write request", typ))
	}
	return nil, MarshallingError
}

// prepCreate is pRequest2TxnCreate. The order of the checks decides which
// code a client sees when several apply; it is Java's. NB: the full path
// validation comes only after the parent lookup and ACL check (and after
// the sequence suffix is appended, which is how "/p/" is a valid
// sequential path): before them only '/' and NUL are looked at
// (validatePathForCreate).
func (p *Prepper) prepCreate(r *PrepRequest, typ OpCode, req *CreateRequest) (Txn, Code) {
	mode := req.Flags
	if !mode.Valid() { // CreateMode.fromFlag
		return nil, BadArguments
	}
	ttl := int64(-1)
	if typ == OpCreateTTL {
		ttl = req.TTL
	}
	if code := validateCreate(mode, ttl, r.ExtendedTypes); code != OK {
		return nil, code
	}
	path := req.Path
	parentPath, code := createParentPath(path)
	if code != OK {
		return nil, code
	}
	acl, code := fixupACL(r.Auth, req.ACL)
	if code != OK {
		return nil, code
	}
	parent, ok := p.record(parentPath)
	if !ok {
		return nil, NoNode
	}
	if code := CheckACL(parent.acl, PermCreate, r.Auth); code != OK {
		return nil, code
	}
	if mode.IsSequential() {
		path += sequenceSuffix(parent.stat.Cversion)
	}
	if ValidatePath(path, false) != nil {
		return nil, BadArguments
	}
	if _, exists := p.record(path); exists {
		return nil, NodeExists
	}
	if ephemeralType(parent.stat.EphemeralOwner, r.ExtendedTypes) == EphemeralNormal {
		return nil, NoChildrenForEphemerals
	}
	newCversion := parent.stat.Cversion + 1
	txn := createTxn(typ, mode, path, req.Data, acl, newCversion, ttl)

	parent.zxid = r.Zxid
	parent.stat.NumChildren++
	parent.stat.Cversion = newCversion
	parent.stat.Pzxid = r.Zxid
	p.add(parent)
	p.add(changeRecord{
		zxid: r.Zxid,
		path: path,
		stat: createStat(r.Zxid, r.Time, createOwner(mode, ttl, r.SessionID)),
		acl:  acl,
	})
	return txn, OK
}

// validateCreate is validateCreateRequest without the session checks (the
// caller's): TTL modes need extended types, and a TTL is given exactly
// for TTL modes (EphemeralType.validateTTL).
func validateCreate(mode CreateMode, ttl int64, extended bool) Code {
	if mode.IsTTL() && !extended {
		return Unimplemented
	}
	if mode.IsTTL() {
		if ttl <= 0 || ttl > MaxTTL {
			return BadArguments
		}
	} else if ttl >= 0 {
		return BadArguments
	}
	return OK
}

func createTxn(typ OpCode, mode CreateMode, path string, data []byte, acl []ACL, cversion int32, ttl int64) Txn {
	switch typ {
	case OpCreateContainer:
		return CreateContainerTxn{Path: path, Data: data, ACL: acl, ParentCVersion: cversion}
	case OpCreateTTL:
		return CreateTTLTxn{Path: path, Data: data, ACL: acl, ParentCVersion: cversion, TTL: ttl}
	}
	return CreateTxn{Path: path, Data: data, ACL: acl, Ephemeral: mode.IsEphemeral(), ParentCVersion: cversion}
}

// createOwner is the ephemeralOwner pRequest2TxnCreate records: it follows
// the create mode, not the op code.
func createOwner(mode CreateMode, ttl, session int64) int64 {
	switch {
	case mode.IsContainer():
		return ContainerOwner
	case mode.IsTTL():
		return TTLOwner(ttl)
	case mode.IsEphemeral():
		return session
	}
	return 0
}

// createStat is DataTree.createStat.
func createStat(zxid, time, owner int64) Stat {
	return Stat{Czxid: zxid, Mzxid: zxid, Pzxid: zxid, Ctime: time, Mtime: time, EphemeralOwner: owner}
}

// sequenceSuffix formats a parent's cversion as ZooKeeper names sequential
// nodes: String.format("%010d", int). Go's %010d agrees with Java's for
// negative values too ("-000000001"); int32 arithmetic wraps as Java's int.
func sequenceSuffix(cversion int32) string {
	return fmt.Sprintf("%010d", cversion)
}

// prepDelete is the delete case of pRequest2Txn. NB: the path itself is
// never validated beyond '/', NUL and the special paths; a malformed path
// simply does not exist.
func (p *Prepper) prepDelete(r *PrepRequest, req *DeleteRequest) (Txn, Code) {
	parentPath, code := p.deleteParentPath(req.Path)
	if code != OK {
		return nil, code
	}
	parent, ok := p.record(parentPath)
	if !ok {
		return nil, NoNode
	}
	if code := CheckACL(parent.acl, PermDelete, r.Auth); code != OK {
		return nil, code
	}
	node, ok := p.record(req.Path)
	if !ok {
		return nil, NoNode
	}
	if _, code := checkAndIncVersion(node.stat.Version, req.Version); code != OK {
		return nil, code
	}
	if node.stat.NumChildren > 0 {
		return nil, NotEmpty
	}
	p.removeChild(r.Zxid, parent, req.Path)
	return DeleteTxn{Path: req.Path}, OK
}

// prepDeleteContainer is the deleteContainer case, which the leader's
// ContainerManager issues: no ACL check, and it refuses (BadVersion) to
// remove a session's ephemeral.
func (p *Prepper) prepDeleteContainer(r *PrepRequest, path string) (Txn, Code) {
	parentPath, code := p.deleteParentPath(path)
	if code != OK {
		return nil, code
	}
	node, ok := p.record(path)
	if !ok {
		return nil, NoNode
	}
	if node.stat.NumChildren > 0 {
		return nil, NotEmpty
	}
	if ephemeralType(node.stat.EphemeralOwner, r.ExtendedTypes) == EphemeralNormal {
		return nil, BadVersion
	}
	parent, ok := p.record(parentPath)
	if !ok {
		return nil, NoNode
	}
	p.removeChild(r.Zxid, parent, path)
	return DeleteTxn{Path: path}, OK
}

// removeChild records the deletion of path under parent: the parent loses
// a child and takes the zxid as pzxid (its cversion is unchanged, as
// DataTree.deleteNode leaves it).
func (p *Prepper) removeChild(zxid int64, parent changeRecord, path string) {
	parent.zxid = zxid
	parent.stat.NumChildren--
	parent.stat.Pzxid = zxid
	p.add(parent)
	p.add(changeRecord{zxid: zxid, path: path, deleted: true})
}

func (p *Prepper) prepSetData(r *PrepRequest, req *SetDataRequest) (Txn, Code) {
	if ValidatePath(req.Path, false) != nil {
		return nil, BadArguments
	}
	node, ok := p.record(req.Path)
	if !ok {
		return nil, NoNode
	}
	if code := CheckACL(node.acl, PermWrite, r.Auth); code != OK {
		return nil, code
	}
	version, code := checkAndIncVersion(node.stat.Version, req.Version)
	if code != OK {
		return nil, code
	}
	node.zxid = r.Zxid
	node.stat.Version = version
	node.stat.Mtime = r.Time
	node.stat.Mzxid = r.Zxid
	node.stat.DataLength = int32(len(req.Data))
	p.add(node)
	return SetDataTxn{Path: req.Path, Data: req.Data, Version: version}, OK
}

// prepSetACL is the setACL case. NB: Java's record keeps the node's old
// ACL (branch-3.8 and master alike), so a request pipelined behind a
// setACL is checked against the ACL it replaced; ours records the new ACL,
// so a pipelined request sees what it would see after the setACL applied.
func (p *Prepper) prepSetACL(r *PrepRequest, req *SetACLRequest) (Txn, Code) {
	if ValidatePath(req.Path, false) != nil {
		return nil, BadArguments
	}
	acl, code := fixupACL(r.Auth, req.ACL)
	if code != OK {
		return nil, code
	}
	node, ok := p.record(req.Path)
	if !ok {
		return nil, NoNode
	}
	if code := CheckACL(node.acl, PermAdmin, r.Auth); code != OK {
		return nil, code
	}
	version, code := checkAndIncVersion(node.stat.Aversion, req.Version)
	if code != OK {
		return nil, code
	}
	node.zxid = r.Zxid
	node.stat.Aversion = version
	node.acl = acl
	p.add(node)
	return SetACLTxn{Path: req.Path, ACL: acl, Version: version}, OK
}

// prepCheck is the check case: no record; the txn carries version+1, as
// Java's checkAndIncVersion returns it.
func (p *Prepper) prepCheck(r *PrepRequest, req *CheckVersionRequest) (Txn, Code) {
	if ValidatePath(req.Path, false) != nil {
		return nil, BadArguments
	}
	node, ok := p.record(req.Path)
	if !ok {
		return nil, NoNode
	}
	if code := CheckACL(node.acl, PermRead, r.Auth); code != OK {
		return nil, code
	}
	version, code := checkAndIncVersion(node.stat.Version, req.Version)
	if code != OK {
		return nil, code
	}
	return CheckVersionTxn{Path: req.Path, Version: version}, OK
}

func prepCreateSession(r *PrepRequest) (Txn, Code) {
	req, ok := r.Record.(*CreateSessionRequest)
	if !ok {
		return nil, MarshallingError
	}
	return CreateSessionTxn{Timeout: req.Timeout}, OK
}

// prepCloseSession collects the session's ephemerals: the committed ones,
// adjusted by every outstanding record in order (deletes remove a path,
// records owned by the session add one), and records a delete for each.
// The paths go into the txn in the order Java's HashSet iterates them
// (getEphemerals' clone, then es.remove and es.add), which is the order
// every replica deletes them and watchers hear of it. That order depends
// on which of the paths are committed and which outstanding, as in Java:
// see TestPrepCloseSessionOrder.
//
// NB: Java's parent record (made only when digests are enabled) updates
// pzxid but not childCount, so a delete of the parent pipelined behind
// the closeSession fails NotEmpty; ours decrements it.
func (p *Prepper) prepCloseSession(r *PrepRequest) Txn {
	set := p.tree.javaEphemerals(r.SessionID)
	for _, c := range p.changes {
		if c.deleted {
			set.remove(c.path)
		} else if r.SessionID != 0 && c.stat.EphemeralOwner == r.SessionID {
			set.add(c.path)
		}
	}
	paths := set.items()
	for _, path := range paths {
		parent, ok := p.record(ParentPath(path))
		if !ok {
			panic(fmt.Sprintf("tree: closeSession %#x: ephemeral %s has no parent\n%v", r.SessionID, path, p))
		}
		p.removeChild(r.Zxid, parent, path)
	}
	return CloseSessionTxn{Paths: paths}
}

// prepMulti prepares every op against the changes of the ops before it,
// all under the multi's zxid. At the first failure the multi's records are
// rolled back; that op becomes an ErrorTxn with its code and every later
// one ErrorTxn{RuntimeInconsistency}. Ops before it keep their txns: the
// tree turns them into OK results without applying them.
func (p *Prepper) prepMulti(r *PrepRequest) (Txn, Code) {
	req, ok := r.Record.(*MultiRequest)
	if !ok {
		return nil, MarshallingError
	}
	ops := make([]Op, len(req.Ops))
	for i, op := range req.Ops {
		norm, ok := normalizeMultiOp(op)
		if !ok {
			return nil, MarshallingError
		}
		ops[i] = norm
	}
	mark := len(p.changes)
	txns := make([]SubTxn, 0, len(ops))
	failed := false
	for _, op := range ops {
		if failed {
			txns = append(txns, SubTxn{Type: OpError, Txn: ErrorTxn{Err: RuntimeInconsistency}})
			continue
		}
		txn, code := p.prepOp(r, op.Type, op.Request)
		if code != OK {
			failed = true
			p.rollback(mark)
			txns = append(txns, SubTxn{Type: OpError, Txn: ErrorTxn{Err: code}})
			continue
		}
		txns = append(txns, SubTxn{Type: op.Type, Txn: txn})
	}
	return MultiTxn{Txns: txns}, OK
}

// normalizeMultiOp does what deserializing a MultiOperationRecord does to
// an op (branch-3.8, MultiOperationRecord.deserialize and Op.create): a
// create's op code follows its mode (TTL modes become createTTL, the
// container mode createContainer), a create, create2 or createContainer
// with an unknown or TTL mode fails the whole multi, as does any op that is
// not create*, delete, setData or check (read ops included: they cannot be
// prepared). A createTTL whose mode is not a TTL mode becomes a plain
// create (or createContainer) and loses its TTL.
//
// NB: 3.8.0 (Debian's) differs: it turns create2 into create and lets an
// unknown mode through to fail the op with BadArguments. We follow
// branch-3.8 (ZOOKEEPER-4026).
func normalizeMultiOp(op Op) (Op, bool) {
	switch op.Type {
	case OpCreate, OpCreate2, OpCreateContainer:
		req, ok := op.Request.(*CreateRequest)
		if !ok || !req.Flags.Valid() || req.Flags.IsTTL() {
			return op, false
		}
		if req.Flags.IsContainer() {
			op.Type = OpCreateContainer
		}
		return op, true
	case OpCreateTTL:
		req, ok := op.Request.(*CreateRequest)
		if !ok {
			return op, false
		}
		switch {
		case req.Flags.IsTTL():
		case req.Flags.IsContainer():
			op.Type = OpCreateContainer
		default:
			op.Type = OpCreate
		}
		return op, true
	case OpDelete, OpSetData, OpCheck:
		return op, true
	}
	return op, false
}

// rollback is rollbackPendingChanges: it drops the records from index mark
// on (the failed multi's) and points each path they touched back at its
// newest remaining record.
//
// NB: Java restores the records it saved before the multi for the ops'
// paths and their parents only; a sequential create's generated path is
// not among them, so an older outstanding record for that name is
// forgotten. Restoring the newest remaining record for every touched path
// keeps the invariant on byPath instead.
func (p *Prepper) rollback(mark int) {
	if mark == len(p.changes) {
		return
	}
	touched := make(map[string]bool)
	for i := len(p.changes) - 1; i >= mark; i-- {
		c := p.changes[i]
		touched[c.path] = true
		delete(p.byPath, c.path)
		p.changes[i] = nil
	}
	p.changes = p.changes[:mark]
	for i := len(p.changes) - 1; i >= 0 && len(touched) > 0; i-- {
		c := p.changes[i]
		if touched[c.path] {
			p.byPath[c.path] = c
			delete(touched, c.path)
		}
	}
}

// record is getRecordForPath: the newest outstanding record of path, else
// the committed node. ok is false when the node does not exist (or will
// not once the outstanding changes apply). The result is a copy; records
// are changed by copying and adding them, never in place.
//
// NB: Java keys the root by "" when it is a parent (path.substring(0,
// lastSlash)) and by "/" when it is named, so two records of the root can
// be outstanding at once and a setACL of "/" is not seen by a create of
// "/a" pipelined behind it. We key the root as "/" throughout.
func (p *Prepper) record(path string) (changeRecord, bool) {
	if path == "" {
		path = "/"
	}
	if c, ok := p.byPath[path]; ok {
		return *c, !c.deleted
	}
	// A path that fails validation cannot name a node (Java's map lookup
	// finds nothing); do not ask the tree to interpret it.
	if path != "/" && ValidatePath(path, false) != nil {
		return changeRecord{}, false
	}
	stat, acl, ok := p.tree.Lookup(path)
	if !ok {
		return changeRecord{}, false
	}
	return changeRecord{zxid: -1, path: path, stat: stat, acl: acl}, true
}

// add is addChangeRecord.
func (p *Prepper) add(c changeRecord) {
	if c.path == "" {
		c.path = "/"
	}
	if n := len(p.changes); n > 0 && p.changes[n-1].zxid > c.zxid {
		panic(fmt.Sprintf("tree: change record %#x %s after %#x", c.zxid, c.path, p.changes[n-1].zxid))
	}
	rec := &c
	p.changes = append(p.changes, rec)
	p.byPath[rec.path] = rec
}

// createParentPath is validatePathForCreate: only a missing '/' or a NUL
// is refused here.
func createParentPath(path string) (string, Code) {
	slash := strings.LastIndexByte(path, '/')
	if slash < 0 || strings.IndexByte(path, 0) >= 0 {
		return "", BadArguments
	}
	return path[:slash], OK
}

// deleteParentPath is getParentPathAndValidate: createParentPath, and the
// special paths ("/", "/zookeeper", its quota and config nodes) cannot be
// deleted.
func (p *Prepper) deleteParentPath(path string) (string, Code) {
	parent, code := createParentPath(path)
	if code != OK {
		return "", code
	}
	if IsSpecialPath(path) {
		return "", BadArguments
	}
	return parent, OK
}

// checkAndIncVersion: -1 matches any version; the result is the version
// after the change (int32 wraps as Java's int; 3.8 has no ZOOKEEPER-4743).
func checkAndIncVersion(current, expected int32) (int32, Code) {
	if expected != -1 && expected != current {
		return 0, BadVersion
	}
	return current + 1, OK
}

// fixupACL checks a create's or setACL's ACL and expands "auth" ids to the
// caller's authenticated ids (PrepRequestProcessor.fixupACL): duplicates
// are dropped first, an empty list, an "auth" entry with no authenticated
// id to expand to, or an id its scheme refuses are InvalidACL.
func fixupACL(auth []ID, acls []ACL) ([]ACL, Code) {
	uniq := make([]ACL, 0, len(acls))
	for _, a := range acls {
		if !containsACL(uniq, a) {
			uniq = append(uniq, a)
		}
	}
	if len(uniq) == 0 {
		return nil, InvalidACL
	}
	out := make([]ACL, 0, len(uniq))
	for _, a := range uniq {
		switch {
		case a.ID == AnyoneID:
			out = append(out, a)
		case a.ID.Scheme == AuthIDs.Scheme:
			expanded := false
			for _, id := range auth {
				if AuthenticatedScheme(id.Scheme) {
					expanded = true
					out = append(out, ACL{Perms: a.Perms, ID: id})
				}
			}
			if !expanded {
				return nil, InvalidACL
			}
		case !ValidACLID(a.ID):
			return nil, InvalidACL
		default:
			out = append(out, a)
		}
	}
	return out, OK
}

func containsACL(acls []ACL, a ACL) bool {
	for _, b := range acls {
		if b == a {
			return true
		}
	}
	return false
}

// ephemeralType is EphemeralType.get: without extended types an owner in
// the TTL range is an ordinary session owner.
func ephemeralType(owner int64, extended bool) EphemeralType {
	t := TypeOfOwner(owner)
	if t == EphemeralTTL && !extended {
		return EphemeralNormal
	}
	return t
}
