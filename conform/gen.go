package conform

import (
	"fmt"
	"math/rand/v2"
	"strings"

	"github.com/zabsim/zabsim/tree"
)

// Gen makes the differential test's op sequence from a seed. It steers by
// the outcomes it is shown (Observe): it remembers the paths that were
// created, their versions and owners, so most ops aim at nodes that exist,
// with versions that are right, and the rest at what was deleted, never
// was, or is wrong in a chosen way. Both sides run the very ops Gen makes,
// and their outcomes are compared before Gen sees them, so steering by one
// side's outcomes steers by both.
//
// Reads must not be stale for the comparison to be exact: a session whose
// server may lag behind another session's write first sends a barrier, a
// multi that only checks the root (an op of the sequence like any other).
// A sync is not enough: the leader serves its own clients' syncs as reads
// (LeaderZooKeeperServer builds its CommitProcessor with matchSyncs false,
// and needCommit(sync) returns matchSyncs), so a sync there may be
// answered before the leader applies a commit a follower has already
// answered (seen once in 100,000 ops: a watch event after the sync's
// reply). A write goes through the leader's commit pipeline in zxid order.
type Gen struct {
	rng   *rand.Rand
	root  string
	slots int
	// stale[i]: a write went through another session since slot i's last
	// op, so slot i syncs before its next.
	stale   []bool
	nodes   map[string]*node
	paths   []string // every path ever created or aimed at, first-seen order
	index   int
	pending []Op
	gens    []int // how often each slot reopened
	last    int   // the slot of the last random op
}

type node struct {
	exists    bool
	owner     int // slot of an ephemeral's session, -1 if none
	container bool
	version   int32
	aversion  int32
}

// names are the child names creates pick from: few, so they collide, and
// some beyond ASCII (Java hashes and orders UTF-16, Go strings are UTF-8).
var names = []string{"a", "b", "c", "d", "e", "f", "g", "h", "é", "日本"}

// Credentials: slot 0 and 3 are alice, slot 1 is bob, slot 2 nobody.
const (
	alice = "alice:secret"
	bob   = "bob:hunter2"
)

// SlotAuth is the digest credential each slot adds at the start ("" for
// none); a reopened session adds it again.
func SlotAuth(slot int) string {
	switch slot % 4 {
	case 0, 3:
		return alice
	case 1:
		return bob
	}
	return ""
}

// NewGen starts a sequence for seed under root with this many sessions.
func NewGen(seed uint64, root string, slots int) *Gen {
	g := &Gen{rng: rand.New(rand.NewPCG(seed, 0x5eed)), root: root, slots: slots,
		stale: make([]bool, slots), nodes: map[string]*node{}, gens: make([]int, slots)}
	g.pending = append(g.pending, Op{Slot: 0, Kind: KCreate, Path: root, Data: []byte("root"),
		ACL: tree.OpenACLUnsafe, Mode: tree.Persistent})
	for i := 0; i < slots; i++ {
		if a := SlotAuth(i); a != "" {
			g.pending = append(g.pending, Op{Slot: i, Kind: KAddAuth, Scheme: "digest", Auth: a})
		}
	}
	return g
}

// Next is the next op.
func (g *Gen) Next() Op {
	var op Op
	if len(g.pending) > 0 {
		op = g.pending[0]
		g.pending = g.pending[1:]
	} else {
		op = g.random()
	}
	write := isWrite(op.Kind) && !clientRefuses(op)
	if g.stale[op.Slot] && !write {
		// A read, sync or addAuth, whose answer (and the events drained
		// with it) could come before the session's server has applied
		// another session's write: a barrier first. A write needs none:
		// the leader orders it, and the server applies what came before
		// it first.
		g.pending = append([]Op{op}, g.pending...)
		op, write = g.barrier(op.Slot), true
	}
	op.Index = g.index
	g.index++
	if write {
		g.stale[op.Slot] = false
	}
	if write && !op.Barrier {
		for i := range g.stale {
			if i != op.Slot {
				g.stale[i] = true
			}
		}
	}
	return op
}

// barrier is a write that changes nothing: once it is answered, the
// session's server has applied every write answered before it was sent.
func (g *Gen) barrier(slot int) Op {
	return Op{Slot: slot, Kind: KMulti, Barrier: true, Multi: []SubOp{{Kind: KCheck, Path: g.root, Version: -1}}}
}

// Barrier brings slot i up to date and hands over its last events: the
// sequence's last ops.
func (g *Gen) Barrier(i int) Op {
	op := g.barrier(i)
	op.Index = g.index
	g.index++
	g.stale[i] = false
	return op
}

