package zab

import "github.com/zabsim/zabsim/tree"

// checkContainers is ContainerManager.checkContainers: the leader asks its
// own request pipeline to delete every empty container that once had
// children and every childless TTL node past its TTL. The requests carry
// session 0 and go through PrepRequestProcessor like any other, so a node
// that gained a child meanwhile fails there (NotEmpty) and stays.
func (s *Server) checkContainers() {
	limit := s.cfg.ContainerMaxPerMinute * int(s.cfg.ContainerCheckInterval/millisecond) / 60000
	if limit < 1 {
		limit = 1
	}
	now := s.env.Now() / millisecond
	for i, path := range s.db.tree.ExpiryCandidates(now, s.cfg.ContainerMaxNeverUsed/millisecond) {
		if i >= limit {
			break
		}
		if !s.prepAndPropose(&ForwardedRequest{Type: tree.OpDeleteContainer, Record: &tree.DeleteRequest{Path: path, Version: -1}}) {
			return
		}
	}
}
