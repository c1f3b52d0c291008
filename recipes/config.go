package recipes

import (
	"bytes"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// ConfigClient is the configuration management of the seed documents
// ("配置管理"): the configuration lives in one znode, every application
// watches it, and when it changes each one hears of it and reads the new
// value ("一旦配置信息发生变化,每个应用程序就会收到Zookeeper的通知,然后从
// Zookeeper获取新的配置信息"). The watch is one-shot, so every read leaves
// a new one; every connection reads again (a new session has no watches,
// and what changed while disconnected must not wait for the next change).
// Publish is the administrator's side: it writes a new value.
type ConfigClient struct {
	s       session
	path    string
	w       watcher
	value   []byte
	version int32
	zxid    int64 // the mzxid of value; 0 before the first read
	seen    bool
	stopped bool
	// OnChange, if set, hears each new value the client takes.
	OnChange func(value []byte)
}

// NewConfigClient makes a client of the configuration at path; Start it.
func NewConfigClient(env Env, log *Log, path string) *ConfigClient {
	c := &ConfigClient{path: path}
	c.s = session{env: env, log: log}
	c.w = watcher{s: &c.s, path: path, on: c.read}
	c.s.onConnected = func(*client.Client) { c.w.read() }
	c.s.onDead = func(*client.Client, bool) {
		c.w.stop()
		if !c.stopped {
			c.s.open()
		}
	}
	return c
}

// Start opens the session; the first read follows the connection.
func (c *ConfigClient) Start() { c.s.open() }

// Stop closes the session for good.
func (c *ConfigClient) Stop() {
	c.stopped = true
	c.w.stop()
	c.s.close()
}

// Value is the configuration the client holds (nil before the first
// read, or while the node does not exist).
func (c *ConfigClient) Value() []byte { return c.value }

// read takes what a read saw. A read can answer with what the client
// holds already (a re-read on reconnecting); only a change is claimed.
func (c *ConfigClient) read(v view) {
	zxid, version := v.stat.Mzxid, v.stat.Version
	if !v.exists {
		zxid, version = 0, -2
	}
	if c.seen && zxid == c.zxid && version == c.version && bytes.Equal(v.data, c.value) {
		return
	}
	c.seen, c.value, c.version, c.zxid = true, v.data, version, zxid
	e := c.s.entry(KindView)
	e.Path, e.Note, e.Seq, e.Value = c.path, string(v.data), int64(version), uint64(zxid)
	c.s.add(e)
	if c.OnChange != nil {
		c.OnChange(v.data)
	}
}

// Publish writes a new configuration (creating the node, and its
// parents, the first time). A write whose answer was lost is not
// repeated: the next Publish supersedes it.
func (c *ConfigClient) Publish(value []byte) {
	cl := c.s.cl
	if c.stopped || !Live(cl) {
		return
	}
	value = bytes.Clone(value)
	cl.SetData(c.path, value, -1, func(_ tree.Stat, err tree.Code) {
		if err != tree.NoNode || !c.s.current(cl) {
			return
		}
		c.s.ensure(tree.ParentPath(c.path), func(err tree.Code) {
			if err == tree.OK && c.s.current(cl) {
				cl.Create(c.path, value, tree.OpenACLUnsafe, tree.Persistent, nil)
			}
		})
	})
}
