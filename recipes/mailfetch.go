package recipes

import (
	"hash/fnv"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// MailWorker is one of the seeds' mail-fetch machines (场景一): twenty
// machines share the fetching of many mailboxes, machines come and go
// online without a restart of the others, a machine that dies has its
// work taken over, and the load stays even. ZooKeeper records who is
// there and who holds what, and tells everyone of each change.
//
// Each worker keeps an ephemeral node under workers/ and watches that
// directory. Each task (a group of mailboxes) is a persistent node under
// tasks/; its owner is an ephemeral child "owner" of it, so a dead
// worker's tasks are freed when its session ends. Every worker computes
// the same assignment from its view of the workers — rendezvous hashing,
// so a join or a leave moves only the tasks it must — claims the tasks
// assigned to it once they are free (watching a held one for its
// release), and releases those assigned elsewhere. ZooKeeper's create
// decides between two workers whose views disagree for a moment.
//
// A worker fetches mail only for tasks it holds, and follows the classic
// rule: disconnected for longer than the session timeout, it stops, as
// its session may be gone and its tasks another's.
type MailWorker struct {
	s     session
	pres  presence
	w     watcher
	root  string
	name  string
	tasks []string
	// workers is the worker's view of who is there.
	workers []string
	// node: our owner node of a task exists in the session in use;
	// owned: we hold the task (claimed in the Log). owned implies node.
	node, owned map[string]bool
	gen         map[string]int // per task: answers of older attempts change nothing
	joined      bool
	stopped     bool
	cancelTick  func()
	// Every is how often, by the process's clock, each held task is
	// fetched.
	Every int64
}

// NewMailWorker makes worker name of the mail-fetch service under root,
// sharing tasks; Start it, and Join.
func NewMailWorker(env Env, log *Log, root, name string, tasks []string) *MailWorker {
	m := &MailWorker{root: root, name: name, tasks: tasks, node: map[string]bool{}, owned: map[string]bool{},
		gen: map[string]int{}, Every: 300 * millisecond}
	m.s = session{env: env, log: log}
	m.pres = presence{s: &m.s, dir: tree.JoinPath(root, "workers"), name: name, data: []byte(name)}
	m.pres.onUp = func(path string) {
		e := m.s.entry(KindRegister)
		e.Path, e.Note = path, name
		m.s.add(e)
	}
	m.w = watcher{s: &m.s, path: m.pres.dir, children: true, on: func(v view) {
		m.workers = v.names
		m.reconcile()
	}}
	m.s.onConnected = func(cl *client.Client) {
		m.pres.connected(cl)
		m.w.read()
		m.reconcile()
	}
	m.s.onLost = func(*client.Client) { m.releaseAll("disconnected longer than the session timeout", false) }
	m.s.onDead = func(_ *client.Client, expired bool) {
		why := "session closed"
		if expired {
			why = "session expired"
		}
		m.releaseAll(why, false)
		clear(m.node)
		m.pres.dead()
		m.w.stop()
		m.workers = nil
		if !m.stopped {
			m.s.open()
		}
	}
	return m
}

// OwnerPath is the owner node of a task.
func OwnerPath(root, task string) string {
	return tree.JoinPath(tree.JoinPath(tree.JoinPath(root, "tasks"), task), "owner")
}

// Start opens the session and starts fetching.
func (m *MailWorker) Start() {
	m.s.open()
	m.tick()
}

// Join puts the worker in the pool.
func (m *MailWorker) Join() {
	if m.stopped {
		return
	}
	m.joined = true
	m.pres.join()
	m.reconcile()
}

// Leave takes the worker out of the pool: it releases its tasks first,
// then deletes its node, so whoever sees it gone finds them free.
func (m *MailWorker) Leave() {
	if !m.joined {
		return
	}
	m.joined = false
	m.releaseAll("leaving", true)
	path := m.pres.path
	m.pres.leave()
	if path != "" {
		e := m.s.entry(KindUnregister)
		e.Path = path
		m.s.add(e)
	}
}

// Joined reports whether the worker is in the pool.
func (m *MailWorker) Joined() bool { return m.joined }

// Stop releases everything and closes the session for good.
func (m *MailWorker) Stop() {
	m.releaseAll("stopping", false)
	m.stopped = true
	if m.cancelTick != nil {
		m.cancelTick()
	}
	m.w.stop()
	m.s.close()
}

// target is the worker a task is assigned to by a view of the workers:
// the one of highest rendezvous hash.
func target(task string, workers []string) string {
	best, bestScore := "", uint64(0)
	for _, w := range workers {
		h := fnv.New64a()
		h.Write([]byte(task + "|" + w))
		if s := h.Sum64(); best == "" || s > bestScore {
			best, bestScore = w, s
		}
	}
	return best
}

// mine: the task is assigned to this worker, which is in the pool and may
// act.
func (m *MailWorker) mine(task string) bool {
	return m.joined && !m.stopped && m.s.connected && !m.s.presumedLost && target(task, m.workers) == m.name
}

// reconcile claims the tasks assigned here and releases the others.
func (m *MailWorker) reconcile() {
	if m.stopped || !m.s.connected || m.s.presumedLost {
		return
	}
	for _, task := range m.tasks {
		switch {
		case m.mine(task) && !m.owned[task]:
			m.claim(task)
		case !m.mine(task) && m.node[task]:
			m.release(task, "assigned elsewhere", true)
		}
	}
}

// claim makes the task's owner node, or finds it ours, or waits for it.
func (m *MailWorker) claim(task string) {
	m.gen[task]++
	g, cl := m.gen[task], m.s.cl
	live := func() bool { return m.s.current(cl) && m.gen[task] == g && m.mine(task) }
	path := OwnerPath(m.root, task)
	m.s.ensure(tree.ParentPath(path), func(err tree.Code) {
		if !live() || err != tree.OK {
			return
		}
		cl.Create(path, []byte(m.name), tree.OpenACLUnsafe, tree.Ephemeral, func(_ string, err tree.Code) {
			if !m.s.current(cl) {
				return
			}
			switch err {
			case tree.OK:
				m.made(task, cl, live())
			case tree.NodeExists, tree.ConnectionLoss:
				m.owner(task, cl, g, path)
			}
		})
	})
}

func (m *MailWorker) owner(task string, cl *client.Client, g int, path string) {
	live := func() bool { return m.s.current(cl) && m.gen[task] == g && m.mine(task) }
	w := func(ev zab.WatcherEvent) {
		if live() && ev.Type == tree.EventNodeDeleted {
			m.claim(task)
		}
	}
	cl.Exists(path, w, func(st tree.Stat, err tree.Code) {
		if !m.s.current(cl) {
			return
		}
		switch {
		case err == tree.OK && zab.SessionID(st.EphemeralOwner) == cl.SessionID():
			m.made(task, cl, live())
		case !live():
		case err == tree.OK: // another worker's: the watch wakes us
		case err == tree.NoNode || err == tree.ConnectionLoss:
			m.claim(task)
		}
	})
}

// made: our owner node of task exists. An attempt given up meanwhile
// (the task went elsewhere) must not leave it behind, or nobody could
// ever take the task while our session lives.
func (m *MailWorker) made(task string, cl *client.Client, live bool) {
	m.node[task] = true
	switch {
	case live:
		m.acquired(task, cl)
	case !m.mine(task) && m.s.connected && !m.s.presumedLost:
		m.release(task, "assigned elsewhere", true)
	}
}

func (m *MailWorker) acquired(task string, cl *client.Client) {
	m.node[task] = true
	if m.owned[task] {
		return
	}
	m.owned[task] = true
	e := m.s.entry(KindAcquired)
	e.Client, e.Session = cl.ID(), cl.SessionID()
	e.Path, e.Seq = OwnerPath(m.root, task), -1
	m.s.add(e)
}

// release gives a task up: the claim ends first, then (if del) its node
// goes, so nobody holds it before we stop.
func (m *MailWorker) release(task, why string, del bool) {
	m.gen[task]++
	if m.owned[task] {
		m.owned[task] = false
		e := m.s.entry(KindReleased)
		e.Path, e.Note = OwnerPath(m.root, task), why
		m.s.add(e)
	}
	if del && m.node[task] {
		m.node[task] = false
		deleteOwn(&m.s, m.s.cl, OwnerPath(m.root, task))
	}
}

func (m *MailWorker) releaseAll(why string, del bool) {
	for _, task := range m.tasks {
		m.release(task, why, del)
	}
}

// tick fetches mail for every task held, by the process's clock.
func (m *MailWorker) tick() {
	m.cancelTick = m.s.env.After(m.Every, func() {
		if m.stopped {
			return
		}
		for _, task := range m.tasks {
			if m.owned[task] && m.s.connected && !m.s.presumedLost {
				e := m.s.entry(KindProcessed)
				e.Path = OwnerPath(m.root, task)
				m.s.add(e)
			}
		}
		m.tick()
	})
}
