package zab

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// ZooCfg is a zoo.cfg as QuorumPeerConfig reads it: the keys this model
// uses, the server.N lines, and every other key kept as given (ZooKeeper
// passes unknown keys on as zookeeper.* system properties).
type ZooCfg struct {
	TickTime          int // ms
	InitLimit         int // ticks
	SyncLimit         int // ticks
	DataDir           string
	DataLogDir        string
	ClientPort        int
	MinSessionTimeout int // ms; 0: 2 ticks
	MaxSessionTimeout int // ms; 0: 20 ticks
	Servers           []ServerLine
	Other             map[string]string
}

// ServerLine is server.N=host:quorumPort:electionPort[:participant|:observer][;[clientHost:]clientPort].
type ServerLine struct {
	ID           ServerID
	Host         string
	QuorumPort   int
	ElectionPort int
	Observer     bool
	ClientPort   int // 0 if the line has none
}

// ZooCfgError names the line and what is wrong with it.
type ZooCfgError struct {
	Line   int // 1-based; 0 for the file as a whole
	Reason string
}

func (e *ZooCfgError) Error() string {
	if e.Line == 0 {
		return "zoo.cfg: " + e.Reason
	}
	return fmt.Sprintf("zoo.cfg line %d: %s", e.Line, e.Reason)
}

// ParseZooCfg reads a zoo.cfg: key=value lines (Java properties: '#' and
// '!' comments, '=' or ':' separators, blank lines), then the checks
// QuorumPeerConfig makes of a distributed configuration.
func ParseZooCfg(text string) (*ZooCfg, error) {
	z := &ZooCfg{Other: map[string]string{}}
	seen := map[string]int{}
	for n, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || line[0] == '#' || line[0] == '!' {
			continue
		}
		no := n + 1
		fail := func(format string, args ...any) error {
			return &ZooCfgError{Line: no, Reason: fmt.Sprintf(format, args...)}
		}
		i := strings.IndexAny(line, "=:")
		if i <= 0 {
			return nil, fail("want key=value, got %q", line)
		}
		key, value := strings.TrimSpace(line[:i]), strings.TrimSpace(line[i+1:])
		if prev, ok := seen[key]; ok {
			return nil, fail("%s is set again (first on line %d)", key, prev)
		}
		seen[key] = no
		num := func() (int, error) {
			v, err := strconv.Atoi(value)
			if err != nil || v < 0 {
				return 0, fail("%s: want a non-negative integer, got %q", key, value)
			}
			return v, nil
		}
		var err error
		switch {
		case key == "tickTime":
			z.TickTime, err = num()
		case key == "initLimit":
			z.InitLimit, err = num()
		case key == "syncLimit":
			z.SyncLimit, err = num()
		case key == "clientPort":
			z.ClientPort, err = num()
		case key == "minSessionTimeout":
			z.MinSessionTimeout, err = num()
		case key == "maxSessionTimeout":
			z.MaxSessionTimeout, err = num()
		case key == "dataDir":
			z.DataDir = value
		case key == "dataLogDir":
			z.DataLogDir = value
		case key == "electionAlg":
			if value != "3" {
				err = fail("electionAlg: only 3 is supported, got %q", value)
			}
		case strings.HasPrefix(key, "server."):
			var s ServerLine
			s, err = parseServerLine(key, value)
			if err != nil {
				err = fail("%v", err)
			}
			z.Servers = append(z.Servers, s)
		default:
			z.Other[key] = value
		}
		if err != nil {
			return nil, err
		}
	}
	return z, z.check()
}

func parseServerLine(key, value string) (ServerLine, error) {
	var s ServerLine
	id, err := strconv.ParseInt(strings.TrimPrefix(key, "server."), 10, 64)
	if err != nil || id < 0 {
		return s, fmt.Errorf("%s: the server id must be a number", key)
	}
	s.ID = ServerID(id)
	addr, client, hasClient := strings.Cut(value, ";")
	parts := strings.Split(addr, ":")
	if len(parts) < 3 || len(parts) > 4 {
		return s, fmt.Errorf("%s=%s: want host:quorumPort:electionPort[:observer|:participant]", key, value)
	}
	s.Host = parts[0]
	port := func(what, v string) (int, error) {
		p, err := strconv.Atoi(v)
		if err != nil || p < 1 || p > 65535 {
			return 0, fmt.Errorf("%s: bad %s port %q", key, what, v)
		}
		return p, nil
	}
	if s.QuorumPort, err = port("quorum", parts[1]); err != nil {
		return s, err
	}
	if s.ElectionPort, err = port("election", parts[2]); err != nil {
		return s, err
	}
	if len(parts) == 4 {
		switch strings.ToLower(parts[3]) {
		case "observer":
			s.Observer = true
		case "participant":
		default:
			return s, fmt.Errorf("%s: unknown role %q (observer or participant)", key, parts[3])
		}
	}
	if hasClient {
		// [clientHost:]clientPort
		p := client
		if i := strings.LastIndexByte(client, ':'); i >= 0 {
			p = client[i+1:]
		}
		if s.ClientPort, err = port("client", p); err != nil {
			return s, err
		}
	}
	return s, nil
}

// check is QuorumPeerConfig's validation of what was read.
func (z *ZooCfg) check() error {
	bad := func(format string, args ...any) error {
		return &ZooCfgError{Reason: fmt.Sprintf(format, args...)}
	}
	if z.DataDir == "" {
		return bad("dataDir is not set")
	}
	if z.TickTime == 0 {
		return bad("tickTime is not set")
	}
	if z.MinSessionTimeout != 0 && z.MaxSessionTimeout != 0 && z.MinSessionTimeout > z.MaxSessionTimeout {
		return bad("minSessionTimeout must not be larger than maxSessionTimeout")
	}
	sort.Slice(z.Servers, func(i, j int) bool { return z.Servers[i].ID < z.Servers[j].ID })
	voters := 0
	for i, s := range z.Servers {
		if i > 0 && z.Servers[i-1].ID == s.ID {
			return bad("server.%d is given twice", s.ID)
		}
		if !s.Observer {
			voters++
		}
	}
	if len(z.Servers) > 0 {
		if voters == 0 {
			return bad("observers without participants is an invalid configuration")
		}
		if z.InitLimit == 0 {
			return bad("initLimit is not set")
		}
		if z.SyncLimit == 0 {
			return bad("syncLimit is not set")
		}
	}
	return nil
}

// Peers lists the ensemble as server configurations see it.
func (z *ZooCfg) Peers() []Peer {
	out := make([]Peer, len(z.Servers))
	for i, s := range z.Servers {
		out[i] = Peer{ID: s.ID, Observer: s.Observer}
	}
	return out
}

// Apply sets the timing a server takes from zoo.cfg; the rest of c is
// left as it is.
func (z *ZooCfg) Apply(c *Config) {
	c.TickTime = int64(z.TickTime) * millisecond
	c.InitLimit = z.InitLimit
	c.SyncLimit = z.SyncLimit
	c.MinSessionTimeout = int32(z.MinSessionTimeout)
	c.MaxSessionTimeout = int32(z.MaxSessionTimeout)
}
