package zab

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
)

// PacketType is a quorum packet type, numbered as Leader.java's constants.
type PacketType int32

const (
	PacketRequest      PacketType = 1
	PacketProposal     PacketType = 2
	PacketAck          PacketType = 3
	PacketCommit       PacketType = 4
	PacketPing         PacketType = 5
	PacketRevalidate   PacketType = 6
	PacketSync         PacketType = 7
	PacketInform       PacketType = 8
	PacketNewLeader    PacketType = 10
	PacketFollowerInfo PacketType = 11
	PacketUpToDate     PacketType = 12
	PacketDiff         PacketType = 13
	PacketTrunc        PacketType = 14
	PacketSnap         PacketType = 15
	PacketObserverInfo PacketType = 16
	PacketLeaderInfo   PacketType = 17
	PacketAckEpoch     PacketType = 18
)

var packetNames = map[PacketType]string{
	PacketRequest: "REQUEST", PacketProposal: "PROPOSAL", PacketAck: "ACK",
	PacketCommit: "COMMIT", PacketPing: "PING", PacketRevalidate: "REVALIDATE",
	PacketSync: "SYNC", PacketInform: "INFORM", PacketNewLeader: "NEWLEADER",
	PacketFollowerInfo: "FOLLOWERINFO", PacketUpToDate: "UPTODATE",
	PacketDiff: "DIFF", PacketTrunc: "TRUNC", PacketSnap: "SNAP",
	PacketObserverInfo: "OBSERVERINFO", PacketLeaderInfo: "LEADERINFO",
	PacketAckEpoch: "ACKEPOCH",
}

func (t PacketType) String() string {
	if s, ok := packetNames[t]; ok {
		return s
	}
	return fmt.Sprintf("PacketType(%d)", int32(t))
}

// protocolVersion is the Zab protocol version 3.8 learners announce
// (0x10000: Zab 1.0).
const protocolVersion = 0x10000

// LogEntry is one transaction as the log holds it and PROPOSAL carries it.
type LogEntry struct {
	Hdr tree.TxnHeader
	Txn tree.Txn
}

func (e *LogEntry) Zxid() Zxid { return Zxid(e.Hdr.Zxid) }

func (e *LogEntry) String() string {
	return fmt.Sprintf("%s %s session=%#x cxid=%d", Zxid(e.Hdr.Zxid), e.Hdr.Type, e.Hdr.SessionID, e.Hdr.Cxid)
}

// ForwardedRequest is a client write a learner hands to the leader
// (REQUEST), or a session's write inside the leader. Owner is the server
// the client is connected to, for session ownership (SessionMoved).
type ForwardedRequest struct {
	SessionID SessionID
	Cxid      int32
	Type      tree.OpCode
	Record    any // a tree request record; *tree.CreateSessionRequest for createSession
	Auth      []tree.ID
	Owner     ServerID
}

// SessionTouch is one session a learner saw activity from since its last
// PING to the leader (Learner.ping's touch table).
type SessionTouch struct {
	SessionID SessionID
	Timeout   int32
}

// Packet is a quorum packet (QuorumPacket): a type, a zxid, and by type one
// of the payload fields.
type Packet struct {
	Type PacketType
	Zxid Zxid

	Entry        *LogEntry         // PROPOSAL, INFORM
	Sid          ServerID          // FOLLOWERINFO, OBSERVERINFO: the learner's id
	Version      int32             // FOLLOWERINFO, LEADERINFO: protocol version
	CurrentEpoch Epoch             // ACKEPOCH: the learner's currentEpoch (-1 if unknown)
	Snapshot     []byte            // SNAP: an encoded tree snapshot
	Request      *ForwardedRequest // REQUEST
	Touches      []SessionTouch    // PING from a learner
	SyncRound    uint64            // PING: the quorum sync round to answer (Config.QuorumSync); 0 for a plain ping
	Session      SessionID         // REVALIDATE
	Timeout      int32             // REVALIDATE request: the session's timeout
	Valid        bool              // REVALIDATE reply
}

func (p *Packet) String() string {
	switch p.Type {
	case PacketProposal, PacketInform:
		return fmt.Sprintf("%s %s", p.Type, p.Entry)
	case PacketFollowerInfo, PacketObserverInfo:
		return fmt.Sprintf("%s sid=%d acceptedEpoch=%#x", p.Type, p.Sid, int64(p.Zxid.Epoch()))
	case PacketAckEpoch:
		return fmt.Sprintf("%s currentEpoch=%#x lastZxid=%s", p.Type, int64(p.CurrentEpoch), p.Zxid)
	case PacketRequest:
		return fmt.Sprintf("%s %s session=%#x cxid=%d", p.Type, p.Request.Type, p.Request.SessionID, p.Request.Cxid)
	case PacketSnap:
		return fmt.Sprintf("%s %s (%d bytes)", p.Type, p.Zxid, len(p.Snapshot))
	case PacketPing:
		if p.SyncRound != 0 {
			return fmt.Sprintf("%s %s touches=%d syncRound=%d", p.Type, p.Zxid, len(p.Touches), p.SyncRound)
		}
		return fmt.Sprintf("%s %s touches=%d", p.Type, p.Zxid, len(p.Touches))
	case PacketRevalidate:
		return fmt.Sprintf("%s session=%#x valid=%t", p.Type, int64(p.Session), p.Valid)
	}
	return fmt.Sprintf("%s %s", p.Type, p.Zxid)
}

func (p *Packet) TraceHash() uint64 {
	h := mix(0x504b54, uint64(p.Type), uint64(p.Zxid), uint64(p.Sid), uint64(p.CurrentEpoch), uint64(len(p.Snapshot)), uint64(len(p.Touches)), uint64(p.Session))
	if p.Entry != nil {
		h = mix(h, uint64(p.Entry.Hdr.Zxid), uint64(p.Entry.Hdr.Type), uint64(p.Entry.Hdr.SessionID), uint64(p.Entry.Hdr.Cxid))
	}
	if p.Request != nil {
		h = mix(h, uint64(p.Request.Type), uint64(p.Request.SessionID), uint64(p.Request.Cxid))
	}
	if p.SyncRound != 0 {
		h = mix(h, p.SyncRound)
	}
	return h
}
