package checker

import (
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// ErrLiveness is broken when, some time after every fault healed, the
// ensemble still does not answer its live clients.
var (
	ErrLiveness = errors.New("liveness: after the faults heal, live clients' operations complete")
	ErrNoLeader = errors.New("liveness: after the faults heal, a leader is established")
	// ErrEventStorm: the servers kept messaging without making progress
	// until the run's event budget ran out (an election whose votes beat
	// each other in a circle, ZOOKEEPER-1419).
	ErrEventStorm = errors.New("liveness: the ensemble settles instead of messaging without end")
)

// EventBudget reports a run stopped by its event budget: budget events
// delivered by virtual time at, far more than any settled run needs.
func EventBudget(exhausted bool, budget, at int64) Verdict {
	var v Verdict
	if exhausted {
		v.add(ErrEventStorm, "the world's event budget", "%d events delivered by %s; the run stopped there", budget, time.Duration(at))
	}
	return v
}

// Liveness checks the heal window of a run: every operation called from
// healAt+bound until end was answered (the clients' sessions that expired
// during the faults are dead, and their ops are not counted), and at least
// one was, if any was called.
func Liveness(h *client.History, healAt, bound, end int64) Verdict {
	var v Verdict
	from := healAt + bound
	called, answered := 0, 0
	for _, op := range h.All() {
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

// LeaderElected checks that healAt+bound finds an established leader: a
// server whose last record by then is its ObsEstablished (a state change,
// a restart or a crash's recovery after it would end the leadership), and
// that a quorum of voters follows it (their last state is FOLLOWING it).
func LeaderElected(recs []cluster.Record, voters int, healAt, bound int64) Verdict {
	var v Verdict
	at := sim.Time(healAt + bound)
	type state struct {
		state       zab.State
		leader      zab.ServerID
		established bool
	}
	servers := map[zab.ServerID]*state{}
	for _, r := range recs {
		if r.At > at {
			break
		}
		s := servers[r.Server]
		if s == nil {
			s = &state{state: zab.Looking}
			servers[r.Server] = s
		}
		switch r.Obs.Kind {
		case zab.ObsState:
			s.state, s.leader, s.established = r.Obs.State, r.Obs.Leader, false
		case zab.ObsRecover:
			s.state, s.leader, s.established = zab.Looking, 0, false
		case zab.ObsEstablished:
			s.established = true
		case zab.ObsFatal:
			s.state, s.established = zab.Looking, false
		}
	}
	ids := make([]zab.ServerID, 0, len(servers))
	for id := range servers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		s := servers[id]
		if s.state != zab.Leading || !s.established {
			continue
		}
		followers := 1 // the leader's own vote
		for _, f := range ids {
			if fs := servers[f]; f != id && fs.state == zab.Following && fs.leader == id {
				followers++
			}
		}
		if followers > voters/2 {
			return v
		}
	}
	var states []string
	for _, id := range ids {
		s := servers[id]
		states = append(states, fmt.Sprintf("zk%d %s", id, s.state))
	}
	v.add(ErrNoLeader, fmt.Sprintf("%.1fs", float64(at)/1e9), "%.1fs after the heal no leader is established with a quorum (%v)", float64(bound)/1e9, states)
	return v
}
