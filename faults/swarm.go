package faults

import (
	"time"
)

// Rand is the randomness swarm selection draws from: the run's "faults"
// stream, split off the seed by purpose, so adding a workload operation
// never moves the faults.
type Rand interface {
	Intn(n int) int
	Float64() float64
}

// Shape is what swarm selection needs to know of a run.
type Shape struct {
	Servers int           // server ids 1..Servers
	Voters  int           // the first Voters ids vote
	Clients int           // client ids 1..Clients
	End     time.Duration // the run's virtual length
	Heal    time.Duration // the heal phase at the end (liveness window)
}

// Swarm draws a plan in the manner of swarm testing (Groce et al., and
// TigerBeetle's VOPR, FoundationDB's simulation): each seed enables a
// random subset of fault kinds, each at a random intensity, so a sweep
// covers gentle and brutal runs alike.
func Swarm(r Rand, sh Shape) Plan {
	healAt := sh.End - sh.Heal
	p := Plan{HealAt: Duration(healAt), End: Duration(sh.End)}
	g := &gen{r: r, sh: sh, healAt: healAt}
	for _, k := range []Kind{Partition, Crash, CrashLeaderMid, CrashBeforeSync, Pause,
		ClockDrift, ClockJump, LatencySpike, NearRollover, ExpireSession} {
		if r.Float64() < 0.5 {
			continue
		}
		n := 1 + r.Intn(1+r.Intn(6)) // intensity: mostly few, sometimes many
		for i := 0; i < n; i++ {
			p.Actions = append(p.Actions, g.action(k)...)
		}
	}
	return p.Sorted()
}

// SwarmOf is Swarm restricted to the given kinds, each of them always
// enabled at a random intensity: a scenario about partitions draws only
// partitions (and their heals).
func SwarmOf(kinds ...Kind) func(Rand, Shape) Plan {
	return func(r Rand, sh Shape) Plan {
		healAt := sh.End - sh.Heal
		p := Plan{HealAt: Duration(healAt), End: Duration(sh.End)}
		g := &gen{r: r, sh: sh, healAt: healAt}
		for _, k := range kinds {
			n := 1 + r.Intn(1+r.Intn(6))
			for i := 0; i < n; i++ {
				p.Actions = append(p.Actions, g.action(k)...)
			}
		}
		return p.Sorted()
	}
}

type gen struct {
	r      Rand
	sh     Shape
	healAt time.Duration
}

// at draws a time in [1s, healAt).
func (g *gen) at() Duration {
	span := g.healAt - time.Second
	if span <= 0 {
		return Duration(g.healAt / 2)
	}
	return Duration(time.Second + time.Duration(g.r.Float64()*float64(span)))
}

func (g *gen) between(lo, hi time.Duration) Duration {
	return Duration(lo + time.Duration(g.r.Float64()*float64(hi-lo)))
}

func (g *gen) server() int { return 1 + g.r.Intn(g.sh.Servers) }

// target is a server or, half the time, whoever leads then.
func (g *gen) target() int {
	if g.r.Intn(2) == 0 {
		return 0
	}
	return g.server()
}

// later clamps an undo action before the heal phase.
func (g *gen) later(at Duration, d Duration) Duration {
	return min(at+d, Duration(g.healAt))
}

