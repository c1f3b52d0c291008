package main

import (
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/zabsim/zabsim/live"
	"github.com/zabsim/zabsim/zab"
)

// serveOptions are the flags of zabsim serve.
type serveOptions struct {
	Out      io.Writer
	Log      io.Writer
	Config   string // a zoo.cfg: run the one server it describes
	Ensemble string // "3+1": run a whole loopback ensemble
	BasePort int
	Data     string
	Debug    bool
	// Stop ends the serving when closed; nil waits for SIGINT or SIGTERM.
	Stop <-chan struct{}
	// Ready, if set, is told the connect string once the servers listen.
	Ready func(connect string)
}

func serveCmd(runF func(*serveOptions) error) *cobra.Command {
	opts := &serveOptions{}
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run zabsim's ZooKeeper server for real clients: one server from a zoo.cfg, or a loopback ensemble",
		Long: `Run the same zab.Server the simulator drives, on real TCP, clocks and
files, so real ZooKeeper clients (zkCli.sh, go-zookeeper, kazoo) can use it.

  zabsim serve --config zoo.cfg
      one server, as ZooKeeper's QuorumPeerMain would run it: tickTime,
      initLimit, syncLimit, dataDir, clientPort, clientPortAddress,
      server.N=host:quorumPort:electionPort[:observer] and dataDir/myid.
  zabsim serve --ensemble 3+1 --base-port 2181 [--data DIR]
      a whole ensemble on 127.0.0.1 in this process (3 voters and an
      observer), server n on client port base+n-1, quorum base+10+n-1,
      election base+20+n-1; prints the connect string.

The data is zabsim's own format (under dataDir/zabsim), not ZooKeeper's.
The client port answers ruok, srvr, stat, mntr and conf. SIGINT or SIGTERM
stops cleanly. Exit status 2 for a bad configuration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			opts.Out, opts.Log = cmd.OutOrStdout(), cmd.ErrOrStderr()
			if runF != nil {
				return runF(opts)
			}
			return serveRun(opts)
		},
	}
	cmd.Flags().StringVar(&opts.Config, "config", "", "a zoo.cfg: run the server it describes (myid from dataDir/myid)")
	cmd.Flags().StringVar(&opts.Ensemble, "ensemble", "", "run a loopback ensemble of VOTERS+OBSERVERS servers (3+1)")
	cmd.Flags().IntVar(&opts.BasePort, "base-port", 0, "with --ensemble: the first client port (0: free ports)")
	cmd.Flags().StringVar(&opts.Data, "data", "", "with --ensemble: the data dir (default: a new temporary one)")
	cmd.Flags().BoolVar(&opts.Debug, "debug", false, "log every protocol step")
	return cmd
}

func serveRun(opts *serveOptions) error {
	logger := log.New(opts.Log, "", log.LstdFlags|log.Lmicroseconds)
	stopped := opts.Stop
	if stopped == nil {
		// From the start: a signal while the servers come up stops them
		// cleanly too.
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		defer signal.Stop(sig)
		ch := make(chan struct{})
		go func() {
			s := <-sig
			logger.Printf("%s: stopping", s)
			close(ch)
		}()
		stopped = ch
	}
	var stop func()
	var connect string
	switch {
	case (opts.Config == "") == (opts.Ensemble == ""):
		return usage("serve: give exactly one of --config and --ensemble")
	case opts.Config != "":
		n, err := nodeFromZooCfg(opts.Config, logger, opts.Debug)
		if err != nil {
			return err
		}
		if err := n.Start(); err != nil {
			return err
		}
		stop, connect = n.Stop, n.ClientAddr()
	default:
		e, err := startServeEnsemble(opts, logger)
		if err != nil {
			return err
		}
		// The connect string goes out once the ensemble serves: a client
		// that connects before, as zkCli.sh running a script does, has
		// its first request cut off by a server still electing.
		serving, err := waitServing(e, stopped)
		if err != nil || !serving {
			e.Stop()
			return err
		}
		stop, connect = e.Stop, e.ConnectString()
	}
	fmt.Fprintln(opts.Out, connect)
	if opts.Ready != nil {
		opts.Ready(connect)
	}
	<-stopped
	stop()
	return nil
}

// ensembleServeTimeout bounds how long serve --ensemble waits for a leader
// with every server serving.
const ensembleServeTimeout = 60 * time.Second

// waitServing waits until e has a leader and every server serves; false
// if told to stop first.
func waitServing(e *live.Ensemble, stopped <-chan struct{}) (bool, error) {
	deadline := time.Now().Add(ensembleServeTimeout)
	for {
		if _, ok := e.Leader(); ok {
			return true, nil
		}
		if time.Now().After(deadline) {
			return false, fmt.Errorf("serve: no leader with every server serving after %s", ensembleServeTimeout)
		}
		select {
		case <-stopped:
			return false, nil
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func startServeEnsemble(opts *serveOptions, logger *log.Logger) (*live.Ensemble, error) {
	voters, observers, err := parseEnsemble(opts.Ensemble)
	if err != nil {
		return nil, err
	}
	dir := opts.Data
	if dir == "" {
		if dir, err = os.MkdirTemp("", "zabsim-serve-"); err != nil {
			return nil, err
		}
		logger.Printf("data in %s", dir)
	}
	return live.StartEnsemble(live.EnsembleConfig{Voters: voters, Observers: observers,
		BasePort: opts.BasePort, DataDir: dir, Logger: logger, Debug: opts.Debug})
}

// parseEnsemble reads "V+O" (or "V").
func parseEnsemble(s string) (voters, observers int, err error) {
	v, o, hasO := strings.Cut(s, "+")
	voters, err1 := strconv.Atoi(v)
	if hasO {
		observers, err = strconv.Atoi(o)
	}
	if err1 != nil || err != nil || voters < 1 || observers < 0 || voters+observers > 10 {
		return 0, 0, usage("--ensemble %q: want VOTERS+OBSERVERS, 1..10 servers with at least one voter (3+1)", s)
	}
	return voters, observers, nil
}

// nodeFromZooCfg builds the server a zoo.cfg and its dataDir/myid
// describe. Errors name the file and, from the parser, the line.
func nodeFromZooCfg(path string, logger *log.Logger, debug bool) (*live.Node, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		return nil, usage("%v", err)
	}
	z, err := zab.ParseZooCfg(string(text))
	if err != nil {
		return nil, usage("%s: %v", path, err)
	}
	dataDir := z.DataDir
	if !filepath.IsAbs(dataDir) {
		dataDir = filepath.Join(filepath.Dir(path), dataDir)
	}
	cfg := live.Config{DataDir: dataDir, ClientHost: z.Other["clientPortAddress"], Debug: debug,
		Addrs: map[zab.ServerID]live.PeerAddr{}}
	if len(z.Servers) == 0 {
		// Standalone: one server that elects itself; its peer ports are
		// never dialled, so the kernel may pick them.
		cfg.Server = zab.Config{ID: 1, Peers: []zab.Peer{{ID: 1}}}
		cfg.Addrs[1] = live.PeerAddr{Host: "127.0.0.1", ClientPort: z.ClientPort}
	} else {
		id, err := readMyID(dataDir)
		if err != nil {
			return nil, usage("%s: %v", path, err)
		}
		cfg.Server = zab.Config{ID: id, Peers: z.Peers()}
		for _, s := range z.Servers {
			a := live.PeerAddr{Host: s.Host, QuorumPort: s.QuorumPort, ElectionPort: s.ElectionPort, ClientPort: s.ClientPort}
			if s.ID == id && z.ClientPort != 0 {
				a.ClientPort = z.ClientPort
			}
			cfg.Addrs[s.ID] = a
		}
	}
	if cfg.Addrs[cfg.Server.ID].ClientPort == 0 {
		return nil, usage("%s: clientPort is not set", path)
	}
	z.Apply(&cfg.Server)
	if err := cfg.Server.WithDefaults().Validate(); err != nil {
		return nil, usage("%s: %v", path, err)
	}
	cfg.Logger = log.New(logger.Writer(), fmt.Sprintf("zk%d ", cfg.Server.ID), logger.Flags())
	return live.NewNode(cfg)
}

// readMyID reads dataDir/myid as QuorumPeerConfig does.
func readMyID(dataDir string) (zab.ServerID, error) {
	p := filepath.Join(dataDir, "myid")
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		return 0, fmt.Errorf("%s is missing (it holds this server's N of server.N)", p)
	}
	if err != nil {
		return 0, err
	}
	id, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%s: want a number, got %q", p, strings.TrimSpace(string(b)))
	}
	return zab.ServerID(id), nil
}
