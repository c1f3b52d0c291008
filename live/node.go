// Package live runs zab.Server, the very state machine the simulator
// drives, on a real runtime: TCP listeners for the election, quorum and
// client ports, the wall clock, timers, files in a data directory. It is
// the one package of zabsim where goroutines live.
//
// One goroutine per server (the loop) owns the zab.Server and calls Step
// serially, as raft's node.go wraps rawnode; every I/O goroutine (accept,
// read, dial, timer, fsync) only posts events to the loop. The Env the
// server acts on runs on the loop too, so it needs no locks; what it hands
// to other goroutines (bytes to write, a file handle to sync) it gives
// away.
package live

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log"
	mrand "math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/zabsim/zabsim/zab"
)

// PeerAddr is where one server listens, as its zoo.cfg server.N line and
// clientPort say.
type PeerAddr struct {
	Host         string
	QuorumPort   int
	ElectionPort int
	ClientPort   int
}

// Config is one live server.
type Config struct {
	// Server is the protocol configuration: myid, the ensemble, timing.
	Server zab.Config
	// Addrs has every server of Server.Peers, this one included.
	Addrs map[zab.ServerID]PeerAddr
	// DataDir holds myid and, under zabsim/, the server's files: not
	// ZooKeeper's version-2, whose log and snapshot names zab would take
	// for its own and fail to read.
	DataDir string
	// ClientHost is the address the client port binds ("" = all).
	ClientHost string
	// MaxBuffer is jute.maxbuffer: the largest client frame (default
	// 0xfffff, ZooKeeper's 1 MiB - 1).
	MaxBuffer int
	// Logger gets the server's log lines; nil logs to stderr.
	Logger *log.Logger
	// Debug also logs the server's Logf lines and every observation.
	Debug bool
	// Seed seeds the server's random stream; 0 draws one from crypto/rand.
	Seed uint64
	// Observe, if set, sees every observation the server reports (for
	// metrics or tests). It runs on the loop and must not block.
	Observe func(zab.Observation)
}

// loopItem is one thing for the loop to do: step an event, or run fn.
type loopItem struct {
	ev zab.Event
	fn func()
}

// loopQueueMax bounds the loop's input queue. Readers block when it is
// full, so a flood from the network pushes back through TCP instead of
// growing memory.
const loopQueueMax = 4096

// Node is one server process.
type Node struct {
	cfg  Config
	log  *log.Logger
	srv  *zab.Server
	disk *fileDisk
	rng  *mrand.Rand

	started   time.Time
	startWall int64

	items    chan loopItem
	done     chan struct{} // closed by Stop: every goroutine winds down
	loopDone chan struct{}
	stopOnce sync.Once
	running  bool // Run was called
	wg       sync.WaitGroup

	listeners []net.Listener
	// fsyncQ is the fsync worker's queue. The loop appends and never
	// waits; the worker takes everything queued at once.
	fsyncMu   sync.Mutex
	fsyncQ    []fsyncJob
	fsyncWake chan struct{}

	// The loop's own state; nothing else touches it.
	conns     map[zab.ConnID]*conn
	timers    map[zab.TimerID]*time.Timer
	nextTimer zab.TimerID
	failed    bool
	stats     clientStats
	proposals proposalSizes

	nextConn atomic.Uint64
	// open holds every connection whose writer still runs, including
	// those the loop has let go of (closed here and still flushing, or a
	// four-letter word being answered): Stop aborts them all, so no
	// goroutine outlives it.
	openMu sync.Mutex
	open   map[zab.ConnID]*conn
}

