package checker

import (
	"errors"
	"fmt"
	"sort"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

// ErrSessionEnded is broken when an ephemeral outlives its session: a txn
// that creates an ephemeral of a session commits after that session's
// closeSession did, so nothing will ever delete the node
// (ZOOKEEPER-1208).
var ErrSessionEnded = errors.New("ephemerals disappear when their session ends: none is created for a session that has ended")

// SessionEnds walks the agreed commit sequence and reports every
// ephemeral created, alone or in a multi, by a session whose closeSession
// committed before it. A refused request (an error txn, a failed multi)
// creates nothing and is not counted.
func SessionEnds(recs []cluster.Record) Verdict {
	var v Verdict
	type commit struct {
		rec cluster.Record
		i   int
	}
	seen := map[zab.Zxid]bool{}
	var log []commit
	for i, r := range recs {
		if (r.Obs.Kind == zab.ObsDeliver || r.Obs.Kind == zab.ObsCommitted) && !seen[r.Obs.Zxid] {
			seen[r.Obs.Zxid] = true
			log = append(log, commit{r, i})
		}
	}
	sort.Slice(log, func(i, j int) bool { return log[i].rec.Obs.Zxid < log[j].rec.Obs.Zxid })
	ended := map[int64]zab.Zxid{}
	for _, c := range log {
		e := c.rec.Obs.Entry
		sid := e.Hdr.SessionID
		if _, ok := e.Txn.(tree.CloseSessionTxn); ok {
			ended[sid] = e.Zxid()
			continue
		}
		end, gone := ended[sid]
		if !gone || sid == 0 {
			continue
		}
		if path := ephemeralCreated(e.Txn); path != "" {
			v.add(ErrSessionEnded, where(c.rec, c.i), "%s creates ephemeral %s for session %#x, which ended at %s", e.Zxid(), path, sid, end)
		}
	}
	return v
}

// ephemeralCreated names the ephemeral a txn creates, "" if none.
func ephemeralCreated(txn tree.Txn) string {
	switch t := txn.(type) {
	case tree.CreateTxn:
		if t.Ephemeral {
			return t.Path
		}
	case tree.MultiTxn:
		for _, s := range t.Txns {
			if s.Type == tree.OpError {
				return "" // a failed multi changes nothing
			}
		}
		for _, s := range t.Txns {
			if p := ephemeralCreated(s.Txn); p != "" {
				return fmt.Sprintf("%s (in a multi)", p)
			}
		}
	}
	return ""
}
