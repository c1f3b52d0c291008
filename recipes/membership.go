package recipes

import (
	"strings"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// Member is group membership, the first half of the seeds' cluster
// management ("集群管理"): every machine makes an ephemeral node under the
// group's node ("约定在父目录GroupMembers下创建临时目录节点") and watches
// the group's children. A machine that dies loses its connection, its node
// goes when its session ends, and everyone is told ("所有其他机器都收到
// 通知"); a new machine's node tells everyone it joined.
//
// The member's node has the member's name (unique in the group); a member
// keeps it through every session until it leaves, and always watches the
// group, in or out of it.
type Member struct {
	s       session
	pres    presence
	w       watcher
	view    []string
	viewed  bool
	stopped bool
	// OnView, if set, hears every change of the member's view of the
	// group (member names, sorted).
	OnView func(members []string)
}

// NewMember makes the member name of the group under dir; Start it, and
// Join.
func NewMember(env Env, log *Log, dir, name string) *Member {
	m := &Member{}
	m.s = session{env: env, log: log}
	m.pres = presence{s: &m.s, dir: dir, name: name, data: []byte(name)}
	m.pres.onUp = func(path string) {
		e := m.s.entry(KindRegister)
		e.Path, e.Note = path, name
		m.s.add(e)
	}
	m.w = watcher{s: &m.s, path: dir, children: true, on: m.read}
	m.s.onConnected = func(cl *client.Client) {
		m.pres.connected(cl)
		m.w.read()
	}
	m.s.onDead = func(*client.Client, bool) {
		m.pres.dead()
		m.w.stop()
		if !m.stopped {
			m.s.open()
		}
	}
	return m
}

// Start opens the session and starts watching the group.
func (m *Member) Start() { m.s.open() }

// Join makes the member's node (now and in every later session).
func (m *Member) Join() {
	if !m.stopped {
		m.pres.join()
	}
}

// Leave deletes the member's node; the member still watches.
func (m *Member) Leave() {
	if !m.pres.want {
		return
	}
	path := m.pres.path
	m.pres.leave()
	e := m.s.entry(KindUnregister)
	e.Path = path
	if path == "" {
		e.Path = tree.JoinPath(m.pres.dir, m.pres.name)
	}
	m.s.add(e)
}

// Joined reports whether the member wants to be in the group.
func (m *Member) Joined() bool { return m.pres.want }

// Stop closes the session for good.
func (m *Member) Stop() {
	m.stopped = true
	m.w.stop()
	m.s.close()
}

// View is the member's view of the group.
func (m *Member) View() []string { return m.view }

func (m *Member) read(v view) {
	if m.viewed && strings.Join(v.names, " ") == strings.Join(m.view, " ") {
		return
	}
	m.viewed, m.view = true, v.names
	claimView(&m.s, m.w.path, v)
	if m.OnView != nil {
		m.OnView(v.names)
	}
}

// claimView records a watcher's new view of a node's children.
func claimView(s *session, path string, v view) {
	e := s.entry(KindView)
	e.Path, e.Note, e.Seq, e.Value = path, strings.Join(v.names, " "), -1, uint64(v.stat.Pzxid)
	if !v.exists {
		e.Seq = -2
	}
	s.add(e)
}
