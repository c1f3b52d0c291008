package scenarios

import (
	"fmt"
	"sort"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// Stats are the few numbers a sweep keeps of each run: small enough for
// ten thousand seeds. Durations are virtual nanoseconds; -1 means never.
type Stats struct {
	// Elections holds how long each leaderless spell lasted: from the
	// start of the run, or from the moment the established leader lost
	// its quorum (it crashed or stopped leading, or too few voters
	// followed it), to the next leader established. A spell that ends
	// with the same leader regaining its quorum is no election.
	Elections []int64 `json:"elections_ns,omitempty"`
	// Leaderless is set when the run ended in a leaderless spell.
	Leaderless bool `json:"leaderless,omitempty"`
	// RecoveryLeader is the time from the heal to an established leader
	// with a quorum (0 if one had it at the heal).
	RecoveryLeader int64 `json:"recovery_leader_ns"`
	// RecoveryWrite is the time from the heal to the first write a server
	// answered after it (with the tree's answer, not a connection error).
	RecoveryWrite int64 `json:"recovery_write_ns"`
	Ops           int   `json:"ops"`
	Answered      int   `json:"answered"`
	// Violations counts the run's violations by guarantee, sorted by it.
	Violations []GuaranteeCount `json:"violations,omitempty"`
}

// GuaranteeCount is how many violations broke one guarantee.
type GuaranteeCount struct {
	Guarantee string `json:"guarantee"`
	Count     int    `json:"count"`
}

func buildStats(tl *Timeline, h *client.History, el *electionTracker, v checker.Verdict) Stats {
	st := Stats{Elections: el.durations, Leaderless: el.open, RecoveryLeader: el.recovery, RecoveryWrite: -1, Ops: len(tl.Ops)}
	for _, op := range tl.Ops {
		if op.Result == ResultAnswered {
			st.Answered++
		}
	}
	st.RecoveryWrite = recoveryWrite(h, tl.HealAt)
	counts := map[string]int{}
	for _, x := range v.Violations {
		counts[fmt.Sprint(x.Guarantee)]++
	}
	for g, n := range counts {
		st.Violations = append(st.Violations, GuaranteeCount{Guarantee: g, Count: n})
	}
	sort.Slice(st.Violations, func(i, j int) bool { return st.Violations[i].Guarantee < st.Violations[j].Guarantee })
	return st
}

func recoveryWrite(h *client.History, healAt int64) int64 {
	best := int64(-1)
	for _, op := range h.All() {
		if !op.IsWrite() || op.Outcome != client.OK || op.Server == 0 || !semanticAnswer(op.Err) || op.Return < healAt {
			continue
		}
		if d := op.Return - healAt; best < 0 || d < best {
			best = d
		}
	}
	return best
}

// electionTracker follows, in the order things happened, whether the
// ensemble has an established leader with a quorum of voters behind it.
type electionTracker struct {
	voters int
	healAt int64
	state  []zab.State    // per voter
	follow []zab.ServerID // per voter: the leader it follows or leads
	up     []bool
	leader zab.ServerID // the last established leader; 0 before the first
	had    bool         // the leader had its quorum at the last event

	open      bool // a leaderless spell is in progress
	since     int64
	durations []int64
	spells    []Span // every leaderless spell, elections or not
	recovery  int64  // -1 until known
	healed    bool   // the heal has been passed
}

func newElectionTracker(voters int, healAt int64) *electionTracker {
	el := &electionTracker{voters: voters, healAt: healAt, recovery: -1, open: true}
	el.state = make([]zab.State, voters)
	el.follow = make([]zab.ServerID, voters)
	el.up = make([]bool, voters)
	for i := range el.up {
		el.up[i] = true
		el.state[i] = zab.Looking
	}
	return el
}

func (el *electionTracker) voter(id zab.ServerID) (int, bool) {
	i := int(id) - 1
	return i, i >= 0 && i < el.voters
}

// quorate reports whether the last established leader leads a quorum.
func (el *electionTracker) quorate() bool {
	if el.leader == 0 {
		return false
	}
	n := 0
	for i := 0; i < el.voters; i++ {
		if el.up[i] && el.follow[i] == el.leader && (el.state[i] == zab.Following || el.state[i] == zab.Leading) {
			n++
		}
	}
	return n > el.voters/2
}

// at is called before each event: the heal is judged as things stood
// when it came.
func (el *electionTracker) at(t int64) {
	if el.healed || t < el.healAt {
		return
	}
	el.healed = true
	if el.had {
		el.recovery = 0
	}
}

// settle updates the spell after an event at t; establishedNow says the
// event established a leader.
func (el *electionTracker) settle(t int64, establishedNow bool) {
	has := el.quorate()
	switch {
	case establishedNow && el.open:
		el.durations = append(el.durations, t-el.since)
		el.spells = append(el.spells, Span{From: el.since, To: t})
		el.open = false
	case has && el.open:
		el.spells = append(el.spells, Span{From: el.since, To: t})
		el.open = false // the same leader regained its quorum: no election
	case !has && !el.open && el.had:
		el.open, el.since = true, t
	}
	if has && el.healed && el.recovery < 0 {
		el.recovery = t - el.healAt
	}
	el.had = has
}

func (el *electionTracker) stateRecord(r cluster.Record) {
	el.at(int64(r.At))
	if i, ok := el.voter(r.Server); ok {
		el.state[i] = r.Obs.State
		el.follow[i] = r.Obs.Leader
		if r.Obs.State == zab.Leading {
			el.follow[i] = r.Server
		}
	}
	el.settle(int64(r.At), false)
}

func (el *electionTracker) establishedRecord(r cluster.Record) {
	el.at(int64(r.At))
	el.leader = r.Server
	if i, ok := el.voter(r.Server); ok {
		el.follow[i] = r.Server
	}
	el.settle(int64(r.At), true)
}

func (el *electionTracker) lifeEvent(e cluster.LifeEvent) {
	el.at(int64(e.At))
	if i, ok := el.voter(e.Server); ok {
		switch e.Kind {
		case cluster.LifeCrash:
			el.up[i] = false
		case cluster.LifeRestart:
			el.up[i] = true
			el.state[i], el.follow[i] = zab.Looking, 0
		}
	}
	el.settle(int64(e.At), false)
}

// finish closes the tracker at the end of the run.
func (el *electionTracker) finish(end int64) {
	el.at(end)
	if el.open {
		el.spells = append(el.spells, Span{From: el.since, To: end})
	}
}
