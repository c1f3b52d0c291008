// Package faults holds the catalogue of faults zabsim injects, fault plans
// as data (printable, JSON, shrinkable), swarm selection of plans from a
// seed, and the hooks that apply a plan to a simulated cluster. It never
// decides whether a run passed.
package faults

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Kind names one kind of fault action.
type Kind string

const (
	Partition       Kind = "partition"         // cut Groups from each other (OneWay: Groups[0] → Groups[1] only)
	Heal            Kind = "heal"              // restore every link
	Crash           Kind = "crash"             // kill Server; Torn leaves a torn last record
	Restart         Kind = "restart"           // bring Server back on its disk (0: every crashed server)
	CrashLeaderMid  Kind = "crash-leader-mid"  // crash the leader right after its K-th PROPOSAL send from now
	CrashBeforeSync Kind = "crash-before-sync" // crash a follower between its next log write and its fsync
	Pause           Kind = "pause"             // stop Server's process (GC pause, SIGSTOP)
	Resume          Kind = "resume"            // resume Server (0: every paused server)
	ClockDrift      Kind = "clock-drift"       // Server's (or Client's, if set) clock runs DriftPPM fast (negative: slow)
	ClockJump       Kind = "clock-jump"        // Server's (or Client's, if set) clock jumps by Jump (may go backwards)
	LatencySpike    Kind = "latency"           // links of Server (or all, Server 0) get Latency±Jitter for For
	NearRollover    Kind = "near-rollover"     // the leader's zxid counter jumps to Margin below its limit
	ExpireSession   Kind = "expire-session"    // Client's process dies; its session expires at the servers
	IsolateClient   Kind = "isolate-client"    // Client's process is cut off from every server for For
)

// Kinds lists every kind, in a fixed order.
var Kinds = []Kind{Partition, Heal, Crash, Restart, CrashLeaderMid, CrashBeforeSync, Pause,
	Resume, ClockDrift, ClockJump, LatencySpike, NearRollover, ExpireSession, IsolateClient}

// Duration is a time.Duration that reads and writes as "1.5s" in JSON.
type Duration time.Duration

func (d Duration) String() string { return time.Duration(d).String() }

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string such as \"1.5s\", got %s", b)
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("bad duration %q: %v", s, err)
	}
	*d = Duration(v)
	return nil
}

// Action is one timed fault. Only the fields its Kind uses are set; the
// others stay zero and are omitted from JSON.
type Action struct {
	At       Duration `json:"at"`
	Kind     Kind     `json:"kind"`
	Server   int      `json:"server,omitempty"` // server id; 0 means "the leader at that moment" where a target is needed
	Groups   [][]int  `json:"groups,omitempty"`
	OneWay   bool     `json:"one_way,omitempty"`
	Torn     bool     `json:"torn,omitempty"`
	K        int      `json:"k,omitempty"`
	DriftPPM int64    `json:"drift_ppm,omitempty"`
	Jump     Duration `json:"jump,omitempty"`
	Latency  Duration `json:"latency,omitempty"`
	Jitter   Duration `json:"jitter,omitempty"`
	For      Duration `json:"for,omitempty"`
	Margin   int      `json:"margin,omitempty"`
	Client   int      `json:"client,omitempty"`
}

// Plan is a run's whole fault schedule. After HealAt every fault is undone
// (links healed, processes resumed and restarted, clocks and latency
// normal) and the run goes on to End, so liveness can be judged.
type Plan struct {
	Actions []Action `json:"actions"`
	HealAt  Duration `json:"heal_at"`
	End     Duration `json:"end"`
}

// String prints one line per action, as traces and reports show plans.
func (p Plan) String() string {
	var b strings.Builder
	for _, a := range p.Actions {
		b.WriteString(a.String())
		b.WriteByte('\n')
	}
	fmt.Fprintf(&b, "%s heal everything; run to %s\n", p.HealAt, p.End)
	return b.String()
}

