package jute

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
)

// MaxPending bounds the requests a codec remembers while they await their
// replies. zab's server drops a connection with more than 10,000
// outstanding requests; this leaves room above that.
const MaxPending = 1 << 16

// pendingOps remembers the op of each request in flight, in order, so a
// reply (whose header has only the xid) can be encoded or decoded by its
// request's type. Replies come in request order (ZooKeeper answers a
// connection's requests in order, and Java's client insists on it), so the
// match is almost always the head; a search from the head copes with the
// xids a server answers out of line (auth).
type pendingOps struct {
	q []pendingOp
}

type pendingOp struct {
	xid int32
	op  tree.OpCode
}

func (p *pendingOps) push(xid int32, op tree.OpCode) error {
	if len(p.q) >= MaxPending {
		return fmt.Errorf("jute: more than %d requests await replies", MaxPending)
	}
	p.q = append(p.q, pendingOp{xid: xid, op: op})
	return nil
}

// take removes the oldest request with xid and returns its op.
func (p *pendingOps) take(xid int32) (tree.OpCode, bool) {
	for i, e := range p.q {
		if e.xid != xid {
			continue
		}
		if i == 0 {
			p.q[0] = pendingOp{}
			p.q = p.q[1:]
		} else {
			p.q = append(p.q[:i], p.q[i+1:]...)
		}
		if len(p.q) == 0 {
			p.q = p.q[:0:0] // let the backing array go
		}
		return e.op, true
	}
	return 0, false
}

func (p *pendingOps) len() int { return len(p.q) }