// NewNode opens the data dir and builds the server; Start runs it.
func NewNode(cfg Config) (*Node, error) {
	if cfg.Logger == nil {
		cfg.Logger = log.New(os.Stderr, fmt.Sprintf("zk%d ", cfg.Server.ID), log.LstdFlags|log.Lmicroseconds)
	}
	if cfg.MaxBuffer == 0 {
		cfg.MaxBuffer = 0xfffff
	}
	for _, p := range cfg.Server.Peers {
		if _, ok := cfg.Addrs[p.ID]; !ok {
			return nil, fmt.Errorf("live: server.%d has no address", p.ID)
		}
	}
	disk, err := openDisk(filepath.Join(cfg.DataDir, "zabsim"))
	if err != nil {
		return nil, err
	}
	seed := cfg.Seed
	if seed == 0 {
		var b [8]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, fmt.Errorf("live: seeding: %w", err)
		}
		seed = binary.LittleEndian.Uint64(b[:])
	}
	n := &Node{cfg: cfg, log: cfg.Logger, disk: disk,
		rng:   mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		items: make(chan loopItem, loopQueueMax), done: make(chan struct{}), loopDone: make(chan struct{}),
		fsyncWake: make(chan struct{}, 1),
		conns:     map[zab.ConnID]*conn{}, timers: map[zab.TimerID]*time.Timer{}, open: map[zab.ConnID]*conn{},
		proposals: newProposalSizes()}
	n.started = time.Now()
	n.startWall = n.started.UnixNano()
	srv, err := zab.NewServer(cfg.Server, n)
	if err != nil {
		return nil, err
	}
	n.srv = srv
	return n, nil
}

// WriteMyID writes dataDir/myid as ZooKeeper expects it.
func WriteMyID(dataDir string, id zab.ServerID) error {
	if err := os.MkdirAll(dataDir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dataDir, "myid"), []byte(strconv.FormatInt(int64(id), 10)+"\n"), 0o644)
}

// Start binds the ports and boots the server from what its data dir holds.
func (n *Node) Start() error {
	if err := n.Listen(); err != nil {
		return err
	}
	n.Run()
	return nil
}

// Listen binds the election, quorum and client ports. An ensemble binds
// every server's before any runs, so no first election message finds a
// peer's port closed and waits out a poll timeout.
func (n *Node) Listen() error {
	me := n.cfg.Addrs[n.cfg.Server.ID]
	for _, addr := range []string{
		net.JoinHostPort(me.Host, strconv.Itoa(me.ElectionPort)),
		net.JoinHostPort(me.Host, strconv.Itoa(me.QuorumPort)),
		net.JoinHostPort(n.cfg.ClientHost, strconv.Itoa(me.ClientPort)),
	} {
		l, err := net.Listen("tcp", addr)
		if err != nil {
			for _, l := range n.listeners {
				l.Close()
			}
			n.listeners = nil
			return fmt.Errorf("zk%d: %w", n.cfg.Server.ID, err)
		}
		n.listeners = append(n.listeners, l)
	}
	return nil
}

// Run starts the loop on bound ports and boots the server.
func (n *Node) Run() {
	if len(n.listeners) != 3 {
		panic(fmt.Sprintf("zk%d: Run before Listen", n.cfg.Server.ID))
	}
	n.running = true
	n.wg.Add(2)
	go n.loop()
	go n.fsyncWorker()
	n.post(loopItem{ev: zab.StartEvent{}})
	for i, l := range n.listeners {
		n.wg.Add(1)
		go n.accept(l, []zab.Port{zab.PortElection, zab.PortQuorum, zab.PortClient}[i])
	}
	n.log.Printf("serving: election %s, quorum %s, client %s",
		n.listeners[0].Addr(), n.listeners[1].Addr(), n.listeners[2].Addr())
}

// Stop kills the server as a crash would: listeners and connections close
// at once, timers die, and what was written but not fsynced stays only in
// the OS's hands. A restarted Node recovers from the data dir.
func (n *Node) Stop() {
	n.stopOnce.Do(func() {
		close(n.done)
		for _, l := range n.listeners {
			l.Close()
		}
		if n.running {
			<-n.loopDone
		}
		// The loop has exited: its state is ours now.
		n.openMu.Lock()
		for _, c := range n.open {
			c.abort()
		}
		n.openMu.Unlock()
		for _, t := range n.timers {
			t.Stop()
		}
		n.wg.Wait()
		n.disk.closeAll()
		n.log.Printf("stopped")
	})
}