func (a Action) String() string {
	target := "leader"
	switch {
	case a.Client != 0 && (a.Kind == ClockDrift || a.Kind == ClockJump):
		target = fmt.Sprintf("client %d", a.Client)
	case a.Server != 0:
		target = fmt.Sprintf("zk%d", a.Server)
	}
	switch a.Kind {
	case Partition:
		arrow := "<->"
		if a.OneWay {
			arrow = "->"
		}
		parts := make([]string, len(a.Groups))
		for i, g := range a.Groups {
			parts[i] = fmt.Sprint(g)
		}
		return fmt.Sprintf("%s partition %s", a.At, strings.Join(parts, " "+arrow+" "))
	case Crash:
		return fmt.Sprintf("%s crash %s torn=%t", a.At, target, a.Torn)
	case CrashLeaderMid:
		return fmt.Sprintf("%s crash the leader after its %d-th PROPOSAL send torn=%t", a.At, a.K, a.Torn)
	case CrashBeforeSync:
		if a.Server == 0 {
			target = "a follower"
		}
		return fmt.Sprintf("%s crash %s between its next log write and fsync", a.At, target)
	case ClockDrift:
		return fmt.Sprintf("%s clock of %s drifts %+dppm", a.At, target, a.DriftPPM)
	case ClockJump:
		return fmt.Sprintf("%s clock of %s jumps %s", a.At, target, a.Jump)
	case LatencySpike:
		return fmt.Sprintf("%s latency of %s %s±%s for %s", a.At, target, a.Latency, a.Jitter, a.For)
	case NearRollover:
		return fmt.Sprintf("%s zxid counter of the leader to %d below its limit", a.At, a.Margin)
	case ExpireSession:
		return fmt.Sprintf("%s expire the session of client %d", a.At, a.Client)
	case IsolateClient:
		return fmt.Sprintf("%s cut client %d off every server for %s", a.At, a.Client, a.For)
	case Heal:
		return fmt.Sprintf("%s heal", a.At)
	case Restart, Resume:
		if a.Server == 0 {
			which := "crashed"
			if a.Kind == Resume {
				which = "paused"
			}
			return fmt.Sprintf("%s %s every %s server", a.At, a.Kind, which)
		}
	}
	return fmt.Sprintf("%s %s %s", a.At, a.Kind, target)
}

// Validate checks a plan against an ensemble of n servers and c clients,
// naming the action and field of the first problem.
func (p Plan) Validate(servers, clients int) error {
	if p.End <= 0 {
		return errors.New("plan: field \"end\" must be a positive duration")
	}
	if p.HealAt < 0 || p.HealAt > p.End {
		return fmt.Errorf("plan: field \"heal_at\" (%s) must lie within [0, end=%s]", p.HealAt, p.End)
	}
	for i, a := range p.Actions {
		if err := a.validate(servers, clients, p.HealAt); err != nil {
			return fmt.Errorf("plan: actions[%d] (%s): %w", i, a.Kind, err)
		}
	}
	return nil
}

