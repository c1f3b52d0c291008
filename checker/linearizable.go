package checker

import (
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/anishathalye/porcupine"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// ErrLinearizability is broken when the writes clients saw cannot be put in
// one order consistent with their real-time order and a znode tree's
// rules; ErrUndecided when the search ran out of time (never a pass).
var (
	ErrLinearizability = errors.New("writes are linearizable")
	ErrUndecided       = errors.New("the linearizability check decided within its time limit")
)

// The write model: a naive znode tree, written apart from package tree so
// that the check does not trust the code under test. It knows create (all
// modes, sequential names from the parent's cversion), delete and setData
// with versions, check, multi, and session ends that take a session's
// ephemerals. ACLs are not modelled: ops refused for auth are left out.

type mnode struct {
	data     string
	version  int32
	cversion int32
	owner    int64 // ephemeral owner session, 0 if persistent
	children int32
}

// mstate is an immutable tree: steps copy it.
type mstate map[string]mnode

// winput is one write: a client op, or a session end from the commit log.
type winput struct {
	op       *client.Op // nil for a session end
	endOf    int64      // session whose ephemerals go
	sysPath  string     // a system delete (deleteContainer, TTL expiry)
	describe string     // for system inputs; an op describes itself
}

// String describes the input for porcupine's visualisation and for
// violations. Ops are described only when asked: most runs pass, and
// formatting every op of every run was a tenth of a run's cost.
func (in winput) String() string {
	if in.op != nil {
		return in.op.String()
	}
	return in.describe
}

// woutput is what the client saw; nil means unknown.
type woutput struct {
	err     tree.Code
	created string
	version int32 // setData's new version
	results []tree.OpResult
}

func (s mstate) clone() mstate {
	out := make(mstate, len(s)+1)
	for k, v := range s {
		out[k] = v
	}
	return out
}

func parentOf(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return "/"
	}
	return p[:i]
}

// applyOne applies one write to s (which it may modify), returning the
// code and, for creates, the name.
func applyOne(s mstate, typ tree.OpCode, path string, data []byte, version int32, mode tree.CreateMode, session int64) (tree.Code, string, int32) {
	switch typ {
	case tree.OpCreate, tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL:
		parent := parentOf(path)
		pn, ok := s[parent]
		if !ok {
			return tree.NoNode, "", 0
		}
		if pn.owner != 0 {
			return tree.NoChildrenForEphemerals, "", 0
		}
		name := path
		if mode.IsSequential() {
			name = fmt.Sprintf("%s%010d", path, pn.cversion)
		}
		if _, exists := s[name]; exists {
			return tree.NodeExists, "", 0
		}
		owner := int64(0)
		if mode.IsEphemeral() {
			owner = session
		}
		pn.cversion++
		pn.children++
		s[parent] = pn
		s[name] = mnode{data: string(data), owner: owner}
		return tree.OK, name, 0
	case tree.OpDelete:
		n, ok := s[path]
		if !ok {
			return tree.NoNode, "", 0
		}
		if version != -1 && version != n.version {
			return tree.BadVersion, "", 0
		}
		if n.children > 0 {
			return tree.NotEmpty, "", 0
		}
		deleteNode(s, path)
		return tree.OK, "", 0
	case tree.OpSetData:
		n, ok := s[path]
		if !ok {
			return tree.NoNode, "", 0
		}
		if version != -1 && version != n.version {
			return tree.BadVersion, "", 0
		}
		n.version++
		n.data = string(data)
		s[path] = n
		return tree.OK, "", n.version
	case tree.OpCheck:
		n, ok := s[path]
		if !ok {
			return tree.NoNode, "", 0
		}
		if version != -1 && version != n.version {
			return tree.BadVersion, "", 0
		}
		return tree.OK, "", 0
	}
	return tree.Unimplemented, "", 0
}

func deleteNode(s mstate, path string) {
	delete(s, path)
	if pn, ok := s[parentOf(path)]; ok {
		pn.children--
		s[parentOf(path)] = pn
	}
}

