// Package conform holds zabsim against a real Apache ZooKeeper ensemble: it
// starts and stops one on loopback (with the project's scripts in
// ensemble/), drives it with github.com/go-zookeeper/zk, and the
// differential test runs one seeded op sequence against it and against a
// simulated cluster and compares every result.
//
// Unlike the simulated packages, this one lives in the real world: it
// starts processes and goroutines and reads the wall clock.
package conform

import (
	"bufio"
	"embed"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

//go:embed ensemble/*.sh
var scripts embed.FS

// Servers is the ensemble's size: servers 1..3 vote, server 4 observes
// (the layout of ensemble/common.sh).
const (
	Servers  = 4
	Observer = 4
)

// Where Debian's zookeeper package puts the server and a logging binding.
const (
	DefaultJar   = "/usr/share/java/zookeeper.jar"
	DefaultSLF4J = "/usr/share/java/slf4j-simple.jar"
)

// ErrUnavailable is wrapped by Available's error when java or the
// ZooKeeper jar is missing: the one reason the conformance tests skip.
var ErrUnavailable = errors.New("no real ZooKeeper on this machine")

// Available reports why a real ensemble cannot run here, or nil.
func Available() error {
	java := os.Getenv("JAVA")
	if java == "" {
		p, err := exec.LookPath("java")
		if err != nil {
			return fmt.Errorf("%w: java is not on PATH (apt-get install -y zookeeper)", ErrUnavailable)
		}
		java = p
	}
	if _, err := os.Stat(java); err != nil {
		return fmt.Errorf("%w: java: %v", ErrUnavailable, err)
	}
	jar := jarPath()
	if _, err := os.Stat(jar); err != nil {
		return fmt.Errorf("%w: %s is missing (apt-get install -y zookeeper)", ErrUnavailable, jar)
	}
	for _, tool := range []string{"bash", "timeout"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%w: %s is not on PATH", ErrUnavailable, tool)
		}
	}
	return nil
}

func jarPath() string {
	if j := os.Getenv("ZK_JAR"); j != "" {
		return j
	}
	return DefaultJar
}

// Options shape an ensemble.
type Options struct {
	// Dir holds the servers' configurations, data, logs and PID files.
	Dir string
	// BasePort is the first client port; 0 picks free ports.
	BasePort int
	// TickTime in ms (2000 if 0).
	TickTime int
	// ExtraCfg are more zoo.cfg lines for every server.
	ExtraCfg []string
	// JVMFlags are more flags for every server's JVM.
	JVMFlags []string
	// ReadyTimeout bounds the wait for a serving ensemble (60 s if 0).
	ReadyTimeout time.Duration
}

// Ensemble is a running real ensemble started by Start.
type Ensemble struct {
	Dir  string
	Base int
	bin  string // the scripts, written out from the embedded copies
	env  []string
}

