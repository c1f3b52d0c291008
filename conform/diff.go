package conform

import (
	"fmt"
	"slices"
	"strings"

	"github.com/zabsim/zabsim/tree"
)

// Side is one implementation the differential sequence runs against: the
// real ensemble (Real) or zabsim (Sim).
type Side interface {
	Name() string
	// Open starts a new session on slot i (adding the slot's credentials
	// again) and returns its id.
	Open(i int) (int64, error)
	// Close ends slot i's session and returns the events it got after
	// its last op and before closeSession was answered.
	Close(i int) []Event
	// Do runs one op to its reply.
	Do(op Op) Outcome
}

// Difference is the first op whose outcomes differ: both sides' outcomes,
// normalized and raw, and the ops before it.
type Difference struct {
	Seed     uint64
	Op       Op
	A, B     string // side names
	NormA    []string
	NormB    []string
	RawA     Outcome
	RawB     Outcome
	Previous []string // the last ops before it, with their (equal) outcomes
}

func (d *Difference) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "seed %d: %s and %s differ at op %s\n", d.Seed, d.A, d.B, d.Op)
	fmt.Fprintf(&b, "  %s:\n", d.A)
	for _, l := range d.NormA {
		fmt.Fprintf(&b, "    %s\n", l)
	}
	fmt.Fprintf(&b, "  %s:\n", d.B)
	for _, l := range d.NormB {
		fmt.Fprintf(&b, "    %s\n", l)
	}
	fmt.Fprintf(&b, "  raw %s: %s\n", d.A, rawString(d.RawA))
	fmt.Fprintf(&b, "  raw %s: %s\n", d.B, rawString(d.RawB))
	fmt.Fprintf(&b, "  the ops before it (both sides alike):\n")
	for _, l := range d.Previous {
		fmt.Fprintf(&b, "    %s\n", l)
	}
	return b.String()
}

func rawString(o Outcome) string {
	s := fmt.Sprintf("err=%s path=%q", o.Err, o.Path)
	if o.Stat != nil {
		s += " stat={" + o.Stat.String() + "}"
	}
	for i, m := range o.Multi {
		s += fmt.Sprintf(" multi[%d]=%s %q", i, m.Err, m.Path)
		if m.Stat != nil {
			s += " {" + m.Stat.String() + "}"
		}
	}
	return s
}

// Tally counts what a run exercised: ops by kind, outcomes by code, events
// by type.
type Tally struct {
	Ops    int
	Kinds  map[Kind]int
	Codes  map[tree.Code]int // of single ops and of multi sub-ops
	Events map[tree.EventType]int
}

func newTally() Tally {
	return Tally{Kinds: map[Kind]int{}, Codes: map[tree.Code]int{}, Events: map[tree.EventType]int{}}
}

func (t *Tally) add(op Op, o Outcome) {
	t.Ops++
	t.Kinds[op.Kind]++
	t.Codes[o.Err]++
	for _, m := range o.Multi {
		t.Codes[m.Err]++
	}
	for _, e := range o.Events {
		t.Events[e.Type]++
	}
}

// Merge adds u's counts to t.
func (t *Tally) Merge(u Tally) {
	t.Ops += u.Ops
	for k, v := range u.Kinds {
		t.Kinds[k] += v
	}
	for k, v := range u.Codes {
		t.Codes[k] += v
	}
	for k, v := range u.Events {
		t.Events[k] += v
	}
}

// NewTally is an empty tally.
func NewTally() Tally { return newTally() }

func (t Tally) String() string {
	var parts []string
	for k, v := range t.Kinds {
		parts = append(parts, fmt.Sprintf("%s=%d", k, v))
	}
	slices.Sort(parts)
	var codes []string
	for k, v := range t.Codes {
		codes = append(codes, fmt.Sprintf("%s=%d", k, v))
	}
	slices.Sort(codes)
	var evs []string
	for k, v := range t.Events {
		evs = append(evs, fmt.Sprintf("%s=%d", k, v))
	}
	slices.Sort(evs)
	return fmt.Sprintf("%d ops (%s); codes: %s; events: %s", t.Ops, strings.Join(parts, " "),
		strings.Join(codes, " "), strings.Join(evs, " "))
}

// previousMax is how many earlier ops a Difference shows.
const previousMax = 25

// DiffConfig is one differential run.
type DiffConfig struct {
	Seed  uint64
	Ops   int    // how many ops (the barriers the sequence needs count)
	Root  string // the znode the sequence works under (created first)
	Slots int    // sessions
	// Trace, if set, hears every op with its outcome as compared.
	Trace func(string)
}

// Differential runs one seed's sequence on both sides, comparing every
// outcome. It returns what it exercised, and the first Difference (or a
// side's failure) as the error. It opens the sessions and closes them
// after.
func Differential(cfg DiffConfig, a, b Side) (Tally, error) {
	seed, n, root, slots := cfg.Seed, cfg.Ops, cfg.Root, cfg.Slots
	tally := newTally()
	na, nb := NewNormalizer(), NewNormalizer()
	g := NewGen(seed, root, slots)
	open := func(i int) error {
		ida, err := a.Open(i)
		if err != nil {
			return fmt.Errorf("%s: open slot %d: %w", a.Name(), i, err)
		}
		idb, err := b.Open(i)
		if err != nil {
			return fmt.Errorf("%s: open slot %d: %w", b.Name(), i, err)
		}
		na.Session(ida, g.Label(i))
		nb.Session(idb, g.Label(i))
		return nil
	}
	defer func() {
		for i := 0; i < slots; i++ {
			a.Close(i)
			b.Close(i)
		}
	}()
	for i := 0; i < slots; i++ {
		if err := open(i); err != nil {
			return tally, err
		}
	}
	var previous []string
	step := func(op Op) error {
		var oa, ob Outcome
		if op.Kind == KReopen {
			oa.Events, ob.Events = a.Close(op.Slot), b.Close(op.Slot)
			g.Observe(op, oa) // the new session's label
			if err := open(op.Slot); err != nil {
				return err
			}
		} else {
			oa, ob = a.Do(op), b.Do(op)
		}
		la, lb := na.Normalize(oa), nb.Normalize(ob)
		if !slices.Equal(la, lb) {
			return &Difference{Seed: seed, Op: op, A: a.Name(), B: b.Name(), NormA: la, NormB: lb,
				RawA: oa, RawB: ob, Previous: previous}
		}
		tally.add(op, oa)
		line := op.String() + " => " + strings.Join(la, "; ")
		if cfg.Trace != nil {
			cfg.Trace(line)
		}
		previous = append(previous, line)
		if len(previous) > previousMax {
			previous = previous[1:]
		}
		if op.Kind != KReopen {
			g.Observe(op, oa)
		}
		return nil
	}
	for tally.Ops < n {
		if err := step(g.Next()); err != nil {
			return tally, err
		}
	}
	// The last events: every session passes a barrier and hands over
	// what it got.
	for i := 0; i < slots; i++ {
		if err := step(g.Barrier(i)); err != nil {
			return tally, err
		}
	}
	return tally, nil
}
