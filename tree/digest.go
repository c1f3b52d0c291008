package tree

// The digest: every node hashes its path, data, ACL and persisted stat; the
// tree's digest is the sum of its nodes' hashes (mod 2^64), as ZooKeeper's
// DigestCalculator sums per-node CRCs. A sum can be kept up to date by
// subtracting a node's old hash and adding its new one, so Digest costs
// nothing to read and replicas compare it after every txn.

const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvBytes(h uint64, b []byte) uint64 {
	for _, c := range b {
		h ^= uint64(c)
		h *= fnvPrime
	}
	return h
}

func fnvString(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func fnvUint64(h, v uint64) uint64 {
	for i := 0; i < 8; i++ {
		h ^= v & 0xff
		h *= fnvPrime
		v >>= 8
	}
	return h
}

// finalize spreads the FNV state so that sums of node hashes do not cancel
// in structured ways.
func finalize(h uint64) uint64 {
	h ^= h >> 33
	h *= 0xff51afd7ed558ccd
	h ^= h >> 33
	h *= 0xc4ceb9fe1a85ec53
	h ^= h >> 33
	return h
}

func nodeDigest(path string, n *node) uint64 {
	h := fnvString(fnvOffset, path)
	h = fnvUint64(h, uint64(len(n.data)))
	h = fnvBytes(h, n.data)
	h = fnvUint64(h, uint64(len(n.acl)))
	for _, a := range n.acl {
		h = fnvUint64(h, uint64(a.Perms))
		h = fnvString(h, a.ID.Scheme)
		h = fnvUint64(h, uint64(len(a.ID.ID)))
		h = fnvString(h, a.ID.ID)
	}
	s := &n.stat
	for _, v := range [...]int64{s.Czxid, s.Mzxid, s.Pzxid, s.Ctime, s.Mtime,
		int64(s.Version), int64(s.Cversion), int64(s.Aversion), s.EphemeralOwner} {
		h = fnvUint64(h, uint64(v))
	}
	return finalize(h)
}

// Digest is the tree's digest, maintained incrementally.
func (t *Tree) Digest() uint64 { return t.digest }

// RecomputeDigest computes the digest from scratch, for tests and for
// checking a loaded snapshot against the digest it recorded.
func (t *Tree) RecomputeDigest() uint64 {
	var sum uint64
	for p, n := range t.nodes {
		sum += nodeDigest(p, n)
	}
	return sum
}
