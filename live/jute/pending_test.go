package jute

// A property test of the pending-request queue against a plain slice.

import (
	"testing"

	"pgregory.net/rapid"

	"github.com/zabsim/zabsim/tree"
)

func TestPendingOps(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		var p pendingOps
		var model []pendingOp
		for range rapid.IntRange(0, 60).Draw(t, "steps") {
			xid := rapid.Int32Range(-2, 6).Draw(t, "xid")
			if rapid.Bool().Draw(t, "push") {
				op := tree.OpCode(rapid.Int32Range(0, 20).Draw(t, "op"))
				if err := p.push(xid, op); err != nil {
					t.Fatal(err)
				}
				model = append(model, pendingOp{xid, op})
				continue
			}
			op, ok := p.take(xid)
			want, wantOK := tree.OpCode(0), false
			for i, e := range model {
				if e.xid == xid {
					want, wantOK = e.op, true
					model = append(model[:i], model[i+1:]...)
					break
				}
			}
			if op != want || ok != wantOK {
				t.Fatalf("take(%d) = %v, %v; want %v, %v", xid, op, ok, want, wantOK)
			}
			if p.len() != len(model) {
				t.Fatalf("len %d, want %d", p.len(), len(model))
			}
		}
	})
}