// clientRefuses reports whether both clients refuse op before sending it
// (a bad path; Java's client throws IllegalArgumentException): it reaches
// no server, so it orders nothing.
func clientRefuses(op Op) bool {
	return op.Kind != KMulti && op.Kind != KReopen && op.Kind != KAddAuth &&
		tree.ValidatePath(op.Path, op.Mode.IsSequential()) != nil
}

func isWrite(k Kind) bool {
	switch k {
	case KCreate, KCreateContainer, KCreateTTL, KDelete, KSetData, KSetACL, KMulti, KReopen:
		return true
	}
	return false
}

func (g *Gen) pct(p int) bool { return g.rng.IntN(100) < p }

func pick[T any](g *Gen, xs []T) T { return xs[g.rng.IntN(len(xs))] }

// random draws the next op by weight.
func (g *Gen) random() Op {
	// A session often goes on for a few ops: fewer syncs between them.
	op := Op{Slot: g.last}
	if g.pct(50) {
		op.Slot = g.rng.IntN(g.slots)
	}
	g.last = op.Slot
	w := g.rng.IntN(100)
	switch {
	case w < 20:
		g.create(&op)
	case w < 24:
		g.create(&op)
		op.Kind, op.Mode = KCreateContainer, tree.Container
	case w < 28:
		g.create(&op)
		op.Kind, op.Mode = KCreateTTL, pick(g, []tree.CreateMode{tree.PersistentWithTTL, tree.PersistentSequentialWithTTL})
		op.TTL = pick(g, []int64{3_600_000, 86_400_000, 0, -5, tree.MaxTTL + 1})
	case w < 40:
		op.Kind, op.Path = KDelete, g.notRoot(g.target())
		op.Version = g.version(op.Path, false)
	case w < 52:
		op.Kind, op.Path, op.Data = KSetData, g.target(), g.data()
		op.Version = g.version(op.Path, false)
	case w < 61:
		op.Kind, op.Path, op.Watch = KGetData, g.target(), g.pct(50)
	case w < 69:
		op.Kind, op.Path, op.Watch = KExists, g.target(), g.pct(50)
		if g.pct(40) {
			// A name a create may give later: exists watches that fire
			// NodeCreated.
			op.Path, op.Watch = tree.JoinPath(g.existing(), pick(g, names)), true
		}
	case w < 77:
		op.Kind, op.Path, op.Watch = KGetChildren, g.target(), g.pct(50)
	case w < 81:
		op.Kind, op.Path = KGetACL, g.target()
	case w < 85:
		op.Kind, op.Path, op.ACL = KSetACL, g.notRoot(g.target()), g.acl()
		op.Version = g.version(op.Path, true)
	case w < 95:
		g.multi(&op)
	case w < 96:
		op.Kind, op.Path = KSync, g.target()
	case w < 97:
		op.Kind = KReopen
	default:
		g.oddity(&op)
	}
	return op
}

// create aims a create at a child of a node that exists (mostly), with a
// name that may exist already.
func (g *Gen) create(op *Op) {
	op.Kind = KCreate
	op.Data = g.data()
	op.ACL = g.acl()
	op.Mode = pick(g, []tree.CreateMode{tree.Persistent, tree.Persistent, tree.Persistent, tree.Ephemeral,
		tree.Ephemeral, tree.PersistentSequential, tree.PersistentSequential, tree.EphemeralSequential})
	parent := g.root
	if g.pct(85) {
		parent = g.existing()
	} else if g.pct(50) {
		parent = g.any()
	}
	name := pick(g, names)
	if op.Mode.IsSequential() {
		name = pick(g, []string{"q-", "lock-", ""})
	}
	op.Path = tree.JoinPath(parent, name)
	if name == "" {
		op.Path = strings.TrimSuffix(parent, "/") + "/"
	}
}

// target is a path for an op that needs a node: one that exists (mostly),
// one that did, or one that never was.
func (g *Gen) target() string {
	switch w := g.rng.IntN(100); {
	case w < 75:
		return g.existing()
	case w < 92:
		return g.any()
	default:
		return tree.JoinPath(g.existing(), pick(g, []string{"nope", "zz"}))
	}
}

// notRoot keeps the sequence's root: deleting it, or locking sessions out
// of it, would make the rest of the sequence one error after another.
func (g *Gen) notRoot(path string) string {
	if path == g.root {
		return tree.JoinPath(g.root, pick(g, []string{"a", "b", "c"}))
	}
	return path
}

func (g *Gen) existing() string {
	var live []string
	for _, p := range g.paths {
		if n := g.nodes[p]; n != nil && n.exists {
			live = append(live, p)
		}
	}
	if len(live) == 0 {
		return g.root
	}
	return pick(g, live)
}

