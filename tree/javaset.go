package tree

import (
	"sort"
	"unicode/utf16"
	"unicode/utf8"
)

// javaSet is a java.util.HashSet<String> as far as its iteration order
// goes, which ZooKeeper lets clients see: a closeSession txn lists the
// session's ephemerals in the order DataTree's HashSet yields them, the
// nodes are deleted in that order, and a watcher of several of them hears
// their NodeDeleted events in that order (found by the differential test
// against a real ensemble). getEphemerals answers in it too.
//
// It is HashMap's table: a power-of-two capacity allocated at the first
// add (16 for new HashSet()), doubled when the size passes 3/4 of it (or
// when a bin reaches TREEIFY_THRESHOLD entries in a table under
// MIN_TREEIFY_CAPACITY), never shrunk; String.hashCode spread as
// HashMap.hash does; bins keep insertion order and a resize keeps their
// relative order (the lo/hi split). Iteration walks the bins in order.
//
// NB: a bin of 8 or more in a table of 64 or more becomes a red-black tree
// in Java, whose next-order puts a new node after its tree parent; here it
// stays in insertion order. It takes 8 colliding paths of one session.
type javaSet struct {
	bins [][]string // nil until the first add
	size int
}

const (
	javaSetInitialCapacity = 16 // HashMap.DEFAULT_INITIAL_CAPACITY
	javaTreeifyThreshold   = 8  // HashMap.TREEIFY_THRESHOLD
	javaMinTreeifyCapacity = 64 // HashMap.MIN_TREEIFY_CAPACITY
)

// javaStringHash is String.hashCode: s[0]*31^(n-1) + ... over UTF-16
// code units, in int arithmetic.
func javaStringHash(s string) int32 {
	var h int32
	for _, r := range s {
		if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError || r2 != utf8.RuneError {
			h = 31*(31*h+r1) + r2 // a surrogate pair
			continue
		}
		h = 31*h + r
	}
	return h
}

// javaSpread is HashMap.hash: the high half folded into the low.
func javaSpread(s string) uint32 {
	h := uint32(javaStringHash(s))
	return h ^ h>>16
}

func (s *javaSet) bin(x string) int { return int(javaSpread(x) & uint32(len(s.bins)-1)) }

func (s *javaSet) contains(x string) bool {
	if s.size == 0 {
		return false
	}
	for _, y := range s.bins[s.bin(x)] {
		if y == x {
			return true
		}
	}
	return false
}

// add is HashSet.add (HashMap.putVal): false if x was there already.
func (s *javaSet) add(x string) bool {
	if s.bins == nil {
		s.bins = make([][]string, javaSetInitialCapacity)
	}
	if s.contains(x) {
		return false
	}
	i := s.bin(x)
	s.bins[i] = append(s.bins[i], x)
	if len(s.bins[i]) > javaTreeifyThreshold && len(s.bins) < javaMinTreeifyCapacity {
		s.resize() // treeifyBin resizes a small table instead
	}
	s.size++
	if s.size > len(s.bins)*3/4 {
		s.resize()
	}
	return true
}

// resize is HashMap.resize: double the table, each bin splitting into the
// same index and index+oldCap in its own order.
func (s *javaSet) resize() {
	old := s.bins
	s.bins = make([][]string, 2*len(old))
	for _, b := range old {
		for _, x := range b {
			i := s.bin(x)
			s.bins[i] = append(s.bins[i], x)
		}
	}
}

// remove is HashSet.remove: false if x was not there.
func (s *javaSet) remove(x string) bool {
	if s.size == 0 {
		return false
	}
	i := s.bin(x)
	for j, y := range s.bins[i] {
		if y == x {
			s.bins[i] = append(s.bins[i][:j:j], s.bins[i][j+1:]...)
			s.size--
			return true
		}
	}
	return false
}

// items lists the set in iteration order.
func (s *javaSet) items() []string {
	out := make([]string, 0, s.size)
	for _, b := range s.bins {
		out = append(out, b...)
	}
	return out
}

// clone is HashSet.clone (HashMap.clone → putMapEntries): a table sized
// for the current size, tableSizeFor(size/0.75 + 1), filled in this set's
// iteration order. DataTree.getEphemerals hands out such a clone.
func (s *javaSet) clone() *javaSet {
	c := &javaSet{}
	if s.size == 0 {
		return c
	}
	want := int(float32(s.size)/0.75 + 1)
	capacity := 1
	for capacity < want {
		capacity *= 2
	}
	c.bins = make([][]string, capacity)
	for _, x := range s.items() {
		i := c.bin(x)
		c.bins[i] = append(c.bins[i], x)
		c.size++
	}
	if c.size > len(c.bins)*3/4 {
		panic("tree: javaSet clone is over its threshold")
	}
	return c
}

// javaIDHash is the jute-generated Id.hashCode: 17, then 37*h + the
// scheme's String.hashCode, then 37*h + the id's.
func javaIDHash(id ID) int32 {
	h := int32(17)
	h = 37*h + javaStringHash(id.Scheme)
	return 37*h + javaStringHash(id.ID)
}

// authBins is the table of a fresh ConcurrentHashMap; it grows at 12
// entries (sizeCtl), which a connection with the ip id ZooKeeper gives it
// and 10 ids of its own does not reach.
const authBins = 16

// AddAuthID adds id to a connection's authenticated ids, kept as
// ZooKeeper keeps them: a set (ServerCnxn.authInfo, over a
// ConcurrentHashMap) whose iteration order is the order getAuthInfo hands
// them to a request, and so the order fixupACL expands an "auth" ACL in
// (seen by getACL). That order is by bin of Id.hashCode spread as
// ConcurrentHashMap.spread does, and by insertion within a bin: a stable
// sort by bin of a list in that order. ids must be in that order already;
// it is never modified (requests in flight hold it), the result is new.
//
// NB: past 10 ids of a connection Java's table grows and its transfer
// reorders bins, which is not modelled.
func AddAuthID(ids []ID, id ID) []ID {
	for _, x := range ids {
		if x == id {
			return ids
		}
	}
	out := append(ids[:len(ids):len(ids)], id)
	bin := func(x ID) uint32 {
		h := uint32(javaIDHash(x))
		return (h ^ h>>16) & 0x7fffffff & (authBins - 1)
	}
	sort.SliceStable(out, func(i, j int) bool { return bin(out[i]) < bin(out[j]) })
	return out
}