func (g *gen) action(k Kind) []Action {
	at := g.at()
	switch k {
	case Partition:
		if g.sh.Servers < 2 {
			return nil
		}
		a := Action{At: at, Kind: Partition, Groups: g.split(), OneWay: g.r.Intn(4) == 0}
		return []Action{a, {At: g.later(at, g.between(time.Second, 8*time.Second)), Kind: Heal}}
	case Crash:
		a := Action{At: at, Kind: Crash, Server: g.target(), Torn: g.r.Intn(2) == 0}
		return []Action{a, {At: g.later(at, g.between(500*time.Millisecond, 10*time.Second)), Kind: Restart}}
	case CrashLeaderMid:
		a := Action{At: at, Kind: CrashLeaderMid, K: 1 + g.r.Intn(5), Torn: g.r.Intn(2) == 0}
		return []Action{a, {At: g.later(at, g.between(time.Second, 10*time.Second)), Kind: Restart}}
	case CrashBeforeSync:
		s := g.server()
		return []Action{{At: at, Kind: CrashBeforeSync, Server: s},
			{At: g.later(at, g.between(time.Second, 8*time.Second)), Kind: Restart, Server: s}}
	case Pause:
		s := g.server()
		return []Action{{At: at, Kind: Pause, Server: s},
			{At: g.later(at, g.between(200*time.Millisecond, 8*time.Second)), Kind: Resume, Server: s}}
	case ClockDrift:
		ppm := int64(100 + g.r.Intn(100000))
		if g.r.Intn(2) == 0 {
			ppm = -ppm
		}
		return []Action{{At: at, Kind: ClockDrift, Server: g.server(), DriftPPM: ppm}}
	case ClockJump:
		j := g.between(100*time.Millisecond, 10*time.Second)
		if g.r.Intn(2) == 0 {
			j = -j
		}
		return []Action{{At: at, Kind: ClockJump, Server: g.server(), Jump: j}}
	case LatencySpike:
		return []Action{{At: at, Kind: LatencySpike, Server: g.server(), Latency: g.between(5*time.Millisecond, 200*time.Millisecond),
			Jitter: g.between(0, 50*time.Millisecond), For: g.between(time.Second, 5*time.Second)}}
	case NearRollover:
		// Its effect comes later, when the workload has used up the
		// margin: keep it to the first half of the faults so the forced
		// election is over long before the heal (a slow workload took 8 s).
		at = g.between(time.Second, max(time.Second, (g.healAt-time.Second)/2)+time.Second)
		return []Action{{At: at, Kind: NearRollover, Margin: 5 + g.r.Intn(50)}}
	case ExpireSession:
		if g.sh.Clients == 0 {
			return nil
		}
		return []Action{{At: at, Kind: ExpireSession, Client: 1 + g.r.Intn(g.sh.Clients)}}
	}
	return nil
}

// split cuts the servers in two non-empty groups: often a minority from a
// majority, sometimes one server alone.
func (g *gen) split() [][]int {
	n := g.sh.Servers
	perm := make([]int, n)
	for i := range perm {
		perm[i] = i + 1
	}
	for i := n - 1; i > 0; i-- {
		j := g.r.Intn(i + 1)
		perm[i], perm[j] = perm[j], perm[i]
	}
	cut := 1 + g.r.Intn(max(1, n/2))
	a := append([]int(nil), perm[:cut]...)
	b := append([]int(nil), perm[cut:]...)
	sortInts(a)
	sortInts(b)
	return [][]int{a, b}
}

func sortInts(s []int) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

// ClientClocks adds clock faults aimed at the clients' processes to a
// plan, in the swarm manner: half the time none, otherwise a few jumps
// (up to 10 s, either way) and drifts (up to 10%, either way). Recipes
// that read their process's clock (ID generation) run under it.
func ClientClocks(r Rand, sh Shape, p Plan) Plan {
	if sh.Clients == 0 || r.Float64() < 0.5 {
		return p
	}
	g := &gen{r: r, sh: sh, healAt: sh.End - sh.Heal}
	n := 1 + r.Intn(1+r.Intn(6))
	for i := 0; i < n; i++ {
		cl := 1 + r.Intn(sh.Clients)
		if r.Intn(2) == 0 {
			j := g.between(100*time.Millisecond, 10*time.Second)
			if r.Intn(2) == 0 {
				j = -j
			}
			p.Actions = append(p.Actions, Action{At: g.at(), Kind: ClockJump, Client: cl, Jump: j})
			continue
		}
		ppm := int64(100 + r.Intn(100000))
		if r.Intn(2) == 0 {
			ppm = -ppm
		}
		p.Actions = append(p.Actions, Action{At: g.at(), Kind: ClockDrift, Client: cl, DriftPPM: ppm})
	}
	return p.Sorted()
}

// ClientIsolation adds to a plan, in the swarm manner, partitions that cut
// a client's process off every server: half the time none, otherwise a
// few, each for 2 to 14 s — long enough, often, for the session to
// expire while the process lives on, and for anything it holds through an
// ephemeral node to be handed to another.
func ClientIsolation(r Rand, sh Shape, p Plan) Plan {
	if sh.Clients == 0 || r.Float64() < 0.5 {
		return p
	}
	g := &gen{r: r, sh: sh, healAt: sh.End - sh.Heal}
	n := 1 + r.Intn(1+r.Intn(6))
	for i := 0; i < n; i++ {
		p.Actions = append(p.Actions, Action{At: g.at(), Kind: IsolateClient, Client: 1 + r.Intn(sh.Clients),
			For: g.between(2*time.Second, 14*time.Second)})
	}
	return p.Sorted()
}
