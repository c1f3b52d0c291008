package recipes

import (
	"strings"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// The service registry of the seeds' Dubbo example ("dubbo注册中心"): a
// provider registers itself when it starts ("服务提供者在启动时,向注册中心
// 注册自己提供的服务") as an ephemeral node named by its URL under
// /dubbo/<service>/providers; a consumer subscribes when it starts
// ("服务消费者在启动时,向注册中心订阅自己所需的服务"), registering itself
// under /dubbo/<service>/consumers and watching the providers; the
// registry pushes every change ("如果有变更,注册中心将基于长连接推送变更
// 数据给消费者"); for each call the consumer picks one provider of its
// list by a soft load-balancing rule ("基于软负载均衡算法,选一台提供者进行
// 调用"), here round robin.
//
// A consumer keeps its list while it cannot reach the registry, as Dubbo
// does (the seeds' note on Eureka: better to keep good and bad data than
// lose the good): a provider that died meanwhile may be picked until the
// consumer hears of it.

// ProvidersDir is where a service's providers register.
func ProvidersDir(root, service string) string {
	return tree.JoinPath(tree.JoinPath(root, service), "providers")
}

// ConsumersDir is where a service's consumers register.
func ConsumersDir(root, service string) string {
	return tree.JoinPath(tree.JoinPath(root, service), "consumers")
}

// Provider is one provider of a service.
type Provider struct {
	s       session
	pres    presence
	stopped bool
}

// NewProvider makes the provider url (a node name: no '/') of service
// under root (Dubbo's is "/dubbo"); Start it, and Register.
func NewProvider(env Env, log *Log, root, service, url string) *Provider {
	p := &Provider{}
	p.s = session{env: env, log: log}
	p.pres = presence{s: &p.s, dir: ProvidersDir(root, service), name: url, data: []byte(url)}
	p.pres.onUp = func(path string) {
		e := p.s.entry(KindRegister)
		e.Path, e.Note = path, url
		p.s.add(e)
	}
	p.s.onConnected = p.pres.connected
	p.s.onDead = func(*client.Client, bool) {
		p.pres.dead()
		if !p.stopped {
			p.s.open()
		}
	}
	return p
}

// Start opens the session.
func (p *Provider) Start() { p.s.open() }

// Register exposes the provider (now and in every later session).
func (p *Provider) Register() {
	if !p.stopped {
		p.pres.join()
	}
}

// Unregister takes the provider out of the registry.
func (p *Provider) Unregister() {
	if !p.pres.want {
		return
	}
	p.pres.leave()
	e := p.s.entry(KindUnregister)
	e.Path = tree.JoinPath(p.pres.dir, p.pres.name)
	p.s.add(e)
}

// Registered reports whether the provider wants to be registered.
func (p *Provider) Registered() bool { return p.pres.want }

// Stop closes the session for good.
func (p *Provider) Stop() {
	p.stopped = true
	p.s.close()
}

// ServiceConsumer subscribes to one service's providers and picks one per
// call.
type ServiceConsumer struct {
	s         session
	pres      presence
	w         watcher
	dir       string
	providers []string
	viewed    bool
	next      int
	stopped   bool
}

// NewServiceConsumer makes the consumer name of service under root;
// Start it.
func NewServiceConsumer(env Env, log *Log, root, service, name string) *ServiceConsumer {
	c := &ServiceConsumer{dir: ProvidersDir(root, service)}
	c.s = session{env: env, log: log}
	c.pres = presence{s: &c.s, dir: ConsumersDir(root, service), name: name, data: []byte(name), want: true}
	c.w = watcher{s: &c.s, path: c.dir, children: true, on: c.read}
	c.s.onConnected = func(cl *client.Client) {
		c.pres.connected(cl)
		c.w.read()
	}
	c.s.onDead = func(*client.Client, bool) {
		c.pres.dead()
		c.w.stop()
		if !c.stopped {
			c.s.open()
		}
	}
	return c
}

// Start opens the session; the consumer subscribes once connected.
func (c *ServiceConsumer) Start() { c.s.open() }

// Stop closes the session for good.
func (c *ServiceConsumer) Stop() {
	c.stopped = true
	c.w.stop()
	c.s.close()
}

// Providers is the consumer's list.
func (c *ServiceConsumer) Providers() []string { return c.providers }

// Pick picks the provider for one call, round robin over the list; false
// when the list is empty.
func (c *ServiceConsumer) Pick() (string, bool) {
	if c.stopped || len(c.providers) == 0 {
		return "", false
	}
	c.next = (c.next + 1) % len(c.providers)
	p := c.providers[c.next]
	e := c.s.entry(KindPick)
	e.Path, e.Note = c.dir, p
	c.s.add(e)
	return p, true
}

func (c *ServiceConsumer) read(v view) {
	if c.viewed && strings.Join(v.names, " ") == strings.Join(c.providers, " ") {
		return
	}
	c.viewed, c.providers = true, v.names
	claimView(&c.s, c.dir, v)
}
