package zab

import (
	"fmt"
	"sort"
	"strconv"
	"testing"

	"github.com/zabsim/zabsim/tree"
)

// testNet is a minimal deterministic world for zab's own tests: fixed
// latency, FIFO connections, timers, in-memory disks. The full simulated
// world lives in package sim; this one keeps zab's tests free of it.
type testNet struct {
	t       testing.TB
	now     int64
	seq     uint64
	queue   []delivery
	servers map[ServerID]*Server
	envs    map[ServerID]*testEnv
	conns   map[ConnID]*testConn
	down    map[ServerID]bool
	latency int64
	nextID  uint64
	// clients are test client endpoints, addressed by negative ids.
	clients map[ServerID]*rawClient
	log     bool
}

type delivery struct {
	at    int64
	seq   uint64
	to    ServerID
	ev    Event
	timer TimerID
}

type testConn struct {
	from, to ServerID
	open     bool
}

func newTestNet(t testing.TB, voters, observers int, mod func(*Config)) *testNet {
	n := &testNet{t: t, servers: map[ServerID]*Server{}, envs: map[ServerID]*testEnv{},
		conns: map[ConnID]*testConn{}, down: map[ServerID]bool{}, latency: millisecond,
		clients: map[ServerID]*rawClient{}}
	var peers []Peer
	for i := 1; i <= voters+observers; i++ {
		peers = append(peers, Peer{ID: ServerID(i), Observer: i > voters})
	}
	for _, p := range peers {
		cfg := Config{ID: p.ID, Peers: peers}
		if mod != nil {
			mod(&cfg)
		}
		env := &testEnv{net: n, id: p.ID, timers: map[TimerID]bool{}}
		s, err := NewServer(cfg, env)
		if err != nil {
			t.Fatal(err)
		}
		n.servers[p.ID] = s
		n.envs[p.ID] = env
	}
	return n
}

func (n *testNet) ids() []ServerID {
	var ids []ServerID
	for id := range n.servers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}

func (n *testNet) startAll() {
	for _, id := range n.ids() {
		if !n.down[id] {
			n.servers[id].Step(StartEvent{})
		}
	}
}

func (n *testNet) push(d delivery) {
	n.seq++
	d.seq = n.seq
	i := sort.Search(len(n.queue), func(i int) bool {
		q := n.queue[i]
		return q.at > d.at || q.at == d.at && q.seq > d.seq
	})
	n.queue = append(n.queue, delivery{})
	copy(n.queue[i+1:], n.queue[i:])
	n.queue[i] = d
}

// runFor delivers everything due within d.
func (n *testNet) runFor(d int64) {
	end := n.now + d
	for steps := 0; len(n.queue) > 0 && n.queue[0].at <= end; steps++ {
		if steps > 1_000_000 {
			n.t.Fatalf("testNet: more than a million deliveries in %dms", d/millisecond)
		}
		q := n.queue[0]
		n.queue = n.queue[1:]
		n.now = q.at
		if c := n.clients[q.to]; c != nil {
			c.receive(q.ev)
			continue
		}
		if q.to < 0 || n.down[q.to] { // a vanished client, a crashed server
			continue
		}
		env := n.envs[q.to]
		if q.timer != 0 {
			if !env.timers[q.timer] {
				continue
			}
			delete(env.timers, q.timer)
		}
		if n.log {
			n.t.Logf("%6dms -> %d %T %v", n.now/millisecond, q.to, q.ev, q.ev)
		}
		n.servers[q.to].Step(q.ev)
	}
	n.now = end
}

// crash stops a server and closes its connections.
func (n *testNet) crash(id ServerID) {
	n.down[id] = true
	for cid, c := range n.conns {
		if c.open && (c.from == id || c.to == id) {
			n.closeConn(cid, id)
		}
	}
}

func (n *testNet) closeConn(cid ConnID, by ServerID) {
	c := n.conns[cid]
	if !c.open {
		return
	}
	c.open = false
	other := c.to
	if by == c.to {
		other = c.from
	}
	n.push(delivery{at: n.now + n.latency, to: other, ev: ClosedEvent{Conn: cid}})
}

func (n *testNet) leaders() []ServerID {
	var ls []ServerID
	for _, id := range n.ids() {
		if !n.down[id] && n.servers[id].State() == Leading {
			ls = append(ls, id)
		}
	}
	return ls
}

// testEnv is one server's Env on a testNet.
type testEnv struct {
	net    *testNet
	id     ServerID
	timers map[TimerID]bool
	obs    []Observation
	disk   memDisk
}

func (e *testEnv) Now() int64          { return e.net.now }
func (e *testEnv) Elapsed() int64      { return e.net.now }
func (e *testEnv) Rand() uint64        { e.net.nextID++; return e.net.nextID * 0x9e3779b97f4a7c15 }
func (e *testEnv) Disk() Disk          { return &e.disk }
func (e *testEnv) Logf(string, ...any) {}

// RemoteAddr: clients of a testNet all come from loopback.
func (e *testEnv) RemoteAddr(ConnID) string { return "127.0.0.1" }