func (g *Gen) any() string {
	if len(g.paths) == 0 {
		return g.root
	}
	return pick(g, g.paths)
}

// version is the right version (data, or ACL with acl) of path mostly,
// -1 (any) often, and a wrong one sometimes.
func (g *Gen) version(path string, acl bool) int32 {
	var v int32
	if n := g.nodes[path]; n != nil {
		v = n.version
		if acl {
			v = n.aversion
		}
	}
	switch w := g.rng.IntN(100); {
	case w < 40:
		return -1
	case w < 85:
		return v
	case w < 95:
		return v + 1
	default:
		return v - 2
	}
}

func (g *Gen) data() []byte {
	switch w := g.rng.IntN(10); {
	case w < 1:
		return nil
	case w < 2:
		return []byte{}
	default:
		b := make([]byte, g.rng.IntN(24)+1)
		for i := range b {
			b[i] = byte('a' + g.rng.IntN(26))
		}
		return b
	}
}

// acl is mostly open, and otherwise one that makes some slots fail:
// alice's or bob's digest only, the creator's ids (InvalidACL for slot 2,
// which has none), read-only, no read, by address (every client connects
// from 127.0.0.1), and malformed ones.
func (g *Gen) acl() []tree.ACL {
	digest := func(user, pass string) tree.ID {
		return tree.ID{Scheme: "digest", ID: tree.DigestID(user, pass)}
	}
	switch w := g.rng.IntN(100); {
	case w < 64:
		return tree.OpenACLUnsafe
	case w < 66:
		return []tree.ACL{{Perms: tree.PermAll, ID: tree.ID{Scheme: "ip", ID: "127.0.0.1"}}}
	case w < 67:
		return []tree.ACL{{Perms: tree.PermAll, ID: tree.ID{Scheme: "ip", ID: "10.0.0.0/8"}},
			{Perms: tree.PermRead, ID: tree.ID{Scheme: "ip", ID: "127.0.0.0/24"}}}
	case w < 68:
		return []tree.ACL{{Perms: tree.PermAll, ID: tree.ID{Scheme: "ip", ID: "127.0.0.1/33"}}}
	case w < 74:
		return tree.CreatorAllACL
	case w < 78:
		return tree.ReadACLUnsafe
	case w < 83:
		return []tree.ACL{{Perms: tree.PermAll, ID: digest("alice", "secret")}}
	case w < 88:
		return []tree.ACL{{Perms: tree.PermAll, ID: digest("bob", "hunter2")},
			{Perms: tree.PermRead, ID: tree.AnyoneID}}
	case w < 92:
		return []tree.ACL{{Perms: tree.PermCreate | tree.PermDelete | tree.PermWrite, ID: tree.AnyoneID}}
	case w < 94:
		return []tree.ACL{{Perms: tree.PermRead | tree.PermAdmin, ID: tree.AnyoneID},
			{Perms: tree.PermAll, ID: digest("alice", "secret")}}
	case w < 96:
		return []tree.ACL{}
	case w < 98:
		return []tree.ACL{{Perms: tree.PermAll, ID: tree.ID{Scheme: "digest", ID: "nocolon"}}}
	default:
		return []tree.ACL{{Perms: tree.PermAll, ID: tree.ID{Scheme: "world", ID: "someone"}}}
	}
}

// multi makes 1..5 sub-ops, often building on each other (a create then
// its child, a setData then a check of the new version).
func (g *Gen) multi(op *Op) {
	op.Kind = KMulti
	n := g.rng.IntN(5) + 1
	var made []string
	for i := 0; i < n; i++ {
		var s SubOp
		switch w := g.rng.IntN(100); {
		case w < 35:
			var c Op
			g.create(&c)
			if c.Mode == tree.Ephemeral || c.Mode == tree.EphemeralSequential {
				c.Mode = pick(g, []tree.CreateMode{c.Mode, tree.Persistent, tree.Container})
			}
			if len(made) > 0 && g.pct(40) {
				c.Path = tree.JoinPath(pick(g, made), "m")
			}
			s = SubOp{Kind: KCreate, Path: c.Path, Data: c.Data, Mode: c.Mode, ACL: c.ACL}
			made = append(made, c.Path)
		case w < 55:
			s = SubOp{Kind: KDelete, Path: g.notRoot(g.target())}
			s.Version = g.version(s.Path, false)
		case w < 78:
			s = SubOp{Kind: KSetData, Path: g.target(), Data: g.data()}
			s.Version = g.version(s.Path, false)
		default:
			s = SubOp{Kind: KCheck, Path: g.target()}
			s.Version = g.version(s.Path, false)
		}
		if g.pct(2) {
			s.Path = pick(g, []string{"", "rel", g.root + "/", g.root + "//x", g.root + "/./x"})
		}
		op.Multi = append(op.Multi, s)
	}
}

