package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zookeeper/zk"
)

// serveInBackground runs serveRun until the test ends and returns the
// connect string it printed.
func serveInBackground(t *testing.T, opts *serveOptions) string {
	t.Helper()
	stop := make(chan struct{})
	ready := make(chan string, 1)
	done := make(chan error, 1)
	// The servers log from many goroutines: drop it.
	opts.Out, opts.Log, opts.Stop = io.Discard, io.Discard, stop
	opts.Ready = func(c string) { ready <- c }
	go func() { done <- serveRun(opts) }()
	t.Cleanup(func() {
		close(stop)
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	select {
	case c := <-ready:
		return c
	case err := <-done:
		t.Fatalf("serve ended: %v", err)
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not start in 20s")
	}
	return ""
}

func TestServeRefusesBadInput(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	os.MkdirAll(filepath.Join(dir, "data"), 0o755)
	cases := []struct {
		name string
		opts serveOptions
		want string
	}{
		{"no mode", serveOptions{}, "exactly one of --config and --ensemble"},
		{"both modes", serveOptions{Config: "x", Ensemble: "3+1"}, "exactly one of"},
		{"bad ensemble", serveOptions{Ensemble: "three"}, `--ensemble "three"`},
		{"missing file", serveOptions{Config: filepath.Join(dir, "nope.cfg")}, "no such file"},
		{"bad port", serveOptions{Config: write("port.cfg", "tickTime=2000\ninitLimit=5\nsyncLimit=2\ndataDir="+dir+"/data\nclientPort=2181\nserver.1=127.0.0.1:28x8:3888\n")},
			"zoo.cfg line 6: server.1: bad quorum port"},
		{"bad number", serveOptions{Config: write("tick.cfg", "# comment\ntickTime=soon\n")}, "zoo.cfg line 2: tickTime"},
		{"no myid", serveOptions{Config: write("myid.cfg", "tickTime=2000\ninitLimit=5\nsyncLimit=2\ndataDir=data\nclientPort=2181\nserver.1=127.0.0.1:2888:3888\n")},
			"myid is missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Out, tc.opts.Log = &bytes.Buffer{}, &bytes.Buffer{}
			err := serveRun(&tc.opts)
			var ue usageError
			if err == nil || !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want a usage error saying %q", err, tc.want)
			}
		})
	}
}

