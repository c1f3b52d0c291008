package zab

import (
	"fmt"
	"math/bits"
)

// Message is anything put on a connection: election notifications, quorum
// packets, and the client protocol. String is deterministic (traces and
// golden files depend on it); TraceHash feeds the run's trace hash cheaply.
type Message interface {
	fmt.Stringer
	TraceHash() uint64
}

// Notification is fast leader election's message (FastLeaderElection.ToSend
// and Notification): the sender's proposed leader and why.
type Notification struct {
	Leader        ServerID
	Zxid          Zxid
	ElectionEpoch Epoch
	State         State
	Sid           ServerID
	PeerEpoch     Epoch
}

func (n *Notification) String() string {
	return fmt.Sprintf("NOTIFICATION from=%d %s leader=%d zxid=%s election=%#x peer=%#x",
		n.Sid, n.State, n.Leader, n.Zxid, int64(n.ElectionEpoch), int64(n.PeerEpoch))
}

func (n *Notification) TraceHash() uint64 {
	return mix(0x4e4f54, uint64(n.Leader), uint64(n.Zxid), uint64(n.ElectionEpoch),
		uint64(n.State), uint64(n.Sid), uint64(n.PeerEpoch))
}

// vote returns the vote a notification carries.
func (n *Notification) vote() Vote {
	return Vote{Leader: n.Leader, Zxid: n.Zxid, ElectionEpoch: n.ElectionEpoch, PeerEpoch: n.PeerEpoch, State: n.State}
}

// mix folds words into a 64-bit hash (a multiply-rotate mixer in the manner
// of xxhash's rounds). Not cryptographic; only for trace hashes.
func mix(words ...uint64) uint64 {
	h := uint64(0x9e3779b97f4a7c15)
	for _, w := range words {
		h ^= w * 0xc2b2ae3d27d4eb4f
		h = bits.RotateLeft64(h, 31) * 0x9e3779b97f4a7c15
	}
	h ^= h >> 33
	return h
}

// mixString hashes a string (FNV-1a) for use as a word of mix.
func mixString(s string) uint64 {
	h := uint64(14695981039346656037)
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= 1099511628211
	}
	return h
}