// oddity is one of the error cases that need a path no other op makes:
// bad paths, the root, ZooKeeper's own nodes.
func (g *Gen) oddity(op *Op) {
	bad := []string{"", "rel", g.root + "/", g.root + "//x", g.root + "/./x", g.root + "/..", g.root + "/x\x00y", g.root + "/\u0001"}
	switch g.rng.IntN(10) {
	case 9:
		// IPAuthenticationProvider ignores the text: the id is the
		// connection's address, which it had already.
		op.Kind, op.Scheme, op.Auth = KAddAuth, "ip", pick(g, []string{"10.1.2.3", "anything"})
	case 8:
		// DigestAuthenticationProvider takes any text: "nocolon" is a user.
		op.Kind, op.Scheme, op.Auth = KAddAuth, "digest", "nocolon"
	case 0:
		op.Kind, op.Path, op.Data, op.ACL = KCreate, pick(g, bad), nil, tree.OpenACLUnsafe
	case 1:
		op.Kind, op.Path, op.Version = KDelete, pick(g, bad), -1
	case 2:
		op.Kind, op.Path = KGetData, pick(g, bad)
	case 3:
		op.Kind, op.Path, op.Version = KDelete, "/", -1
	case 4:
		op.Kind, op.Path, op.Data, op.Version = KSetData, "/zookeeper/config", []byte("x"), -1
	case 5:
		op.Kind, op.Path, op.ACL, op.Version = KSetACL, "/zookeeper/config", tree.OpenACLUnsafe, -1
	case 6:
		op.Kind, op.Path, op.Data, op.ACL = KCreate, "/zookeeper/"+strings.TrimPrefix(g.root, "/")+"-"+pick(g, []string{"x", "y"}), nil, tree.OpenACLUnsafe
	default:
		op.Kind, op.Path, op.Mode, op.ACL = KCreate, g.root+"/", tree.PersistentSequential, tree.OpenACLUnsafe
	}
}

func (g *Gen) note(path string) *node {
	n := g.nodes[path]
	if n == nil {
		n = &node{owner: -1}
		g.nodes[path] = n
		g.paths = append(g.paths, path)
	}
	return n
}

// Observe updates what Gen knows from an op's outcome.
func (g *Gen) Observe(op Op, o Outcome) {
	switch op.Kind {
	case KReopen:
		g.gens[op.Slot]++
		for _, p := range g.paths {
			if n := g.nodes[p]; n.exists && n.owner == op.Slot {
				n.exists = false
			}
		}
		return
	case KMulti:
		g.observeMulti(op, o)
		return
	}
	if op.Path == "" || (op.Kind == KCreate && o.Err != tree.OK) {
		return
	}
	switch {
	case o.Err == tree.NoNode && op.Kind != KCreate && op.Kind != KCreateContainer && op.Kind != KCreateTTL:
		g.note(op.Path).exists = false
		return
	case o.Err != tree.OK:
		return
	}
	switch op.Kind {
	case KCreate, KCreateContainer, KCreateTTL:
		n := g.note(o.Path)
		n.exists, n.version, n.aversion, n.owner = true, 0, 0, -1
		n.container = op.Kind == KCreateContainer
		if op.Mode.IsEphemeral() {
			n.owner = op.Slot
		}
	case KDelete:
		g.note(op.Path).exists = false
	}
	if o.Stat != nil {
		n := g.note(op.Path)
		n.exists, n.version, n.aversion = true, o.Stat.Version, o.Stat.Aversion
	}
}

func (g *Gen) observeMulti(op Op, o Outcome) {
	if o.Err != tree.OK || len(o.Multi) != len(op.Multi) {
		return
	}
	for i, s := range op.Multi {
		r := o.Multi[i]
		switch s.Kind {
		case KCreate:
			n := g.note(r.Path)
			n.exists, n.version, n.aversion, n.owner = true, 0, 0, -1
			if s.Mode.IsEphemeral() {
				n.owner = op.Slot
			}
		case KDelete:
			g.note(s.Path).exists = false
		case KSetData:
			if r.Stat != nil {
				g.note(s.Path).version = r.Stat.Version
			}
		}
	}
}

// Label names slot i's current session, as ephemeral owners are shown.
func (g *Gen) Label(i int) string { return fmt.Sprintf("s%d.%d", i, g.gens[i]) }
