package tree

import "strings"

// The reads, as FinalRequestProcessor runs them against DataTree: the node
// is looked up first (NoNode), then the ACL is checked (NoAuth), and only a
// read that passes both leaves a watch — except exists, which checks no
// ACL and leaves its watch even on a missing node. Children come back
// sorted (ZooKeeper's order is a HashSet's; sorting keeps runs
// reproducible). Returned slices are the caller's.

// Exists is exists (statNode). w 0 sets no watch.
func (t *Tree) Exists(path string, w WatcherID) (Stat, Code) {
	if w != 0 {
		t.dataWatch.add(path, w, modeStandard)
	}
	n := t.nodes[path]
	if n == nil {
		return Stat{}, NoNode
	}
	return n.stat, OK
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
	return n.data, n.stat, OK
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
	return sortedKeys(n.children), n.stat, OK
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
				user, _, _ := strings.Cut(a.ID.ID, ":")
				acl[i].ID.ID = user + ":x"
			}
		}
	}
	return acl, n.stat, OK
}

// GetEphemerals is getEphemerals: the session's ephemeral paths that start
// with prefix ("" and "/" mean all), sorted.
func (t *Tree) GetEphemerals(session int64, prefix string) []string {
	all := t.Ephemerals(session)
	p := strings.TrimSpace(prefix)
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
