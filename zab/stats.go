package zab

// Stats is a read-only snapshot of what ZooKeeper's four-letter words
// report (srvr, stat, mntr: ServerStats, ZKDatabase, Leader). Taking it
// changes nothing and draws nothing from the environment, so it may be
// called between steps without touching behaviour.
type Stats struct {
	State      State
	Serving    bool     // answering clients
	Leader     ServerID // the leader it follows (itself when leading); 0 if none
	LastZxid   Zxid     // last applied (getLastProcessedZxid)
	Nodes      int      // znodes as getNodeCount counts them: the root twice
	Watches    int
	Ephemerals int
	// ApproxDataSize is DataTree.approximateDataSize: the length of every
	// node's path and data.
	ApproxDataSize int64
	Sessions       int // sessions the database knows (zk_global_sessions)
	Clients        int // client connections the server knows of
	Outstanding    int // client requests queued and not yet answered

	// Leader only.
	Learners         int // connected learners (zk_learners)
	SyncedFollowers  int // followers receiving proposals (zk_synced_followers)
	SyncedObservers  int // observers receiving informs (zk_synced_observers)
	PendingProposals int // proposed, not yet committed
	PendingSyncs     int // syncs waiting for a commit (zk_pending_syncs)
}

// Stats takes the snapshot. Nodes counts the root twice, as
// DataTree.getNodeCount does: Java's node map holds the root under "" as
// well as "/", so a fresh ZooKeeper reports 5 nodes where it has 4.
func (s *Server) Stats() Stats {
	st := Stats{State: s.state, Serving: s.serving, LastZxid: s.db.lastProcessed(),
		Nodes: s.db.tree.Size() + 1, Watches: s.db.tree.WatchCount(), Sessions: len(s.db.sessions),
		Clients: len(s.clients)}
	if s.state != Looking {
		st.Leader = s.currentVote.Leader
	}
	for _, id := range s.db.tree.Sessions() {
		st.Ephemerals += len(s.db.tree.Ephemerals(id))
	}
	for _, p := range s.db.tree.Paths() {
		d, _ := s.db.tree.Data(p)
		st.ApproxDataSize += int64(len(p) + len(d))
	}
	for _, cc := range s.clients {
		st.Outstanding += len(cc.queue)
	}
	if l := s.leader; l != nil {
		st.Learners = len(l.handlers)
		for _, h := range l.handlers {
			switch {
			case !h.forwarding:
			case h.observer:
				st.SyncedObservers++
			default:
				st.SyncedFollowers++
			}
		}
		st.PendingProposals = len(l.outstanding)
		st.PendingSyncs = len(l.syncWaits)
	}
	return st
}
