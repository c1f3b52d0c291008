package live

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/zabsim/zabsim/zab"
)

// Four-letter words on the client port, in ZooKeeper 3.8's output format
// (StatCommand, MonitorCommand, ConfCommand, RuokCommand). 3.8 answers only
// the words of 4lw.commands.whitelist; a zabsim server's whitelist is the
// five below, and any other known word gets 3.8's refusal.

// Version is what srvr and mntr report: a 3.8 server, so clients that
// check versions are happy, and "zabsim" where the build's git id goes.
// go-zookeeper's FLWSrvr parses it.
const Version = "3.8.0-zabsim, built on 01/01/2026 00:00 GMT"

// notServing is AbstractFourLetterCommand.ZK_NOT_SERVING.
const notServing = "This ZooKeeper instance is not currently serving requests\n"

var whitelist = map[string]bool{"ruok": true, "srvr": true, "stat": true, "mntr": true, "conf": true}

// fourLetter answers a word the client sent as its first four bytes, then
// closes the connection as ZooKeeper does. The text is made on the loop
// (it reads the server); the writing is done here.
func (c *conn) fourLetter(word string) {
	out := make(chan string, 1)
	ok := c.n.post(loopItem{fn: func() {
		out <- c.n.fourLetterText(word)
		// The server never heard of this connection: forget it quietly.
		delete(c.n.conns, c.id)
		c.closedHere = true
	}})
	if !ok {
		return
	}
	select {
	case text := <-out:
		c.nc.SetWriteDeadline(time.Now().Add(writeTimeout))
		c.nc.Write([]byte(text))
	case <-c.n.done:
	}
	c.nc.Close()
}

// fourLetterText runs on the loop.
func (n *Node) fourLetterText(word string) string {
	if !whitelist[word] {
		return word + " is not executed because it is not in the whitelist.\n"
	}
	if word == "ruok" {
		return "imok"
	}
	st := n.srv.Stats()
	if !st.Serving {
		return notServing
	}
	var b strings.Builder
	switch word {
	case "srvr", "stat":
		fmt.Fprintf(&b, "Zookeeper version: %s\n", Version)
		if word == "stat" {
			b.WriteString("Clients:\n")
			for _, c := range n.clientConns() {
				q := 0
				if c.client != nil {
					q = len(c.client.arrived)
				}
				fmt.Fprintf(&b, " /%s[1](queued=%d,recved=%d,sent=%d)\n\n", c.remote(), q, c.received(), c.sentCount())
			}
			b.WriteString("\n")
		}
		n.serverStats(&b, st)
		fmt.Fprintf(&b, "Node count: %d\n", st.Nodes)
		if st.State == zab.Leading {
			fmt.Fprintf(&b, "Proposal sizes last/min/max: %s\n", n.proposals.String())
		}
	case "mntr":
		n.monitor(&b, st)
	case "conf":
		n.dumpConf(&b)
	}
	return b.String()
}

func (c *conn) received() int64 {
	if c.client == nil {
		return 0
	}
	return c.client.received
}

func (c *conn) sentCount() int64 {
	if c.client == nil {
		return 0
	}
	return c.client.sent
}