// step applies a write and says whether the client's view matches.
func step(s mstate, in winput, out *woutput) (bool, mstate) {
	next := s.clone()
	switch {
	case in.op == nil && in.sysPath != "":
		if n, ok := next[in.sysPath]; ok && n.children == 0 {
			deleteNode(next, in.sysPath)
		}
		return true, next
	case in.op == nil:
		var mine []string
		for p, n := range next {
			if n.owner == in.endOf {
				mine = append(mine, p)
			}
		}
		sort.Strings(mine)
		for _, p := range mine {
			deleteNode(next, p)
		}
		return true, next
	}
	op := in.op
	if op.Type == tree.OpMulti {
		return stepMulti(s, next, op, out)
	}
	code, name, version := applyOne(next, op.Type, op.Path, op.Data, op.Version, op.Mode, int64(op.Session))
	if out == nil {
		// Unknown outcome: it happened here or (Return is infinite) never.
		if code != tree.OK {
			return true, s
		}
		return true, next
	}
	if code != out.err {
		return false, s
	}
	if code != tree.OK {
		return true, s
	}
	switch op.Type {
	case tree.OpCreate, tree.OpCreate2, tree.OpCreateContainer, tree.OpCreateTTL:
		if name != out.created {
			return false, s
		}
	case tree.OpSetData:
		if version != out.version {
			return false, s
		}
	}
	return true, next
}

func stepMulti(s, next mstate, op *client.Op, out *woutput) (bool, mstate) {
	code := tree.OK
	var names []string
	for _, o := range op.Ops {
		var c tree.Code
		var name string
		switch r := o.Request.(type) {
		case *tree.CreateRequest:
			c, name, _ = applyOne(next, o.Type, r.Path, r.Data, -1, r.Flags, int64(op.Session))
		case *tree.DeleteRequest:
			c, _, _ = applyOne(next, o.Type, r.Path, nil, r.Version, 0, 0)
		case *tree.SetDataRequest:
			c, _, _ = applyOne(next, o.Type, r.Path, r.Data, r.Version, 0, 0)
		case *tree.CheckVersionRequest:
			c, _, _ = applyOne(next, o.Type, r.Path, nil, r.Version, 0, 0)
		default:
			c = tree.Unimplemented
		}
		names = append(names, name)
		if c != tree.OK {
			code = c
			break
		}
	}
	if out == nil {
		if code != tree.OK {
			return true, s
		}
		return true, next
	}
	if code != out.err {
		return false, s
	}
	if code != tree.OK {
		return true, s
	}
	for i, r := range out.results {
		if i < len(names) && names[i] != "" && r.Path != names[i] {
			return false, s
		}
	}
	return true, next
}

// paths lists every path an input touches.
func (in winput) paths() []string {
	switch {
	case in.op == nil && in.sysPath != "":
		return []string{in.sysPath}
	case in.op == nil:
		return nil // a session end touches whatever partitions hold its ephemerals
	case in.op.Type == tree.OpMulti:
		var out []string
		for _, o := range in.op.Ops {
			switch r := o.Request.(type) {
			case *tree.CreateRequest:
				out = append(out, r.Path)
			case *tree.DeleteRequest:
				out = append(out, r.Path)
			case *tree.SetDataRequest:
				out = append(out, r.Path)
			case *tree.CheckVersionRequest:
				out = append(out, r.Path)
			}
		}
		return out
	}
	return []string{in.op.Path}
}

// subtree is the independent part of the tree a path belongs to: its top
// component. Sequential creates directly under the root share the root's
// cversion with everything, so they put all ops in one part.
func subtree(p string) string {
	p = strings.TrimPrefix(p, "/")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return p
}

// noEffect lists codes after which a write surely changed nothing and
// told nothing about the tree: session trouble, refusal for auth, never
// sent.
func noEffect(c tree.Code) bool {
	switch c {
	case tree.SessionExpired, tree.SessionMoved, tree.ConnectionLoss, tree.OperationTimeout,
		tree.NoAuth, tree.AuthFailed, tree.InvalidACL, tree.MarshallingError, tree.Unimplemented,
		tree.BadArguments, tree.SystemError, tree.RuntimeInconsistency, tree.Throttled, tree.RequestTimeout:
		return true
	}
	return false
}