// Start writes the scripts into opts.Dir/bin and runs start.sh: when it
// returns without error every server answers srvr and one leads.
func Start(opts Options) (*Ensemble, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	if opts.Dir == "" {
		return nil, errors.New("conform: Options.Dir is empty")
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	e := &Ensemble{Dir: dir, bin: filepath.Join(dir, "bin")}
	if err := e.writeScripts(); err != nil {
		return nil, err
	}
	if opts.BasePort == 0 {
		if opts.BasePort, err = FreeBasePort(); err != nil {
			return nil, err
		}
	}
	e.Base = opts.BasePort
	tick := opts.TickTime
	if tick <= 0 {
		tick = 2000
	}
	e.env = append(os.Environ(),
		"ZK_TICK_TIME="+strconv.Itoa(tick),
		"ZK_EXTRA_CFG="+strings.Join(opts.ExtraCfg, "\n"),
		"ZK_JVM_FLAGS="+strings.Join(opts.JVMFlags, " "))
	if opts.ReadyTimeout > 0 {
		e.env = append(e.env, fmt.Sprintf("ZK_READY_TIMEOUT=%d", int(opts.ReadyTimeout.Seconds())))
	}
	if out, err := e.run("start.sh", dir, strconv.Itoa(e.Base)); err != nil {
		// NB: start.sh kills what it started when it fails; stop.sh here
		// could stop an ensemble already running in dir.
		return nil, fmt.Errorf("conform: start.sh %s %d: %v\n%s", dir, e.Base, err, out)
	}
	return e, nil
}

// Attach takes over an ensemble start.sh started in dir (its servers'
// zoo.cfg give the ports): Kill, Restart, Pause and Stop act on it.
func Attach(dir string) (*Ensemble, error) {
	if err := Available(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	e := &Ensemble{Dir: abs, bin: filepath.Join(abs, "bin"), env: os.Environ()}
	text, err := os.ReadFile(e.ZooCfg(1))
	if err != nil {
		return nil, fmt.Errorf("conform: %s is no ensemble of start.sh: %v", dir, err)
	}
	for _, line := range strings.Split(string(text), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "clientPort="); ok {
			if e.Base, err = strconv.Atoi(v); err != nil {
				return nil, fmt.Errorf("conform: %s: bad clientPort %q", e.ZooCfg(1), v)
			}
		}
	}
	if e.Base == 0 {
		return nil, fmt.Errorf("conform: %s has no clientPort", e.ZooCfg(1))
	}
	if err := e.writeScripts(); err != nil {
		return nil, err
	}
	return e, nil
}

func (e *Ensemble) writeScripts() error {
	if err := os.MkdirAll(e.bin, 0o755); err != nil {
		return err
	}
	entries, err := scripts.ReadDir("ensemble")
	if err != nil {
		return err
	}
	for _, en := range entries {
		b, err := scripts.ReadFile("ensemble/" + en.Name())
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(e.bin, en.Name()), b, 0o755); err != nil {
			return err
		}
	}
	return nil
}