// Done is closed once Stop was called (or the server failed).
func (n *Node) Done() <-chan struct{} { return n.done }

// ID is the server's myid.
func (n *Node) ID() zab.ServerID { return n.cfg.Server.ID }

// ClientAddr is the client port's address.
func (n *Node) ClientAddr() string {
	if len(n.listeners) < 3 {
		return ""
	}
	return n.listeners[2].Addr().String()
}

// Do runs fn on the loop with the server and waits for it; it reports
// false if the node stopped first. fn must not keep the server.
func (n *Node) Do(fn func(*zab.Server)) bool {
	ran := make(chan struct{})
	if !n.post(loopItem{fn: func() { fn(n.srv); close(ran) }}) {
		return false
	}
	select {
	case <-ran:
		return true
	case <-n.loopDone:
		return false
	}
}

// Stats is the server's stats snapshot, taken on the loop.
func (n *Node) Stats() (zab.Stats, bool) {
	var st zab.Stats
	ok := n.Do(func(s *zab.Server) { st = s.Stats() })
	return st, ok
}

// post hands an item to the loop; false if the node is stopping.
func (n *Node) post(it loopItem) bool {
	select {
	case n.items <- it:
		return true
	case <-n.done:
		return false
	}
}

func (n *Node) loop() {
	defer n.wg.Done()
	defer close(n.loopDone)
	for {
		// A stopped node steps nothing more, however much is queued: a
		// select with both ready would pick at random.
		select {
		case <-n.done:
			return
		default:
		}
		select {
		case <-n.done:
			return
		case it := <-n.items:
			if it.fn != nil {
				it.fn()
				continue
			}
			n.step(it.ev)
		}
	}
}

// step gives the server one event, if it is still its business.
func (n *Node) step(ev zab.Event) {
	if n.failed || !n.admit(ev) {
		return
	}
	n.srv.Step(ev)
	if n.disk.err != nil {
		n.fail(n.disk.err)
	}
}

// admit filters events the server must not see: a connection's events
// after the server closed it, a timer's firing after it was cancelled.
func (n *Node) admit(ev zab.Event) bool {
	switch e := ev.(type) {
	case zab.MessageEvent:
		c := n.conns[e.Conn]
		return c != nil && !c.closedHere
	case zab.ClosedEvent:
		c := n.conns[e.Conn]
		if c == nil {
			return false
		}
		delete(n.conns, e.Conn)
		return !c.closedHere
	case zab.TimerEvent:
		if _, ok := n.timers[e.ID]; !ok {
			return false
		}
		delete(n.timers, e.ID)
	}
	return true
}

// fail stops a server that cannot go on (a disk error), as ZooKeeper
// exits: the other servers see its connections close.
func (n *Node) fail(err error) {
	n.failed = true
	n.log.Printf("FATAL: %v: stopping", err)
	go n.Stop()
}

// fsyncWorker runs fsyncs in the order asked, off the loop, and reports
// each as an FsyncEvent (the simulated disk completes a node's fsyncs in
// order too). Queued fsyncs of one file are done as one: the last of them
// covers what every earlier one was asked for, as a group commit.
func (n *Node) fsyncWorker() {
	defer n.wg.Done()
	for {
		select {
		case <-n.done:
			return
		case <-n.fsyncWake:
		}
		n.fsyncMu.Lock()
		batch := n.fsyncQ
		n.fsyncQ = nil
		n.fsyncMu.Unlock()
		for i := 0; i < len(batch); {
			// batch[i..j] sync one file: the last handle, opened latest,
			// covers them all.
			j := i
			for j+1 < len(batch) && sameFile(batch[j], batch[j+1]) {
				j++
			}
			for k := i; k < j; k++ {
				if batch[k].dir != "" {
					batch[j].dir = batch[k].dir
				}
				batch[k].f.Close()
			}
			if err := batch[j].run(); err != nil {
				n.post(loopItem{fn: func() { n.fail(err) }})
				return
			}
			for k := i; k <= j; k++ {
				if !n.post(loopItem{ev: zab.FsyncEvent{File: batch[k].file, Token: batch[k].token}}) {
					return
				}
			}
			i = j + 1
		}
	}
}

