package live

import (
	"errors"
	"fmt"
	"log"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/zabsim/zabsim/zab"
)

// EnsembleConfig is a whole ensemble on loopback in one process: for
// `zabsim serve --ensemble` and the tests.
type EnsembleConfig struct {
	Voters, Observers int
	// BasePort lays the ports out as conform/ensemble does: server n has
	// client port base+n-1, quorum base+10+n-1, election base+20+n-1.
	// 0 picks free ports.
	BasePort int
	// DataDir holds zkN/data for each server.
	DataDir string
	// Tune adjusts every server's configuration (tickTime, limits).
	Tune func(*zab.Config)
	// Logger gets every server's lines, prefixed zkN; nil: stderr.
	Logger *log.Logger
	Debug  bool
	// Observe, if set, sees every server's observations, on that
	// server's loop: it must not block.
	Observe func(zab.ServerID, zab.Observation)
}

// Ensemble is the running servers.
type Ensemble struct {
	cfg   EnsembleConfig
	addrs map[zab.ServerID]PeerAddr
	peers []zab.Peer

	mu    sync.Mutex
	nodes map[zab.ServerID]*Node // nil for a stopped server
}

// StartEnsemble writes each server's myid and starts them all.
func StartEnsemble(cfg EnsembleConfig) (*Ensemble, error) {
	total := cfg.Voters + cfg.Observers
	if cfg.Voters < 1 || total > 10 {
		return nil, fmt.Errorf("ensemble %d+%d: want 1..10 servers with at least one voter", cfg.Voters, cfg.Observers)
	}
	if cfg.DataDir == "" {
		return nil, errors.New("ensemble: no data dir")
	}
	e := &Ensemble{cfg: cfg, addrs: map[zab.ServerID]PeerAddr{}, nodes: map[zab.ServerID]*Node{}}
	ports, err := e.ports(total)
	if err != nil {
		return nil, err
	}
	for i := 1; i <= total; i++ {
		id := zab.ServerID(i)
		e.peers = append(e.peers, zab.Peer{ID: id, Observer: i > cfg.Voters})
		e.addrs[id] = PeerAddr{Host: "127.0.0.1", ClientPort: ports[3*(i-1)], QuorumPort: ports[3*(i-1)+1], ElectionPort: ports[3*(i-1)+2]}
		if err := WriteMyID(e.dataDir(id), id); err != nil {
			return nil, err
		}
	}
	var nodes []*Node
	for _, p := range e.peers {
		n, err := e.listen(p.ID)
		if err != nil {
			for _, n := range nodes {
				n.Stop()
			}
			return nil, err
		}
		nodes = append(nodes, n)
	}
	for _, n := range nodes {
		n.Run()
		e.nodes[n.ID()] = n
	}
	return e, nil
}

// ports returns client, quorum and election port for each server in turn.
func (e *Ensemble) ports(total int) ([]int, error) {
	var out []int
	if b := e.cfg.BasePort; b != 0 {
		if b < 1024 || b+20+total > 65535 {
			return nil, fmt.Errorf("base port %d: want 1024..%d", b, 65535-20-total)
		}
		for i := 0; i < total; i++ {
			out = append(out, b+i, b+10+i, b+20+i)
		}
		return out, nil
	}
	// Free ports, as the kernel hands them out: held open until all are
	// picked so no two are the same.
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	for range 3 * total {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		ls = append(ls, l)
		out = append(out, l.Addr().(*net.TCPAddr).Port)
	}
	return out, nil
}

func (e *Ensemble) dataDir(id zab.ServerID) string {
	return filepath.Join(e.cfg.DataDir, fmt.Sprintf("zk%d", id), "data")
}

// Config is server id's live configuration.
func (e *Ensemble) Config(id zab.ServerID) Config {
	zc := zab.Config{ID: id, Peers: e.peers}
	if e.cfg.Tune != nil {
		e.cfg.Tune(&zc)
	}
	logger := e.cfg.Logger
	if logger == nil {
		logger = log.New(os.Stderr, "", log.LstdFlags|log.Lmicroseconds)
	}
	cfg := Config{Server: zc, Addrs: e.addrs, DataDir: e.dataDir(id), ClientHost: "127.0.0.1",
		Logger: log.New(logger.Writer(), fmt.Sprintf("%szk%d ", logger.Prefix(), id), logger.Flags()), Debug: e.cfg.Debug}
	if obs := e.cfg.Observe; obs != nil {
		cfg.Observe = func(o zab.Observation) { obs(id, o) }
	}
	return cfg
}

// Start starts (or restarts, from its data dir) server id.
func (e *Ensemble) Start(id zab.ServerID) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.nodes[id] != nil {
		return fmt.Errorf("zk%d is running", id)
	}
	n, err := e.listen(id)
	if err != nil {
		return err
	}
	n.Run()
	e.nodes[id] = n
	return nil
}

// listen builds server id's node and binds its ports. A port of a server
// just stopped may linger a moment, so binding is retried for a while.
func (e *Ensemble) listen(id zab.ServerID) (*Node, error) {
	n, err := NewNode(e.Config(id))
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		err = n.Listen()
		if err == nil {
			return n, nil
		}
		if time.Now().After(deadline) {
			return nil, err
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Kill stops server id as a crash would.
func (e *Ensemble) Kill(id zab.ServerID) {
	e.mu.Lock()
	n := e.nodes[id]
	delete(e.nodes, id)
	e.mu.Unlock()
	if n != nil {
		n.Stop()
	}
}

// Stop stops every server.
func (e *Ensemble) Stop() {
	for _, p := range e.peers {
		e.Kill(p.ID)
	}
}

// Node returns server id's node, nil if it is stopped.
func (e *Ensemble) Node(id zab.ServerID) *Node {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.nodes[id]
}

// IDs lists the servers.
func (e *Ensemble) IDs() []zab.ServerID {
	ids := make([]zab.ServerID, len(e.peers))
	for i, p := range e.peers {
		ids[i] = p.ID
	}
	return ids
}

// Servers lists the client addresses, server 1 first.
func (e *Ensemble) Servers() []string {
	var out []string
	for _, p := range e.peers {
		out = append(out, net.JoinHostPort(e.addrs[p.ID].Host, strconv.Itoa(e.addrs[p.ID].ClientPort)))
	}
	return out
}

// ConnectString is the servers' client addresses as clients take them.
func (e *Ensemble) ConnectString() string { return strings.Join(e.Servers(), ",") }

// Leader returns the established leader, if exactly one running server is
// one and every running server is serving.
func (e *Ensemble) Leader() (zab.ServerID, bool) {
	var leaders []zab.ServerID
	for _, id := range e.IDs() {
		n := e.Node(id)
		if n == nil {
			continue
		}
		st, ok := n.Stats()
		if !ok || !st.Serving {
			return 0, false
		}
		if st.State == zab.Leading {
			leaders = append(leaders, id)
		}
	}
	if len(leaders) != 1 {
		return 0, false
	}
	return leaders[0], true
}

// WaitLeader waits until Leader reports one, or the timeout passes.
func (e *Ensemble) WaitLeader(timeout time.Duration) (zab.ServerID, error) {
	deadline := time.Now().Add(timeout)
	for {
		if id, ok := e.Leader(); ok {
			return id, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("no leader with every running server serving after %s", timeout)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
