package jute

// Debian's Java client (zkCli.sh, ZooKeeper 3.8.0, which sends the
// readOnly byte) and python kazoo against the codec-driven fake server of
// gozk_test.go. Skipped with -short or when the tool is missing.

import (
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

const zkCli = "/usr/share/zookeeper/bin/zkCli.sh"

func TestJavaClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a JVM")
	}
	if _, err := os.Stat(zkCli); err != nil {
		t.Skip("no zkCli.sh")
	}
	f := startFakeZK(t)
	run := func(args ...string) string {
		cmd := exec.Command("timeout", append([]string{"60", zkCli, "-server", f.ln.Addr().String()}, args...)...)
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	run("create", "/zz", "hello")
	out := run("get", "/zz")
	assert.Contains(t, out, "hello")
	f.ln.Close()
	<-f.done
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Empty(t, f.errs)
	require.Len(t, f.connects, 2)
	assert.True(t, f.hasReadOnly[0], "Java's client sends the readOnly byte")
	assert.False(t, f.connects[0].ReadOnly)
	var creates []*zab.Request
	for _, r := range f.requests {
		if r.Type == tree.OpCreate {
			creates = append(creates, r)
		}
	}
	require.Len(t, creates, 1)
	assert.Equal(t, &tree.CreateRequest{Path: "/zz", Data: []byte("hello"), ACL: tree.OpenACLUnsafe}, creates[0].Record)
}

const kazooScript = `
import sys
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1], timeout=10)
zk.start(timeout=10)
zk.create("/kz", b"from kazoo")
data, stat = zk.get("/kz")
assert data == b"from kazoo", data
assert zk.get_children("/") == ["kz"], zk.get_children("/")
t = zk.transaction()
t.create("/kz2", b"")
t.set_data("/kz", b"v2")
print(t.commit())
hits = []
zk.exists("/kw", watch=hits.append)
zk.create("/kw")
zk.stop()
assert len(hits) == 1 and hits[0].type == "CREATED", hits
print("ok")
`

func TestKazoo(t *testing.T) {
	if testing.Short() {
		t.Skip("runs python")
	}
	if exec.Command("/usr/bin/python3", "-c", "import kazoo").Run() != nil {
		t.Skip("no kazoo")
	}
	f := startFakeZK(t)
	cmd := exec.Command("timeout", "60", "/usr/bin/python3", "-c", kazooScript, f.ln.Addr().String())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Contains(t, string(out), "ok")
	time.Sleep(100 * time.Millisecond) // kazoo's close arrives
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Empty(t, f.errs)
	require.NotEmpty(t, f.hasReadOnly)
	t.Logf("kazoo sends the readOnly byte: %v", f.hasReadOnly[0])
}
