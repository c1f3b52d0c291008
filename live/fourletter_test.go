package live

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

func fourLetter(t *testing.T, addr, word string) string {
	t.Helper()
	nc, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	nc.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write([]byte(word)); err != nil {
		t.Fatal(err)
	}
	out, err := io.ReadAll(nc)
	if err != nil {
		t.Fatalf("%s: %v", word, err)
	}
	return string(out)
}

func TestFourLetterWords(t *testing.T) {
	e := startEnsemble(t)
	c := connect(t, e.Servers()[:1])
	if _, err := c.Create("/e", nil, zk.FlagEphemeral, zk.WorldACL(zk.PermAll)); err != nil {
		t.Fatal(err)
	}
	modes := map[string]int{}
	for _, addr := range e.Servers() {
		if got := fourLetter(t, addr, "ruok"); got != "imok" {
			t.Fatalf("ruok = %q", got)
		}
		srvr := fourLetter(t, addr, "srvr")
		for _, want := range []string{"Zookeeper version: 3.8.0-zabsim", "Latency min/avg/max: ", "Received: ", "Zxid: 0x", "Mode: ", "Node count: "} {
			if !strings.Contains(srvr, want) {
				t.Fatalf("srvr lacks %q:\n%s", want, srvr)
			}
		}
		// The connected server has applied /e: 4 nodes of a fresh tree,
		// /e, and the root counted twice as Java's getNodeCount does.
		if addr == e.Servers()[0] && !strings.Contains(srvr, "Node count: 6\n") {
			t.Fatalf("srvr of the server that created /e, want Node count: 6:\n%s", srvr)
		}
		for _, line := range strings.Split(srvr, "\n") {
			if m, ok := strings.CutPrefix(line, "Mode: "); ok {
				modes[m]++
			}
		}
		mntr := fourLetter(t, addr, "mntr")
		if !strings.Contains(mntr, "zk_server_state\t") || !strings.Contains(mntr, "zk_znode_count\t") || !strings.Contains(mntr, " - broadcast\n") {
			t.Fatalf("mntr:\n%s", mntr)
		}
		conf := fourLetter(t, addr, "conf")
		if !strings.Contains(conf, "serverId=") || !strings.Contains(conf, "membership: \nserver.1=127.0.0.1:") || strings.Contains(conf, ";") {
			t.Fatalf("conf:\n%s", conf)
		}
	}
	if modes["leader"] != 1 || modes["follower"] != 2 || modes["observer"] != 1 {
		t.Fatalf("modes %v, want one leader, two followers, one observer", modes)
	}
	stat := fourLetter(t, e.Servers()[0], "stat")
	if !strings.Contains(stat, "Clients:\n /127.0.0.1:") || !strings.Contains(stat, "recved=") {
		t.Fatalf("stat lists no client:\n%s", stat)
	}
	if got := fourLetter(t, e.Servers()[0], "dump"); got != "dump is not executed because it is not in the whitelist.\n" {
		t.Fatalf("dump = %q", got)
	}
	// go-zookeeper's parser takes our srvr (it knows no observer mode,
	// for a real server neither, so the voters only).
	stats, ok := zk.FLWSrvr(e.Servers()[:3], 5*time.Second)
	if !ok {
		for _, s := range stats {
			if s.Error != nil {
				t.Fatalf("FLWSrvr: %v", s.Error)
			}
		}
	}
	for _, s := range stats {
		if s.Mode == zk.ModeUnknown {
			t.Fatalf("FLWSrvr mode unknown: %+v", s)
		}
	}
	// A session's ephemeral shows in mntr of the server that holds it.
	if mntr := fourLetter(t, e.Servers()[0], "mntr"); !strings.Contains(mntr, "zk_ephemerals_count\t1\n") {
		t.Fatalf("mntr ephemerals:\n%s", mntr)
	}
}
