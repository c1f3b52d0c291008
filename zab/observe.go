package zab

import "fmt"

// ObsKind says what an Observation reports.
type ObsKind uint8

const (
	// ObsState: the server changed state (State, Leader it follows, PeerEpoch).
	ObsState ObsKind = iota
	// ObsEstablished: as leader, a quorum acknowledged NEWLEADER for Epoch;
	// the leader is established and starts serving. Zxid and Digest are its
	// history's last zxid and tree digest.
	ObsEstablished
	// ObsPropose: as leader, sent the PROPOSAL of Entry.
	ObsPropose
	// ObsDeliver: applied Entry to the tree; Digest is the tree's digest after.
	ObsDeliver
	// ObsTruncate: truncated the log to Zxid (TRUNC).
	ObsTruncate
	// ObsSnapSync: replaced the tree by the leader's snapshot at Zxid.
	ObsSnapSync
	// ObsRecover: restarted and recovered the tree to Zxid from disk.
	ObsRecover
	// ObsAcceptedEpoch and ObsCurrentEpoch: persisted an epoch file.
	ObsAcceptedEpoch
	ObsCurrentEpoch
	// ObsSessionExpired: as leader, expired a session (Session).
	ObsSessionExpired
	// ObsFatal: the server stopped on an unrecoverable error (Detail).
	ObsFatal
	// ObsFastForward: leaving a role, applied its logged but uncommitted
	// txns up to Zxid (fastForwardDataBase).
	ObsFastForward
	// ObsSync: as leader, chose how to sync learner Peer: Detail is DIFF,
	// TRUNC, TRUNC+DIFF or SNAP, Zxid the learner's last zxid.
	ObsSync
	// ObsCommitted: as a newly established leader, Entry is committed:
	// NEWLEADER's quorum took the leader's whole history, including txns
	// it had applied when it fast-forwarded and never saw a COMMIT for.
	ObsCommitted
)

var obsNames = [...]string{"state", "established", "propose", "deliver", "truncate",
	"snap-sync", "recover", "accepted-epoch", "current-epoch", "session-expired", "fatal", "fast-forward", "sync", "committed"}

func (k ObsKind) String() string {
	if int(k) < len(obsNames) {
		return obsNames[k]
	}
	return fmt.Sprintf("ObsKind(%d)", uint8(k))
}

// Observation is a protocol fact a server reports through Env.Observe, for
// checkers and reports. Only the fields its Kind names are set.
type Observation struct {
	Kind    ObsKind
	State   State
	Leader  ServerID
	Epoch   Epoch
	Zxid    Zxid
	Entry   *LogEntry
	Digest  uint64
	Session SessionID
	Peer    ServerID
	Detail  string
}

func (o Observation) String() string {
	switch o.Kind {
	case ObsState:
		return fmt.Sprintf("state %s leader=%d peerEpoch=%#x", o.State, o.Leader, int64(o.Epoch))
	case ObsEstablished, ObsAcceptedEpoch, ObsCurrentEpoch:
		return fmt.Sprintf("%s %#x", o.Kind, int64(o.Epoch))
	case ObsPropose, ObsDeliver, ObsCommitted:
		return fmt.Sprintf("%s %s digest=%#x", o.Kind, o.Entry, o.Digest)
	case ObsSessionExpired:
		return fmt.Sprintf("%s %#x", o.Kind, int64(o.Session))
	case ObsFatal:
		return fmt.Sprintf("%s %s", o.Kind, o.Detail)
	case ObsSync:
		return fmt.Sprintf("%s %d by %s from %s", o.Kind, o.Peer, o.Detail, o.Zxid)
	}
	return fmt.Sprintf("%s %s digest=%#x", o.Kind, o.Zxid, o.Digest)
}

// TraceHash folds the observation's facts into a simulated world's trace.
func (o Observation) TraceHash() uint64 {
	h := mix(uint64(o.Kind), uint64(o.State), uint64(o.Leader), uint64(o.Epoch), uint64(o.Zxid), o.Digest,
		uint64(o.Session), uint64(o.Peer), mixString(o.Detail))
	if o.Entry != nil {
		h = mix(h, uint64(o.Entry.Hdr.SessionID), uint64(o.Entry.Hdr.Cxid), uint64(o.Entry.Hdr.Type))
	}
	return h
}
