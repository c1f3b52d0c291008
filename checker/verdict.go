// Package checker decides whether what a run's clients saw is allowed by
// ZooKeeper's guarantees, and whether its servers kept ZAB's invariants. It
// reads histories and the records a cluster kept; it mutates nothing.
package checker

import (
	"errors"
	"fmt"
	"strings"
)

// The guarantees a violation can break. Each quotes the guarantee, so a
// failure reads as what was promised.
var (
	ErrOneLeaderPerEpoch = errors.New("at most one leader is established per epoch")
	ErrIntegrity         = errors.New("integrity: only proposed transactions are delivered")
	ErrAgreement         = errors.New("agreement: replicas deliver the same transaction at a zxid")
	ErrTotalOrder        = errors.New("total order: a replica delivers transactions in zxid order without gaps")
	ErrDurability        = errors.New("durability: no committed transaction is lost")
	ErrReplicaDigest     = errors.New("replicas at the same zxid have the same tree digest")
	ErrPrimaryOrder      = errors.New("primary order: a leader proposes in zxid order within its epoch")
)

// Violation is one broken guarantee with its evidence.
type Violation struct {
	Guarantee error  // one of the Err* sentinels
	Detail    string // what happened, with ops or events by index and virtual time
	Where     string // where to look (server, op index, trace position)
}

func (v Violation) String() string {
	s := fmt.Sprintf("%v: %s", v.Guarantee, v.Detail)
	if v.Where != "" {
		s += " (" + v.Where + ")"
	}
	return s
}

// Verdict is the outcome of checking one run. Allowed holds what a
// stricter reading of the guarantees would call a violation but ZooKeeper
// permits (a stale read after sync): reported, never failing the run.
type Verdict struct {
	Violations []Violation
	Allowed    []Violation
}

// OK reports whether no guarantee was broken.
func (v Verdict) OK() bool { return len(v.Violations) == 0 }

// Has reports whether some violation breaks the guarantee.
func (v Verdict) Has(guarantee error) bool {
	for _, x := range v.Violations {
		if errors.Is(x.Guarantee, guarantee) {
			return true
		}
	}
	return false
}

func (v Verdict) String() string {
	var b strings.Builder
	if v.OK() {
		b.WriteString("ok")
	} else {
		fmt.Fprintf(&b, "%d violation(s):\n", len(v.Violations))
		for _, x := range v.Violations {
			b.WriteString("  ")
			b.WriteString(x.String())
			b.WriteByte('\n')
		}
	}
	if len(v.Allowed) > 0 {
		if v.OK() {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%d allowed by ZooKeeper, not by the strict reading:\n", len(v.Allowed))
		for _, x := range v.Allowed {
			b.WriteString("  ")
			b.WriteString(x.String())
			b.WriteByte('\n')
		}
	}
	return b.String()
}

func (v *Verdict) add(g error, where, format string, args ...any) {
	v.Violations = append(v.Violations, Violation{Guarantee: g, Detail: fmt.Sprintf(format, args...), Where: where})
}

// Merge appends another verdict's findings.
func (v *Verdict) Merge(o Verdict) {
	v.Violations = append(v.Violations, o.Violations...)
	v.Allowed = append(v.Allowed, o.Allowed...)
}

// shortNames name each guarantee in a word or two, for tables.
var shortNames = []struct {
	guarantee error
	name      string
}{
	{ErrOneLeaderPerEpoch, "one-leader"},
	{ErrIntegrity, "integrity"},
	{ErrAgreement, "agreement"},
	{ErrTotalOrder, "total-order"},
	{ErrDurability, "durability"},
	{ErrReplicaDigest, "replica-digest"},
	{ErrPrimaryOrder, "primary-order"},
	{ErrLinearizability, "linearizable-writes"},
	{ErrUndecided, "undecided"},
	{ErrReadAtZxid, "read-at-zxid"},
	{ErrSessionOrder, "session-order"},
	{ErrSyncRead, "strict-sync-read"},
	{ErrLiveness, "liveness"},
	{ErrNoLeader, "leader-elected"},
	{ErrEventStorm, "event-storm"},
	{ErrSessionEnded, "session-ends"},
	{ErrEphemeralOwner, "ephemeral-owner"},
	{ErrEphemeralLife, "ephemeral-life"},
	{ErrSequential, "sequential-names"},
	{ErrSessionExpired, "session-expired"},
}

// Short names a guarantee in a word or two ("durability"); an error that
// is not one of the guarantees is named by its text.
func Short(guarantee error) string {
	for _, sn := range shortNames {
		if errors.Is(guarantee, sn.guarantee) {
			return sn.name
		}
	}
	return guarantee.Error()
}

// Caught lists the short names of the guarantees a verdict's violations
// break, in the order they were first found.
func (v Verdict) Caught() []string {
	var out []string
	seen := map[string]bool{}
	for _, x := range v.Violations {
		if n := Short(x.Guarantee); !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	return out
}
