package tree

// TxnHeader is ZooKeeper's TxnHeader: who issued the txn, its zxid and the
// leader's time (ms) when it was prepared. Type is the header's op code
// (create and create2 share CreateTxn; the header tells them apart).
type TxnHeader struct {
	SessionID int64
	Cxid      int32
	Zxid      int64
	Time      int64
	Type      OpCode
}

// Txn is one of the transaction records of txn.jute below. The concrete
// types are values, not pointers, so a Txn can be copied freely.
type Txn interface{ isTxn() }

type CreateTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	Ephemeral      bool
	ParentCVersion int32
}

type CreateContainerTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	ParentCVersion int32
}

type CreateTTLTxn struct {
	Path           string
	Data           []byte
	ACL            []ACL
	ParentCVersion int32
	TTL            int64
}

type DeleteTxn struct {
	Path string
}

type SetDataTxn struct {
	Path    string
	Data    []byte
	Version int32 // the node's version after the change
}

type SetACLTxn struct {
	Path    string
	ACL     []ACL
	Version int32 // the node's aversion after the change
}

type CheckVersionTxn struct {
	Path    string
	Version int32
}

type CreateSessionTxn struct {
	Timeout int32 // ms
}

// CloseSessionTxn lists the ephemerals to delete, as 3.6+ writes it
// (ZOOKEEPER-3145), in the order the leader's HashSet iterated them when it
// prepped the txn (which depends on what was still outstanding then), and
// so the order every replica deletes them in.
type CloseSessionTxn struct {
	Paths []string
}

type ErrorTxn struct {
	Err Code
}

// SubTxn is one entry of a MultiTxn: its own type and record.
type SubTxn struct {
	Type OpCode
	Txn  Txn
}

type MultiTxn struct {
	Txns []SubTxn
}

func (CreateTxn) isTxn()          {}
func (CreateContainerTxn) isTxn() {}
func (CreateTTLTxn) isTxn()       {}
func (DeleteTxn) isTxn()          {}
func (SetDataTxn) isTxn()         {}
func (SetACLTxn) isTxn()          {}
func (CheckVersionTxn) isTxn()    {}
func (CreateSessionTxn) isTxn()   {}
func (CloseSessionTxn) isTxn()    {}
func (ErrorTxn) isTxn()           {}
func (MultiTxn) isTxn()           {}

// WithoutParentCVersion returns txn as servers before ZOOKEEPER-1046 wrote
// it: creates (also inside a multi) carry parentCVersion -1, so applying
// one recomputes the parent's cversion as its current one plus one, and a
// create replayed over a node that exists bumps it again (the restore
// path's incrementCversion). Other txns are returned as they are.
func WithoutParentCVersion(txn Txn) Txn {
	switch t := txn.(type) {
	case CreateTxn:
		t.ParentCVersion = -1
		return t
	case CreateContainerTxn:
		t.ParentCVersion = -1
		return t
	case CreateTTLTxn:
		t.ParentCVersion = -1
		return t
	case MultiTxn:
		subs := make([]SubTxn, len(t.Txns))
		for i, sub := range t.Txns {
			subs[i] = SubTxn{Type: sub.Type, Txn: WithoutParentCVersion(sub.Txn)}
		}
		return MultiTxn{Txns: subs}
	}
	return txn
}
