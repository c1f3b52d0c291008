package conform

import (
	"fmt"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/tree"
)

// Normalizer makes one side's outcomes comparable with the other's: zxids
// become their order of first appearance on that side plus their distance
// from the first zxid seen (both must agree: the first says the same
// changes are meant, the second that the same number of txns lie between
// them), session ids become the slot and generation that opened them, and
// children are sorted (a znode's children are a HashSet in ZooKeeper:
// their order is not part of the contract).
type Normalizer struct {
	order    map[int64]int
	base     int64
	sessions map[int64]string
}

// NewNormalizer starts an empty mapping.
func NewNormalizer() *Normalizer {
	return &Normalizer{order: map[int64]int{}, sessions: map[int64]string{}}
}

// Session names a session id, as ephemeral owners are shown.
func (n *Normalizer) Session(id int64, name string) { n.sessions[id] = name }

// zxid renders a zxid: "0", or "#k+d" with k its order of first appearance
// and d its distance from the first zxid seen.
func (n *Normalizer) zxid(z int64) string {
	if z == 0 {
		return "0"
	}
	k, ok := n.order[z]
	if !ok {
		if len(n.order) == 0 {
			n.base = z
		}
		k = len(n.order) + 1
		n.order[z] = k
	}
	return fmt.Sprintf("#%d%+d", k, z-n.base)
}

func (n *Normalizer) owner(o int64) string {
	switch tree.TypeOfOwner(o) {
	case tree.EphemeralVoid:
		return "none"
	case tree.EphemeralContainer:
		return "container"
	case tree.EphemeralTTL:
		return fmt.Sprintf("ttl(%d)", tree.OwnerTTL(o))
	}
	if s, ok := n.sessions[o]; ok {
		return s
	}
	return "other"
}

// stat renders every deterministic field of a Stat (not ctime and mtime).
func (n *Normalizer) stat(s *tree.Stat) string {
	if s == nil {
		return "-"
	}
	return fmt.Sprintf("{czxid=%s mzxid=%s pzxid=%s v=%d cv=%d av=%d owner=%s len=%d kids=%d}",
		n.zxid(s.Czxid), n.zxid(s.Mzxid), n.zxid(s.Pzxid), s.Version, s.Cversion, s.Aversion,
		n.owner(s.EphemeralOwner), s.DataLength, s.NumChildren)
}

// Normalize renders an outcome as lines to compare. It assigns zxid
// orders as it meets them, so each side's outcomes must be normalized in
// the same order, every one of them.
func (n *Normalizer) Normalize(o Outcome) []string {
	var out []string
	add := func(format string, args ...any) { out = append(out, fmt.Sprintf(format, args...)) }
	for _, e := range o.Events {
		add("event %s", e)
	}
	add("err %s", o.Err)
	if o.Path != "" {
		add("path %s", o.Path)
	}
	if o.Stat != nil {
		add("stat %s", n.stat(o.Stat))
	}
	if o.Data != nil {
		add("data %q", o.Data)
	}
	if o.Children != nil {
		kids := append([]string(nil), o.Children...)
		sort.Strings(kids)
		add("children [%s]", strings.Join(kids, " "))
	}
	if o.ACL != nil {
		add("acl %s", aclString(o.ACL))
	}
	for i, r := range o.Multi {
		line := fmt.Sprintf("multi[%d] %s", i, r.Err)
		if r.Path != "" {
			line += " path " + r.Path
		}
		if r.Stat != nil {
			line += " stat " + n.stat(r.Stat)
		}
		out = append(out, line)
	}
	return out
}
