package zab

import (
	"fmt"

	"github.com/zabsim/zabsim/tree"
)

// Reserved xids of the client protocol (ClientCnxn).
const (
	XidNotification int32 = -1
	XidPing         int32 = -2
	XidAuth         int32 = -4
	XidSetWatches   int32 = -8
)

// ConnectRequest opens or resumes a session (ConnectRequest in
// zookeeper.jute). SessionID 0 asks for a new session.
type ConnectRequest struct {
	ProtocolVersion int32
	LastZxidSeen    Zxid
	Timeout         int32 // ms, the client's wish
	SessionID       SessionID
	Passwd          []byte
	ReadOnly        bool
}

// ConnectResponse answers a ConnectRequest. Timeout 0 means the session is
// expired or unknown (ZooKeeperServer.finishSessionInit).
type ConnectResponse struct {
	ProtocolVersion int32
	Timeout         int32
	SessionID       SessionID
	Passwd          []byte
	ReadOnly        bool
}

// Request is a client request: RequestHeader (xid, type) plus the op's
// record from package tree.
type Request struct {
	Xid    int32
	Type   tree.OpCode
	Record any
}

// Reply is ReplyHeader (xid, the server's last zxid, error code) plus the
// op's response record. Watch notifications are replies with
// XidNotification and a *WatcherEvent.
type Reply struct {
	Xid    int32
	Zxid   Zxid
	Err    tree.Code
	Record any
}

// WatcherEvent is a watch notification (WatcherEvent in zookeeper.jute).
type WatcherEvent struct {
	Type  tree.EventType
	State tree.KeeperState
	Path  string
}

// Response records, one per op, as zookeeper.jute defines them.
type (
	CreateResponse  struct{ Path string }
	Create2Response struct {
		Path string
		Stat tree.Stat
	}
	StatResponse    struct{ Stat tree.Stat } // exists, setData, setACL
	GetDataResponse struct {
		Data []byte
		Stat tree.Stat
	}
	GetChildrenResponse  struct{ Children []string }
	GetChildren2Response struct {
		Children []string
		Stat     tree.Stat
	}
	GetACLResponse struct {
		ACL  []tree.ACL
		Stat tree.Stat
	}
	SyncResponse                 struct{ Path string }
	MultiResponse                struct{ Results []tree.OpResult }
	GetEphemeralsResponse        struct{ Paths []string }
	GetAllChildrenNumberResponse struct{ Total int32 }
	// WhoAmIResponse lists the connection's authenticated ids as
	// ClientInfo(authScheme, user), in the order its auth set iterates.
	WhoAmIResponse struct{ ClientInfo []ClientInfo }
)

// ClientInfo is one id a whoAmI answers with: its scheme and the user its
// provider names (AuthenticationProvider.getUserName: the text before the
// first ':' for digest, the id itself for ip).
type ClientInfo struct{ AuthScheme, User string }

func (m *ConnectRequest) String() string {
	return fmt.Sprintf("CONNECT session=%#x lastZxid=%s timeout=%d", int64(m.SessionID), m.LastZxidSeen, m.Timeout)
}

func (m *ConnectRequest) TraceHash() uint64 {
	return mix(0x434f4e, uint64(m.SessionID), uint64(m.LastZxidSeen), uint64(m.Timeout))
}

func (m *ConnectResponse) String() string {
	return fmt.Sprintf("CONNECTED session=%#x timeout=%d", int64(m.SessionID), m.Timeout)
}

func (m *ConnectResponse) TraceHash() uint64 {
	return mix(0x434f52, uint64(m.SessionID), uint64(m.Timeout))
}

func (m *Request) String() string {
	if p := recordPath(m.Record); p != "" {
		return fmt.Sprintf("REQ xid=%d %s %s", m.Xid, m.Type, p)
	}
	return fmt.Sprintf("REQ xid=%d %s", m.Xid, m.Type)
}

func (m *Request) TraceHash() uint64 {
	return mix(0x524551, uint64(m.Xid), uint64(m.Type), mixString(recordPath(m.Record)))
}

func (m *Reply) String() string {
	if ev, ok := m.Record.(*WatcherEvent); ok {
		return fmt.Sprintf("EVENT %s %s zxid=%s", ev.Type, ev.Path, m.Zxid)
	}
	return fmt.Sprintf("REPLY xid=%d zxid=%s err=%s", m.Xid, m.Zxid, m.Err)
}

func (m *Reply) TraceHash() uint64 {
	h := mix(0x52504c, uint64(m.Xid), uint64(m.Zxid), uint64(m.Err))
	if ev, ok := m.Record.(*WatcherEvent); ok {
		h = mix(h, uint64(ev.Type), mixString(ev.Path))
	}
	return h
}

// recordPath returns the path a request record names, or "".
func recordPath(r any) string {
	switch r := r.(type) {
	case *tree.CreateRequest:
		return r.Path
	case *tree.DeleteRequest:
		return r.Path
	case *tree.SetDataRequest:
		return r.Path
	case *tree.SetACLRequest:
		return r.Path
	case *tree.CheckVersionRequest:
		return r.Path
	case *tree.PathWatchRequest:
		return r.Path
	case *tree.PathRequest:
		return r.Path
	case *tree.AddWatchRequest:
		return r.Path
	case *tree.RemoveWatchesRequest:
		return r.Path
	}
	return ""
}
