package tree

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestExpiryCandidates(t *testing.T) {
	tr := New()
	z := int64(0x100000000)
	apply := func(typ OpCode, txn Txn, at int64) {
		t.Helper()
		z++
		res := tr.Apply(TxnHeader{Zxid: z, Time: at, Type: typ}, txn)
		assert.Equal(t, OK, res.Err)
	}
	apply(OpCreateContainer, CreateContainerTxn{Path: "/used", ACL: OpenACLUnsafe, ParentCVersion: -1}, 0)
	apply(OpCreateContainer, CreateContainerTxn{Path: "/fresh", ACL: OpenACLUnsafe, ParentCVersion: -1}, 0)
	apply(OpCreateContainer, CreateContainerTxn{Path: "/busy", ACL: OpenACLUnsafe, ParentCVersion: -1}, 0)
	apply(OpCreate, CreateTxn{Path: "/used/a", ACL: OpenACLUnsafe, ParentCVersion: -1}, 0)
	apply(OpDelete, DeleteTxn{Path: "/used/a"}, 0)
	apply(OpCreate, CreateTxn{Path: "/busy/a", ACL: OpenACLUnsafe, ParentCVersion: -1}, 0)
	apply(OpCreateTTL, CreateTTLTxn{Path: "/ttl", ACL: OpenACLUnsafe, ParentCVersion: -1, TTL: 100}, 1000)
	apply(OpCreateTTL, CreateTTLTxn{Path: "/ttlparent", ACL: OpenACLUnsafe, ParentCVersion: -1, TTL: 100}, 1000)
	apply(OpCreate, CreateTxn{Path: "/ttlparent/a", ACL: OpenACLUnsafe, ParentCVersion: -1}, 1000)

	assert.Equal(t, []string{"/used"}, tr.ExpiryCandidates(1100, 0), "a TTL node expires only after more than its ttl")
	assert.Equal(t, []string{"/used", "/ttl"}, tr.ExpiryCandidates(1101, 0))
	assert.Equal(t, []string{"/fresh", "/used", "/ttl"}, tr.ExpiryCandidates(1101, 500), "never-used containers past the interval")
}