// fsyncQueueMax bounds the fsyncs waiting; the server waits for each
// before going on with what depends on it, so a long queue is a bug.
const fsyncQueueMax = 1 << 20

func (n *Node) queueFsync(job fsyncJob) {
	n.fsyncMu.Lock()
	n.fsyncQ = append(n.fsyncQ, job)
	waiting := len(n.fsyncQ)
	n.fsyncMu.Unlock()
	if waiting > fsyncQueueMax {
		panic(fmt.Sprintf("zk%d: %d fsyncs queued", n.cfg.Server.ID, waiting))
	}
	select {
	case n.fsyncWake <- struct{}{}:
	default:
	}
}

func sameFile(a, b fsyncJob) bool {
	if a.f == nil || b.f == nil || a.file != b.file {
		return false
	}
	sa, err1 := a.f.Stat()
	sb, err2 := b.f.Stat()
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// accept takes connections on one port.
func (n *Node) accept(l net.Listener, port zab.Port) {
	defer n.wg.Done()
	for {
		nc, err := l.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) {
				n.log.Printf("accept on %s: %v", l.Addr(), err)
			}
			return
		}
		n.wg.Add(1)
		go n.admitConn(nc, port)
	}
}

// helloTimeout bounds how long a peer may take to say who it is.
const helloTimeout = 5 * time.Second

// admitConn registers an accepted connection with the loop and starts its
// reader and writer. A peer port's connection must first say which server
// dialled: a stranger is closed.
func (n *Node) admitConn(nc net.Conn, port zab.Port) {
	defer n.wg.Done()
	if tc, ok := nc.(*net.TCPConn); ok {
		tc.SetNoDelay(true)
	}
	c := n.newConn(port)
	if port != zab.PortClient {
		nc.SetReadDeadline(time.Now().Add(helloTimeout))
		h, err := readHello(nc)
		nc.SetReadDeadline(time.Time{})
		if err == nil && !n.isPeer(h.Sid) {
			err = fmt.Errorf("server %d is not in the ensemble", h.Sid)
		}
		if err == nil && h.Port != port {
			err = fmt.Errorf("hello for port %d on port %d", h.Port, port)
		}
		if err != nil {
			n.log.Printf("refusing %s on the %s port: %v", nc.RemoteAddr(), portName(port), err)
			n.forget(c)
			nc.Close()
			return
		}
		c.peer = h.Sid
	}
	c.nc = nc
	if a, ok := nc.RemoteAddr().(*net.TCPAddr); ok {
		c.remoteIP = a.IP.String()
	}
	if !n.post(loopItem{fn: func() { n.conns[c.id] = c }}) {
		n.forget(c)
		nc.Close()
		return
	}
	n.wg.Add(2)
	go c.writeLoop(nil)
	go c.readLoop()
}

// forget drops a connection that never got its goroutines.
func (n *Node) forget(c *conn) {
	n.openMu.Lock()
	delete(n.open, c.id)
	n.openMu.Unlock()
}

func (n *Node) isPeer(id zab.ServerID) bool {
	for _, p := range n.cfg.Server.Peers {
		if p.ID == id && id != n.cfg.Server.ID {
			return true
		}
	}
	return false
}

func portName(p zab.Port) string {
	switch p {
	case zab.PortElection:
		return "election"
	case zab.PortQuorum:
		return "quorum"
	case zab.PortClient:
		return "client"
	}
	return fmt.Sprintf("Port(%d)", p)
}
