package tree

// ExpiryCandidates is ContainerManager.getCandidates: the containers that
// had children once and have none now, and the childless TTL nodes not
// modified for longer than their TTL, as of now (ms on the leader's clock;
// ZooKeeper compares against wall time, so a clock that jumps moves TTL
// expiry too). neverUsed, if positive, also takes containers that never
// had a child and are older than it (znode.container.maxNeverUsedIntervalMs).
// The leader turns each candidate into a deleteContainer or a delete
// request; those fail harmlessly if the node changed meanwhile.
func (t *Tree) ExpiryCandidates(now, neverUsed int64) []string {
	var out []string
	for _, p := range t.Containers() {
		n := t.nodes[p]
		if n == nil || len(n.children) > 0 {
			continue
		}
		if n.stat.Cversion > 0 || neverUsed > 0 && now-n.stat.Mtime > neverUsed {
			out = append(out, p)
		}
	}
	for _, p := range t.TTLNodes() {
		n := t.nodes[p]
		if n == nil || len(n.children) > 0 || TypeOfOwner(n.stat.EphemeralOwner) != EphemeralTTL {
			continue
		}
		if ttl := OwnerTTL(n.stat.EphemeralOwner); ttl != 0 && now-n.stat.Mtime > ttl {
			out = append(out, p)
		}
	}
	return out
}
