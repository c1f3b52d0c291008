package zab

import "fmt"

// ServerID is a server's myid, as in zoo.cfg's server.N lines.
type ServerID int64

// Epoch is the high 32 bits of a zxid. ZAB has four epochs and they are
// never named bare "epoch": acceptedEpoch and currentEpoch are persisted by
// every server, peerEpoch is the currentEpoch a vote carries, and
// electionEpoch is fast leader election's logical clock.
type Epoch int64

// Zxid is a transaction id: epoch<<32 | counter (ZxidUtils).
type Zxid int64

// NoZxid is the zxid of a watch event no txn fired (WatchedEvent.NO_ZXID).
const NoZxid Zxid = -1

// SessionID identifies a client session. Its top byte is the myid of the
// server that created it (SessionTrackerImpl.initializeNextSessionId).
type SessionID int64

// MakeZxid joins an epoch and a counter (ZxidUtils.makeZxid).
func MakeZxid(e Epoch, counter uint32) Zxid { return Zxid(int64(e)<<32 | int64(counter)) }

// Epoch returns the epoch half of a zxid (ZxidUtils.getEpochFromZxid).
func (z Zxid) Epoch() Epoch { return Epoch(int64(z) >> 32) }

// Counter returns the counter half of a zxid (ZxidUtils.getCounterFromZxid).
func (z Zxid) Counter() uint32 { return uint32(int64(z) & 0xffffffff) }

func (z Zxid) String() string { return fmt.Sprintf("%#x", int64(z)) }

// State is a server's peer state (QuorumPeer.ServerState), numbered as
// notifications carry it on the wire.
type State int32

const (
	Looking   State = 0
	Following State = 1
	Leading   State = 2
	Observing State = 3
)

func (s State) String() string {
	switch s {
	case Looking:
		return "LOOKING"
	case Following:
		return "FOLLOWING"
	case Leading:
		return "LEADING"
	case Observing:
		return "OBSERVING"
	}
	return fmt.Sprintf("State(%d)", int32(s))
}