// clientConns lists the client port's connections in the order opened.
func (n *Node) clientConns() []*conn {
	var out []*conn
	for _, c := range n.conns {
		if c.port == zab.PortClient {
			out = append(out, c)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func modeName(s zab.State) string {
	switch s {
	case zab.Leading:
		return "leader"
	case zab.Following:
		return "follower"
	case zab.Observing:
		return "observer"
	}
	return "standalone"
}

// latency returns min, avg and max in ms as ServerStats reports them: the
// average rounded to four places (AvgMinMaxCounter.getAvg).
func (s *clientStats) latency() (int64, string, int64) {
	if s.latencyCount == 0 {
		return 0, "0.0", 0
	}
	avg := float64(s.latencySum) / float64(s.latencyCount) / float64(time.Millisecond)
	return s.latencyMin.Milliseconds(), javaDouble(float64(int64(avg*10000+0.5)) / 10000), s.latencyMax.Milliseconds()
}

// javaDouble formats as Java's Double.toString does for ordinary values.
func javaDouble(v float64) string {
	s := strconv.FormatFloat(v, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// serverStats is ServerStats.toString.
func (n *Node) serverStats(b *strings.Builder, st zab.Stats) {
	lmin, lavg, lmax := n.stats.latency()
	fmt.Fprintf(b, "Latency min/avg/max: %d/%s/%d\n", lmin, lavg, lmax)
	fmt.Fprintf(b, "Received: %d\n", n.stats.packetsReceived)
	fmt.Fprintf(b, "Sent: %d\n", n.stats.packetsSent)
	fmt.Fprintf(b, "Connections: %d\n", len(n.clientConns()))
	fmt.Fprintf(b, "Outstanding: %d\n", st.Outstanding)
	fmt.Fprintf(b, "Zxid: 0x%x\n", int64(st.LastZxid))
	fmt.Fprintf(b, "Mode: %s\n", modeName(st.State))
}

// monitor is mntr: dumpMonitorValues and the metrics 3.8's provider
// reports that this server keeps, one "zk_key<TAB>value" line each.
func (n *Node) monitor(b *strings.Builder, st zab.Stats) {
	line := func(k string, v any) { fmt.Fprintf(b, "zk_%s\t%v\n", k, v) }
	lmin, lavg, lmax := n.stats.latency()
	voters := 0
	for _, p := range n.cfg.Server.Peers {
		if !p.Observer {
			voters++
		}
	}
	line("version", Version)
	line("server_state", modeName(st.State))
	// QuorumPeer.getDetailedPeerState: a serving server is in broadcast.
	line("peer_state", strings.ToLower(st.State.String())+" - broadcast")
	line("uptime", time.Since(n.started).Milliseconds())
	line("avg_latency", lavg)
	line("max_latency", lmax)
	line("min_latency", lmin)
	line("packets_received", n.stats.packetsReceived)
	line("packets_sent", n.stats.packetsSent)
	line("num_alive_connections", len(n.clientConns()))
	line("outstanding_requests", st.Outstanding)
	line("znode_count", st.Nodes)
	line("watch_count", st.Watches)
	line("ephemerals_count", st.Ephemerals)
	line("approximate_data_size", st.ApproxDataSize)
	line("global_sessions", st.Sessions)
	line("local_sessions", 0)
	line("open_file_descriptor_count", openFDs())
	line("max_file_descriptor_count", maxFDs())
	line("quorum_size", voters)
	if st.State == zab.Leading {
		line("learners", st.Learners)
		line("synced_followers", st.SyncedFollowers)
		line("synced_non_voting_followers", 0)
		line("synced_observers", st.SyncedObservers)
		line("pending_syncs", st.PendingSyncs)
		line("last_proposal_size", n.proposals.last)
		line("max_proposal_size", n.proposals.max)
		line("min_proposal_size", n.proposals.min)
	}
}

// dumpConf is QuorumZooKeeperServer.dumpConf.
func (n *Node) dumpConf(b *strings.Builder) {
	cfg := n.cfg.Server.WithDefaults()
	me := n.cfg.Addrs[cfg.ID]
	dir, _ := filepath.Abs(n.disk.dir)
	var size int64
	for _, f := range n.disk.List() {
		size += n.disk.Size(f)
	}
	peerType := 0
	for _, p := range cfg.Peers {
		if p.ID == cfg.ID && p.Observer {
			peerType = 1
		}
	}
	fmt.Fprintf(b, "clientPort=%d\nsecureClientPort=-1\n", me.ClientPort)
	fmt.Fprintf(b, "dataDir=%s\ndataDirSize=%d\ndataLogDir=%s\ndataLogSize=%d\n", dir, size, dir, size)
	fmt.Fprintf(b, "tickTime=%d\nmaxClientCnxns=0\n", cfg.TickTime/int64(time.Millisecond))
	fmt.Fprintf(b, "minSessionTimeout=%d\nmaxSessionTimeout=%d\nclientPortListenBacklog=-1\n", cfg.MinSessionTimeout, cfg.MaxSessionTimeout)
	fmt.Fprintf(b, "serverId=%d\ninitLimit=%d\nsyncLimit=%d\nelectionAlg=3\n", cfg.ID, cfg.InitLimit, cfg.SyncLimit)
	fmt.Fprintf(b, "electionPort=%d\nquorumPort=%d\npeerType=%d\n", me.ElectionPort, me.QuorumPort, peerType)
	b.WriteString("membership: \n")
	for _, p := range cfg.Peers {
		a := n.cfg.Addrs[p.ID]
		role := "participant"
		if p.Observer {
			role = "observer"
		}
		// No ";clientAddr": 3.8 leaves it out when it came from the
		// static config (QuorumServer.toString, isClientAddrFromStatic).
		fmt.Fprintf(b, "server.%d=%s:%d:%d:%s\n", p.ID, a.Host, a.QuorumPort, a.ElectionPort, role)
	}
	b.WriteString("version=0")
}

// proposalSizes is the leader's BufferStats of PROPOSAL sizes in bytes.
type proposalSizes struct {
	last, min, max int
	zxid           zab.Zxid
}

func newProposalSizes() proposalSizes { return proposalSizes{last: -1, min: -1, max: -1} }

// note counts a PROPOSAL once, however many followers it goes to.
func (p *proposalSizes) note(z zab.Zxid, size int) {
	if z == p.zxid && p.last >= 0 {
		return
	}
	p.zxid, p.last = z, size
	if p.min < 0 || size < p.min {
		p.min = size
	}
	p.max = max(p.max, size)
}

func (p proposalSizes) String() string { return fmt.Sprintf("%d/%d/%d", p.last, p.min, p.max) }

func openFDs() int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

func maxFDs() int64 {
	var r syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &r); err != nil {
		return -1
	}
	return int64(r.Cur)
}
