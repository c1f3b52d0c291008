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
	q    []pendingOp
	head int // q[head:] await replies; q[:head] are settled and zeroed
}

type pendingOp struct {
	xid int32
	op  tree.OpCode
}

func (p *pendingOps) push(xid int32, op tree.OpCode) error {
	if p.len() >= MaxPending {
		return fmt.Errorf("jute: more than %d requests await replies", MaxPending)
	}
	if p.head > 0 && len(p.q) == cap(p.q) {
		// Slide the live part down rather than grow.
		n := copy(p.q, p.q[p.head:])
		clear(p.q[n:])
		p.q, p.head = p.q[:n], 0
	}
	p.q = append(p.q, pendingOp{xid: xid, op: op})
	return nil
}

// take removes the oldest request with xid and returns its op.
func (p *pendingOps) take(xid int32) (tree.OpCode, bool) {
	for i := p.head; i < len(p.q); i++ {
		e := p.q[i]
		if e.xid != xid {
			continue
		}
		if i == p.head {
			p.q[i] = pendingOp{}
			p.head++
		} else {
			copy(p.q[i:], p.q[i+1:])
			p.q = p.q[:len(p.q)-1]
		}
		if p.head == len(p.q) {
			p.q, p.head = p.q[:0], 0 // empty: reuse the array from its start
		}
		return e.op, true
	}
	return 0, false
}

func (p *pendingOps) len() int { return len(p.q) - p.head }