// writeHistory turns a history's writes into porcupine's operations and
// the znode model that checks them; v holds what the commit log already
// contradicts.
func writeHistory(h *client.History, recs []cluster.Record) (ops []porcupine.Operation, model porcupine.Model, rootSequential bool, v Verdict) {
	const never = int64(1<<63 - 1)
	commits := commitIndex(recs)
	hops := h.Ops()
	for i := range hops {
		op := &hops[i]
		if !op.Type.IsWrite() || op.Type == tree.OpCloseSession || op.Type == tree.OpCreateSession || op.Type == tree.OpSetACL {
			continue // sessions come from the commit log; ACLs are not modelled
		}
		var out *woutput
		call, ret := op.Call, op.Return
		switch op.Outcome {
		case client.Pending, client.Unknown:
			ret = never
		case client.OK:
			if noEffect(op.Err) {
				continue
			}
			out = &woutput{err: op.Err, created: op.Created, version: op.Stat.Version, results: op.Results}
			if op.Type == tree.OpMulti {
				out.err = multiCode(op)
			}
		}
		if recs != nil {
			cm, found := commits[txnKey{op.Session, op.Xid}]
			switch {
			case !found && op.Outcome == client.OK:
				v.add(ErrLinearizability, op.String(), "the client was answered, but no server committed a txn for session %#x xid %d", int64(op.Session), op.Xid)
				continue
			case !found:
				continue // never committed: it never happened
			case op.Outcome != client.OK:
				// The commit log knows what the client never heard.
				out = cm.result
				if out == nil || noEffect(out.err) {
					continue
				}
			case op.Outcome == client.OK && op.Zxid != cm.zxid:
				v.add(ErrLinearizability, op.String(), "answered with zxid %s, but its txn is %s", op.Zxid, cm.zxid)
			case cm.at < op.Call || op.Outcome == client.OK && cm.at > op.Return:
				v.add(ErrLinearizability, op.String(), "its txn %s committed at %d, outside its call and return", cm.zxid, cm.at)
			}
			call, ret = cm.rank, cm.rank
		}
		rootSequential = rootSequential || createsSequentialUnderRoot(op)
		ops = append(ops, porcupine.Operation{ClientId: op.Client, Input: winput{op: op}, Call: call, Output: out, Return: ret})
	}
	for _, cm := range commits {
		if cm.system == nil {
			continue
		}
		at := int64(cm.at)
		if recs != nil {
			at = cm.rank
		}
		ops = append(ops, porcupine.Operation{Input: *cm.system, Call: at, Output: &woutput{}, Return: at})
	}
	sort.SliceStable(ops, func(i, j int) bool { return ops[i].Call < ops[j].Call })
	model = porcupine.Model{
		Partition: func(hist []porcupine.Operation) [][]porcupine.Operation {
			return partitionWrites(hist, rootSequential)
		},
		Init: func() interface{} { return mstate{"/": {}} },
		Step: func(state, input, output interface{}) (bool, interface{}) {
			out, _ := output.(*woutput)
			return step(state.(mstate), input.(winput), out)
		},
		Equal: func(a, b interface{}) bool { return equalStates(a.(mstate), b.(mstate)) },
		DescribeOperation: func(input, output interface{}) string {
			return input.(winput).String()
		},
		DescribeState: func(state interface{}) string { return describeState(state.(mstate)) },
	}
	return ops, model, rootSequential, v
}

// VisualizeWrites writes porcupine's HTML visualisation of the check of a
// history's writes: the partial linearizations it found, and where a
// failing history got stuck. timeout bounds the search as in
// LinearizableWrites.
func VisualizeWrites(h *client.History, recs []cluster.Record, timeout time.Duration, w io.Writer) error {
	ops, model, _, _ := writeHistory(h, recs)
	_, info := porcupine.CheckOperationsVerbose(model, ops, timeout)
	return porcupine.Visualize(model, info, w)
}