func (e *testEnv) Observe(o Observation) { e.obs = append(e.obs, o) }

func (e *testEnv) Connect(to ServerID, _ Port) ConnID {
	e.net.nextID++
	cid := ConnID(e.net.nextID)
	e.net.conns[cid] = &testConn{from: e.id, to: to, open: true}
	if e.net.down[to] {
		e.net.closeConn(cid, to)
	}
	return cid
}

func (e *testEnv) Send(c ConnID, m Message) {
	conn := e.net.conns[c]
	if conn == nil || !conn.open {
		return
	}
	to := conn.to
	if to == e.id {
		to = conn.from
	}
	e.net.push(delivery{at: e.net.now + e.net.latency, to: to, ev: MessageEvent{Conn: c, Msg: m}})
}

func (e *testEnv) Close(c ConnID) { e.net.closeConn(c, e.id) }

func (e *testEnv) SetTimer(d int64, t Timer) TimerID {
	e.net.nextID++
	id := TimerID(e.net.nextID)
	e.timers[id] = true
	e.net.push(delivery{at: e.net.now + d, to: e.id, ev: TimerEvent{ID: id, Timer: t}, timer: id})
	return id
}

func (e *testEnv) CancelTimer(id TimerID) { delete(e.timers, id) }

func (e *testEnv) Fsync(file string, token uint64) {
	e.disk.sync(file)
	e.net.push(delivery{at: e.net.now + millisecond, to: e.id, ev: FsyncEvent{File: file, Token: token}})
}

// memDisk is an in-memory Disk whose crash behaviour tests do not need.
type memDisk struct{ files map[string][]byte }

func (d *memDisk) init() {
	if d.files == nil {
		d.files = map[string][]byte{}
	}
}
func (d *memDisk) Append(name string, data []byte) {
	d.init()
	d.files[name] = append(d.files[name], data...)
}
func (d *memDisk) WriteFile(name string, data []byte) {
	d.init()
	d.files[name] = append([]byte(nil), data...)
}
func (d *memDisk) Truncate(name string, size int64) error {
	d.init()
	f, ok := d.files[name]
	if !ok || int64(len(f)) < size {
		return fmt.Errorf("truncate %s to %d: no such file or too short", name, size)
	}
	d.files[name] = f[:size]
	return nil
}
func (d *memDisk) Remove(name string) { d.init(); delete(d.files, name) }
func (d *memDisk) Rename(oldName, newName string) error {
	d.init()
	f, ok := d.files[oldName]
	if !ok {
		return fmt.Errorf("rename %s: no such file", oldName)
	}
	delete(d.files, oldName)
	d.files[newName] = f
	return nil
}
func (d *memDisk) ReadFile(name string) ([]byte, bool) {
	d.init()
	f, ok := d.files[name]
	return append([]byte(nil), f...), ok
}
func (d *memDisk) Exists(name string) bool { d.init(); _, ok := d.files[name]; return ok }
func (d *memDisk) List() []string {
	d.init()
	var names []string
	for n := range d.files {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
func (d *memDisk) Size(name string) int64 { d.init(); return int64(len(d.files[name])) }
func (d *memDisk) sync(string)            {}

// seedLog gives a server's disk a history before it starts: an empty
// snapshot, the given txns (createSession records) and its epoch files.
func (n *testNet) seedLog(id ServerID, currentEpoch Epoch, zxids ...Zxid) {
	env := n.envs[id]
	db := newDatabase(&env.disk, &n.servers[id].cfg)
	db.takeSnapshot(0)
	for _, z := range zxids {
		db.appendTxn(&LogEntry{Hdr: tree.TxnHeader{SessionID: int64(z), Zxid: int64(z), Type: tree.OpCreateSession},
			Txn: tree.CreateSessionTxn{Timeout: 4000}})
	}
	e := []byte(strconv.FormatInt(int64(currentEpoch), 10))
	env.disk.WriteFile(currentEpochFile, e)
	env.disk.WriteFile(acceptedEpochFile, e)
}

// restart brings a crashed server back with its disk.
func (n *testNet) restart(id ServerID) {
	old := n.servers[id]
	env := n.envs[id]
	env.timers = map[TimerID]bool{}
	s, err := NewServer(old.cfg, env)
	if err != nil {
		n.t.Fatal(err)
	}
	n.servers[id] = s
	delete(n.down, id)
	s.Step(StartEvent{})
}

// delivered lists the zxids a server reported applying, in order.
func (n *testNet) delivered(id ServerID) []Zxid {
	var zs []Zxid
	for _, o := range n.envs[id].obs {
		if o.Kind == ObsDeliver {
			zs = append(zs, o.Zxid)
		}
	}
	return zs
}

// propose submits a createSession write at the current leader.
func (n *testNet) propose(session SessionID) bool {
	ls := n.leaders()
	if len(ls) != 1 {
		return false
	}
	return n.servers[ls[0]].prepAndPropose(&ForwardedRequest{SessionID: session, Type: tree.OpCreateSession,
		Record: &tree.CreateSessionRequest{Timeout: 4000}, Owner: ls[0]})
}
