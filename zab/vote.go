package zab

import "fmt"

// Vote is what fast leader election proposes and settles on.
type Vote struct {
	Leader        ServerID
	Zxid          Zxid
	ElectionEpoch Epoch
	PeerEpoch     Epoch
	State         State // the voter's state; only meaningful in FOLLOWING/LEADING votes
}

func (v Vote) String() string {
	return fmt.Sprintf("(leader=%d zxid=%s election=%#x peer=%#x %s)", v.Leader, v.Zxid, int64(v.ElectionEpoch), int64(v.PeerEpoch), v.State)
}

// noLeader is the initial proposal of a server that may not vote: an
// observer proposes Long.MIN_VALUE (FastLeaderElection.getInitId).
const noLeader ServerID = -1 << 63

// voteBeats is FastLeaderElection.totalOrderPredicate: a candidate beats
// the current proposal by higher peer epoch, then higher zxid, then higher
// id. A candidate that may not vote (weight 0, e.g. an observer) never wins.
// With bug1419 set it is the predicate before ZOOKEEPER-1419's fix, whose
// last clause forgot to require equal epochs, so equal zxids and a higher id
// beat a higher epoch.
func voteBeats(newID ServerID, newZxid Zxid, newEpoch Epoch, cur Vote, canVote func(ServerID) bool, bug1419 bool) bool {
	if !canVote(newID) {
		return false
	}
	if bug1419 {
		return newEpoch > cur.PeerEpoch ||
			newEpoch == cur.PeerEpoch && newZxid > cur.Zxid ||
			newZxid == cur.Zxid && newID > cur.Leader
	}
	if newEpoch != cur.PeerEpoch {
		return newEpoch > cur.PeerEpoch
	}
	if newZxid != cur.Zxid {
		return newZxid > cur.Zxid
	}
	return newID > cur.Leader
}