// LinearizableWrites checks the writes of a history with porcupine,
// partitioned by top-level subtree. With the cluster's records it first
// uses the order the servers agreed on: every acknowledged write must be a
// committed txn of its session and xid, carry that txn's zxid, and commit
// within its call and return; an unknown write is known once the commit
// log says whether it committed. Each write then sits at its commit, and
// porcupine checks that the results are a znode tree's in that order —
// fast even for long histories. Without records (a real ensemble) the
// search uses the call and return times alone, unknown writes may take
// effect any time after their call, and timeout bounds it.
func LinearizableWrites(h *client.History, recs []cluster.Record, timeout time.Duration) Verdict {
	ops, model, rootSequential, v := writeHistory(h, recs)
	if len(ops) == 0 || !v.OK() {
		return v
	}
	switch porcupine.CheckOperationsTimeout(model, ops, timeout) {
	case porcupine.Ok:
	case porcupine.Illegal:
		if recs != nil {
			// In the agreed order the search is a replay: name the first
			// write whose result the tree contradicts.
			for _, part := range partitionWrites(ops, rootSequential) {
				st := mstate{"/": {}}
				for _, o := range part {
					out, _ := o.Output.(*woutput)
					ok, next := step(st, o.Input.(winput), out)
					if !ok {
						in := o.Input.(winput)
						v.add(ErrLinearizability, in.String(), "in commit order the tree says otherwise: %s", describeAt(st, in))
						break
					}
					st = next
				}
			}
			if !v.OK() {
				return v
			}
		}
		v.add(ErrLinearizability, "porcupine", "no order of the %d writes is consistent with their times and a znode tree", len(ops))
	default:
		v.add(ErrUndecided, "porcupine", "the search for an order of %d writes timed out after %s", len(ops), timeout)
	}
	return v
}

type txnKey struct {
	session zab.SessionID
	cxid    int32
}

// commit is one committed txn: when it was first applied (at the leader),
// its place in the agreed order, and, for a session end or a system
// delete, the write it stands for.
type commit struct {
	zxid   zab.Zxid
	at     int64
	rank   int64
	system *winput
	result *woutput // what the txn says the client would have heard
}

// txnResult is the answer a committed txn stands for.
func txnResult(txn tree.Txn) *woutput {
	switch t := txn.(type) {
	case tree.ErrorTxn:
		return &woutput{err: t.Err}
	case tree.CreateTxn:
		return &woutput{created: t.Path}
	case tree.CreateContainerTxn:
		return &woutput{created: t.Path}
	case tree.CreateTTLTxn:
		return &woutput{created: t.Path}
	case tree.SetDataTxn:
		return &woutput{version: t.Version}
	case tree.DeleteTxn, tree.CheckVersionTxn:
		return &woutput{}
	case tree.MultiTxn:
		out := &woutput{}
		for _, sub := range t.Txns {
			r := txnResult(sub.Txn)
			if sub.Type == tree.OpError && out.err == tree.OK && r.err != tree.OK {
				out.err = r.err
			}
			out.results = append(out.results, tree.OpResult{Type: sub.Type, Err: r.err, Path: r.created})
		}
		return out
	}
	return nil
}

