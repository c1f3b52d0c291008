package recipes

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// NameService is the naming service of the seed documents ("命名服务"):
// programs agree on a path instead of on machines. A service is a
// persistent node at an agreed path under the root ("在zk下创建一个节点作为
// 服务"); each instance of it is an ephemeral-sequential child holding the
// instance's address ("节点下面的子节点中存放该服务的各个机器的ip"), so an
// instance that dies leaves the list when its session ends. Resolving a
// service lists its children.
type NameService struct {
	s       session
	root    string
	regs    []*presence // one per Register, in order
	stopped bool
}

// NewNameService makes a naming client under root; Start it.
func NewNameService(env Env, log *Log, root string) *NameService {
	n := &NameService{root: root}
	n.s = session{env: env, log: log}
	n.s.onConnected = func(cl *client.Client) {
		for _, p := range n.regs {
			p.connected(cl)
		}
	}
	n.s.onDead = func(*client.Client, bool) {
		for _, p := range n.regs {
			p.dead()
		}
		if !n.stopped {
			n.s.open()
		}
	}
	return n
}

// Start opens the session.
func (n *NameService) Start() { n.s.open() }

// Stop closes the session for good (its instances go with it).
func (n *NameService) Stop() {
	n.stopped = true
	n.s.close()
}

// ServiceDir is the agreed path of a service.
func (n *NameService) ServiceDir(service string) string { return tree.JoinPath(n.root, service) }

// Register makes this process an instance of service at addr, now and in
// every later session, until Unregister.
func (n *NameService) Register(service, addr string) {
	if n.stopped {
		return
	}
	for _, p := range n.regs {
		if p.dir == n.ServiceDir(service) {
			p.join()
			return
		}
	}
	// The mark names the registration, so two of one process differ.
	p := &presence{s: &n.s, dir: n.ServiceDir(service), name: fmt.Sprintf("addr%d", len(n.regs)), sequential: true, data: []byte(addr)}
	p.onUp = func(path string) {
		e := n.s.entry(KindRegister)
		e.Path, e.Note = path, addr
		n.s.add(e)
	}
	n.regs = append(n.regs, p)
	p.join()
}

// Unregister removes this process's instance of service.
func (n *NameService) Unregister(service string) {
	for _, p := range n.regs {
		if p.dir != n.ServiceDir(service) || !p.want {
			continue
		}
		path := p.path
		p.leave()
		if path != "" {
			e := n.s.entry(KindUnregister)
			e.Path = path
			n.s.add(e)
		}
	}
}

// Resolve lists the instances of service: cb hears their node names,
// sorted (none when the service has no node yet).
func (n *NameService) Resolve(service string, cb func(names []string, err tree.Code)) {
	cl := n.s.cl
	if n.stopped || !Live(cl) {
		cb(nil, tree.ConnectionLoss)
		return
	}
	dir, lo := n.ServiceDir(service), cl.LastZxid()
	cl.GetChildren(dir, nil, func(names []string, _ tree.Stat, err tree.Code) {
		if !n.s.current(cl) {
			return
		}
		if err == tree.NoNode {
			names, err = nil, tree.OK
		}
		if err == tree.OK {
			sort.Strings(names)
			e := n.s.entry(KindResolve)
			e.Path, e.Note, e.Seq, e.Value = dir, strings.Join(names, " "), int64(lo), uint64(cl.LastZxid())
			n.s.add(e)
		}
		cb(names, err)
	})
}