// TestServeConfigEnsemble runs three servers each from its own zoo.cfg,
// as three ZooKeeper processes would be run, and writes through them.
func TestServeConfigEnsemble(t *testing.T) {
	base, err := freeBasePort()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var servers []string
	for n := 1; n <= 3; n++ {
		data := filepath.Join(dir, fmt.Sprintf("zk%d", n), "data")
		os.MkdirAll(data, 0o755)
		os.WriteFile(filepath.Join(data, "myid"), []byte(strconv.Itoa(n)+"\n"), 0o644)
		cfg := fmt.Sprintf("tickTime=500\ninitLimit=10\nsyncLimit=5\ndataDir=%s\nclientPort=%d\nclientPortAddress=127.0.0.1\n4lw.commands.whitelist=*\n", data, base+n-1)
		for m := 1; m <= 3; m++ {
			cfg += fmt.Sprintf("server.%d=127.0.0.1:%d:%d\n", m, base+10+m-1, base+20+m-1)
		}
		p := filepath.Join(dir, fmt.Sprintf("zk%d", n), "zoo.cfg")
		os.WriteFile(p, []byte(cfg), 0o644)
		servers = append(servers, serveInBackground(t, &serveOptions{Config: p}))
	}
	c, _, err := zk.Connect(servers, 10*time.Second, zk.WithLogger(quiet{}))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := c.Create("/from-cfg", []byte("x"), 0, zk.WorldACL(zk.PermAll))
		if err == nil || errors.Is(err, zk.ErrNodeExists) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no write through %v after 30s: %v", servers, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type quiet struct{}

func (quiet) Printf(string, ...any) {}

// TestServeWithZkCli drives `zabsim serve --ensemble 3+1` with Debian's
// zkCli.sh, the Java client's own shell.
func TestServeWithZkCli(t *testing.T) {
	const zkCli = "/usr/share/zookeeper/bin/zkCli.sh"
	if _, err := os.Stat(zkCli); err != nil {
		t.Skipf("SKIP: %s is absent (apt-get install -y zookeeper): zkCli is not tested", zkCli)
	}
	if _, err := exec.LookPath("java"); err != nil {
		t.Skip("SKIP: no java on PATH (apt-get install -y zookeeper): zkCli is not tested")
	}
	connect := serveInBackground(t, &serveOptions{Ensemble: "3+1", Data: t.TempDir()})
	first := strings.Split(connect, ",")[0]
	script := "create /cli hello\ncreate /cli/kid k\nls /cli\nget /cli\nset /cli world\nget /cli\ndelete /cli/kid\nls /cli\ndelete /cli\nls /\nquit\n"
	cmd := exec.Command(zkCli, "-server", first)
	cmd.Stdin = strings.NewReader(script)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() { out, err = cmd.CombinedOutput(); close(done) }()
	select {
	case <-done:
	case <-time.After(90 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Fatalf("zkCli.sh did not finish in 90s:\n%s", out)
	}
	if err != nil {
		t.Fatalf("zkCli.sh: %v\n%s", err, out)
	}
	text := string(out)
	for _, want := range []string{"Created /cli\n", "Created /cli/kid\n", "[kid]\n", "hello\n", "world\n", "[]\n", "[zookeeper]\n"} {
		if !strings.Contains(text, want) {
			t.Fatalf("zkCli.sh output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "Exception") || strings.Contains(text, "KeeperErrorCode") {
		t.Fatalf("zkCli.sh saw an error:\n%s", text)
	}
}

// freeBasePort finds a base port whose 30 ports are free now.
func freeBasePort() (int, error) {
	for try := 0; try < 50; try++ {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		base := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if base+30 > 65535 {
			continue
		}
		ok := true
		for p := base; p < base+30 && ok; p++ {
			l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(p)))
			if err != nil {
				ok = false
				continue
			}
			l.Close()
		}
		if ok {
			return base, nil
		}
	}
	return 0, errors.New("no free range of 30 ports")
}

// TestServeStopsOnSignal runs serve in a child process (this test binary,
// re-executed as the helper below) and stops it with SIGTERM: it must
// exit cleanly.
func TestServeStopsOnSignal(t *testing.T) {
	if os.Getenv("ZABSIM_SERVE_CHILD") != "" {
		t.Skip("in the child")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeHelperProcess$", "-test.v")
	cmd.Env = append(os.Environ(), "ZABSIM_SERVE_CHILD="+t.TempDir())
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	ready := make(chan string, 1)
	go func() {
		buf := make([]byte, 4096)
		var seen string
		for {
			n, err := stdout.Read(buf)
			seen += string(buf[:n])
			if strings.Contains(seen, "127.0.0.1:") {
				ready <- seen
				io.Copy(io.Discard, stdout)
				return
			}
			if err != nil {
				ready <- ""
				return
			}
		}
	}()
	select {
	case s := <-ready:
		if s == "" {
			t.Fatal("the child ended before printing its connect string")
		}
	case <-time.After(30 * time.Second):
		t.Fatal("no connect string from the child in 30s")
	}
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve did not exit cleanly on SIGTERM: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("serve still runs 30s after SIGTERM")
	}
}

// TestServeHelperProcess is the child of TestServeStopsOnSignal.
func TestServeHelperProcess(t *testing.T) {
	dir := os.Getenv("ZABSIM_SERVE_CHILD")
	if dir == "" {
		t.Skip("only run as TestServeStopsOnSignal's child")
	}
	err := serveRun(&serveOptions{Ensemble: "1", Data: dir, Out: os.Stdout, Log: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
}