// commitIndex indexes the committed txns by session and cxid, in zxid
// order. System txns (session ends, the leader's deletes) are keyed apart.
func commitIndex(recs []cluster.Record) map[txnKey]commit {
	out := map[txnKey]commit{}
	seen := map[zab.Zxid]bool{}
	var order []zab.Zxid
	byZxid := map[zab.Zxid]cluster.Record{}
	for _, r := range recs {
		if r.Obs.Kind != zab.ObsDeliver && r.Obs.Kind != zab.ObsCommitted || seen[r.Obs.Zxid] {
			continue
		}
		seen[r.Obs.Zxid] = true
		order = append(order, r.Obs.Zxid)
		byZxid[r.Obs.Zxid] = r
	}
	sort.Slice(order, func(i, j int) bool { return order[i] < order[j] })
	for rank, z := range order {
		r := byZxid[z]
		e := r.Obs.Entry
		cm := commit{zxid: z, at: int64(r.At), rank: int64(rank) + 1, result: txnResult(e.Txn)}
		key := txnKey{zab.SessionID(e.Hdr.SessionID), e.Hdr.Cxid}
		switch t := e.Txn.(type) {
		case tree.CloseSessionTxn:
			cm.system = &winput{endOf: e.Hdr.SessionID, describe: fmt.Sprintf("session %#x ends at %s", e.Hdr.SessionID, z)}
			key = txnKey{session: -1, cxid: int32(rank)}
		case tree.DeleteTxn:
			if e.Hdr.SessionID == 0 {
				cm.system = &winput{sysPath: t.Path, describe: fmt.Sprintf("system delete %s at %s", t.Path, z)}
				key = txnKey{session: -1, cxid: int32(rank)}
			}
		case tree.CreateSessionTxn:
			continue
		}
		out[key] = cm
	}
	return out
}

func createsSequentialUnderRoot(op *client.Op) bool {
	if op.Mode.IsSequential() && parentOf(op.Path) == "/" {
		return true
	}
	for _, o := range op.Ops {
		if r, ok := o.Request.(*tree.CreateRequest); ok && r.Flags.IsSequential() && parentOf(r.Path) == "/" {
			return true
		}
	}
	return false
}

func multiCode(op *client.Op) tree.Code {
	if op.Err != tree.OK {
		return op.Err
	}
	for _, r := range op.Results {
		if r.Type == tree.OpError && r.Err != tree.OK {
			return r.Err
		}
	}
	return tree.OK
}

// partitionWrites groups writes into independent subtrees (ops of a multi
// that spans subtrees join them). Session ends go to every part: each
// deletes only its part's ephemerals.
func partitionWrites(hist []porcupine.Operation, single bool) [][]porcupine.Operation {
	if single {
		return [][]porcupine.Operation{hist}
	}
	parent := map[string]string{}
	var find func(string) string
	find = func(x string) string {
		if p, ok := parent[x]; ok && p != x {
			r := find(p)
			parent[x] = r
			return r
		}
		parent[x] = x
		return x
	}
	var ends []porcupine.Operation
	for _, o := range hist {
		ps := o.Input.(winput).paths()
		if len(ps) == 0 {
			ends = append(ends, o)
			continue
		}
		first := find(subtree(ps[0]))
		for _, p := range ps[1:] {
			r := find(subtree(p))
			if r != first {
				parent[r] = first
			}
		}
	}
	groups := map[string][]porcupine.Operation{}
	for _, o := range hist {
		ps := o.Input.(winput).paths()
		if len(ps) == 0 {
			continue
		}
		k := find(subtree(ps[0]))
		groups[k] = append(groups[k], o)
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([][]porcupine.Operation, 0, len(keys))
	for _, k := range keys {
		out = append(out, append(groups[k], ends...))
	}
	return out
}

func equalStates(a, b mstate) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// describeAt renders what the model holds at an input's paths.
func describeAt(s mstate, in winput) string {
	var parts []string
	for _, p := range in.paths() {
		for _, q := range []string{p, parentOf(p)} {
			if n, ok := s[q]; ok {
				parts = append(parts, fmt.Sprintf("%s{v=%d cv=%d children=%d owner=%#x data=%q}", q, n.version, n.cversion, n.children, n.owner, n.data))
			} else {
				parts = append(parts, q+" absent")
			}
		}
	}
	return strings.Join(parts, ", ")
}

// describeState renders the model's tree, one znode a line in path order,
// for porcupine's visualisation.
func describeState(s mstate) string {
	paths := make([]string, 0, len(s))
	for p := range s {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var b strings.Builder
	for _, p := range paths {
		n := s[p]
		fmt.Fprintf(&b, "%s v=%d %q", p, n.version, n.data)
		if n.owner != 0 {
			fmt.Fprintf(&b, " owner=%#x", n.owner)
		}
		b.WriteByte('\n')
	}
	return b.String()
}
