package checker

import (
	"errors"
	"fmt"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// ErrLiveness is broken when, some time after every fault healed, the
// ensemble still does not answer its live clients.
var ErrLiveness = errors.New("liveness: after the faults heal, live clients' operations complete")

// Liveness checks the heal window of a run: every operation called from
// healAt+bound until end was answered (the clients' sessions that expired
// during the faults are dead, and their ops are not counted), and at least
// one was, if any was called.
func Liveness(h *client.History, healAt, bound, end int64) Verdict {
	var v Verdict
	from := healAt + bound
	called, answered := 0, 0
	for _, op := range h.Ops {
		if op.Call < from || op.Call >= end {
			continue
		}
		if op.Outcome == client.OK && (op.Err == tree.SessionExpired || op.Err == tree.AuthFailed) {
			continue
		}
		called++
		if op.Outcome != client.OK || op.Err == tree.ConnectionLoss {
			if len(v.Violations) < 5 {
				v.add(ErrLiveness, op.String(), "called %.1fs after the heal and not answered", float64(op.Call-healAt)/1e9)
			}
			continue
		}
		answered++
	}
	if called > 0 && answered == 0 {
		v.add(ErrLiveness, fmt.Sprintf("%d ops", called), "nothing was answered from %.1fs after the heal to the end", float64(bound)/1e9)
	}
	return v
}