func (a Action) validate(servers, clients int, healAt Duration) error {
	known := false
	for _, k := range Kinds {
		known = known || k == a.Kind
	}
	switch {
	case !known:
		return fmt.Errorf("field \"kind\": unknown kind %q (known: %s)", a.Kind, kindList())
	case a.At < 0 || a.At > healAt:
		return fmt.Errorf("field \"at\": %s is outside [0, heal_at=%s]", a.At, healAt)
	case a.Server < 0 || a.Server > servers:
		return fmt.Errorf("field \"server\": %d is not a server id in 1..%d (or 0 for the leader)", a.Server, servers)
	case a.Kind == Partition:
		return validGroups(a.Groups, servers)
	case a.Kind == CrashLeaderMid && a.K < 1:
		return fmt.Errorf("field \"k\": %d must be at least 1", a.K)
	case a.Kind == LatencySpike && (a.Latency <= 0 || a.For <= 0 || a.Jitter < 0):
		return errors.New("fields \"latency\" and \"for\" must be positive, \"jitter\" not negative")
	case a.Kind == NearRollover && a.Margin < 1:
		return fmt.Errorf("field \"margin\": %d must be at least 1", a.Margin)
	case a.Kind == ExpireSession && (a.Client < 1 || a.Client > clients):
		return fmt.Errorf("field \"client\": %d is not a client in 1..%d", a.Client, clients)
	case a.Kind == IsolateClient && (a.Client < 1 || a.Client > clients):
		return fmt.Errorf("field \"client\": %d is not a client in 1..%d", a.Client, clients)
	case a.Kind == IsolateClient && a.For <= 0:
		return errors.New("field \"for\" must be a positive duration")
	case (a.Kind == ClockDrift || a.Kind == ClockJump) && (a.Client < 0 || a.Client > clients):
		return fmt.Errorf("field \"client\": %d is not a client in 1..%d (or 0 for a server's clock)", a.Client, clients)
	case (a.Kind == ClockDrift || a.Kind == ClockJump) && a.Client != 0 && a.Server != 0:
		return errors.New("fields \"client\" and \"server\": a clock fault targets one of them")
	}
	return nil
}

func validGroups(groups [][]int, servers int) error {
	if len(groups) != 2 {
		return fmt.Errorf("field \"groups\": want two groups, got %d", len(groups))
	}
	seen := map[int]bool{}
	for gi, g := range groups {
		if len(g) == 0 {
			return fmt.Errorf("field \"groups[%d]\": empty group", gi)
		}
		for _, id := range g {
			if id < 1 || id > servers {
				return fmt.Errorf("field \"groups[%d]\": %d is not a server id in 1..%d", gi, id, servers)
			}
			if seen[id] {
				return fmt.Errorf("field \"groups[%d]\": server %d is in both groups", gi, id)
			}
			seen[id] = true
		}
	}
	return nil
}

func kindList() string {
	s := make([]string, len(Kinds))
	for i, k := range Kinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

// Sorted returns the plan with its actions in time order (stable).
func (p Plan) Sorted() Plan {
	q := p.Clone()
	sort.SliceStable(q.Actions, func(i, j int) bool { return q.Actions[i].At < q.Actions[j].At })
	return q
}

// Clone deep-copies a plan.
func (p Plan) Clone() Plan {
	q := p
	q.Actions = make([]Action, len(p.Actions))
	for i, a := range p.Actions {
		b := a
		if a.Groups != nil {
			b.Groups = make([][]int, len(a.Groups))
			for j, g := range a.Groups {
				b.Groups[j] = append([]int(nil), g...)
			}
		}
		q.Actions[i] = b
	}
	return q
}

// MarshalIndent writes a plan as indented JSON.
func (p Plan) MarshalIndent() []byte {
	b, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		panic(fmt.Sprintf("marshal plan: %v", err))
	}
	return append(b, '\n')
}

// ParsePlan reads a plan from JSON, refusing unknown fields, and validates
// it for an ensemble of the given size. Errors name the field.
func ParsePlan(b []byte, servers, clients int) (Plan, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return Plan{}, fmt.Errorf("plan: malformed JSON at byte %d: %v", se.Offset, err)
		case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
			return Plan{}, errors.New("plan: malformed JSON: input ends early")
		case errors.As(err, &te):
			return Plan{}, fmt.Errorf("plan: field %q: want %s, got %s", te.Field, te.Type, te.Value)
		}
		return Plan{}, fmt.Errorf("plan: %v", err)
	}
	if dec.More() {
		return Plan{}, errors.New("plan: trailing data after the JSON object")
	}
	if err := p.Validate(servers, clients); err != nil {
		return Plan{}, err
	}
	return p, nil
}
