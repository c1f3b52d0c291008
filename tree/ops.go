package tree

import "fmt"

// OpCode is a request or transaction type, numbered as ZooDefs.OpCode.
type OpCode int32

const (
	OpNotification         OpCode = 0
	OpCreate               OpCode = 1
	OpDelete               OpCode = 2
	OpExists               OpCode = 3
	OpGetData              OpCode = 4
	OpSetData              OpCode = 5
	OpGetACL               OpCode = 6
	OpSetACL               OpCode = 7
	OpGetChildren          OpCode = 8
	OpSync                 OpCode = 9
	OpPing                 OpCode = 11
	OpGetChildren2         OpCode = 12
	OpCheck                OpCode = 13
	OpMulti                OpCode = 14
	OpCreate2              OpCode = 15
	OpReconfig             OpCode = 16
	OpCheckWatches         OpCode = 17
	OpRemoveWatches        OpCode = 18
	OpCreateContainer      OpCode = 19
	OpDeleteContainer      OpCode = 20
	OpCreateTTL            OpCode = 21
	OpMultiRead            OpCode = 22
	OpAuth                 OpCode = 100
	OpSetWatches           OpCode = 101
	OpSASL                 OpCode = 102
	OpGetEphemerals        OpCode = 103
	OpGetAllChildrenNumber OpCode = 104
	OpSetWatches2          OpCode = 105
	OpAddWatch             OpCode = 106
	OpWhoAmI               OpCode = 107
	OpCreateSession        OpCode = -10
	OpCloseSession         OpCode = -11
	OpError                OpCode = -1
)

var opNames = map[OpCode]string{
	OpNotification: "notification", OpCreate: "create", OpDelete: "delete",
	OpExists: "exists", OpGetData: "getData", OpSetData: "setData",
	OpGetACL: "getACL", OpSetACL: "setACL", OpGetChildren: "getChildren",
	OpSync: "sync", OpPing: "ping", OpGetChildren2: "getChildren2",
	OpCheck: "check", OpMulti: "multi", OpCreate2: "create2",
	OpReconfig: "reconfig", OpCheckWatches: "checkWatches",
	OpRemoveWatches: "removeWatches", OpCreateContainer: "createContainer",
	OpDeleteContainer: "deleteContainer", OpCreateTTL: "createTTL",
	OpMultiRead: "multiRead", OpAuth: "auth", OpSetWatches: "setWatches",
	OpSASL: "sasl", OpGetEphemerals: "getEphemerals",
	OpGetAllChildrenNumber: "getAllChildrenNumber", OpSetWatches2: "setWatches2",
	OpAddWatch: "addWatch", OpWhoAmI: "whoAmI", OpCreateSession: "createSession",
	OpCloseSession: "closeSession", OpError: "error",
}

func (o OpCode) String() string {
	if s, ok := opNames[o]; ok {
		return s
	}
	return fmt.Sprintf("OpCode(%d)", int32(o))
}

// IsWrite reports whether the op changes the tree and so goes through the
// leader as a transaction (ZooKeeperServer/Request.isQuorum for 3.8).
func (o OpCode) IsWrite() bool {
	switch o {
	case OpCreate, OpCreate2, OpCreateContainer, OpCreateTTL, OpDelete,
		OpDeleteContainer, OpSetData, OpSetACL, OpCheck, OpMulti,
		OpCreateSession, OpCloseSession, OpReconfig:
		return true
	}
	return false
}

// The records below are the jute records of ZooKeeper's client protocol
// (zookeeper.jute), field for field, so the same values can later be put on
// the wire for real clients.

type CreateRequest struct {
	Path  string
	Data  []byte
	ACL   []ACL
	Flags CreateMode
	TTL   int64 // only for OpCreateTTL (CreateTTLRequest)
}

type DeleteRequest struct {
	Path    string
	Version int32
}

type SetDataRequest struct {
	Path    string
	Data    []byte
	Version int32
}

type SetACLRequest struct {
	Path    string
	ACL     []ACL
	Version int32
}

type CheckVersionRequest struct {
	Path    string
	Version int32
}

// PathWatchRequest serves exists, getData, getChildren and getChildren2.
type PathWatchRequest struct {
	Path  string
	Watch bool
}

type PathRequest struct { // getACL, sync, getAllChildrenNumber, getEphemerals (prefix)
	Path string
}

type AddWatchRequest struct {
	Path string
	Mode AddWatchMode
}

type RemoveWatchesRequest struct { // also checkWatches
	Path string
	Type WatcherType
}

type SetWatchesRequest struct { // setWatches and setWatches2
	RelativeZxid               int64
	DataWatches                []string
	ExistWatches               []string
	ChildWatches               []string
	PersistentWatches          []string
	PersistentRecursiveWatches []string
}

type CreateSessionRequest struct {
	Timeout int32 // negotiated timeout, ms
}

type AuthRequest struct {
	Type   int32
	Scheme string
	Auth   []byte
}

// Op is one operation of a multi or multiRead request.
type Op struct {
	Type    OpCode
	Request any // *CreateRequest, *DeleteRequest, *SetDataRequest, *CheckVersionRequest, *PathWatchRequest
}

type MultiRequest struct {
	Ops []Op
}

// OpResult is one entry of a multi response, as MultiResponse encodes them:
// creates give a path (and Stat for create2), setData a Stat, check and
// delete nothing, a failed multi ErrorResult codes for every op.
type OpResult struct {
	Type     OpCode // the op's type, or OpError
	Err      Code
	Path     string
	Stat     *Stat
	Data     []byte   // multiRead getData
	Children []string // multiRead getChildren
}

// AddWatchMode is the mode of addWatch (AddWatchMode.java).
type AddWatchMode int32

const (
	AddWatchPersistent          AddWatchMode = 0
	AddWatchPersistentRecursive AddWatchMode = 1
)

// WatcherType selects watches for removeWatches/checkWatches
// (Watcher.WatcherType).
type WatcherType int32

const (
	WatcherChildren WatcherType = 1
	WatcherData     WatcherType = 2
	WatcherAny      WatcherType = 3
)

// EventType is a watch event type (Watcher.Event.EventType).
type EventType int32

const (
	EventNone                   EventType = -1
	EventNodeCreated            EventType = 1
	EventNodeDeleted            EventType = 2
	EventNodeDataChanged        EventType = 3
	EventNodeChildrenChanged    EventType = 4
	EventDataWatchRemoved       EventType = 5
	EventChildWatchRemoved      EventType = 6
	EventPersistentWatchRemoved EventType = 7
)

func (e EventType) String() string {
	switch e {
	case EventNone:
		return "None"
	case EventNodeCreated:
		return "NodeCreated"
	case EventNodeDeleted:
		return "NodeDeleted"
	case EventNodeDataChanged:
		return "NodeDataChanged"
	case EventNodeChildrenChanged:
		return "NodeChildrenChanged"
	case EventDataWatchRemoved:
		return "DataWatchRemoved"
	case EventChildWatchRemoved:
		return "ChildWatchRemoved"
	case EventPersistentWatchRemoved:
		return "PersistentWatchRemoved"
	}
	return fmt.Sprintf("EventType(%d)", int32(e))
}

// KeeperState is a connection state carried by watch events
// (Watcher.Event.KeeperState).
type KeeperState int32

const (
	StateDisconnected      KeeperState = 0
	StateSyncConnected     KeeperState = 3
	StateAuthFailed        KeeperState = 4
	StateConnectedReadOnly KeeperState = 5
	StateSaslAuthenticated KeeperState = 6
	StateExpired           KeeperState = -112
	StateClosed            KeeperState = 7
)