func (e *Ensemble) run(script string, args ...string) (string, error) {
	cmd := exec.Command("bash", append([]string{filepath.Join(e.bin, script)}, args...)...)
	cmd.Env = e.env
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Stop stops every server that still runs (stop.sh).
func (e *Ensemble) Stop() error {
	if out, err := e.run("stop.sh", e.Dir); err != nil {
		return fmt.Errorf("conform: stop.sh %s: %v\n%s", e.Dir, err, out)
	}
	return nil
}

// Addr is server n's client address.
func (e *Ensemble) Addr(n int) string { return fmt.Sprintf("127.0.0.1:%d", e.Base+n-1) }

// Addrs lists every server's client address, server 1 first.
func (e *Ensemble) Addrs() []string {
	out := make([]string, Servers)
	for i := range out {
		out[i] = e.Addr(i + 1)
	}
	return out
}

// ZooCfg is the path of server n's zoo.cfg.
func (e *Ensemble) ZooCfg(n int) string {
	return filepath.Join(e.Dir, fmt.Sprintf("zk%d", n), "zoo.cfg")
}

// PID is the process of server n, checked as stop.sh checks it: a live
// QuorumPeerMain of this ensemble's zoo.cfg for n. An error if it is not
// running.
func (e *Ensemble) PID(n int) (int, error) {
	b, err := os.ReadFile(filepath.Join(e.Dir, fmt.Sprintf("zk%d", n), "pid"))
	if err != nil {
		return 0, fmt.Errorf("server %d: not running (%v)", n, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("server %d: bad pid file: %v", n, err)
	}
	if !e.isOurs(pid, n) {
		return 0, fmt.Errorf("server %d: PID %d is not its live process", n, pid)
	}
	return pid, nil
}

// isOurs checks /proc: alive (not a zombie, which PID 1 reaps late) and
// the QuorumPeerMain of server n's zoo.cfg.
func (e *Ensemble) isOurs(pid, n int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	i := strings.LastIndexByte(string(stat), ')')
	if i < 0 || i+2 >= len(stat) || stat[i+2] == 'Z' || stat[i+2] == 'X' {
		return false
	}
	cmd, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return false
	}
	args := strings.Split(string(cmd), "\x00")
	hasMain, hasCfg := false, false
	for _, a := range args {
		hasMain = hasMain || a == "org.apache.zookeeper.server.quorum.QuorumPeerMain"
		hasCfg = hasCfg || a == e.ZooCfg(n)
	}
	return hasMain && hasCfg
}

// signal sends sig to server n's checked process.
func (e *Ensemble) signal(n int, sig syscall.Signal) error {
	pid, err := e.PID(n)
	if err != nil {
		return err
	}
	return syscall.Kill(pid, sig)
}

// Kill sends SIGKILL to server n and waits until it is gone.
func (e *Ensemble) Kill(n int) error {
	pid, err := e.PID(n)
	if err != nil {
		return err
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return err
	}
	deadline := time.Now().Add(10 * time.Second)
	for e.isOurs(pid, n) {
		if time.Now().After(deadline) {
			return fmt.Errorf("server %d (PID %d) survives SIGKILL", n, pid)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}

// Restart starts server n again (server.sh) on its own data; it does not
// wait for it to serve.
func (e *Ensemble) Restart(n int) error {
	if out, err := e.run("server.sh", e.Dir, strconv.Itoa(n)); err != nil {
		return fmt.Errorf("conform: server.sh %s %d: %v\n%s", e.Dir, n, err, out)
	}
	return nil
}

// Pause sends SIGSTOP to server n; Resume sends SIGCONT.
func (e *Ensemble) Pause(n int) error  { return e.signal(n, syscall.SIGSTOP) }
func (e *Ensemble) Resume(n int) error { return e.signal(n, syscall.SIGCONT) }

// Mode asks server n for srvr and returns its Mode line (leader,
// follower, observer), or an error if it does not answer with one. NB:
// go-zookeeper's FLWSrvr cannot parse 3.8's version string.
func (e *Ensemble) Mode(n int) (string, error) {
	conn, err := net.DialTimeout("tcp", e.Addr(n), time.Second)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(2 * time.Second)); err != nil {
		return "", err
	}
	if _, err := conn.Write([]byte("srvr")); err != nil {
		return "", err
	}
	sc := bufio.NewScanner(conn)
	for sc.Scan() {
		if mode, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "Mode: "); ok {
			return mode, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", err
	}
	return "", fmt.Errorf("server %d: srvr without a Mode line", n)
}

// Leader is the one server whose srvr says leader, if exactly one does.
func (e *Ensemble) Leader() (int, error) {
	leader := 0
	var modes []string
	for n := 1; n <= Servers; n++ {
		m, err := e.Mode(n)
		if err != nil {
			m = "?"
		}
		modes = append(modes, fmt.Sprintf("zk%d=%s", n, m))
		if m == "leader" {
			if leader != 0 {
				return 0, fmt.Errorf("two leaders: %s", strings.Join(modes, " "))
			}
			leader = n
		}
	}
	if leader == 0 {
		return 0, fmt.Errorf("no leader: %s", strings.Join(modes, " "))
	}
	return leader, nil
}

// WaitServing waits until every server in ns answers srvr with a Mode and
// exactly one server of the ensemble leads; it returns the leader.
func (e *Ensemble) WaitServing(timeout time.Duration, ns ...int) (int, error) {
	deadline := time.Now().Add(timeout)
	for {
		leader, err := e.Leader()
		if err == nil {
			for _, n := range ns {
				if _, err = e.Mode(n); err != nil {
					break
				}
			}
		}
		if err == nil {
			return leader, nil
		}
		if time.Now().After(deadline) {
			return 0, fmt.Errorf("not serving after %v: %v", timeout, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// FreeBasePort finds a base port whose 24 ports (clients, quorum,
// election; see ensemble/common.sh) are free now.
func FreeBasePort() (int, error) {
	start := 20000 + int(time.Now().UnixNano()/1000%4000)*10
	for i := 0; i < 400; i++ {
		base := 20000 + (start-20000+i*30)%40000
		if portsFree(base) {
			return base, nil
		}
	}
	return 0, errors.New("conform: no free range of ports found")
}

func portsFree(base int) bool {
	for _, off := range []int{0, 10, 20} {
		for n := 0; n < Servers; n++ {
			l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", base+off+n))
			if err != nil {
				return false
			}
			l.Close()
		}
	}
	return true
}
