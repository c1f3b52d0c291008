package conform

import (
	"fmt"
	"time"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/scenarios"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// SimElections reads a simulated run (kept with its trace) for the same
// figures RunReal measures: each crash of the established leader, and how
// long until another server was established (ObsEstablished).
func SimElections(res *scenarios.Result) []Election {
	c := res.Cluster
	type est struct {
		at     sim.Time
		server zab.ServerID
	}
	var established []est
	leaderAt := func(t sim.Time) zab.ServerID { // the last established before t
		var l zab.ServerID
		for _, e := range established {
			if e.at > t {
				break
			}
			l = e.server
		}
		return l
	}
	c.EachRecord(func(r cluster.Record) {
		if r.Obs.Kind == zab.ObsEstablished {
			established = append(established, est{r.At, r.Server})
		}
	})
	var out []Election
	for _, e := range c.World.TraceEntries() {
		var n int
		var torn bool
		if _, err := fmt.Sscanf(e.Text, "crash zk%d torn=%t", &n, &torn); err != nil || e.Kind != "note" {
			continue
		}
		if leaderAt(e.At) != zab.ServerID(n) {
			continue
		}
		el := Election{Killed: n, At: time.Duration(e.At)}
		for _, x := range established {
			if x.at > e.At {
				el.NewLeader, el.Took = int(x.server), time.Duration(x.at-e.At)
				break
			}
		}
		out = append(out, el)
	}
	return out
}

// Answered counts the ops of a history a server answered.
func Answered(h *client.History) int {
	n := 0
	for _, op := range h.All() {
		if op.Outcome == client.OK && op.Sent {
			n++
		}
	}
	return n
}
