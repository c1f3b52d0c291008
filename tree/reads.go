package tree

import (
	"strings"
	"unicode/utf8"
)

// The reads, as FinalRequestProcessor runs them against DataTree: the node
// is looked up first (NoNode), then the ACL is checked (NoAuth), and only a
// read that passes both leaves a watch — except exists, which checks no
// ACL and leaves its watch even on a missing node. Children come back
// sorted (ZooKeeper's order is a HashSet's; sorting keeps runs
// reproducible). Stats are the client's (DataNode.copyStat, see
// clientStat). Returned slices are the caller's.

// Exists is exists (statNode). w 0 sets no watch. A path holding NUL is
// BadArguments, with no watch, as FinalRequestProcessor checks first.
//
// NB: branch-3.8 since 3.8.4 (ZOOKEEPER-2590) also needs READ on an
// existing node (NoAuth, no watch); Exists takes no ids and so does not.
func (t *Tree) Exists(path string, w WatcherID) (Stat, Code) {
	if strings.IndexByte(path, 0) >= 0 {
		return Stat{}, BadArguments
	}
	if w != 0 {
		t.dataWatch.add(path, w, modeStandard)
	}
	n := t.nodes[path]
	if n == nil {
		return Stat{}, NoNode
	}
	return n.clientStat(), OK
}

// GetData is getData. The data is shared with the tree: callers that keep
// it must not modify it.
func (t *Tree) GetData(path string, ids []ID, w WatcherID) ([]byte, Stat, Code) {
	n := t.nodes[path]
	if n == nil {
		return nil, Stat{}, NoNode
	}
	if code := CheckACL(n.acl, PermRead, ids); code != OK {
		return nil, Stat{}, code
	}
	if w != 0 {
		t.dataWatch.add(path, w, modeStandard)
	}
	return n.data, n.clientStat(), OK
}

// GetChildren is getChildren2: the children's names, sorted, and the stat.
func (t *Tree) GetChildren(path string, ids []ID, w WatcherID) ([]string, Stat, Code) {
	n := t.nodes[path]
	if n == nil {
		return nil, Stat{}, NoNode
	}
	if code := CheckACL(n.acl, PermRead, ids); code != OK {
		return nil, Stat{}, code
	}
	if w != 0 {
		t.childWatch.add(path, w, modeStandard)
	}
	return sortedKeys(n.children), n.clientStat(), OK
}

// GetACL is getACL: READ or ADMIN is needed; without ADMIN, digest ids
// come back with their password hash masked ("user:x").
func (t *Tree) GetACL(path string, ids []ID) ([]ACL, Stat, Code) {
	n := t.nodes[path]
	if n == nil {
		return nil, Stat{}, NoNode
	}
	if code := CheckACL(n.acl, PermRead|PermAdmin, ids); code != OK {
		return nil, Stat{}, code
	}
	acl := append([]ACL(nil), n.acl...)
	if CheckACL(n.acl, PermAdmin, ids) != OK {
		for i, a := range acl {
			if a.ID.Scheme == "digest" {
				acl[i].ID.ID = maskDigest(a.ID.ID)
			}
		}
	}
	return acl, n.clientStat(), OK
}

// maskDigest is Java's id.replaceAll(":.*", ":x"): from each ':' to the
// end of its line becomes ":x" ("." stops at Java's line terminators); an
// id without ':' is left alone.
func maskDigest(id string) string {
	if !strings.Contains(id, ":") {
		return id
	}
	var b strings.Builder
	skipping := false
	for i, r := range id {
		ch := id[i:]
		if _, size := utf8.DecodeRuneInString(ch); size > 0 {
			ch = ch[:size] // the original bytes, even if not UTF-8
		}
		switch {
		case r == '\n' || r == '\r' || r == '\u0085' || r == '\u2028' || r == '\u2029':
			skipping = false
			b.WriteString(ch)
		case skipping:
		case r == ':':
			skipping = true
			b.WriteString(":x")
		default:
			b.WriteString(ch)
		}
	}
	return b.String()
}

// GetEphemerals is getEphemerals: the session's ephemeral paths that start
// with prefix ("" and "/" mean all), in the order of DataTree.getEphemerals'
// HashSet (FinalRequestProcessor).
func (t *Tree) GetEphemerals(session int64, prefix string) []string {
	all := t.javaEphemerals(session).items()
	// Java's String.trim strips every char <= ' ', not Unicode spaces.
	p := strings.TrimFunc(prefix, func(r rune) bool { return r <= ' ' })
	if p == "" || p == "/" {
		return all
	}
	out := all[:0]
	for _, path := range all {
		if strings.HasPrefix(path, prefix) {
			out = append(out, path)
		}
	}
	return out
}

// AllChildrenNumber is getAllChildrenNumber: how many nodes lie below path
// (for "/", every node but the root, /zookeeper's included). It needs READ
// on the node.
func (t *Tree) AllChildrenNumber(path string, ids []ID) (int, Code) {
	n := t.nodes[path]
	if n == nil {
		return 0, NoNode
	}
	if code := CheckACL(n.acl, PermRead, ids); code != OK {
		return 0, code
	}
	if path == "/" {
		return len(t.nodes) - 1, OK
	}
	count := 0
	prefix := path + "/"
	for p := range t.nodes {
		if strings.HasPrefix(p, prefix) {
			count++
		}
	}
	return count, OK
}

// Children returns a node's children, sorted, with no ACL check or watch:
// for checkers and snapshots.
func (t *Tree) Children(path string) []string {
	n := t.nodes[path]
	if n == nil {
		return nil
	}
	return sortedKeys(n.children)
}

// Data returns a node's data with no ACL check or watch (shared; do not
// modify).
func (t *Tree) Data(path string) ([]byte, bool) {
	n := t.nodes[path]
	if n == nil {
		return nil, false
	}
	return n.data, true
}
