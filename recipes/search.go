package recipes

import (
	"strings"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// The seeds' search story (场景二): twenty search servers, fifteen serving
// and five building indexes, switching roles over time; a master that
// sends them the searches, with a backup master; and a web front that
// sends searches to the master. Each server has an ephemeral node under
// nodes/ holding its role ("zk.create("/search/nodes/node1", ...,
// EPHEMERAL)"); the master lists and watches nodes/ to know who serves;
// the master holds the ephemeral node master holding its address, which
// the backup watches to step in when it goes; the web front watches master
// to follow the master's address. Here the master also decides the roles:
// the node roles holds the names of the indexing servers, which the
// master rotates and every server watches.

// SearchServer is one search server.
type SearchServer struct {
	s       session
	pres    presence
	w       watcher
	role    string
	stopped bool
}

// The roles of a search server.
const (
	RoleServing  = "serving"
	RoleIndexing = "indexing"
)

// NewSearchServer makes the search server name under root; Start it.
func NewSearchServer(env Env, log *Log, root, name string) *SearchServer {
	sv := &SearchServer{role: RoleServing}
	sv.s = session{env: env, log: log}
	sv.pres = presence{s: &sv.s, dir: tree.JoinPath(root, "nodes"), name: name, data: []byte(RoleServing), want: true}
	sv.pres.onUp = func(string) { sv.write() }
	sv.w = watcher{s: &sv.s, path: tree.JoinPath(root, "roles"), on: func(v view) {
		role := RoleServing
		for _, n := range strings.Fields(string(v.data)) {
			if n == name {
				role = RoleIndexing
			}
		}
		if role != sv.role {
			sv.role = role
			sv.pres.data = []byte(role)
			sv.write()
		}
	}}
	sv.s.onConnected = func(cl *client.Client) {
		sv.pres.connected(cl)
		sv.w.read()
	}
	sv.s.onDead = func(*client.Client, bool) {
		sv.pres.dead()
		sv.w.stop()
		if !sv.stopped {
			sv.s.open()
		}
	}
	return sv
}

// Start opens the session; the server registers once connected.
func (sv *SearchServer) Start() { sv.s.open() }

// Stop closes the session for good.
func (sv *SearchServer) Stop() {
	sv.stopped = true
	sv.w.stop()
	sv.s.close()
}

// write puts the server's role in its node and claims it once written.
func (sv *SearchServer) write() {
	path, cl, role := sv.pres.path, sv.pres.in, sv.role
	if path == "" || !sv.s.current(cl) {
		return // the node, when made, holds the role
	}
	cl.SetData(path, []byte(role), -1, func(_ tree.Stat, err tree.Code) {
		if !sv.s.current(cl) || sv.role != role || sv.pres.path != path {
			return
		}
		switch err {
		case tree.OK:
			e := sv.s.entry(KindRole)
			e.Path, e.Note = path, role
			sv.s.add(e)
		case tree.ConnectionLoss:
			sv.write()
		}
	})
}

// SearchMaster is the master or the backup master: whoever holds the
// node master is master.
type SearchMaster struct {
	s       session
	seat    presence
	nodes   watcher
	root    string
	master  bool
	stopped bool
	// Servers are the search servers' names, in the order the indexing
	// role goes round; Indexing is how many index at a time.
	Servers  []string
	Indexing int
}

// NewSearchMaster makes a master candidate with address addr under root;
// Start it.
func NewSearchMaster(env Env, log *Log, root, addr string, servers []string, indexing int) *SearchMaster {
	m := &SearchMaster{root: root, Servers: servers, Indexing: indexing}
	m.s = session{env: env, log: log}
	m.seat = presence{s: &m.s, dir: root, name: "master", data: []byte(addr), want: true}
	m.seat.onUp = func(path string) {
		if m.master || !m.s.connected || m.s.presumedLost {
			return
		}
		m.master = true
		e := m.s.entry(KindMaster)
		e.Path, e.Seq = path, -1
		m.s.add(e)
	}
	m.nodes = watcher{s: &m.s, path: tree.JoinPath(root, "nodes"), children: true, on: func(v view) {
		claimView(&m.s, tree.JoinPath(root, "nodes"), v)
	}}
	m.s.onConnected = func(cl *client.Client) {
		m.seat.connected(cl)
		m.nodes.read()
	}
	m.s.onLost = func(*client.Client) { m.resign("disconnected longer than the session timeout") }
	m.s.onDead = func(_ *client.Client, expired bool) {
		why := "session closed"
		if expired {
			why = "session expired"
		}
		m.resign(why)
		m.seat.dead()
		m.nodes.stop()
		if !m.stopped {
			m.s.open()
		}
	}
	return m
}

// Start opens the session; the candidate stands once connected.
func (m *SearchMaster) Start() { m.s.open() }

// IsMaster reports whether the candidate considers itself master.
func (m *SearchMaster) IsMaster() bool { return m.master }

// StepDown gives mastership up: the node goes, which wakes the backup.
func (m *SearchMaster) StepDown() {
	if !m.master {
		return
	}
	m.resign("stepped down")
	m.seat.leave()
}

// Stand makes the candidate stand (again) for master.
func (m *SearchMaster) Stand() {
	if !m.stopped && !m.seat.want {
		m.seat.join()
	}
}

// Stop closes the session for good.
func (m *SearchMaster) Stop() {
	m.resign("stopping")
	m.stopped = true
	m.nodes.stop()
	m.s.close()
}

func (m *SearchMaster) resign(why string) {
	if !m.master {
		return
	}
	m.master = false
	e := m.s.entry(KindResign)
	e.Path, e.Note = tree.JoinPath(m.root, "master"), why
	m.s.add(e)
}

// Rotate moves the indexing role on by one server: the one that has
// indexed longest serves again, the next in line starts indexing. Only
// the master rotates; the write is a compare-and-set on the roles node.
func (m *SearchMaster) Rotate() {
	cl := m.s.cl
	if !m.master || !Live(cl) {
		return
	}
	path := tree.JoinPath(m.root, "roles")
	cl.GetData(path, nil, func(data []byte, st tree.Stat, err tree.Code) {
		if !m.s.current(cl) || !m.master {
			return
		}
		switch err {
		case tree.OK:
			cl.SetData(path, []byte(m.next(strings.Fields(string(data)))), st.Version, nil)
		case tree.NoNode:
			cl.Create(path, []byte(strings.Join(m.Servers[:m.Indexing], " ")), tree.OpenACLUnsafe, tree.Persistent, nil)
		}
	})
}

// next is the rotation of the indexing set cur.
func (m *SearchMaster) next(cur []string) string {
	if len(cur) != m.Indexing || len(cur) == 0 {
		return strings.Join(m.Servers[:m.Indexing], " ")
	}
	last := 0
	for i, s := range m.Servers {
		if s == cur[len(cur)-1] {
			last = i
		}
	}
	return strings.Join(append(cur[1:], m.Servers[(last+1)%len(m.Servers)]), " ")
}

// SearchFront is the web front: it follows the master's address.
type SearchFront struct {
	s       session
	w       watcher
	addr    string
	stopped bool
}

// NewSearchFront makes the web front of the search under root; Start it.
func NewSearchFront(env Env, log *Log, root string) *SearchFront {
	f := &SearchFront{}
	f.s = session{env: env, log: log}
	path := tree.JoinPath(root, "master")
	seen := false
	f.w = watcher{s: &f.s, path: path, on: func(v view) {
		addr, version := string(v.data), v.stat.Version
		if !v.exists {
			addr, version = "", -2
		}
		if seen && addr == f.addr {
			return
		}
		seen, f.addr = true, addr
		e := f.s.entry(KindView)
		e.Path, e.Note, e.Seq, e.Value = path, addr, int64(version), uint64(v.stat.Mzxid)
		f.s.add(e)
	}}
	f.s.onConnected = func(*client.Client) { f.w.read() }
	f.s.onDead = func(*client.Client, bool) {
		f.w.stop()
		if !f.stopped {
			f.s.open()
		}
	}
	return f
}

// Start opens the session.
func (f *SearchFront) Start() { f.s.open() }

// Stop closes the session for good.
func (f *SearchFront) Stop() {
	f.stopped = true
	f.w.stop()
	f.s.close()
}

// Master is the address the front sends searches to ("" for none).
func (f *SearchFront) Master() string { return f.addr }
