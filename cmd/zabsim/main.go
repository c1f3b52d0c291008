// Command zabsim runs zabsim's scenarios: one seed, a sweep over many, a
// replay with the full trace, the shrinking of a failing plan, and the
// reports (plots and an index.html) of a run or a sweep.
//
// Exit status: 0 when every run kept its promises (or, for a scenario that
// must fail, was caught), 1 when one did not, 2 on bad input.
package main

import (
	"errors"
	"fmt"
	"os"
	"runtime/debug"
	"strings"

	"github.com/spf13/cobra"
)

// usageError marks bad input: exit status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usage(format string, args ...any) error {
	return usageError{fmt.Errorf(format, args...)}
}

// errFailed is returned when a run broke a guarantee: exit status 1.
var errFailed = errors.New("a run failed its checks")

// defaultGOGC is the collector's target unless GOGC says otherwise. A
// simulated run allocates fast and keeps little (a 5-server world with 10
// clients holds under 30 MB), so at Go's default of 100 the collector runs
// every few milliseconds; at 400 a leader-crash run takes about 30 ms of
// wall time instead of 45 on one core, for a heap of a few hundred MB.
const defaultGOGC = 400

func main() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGOGC)
	}
	root := &cobra.Command{
		Use:   "zabsim",
		Short: "Deterministic simulation testing of ZooKeeper's ZAB",
		Long: `zabsim runs a complete ZooKeeper ensemble on a virtual clock over a
simulated network and disk, throws seeded faults at it, and checks that
what the clients saw was allowed. One seed reproduces a run bit for bit.`,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.AddCommand(scenariosCmd(), runCmd(), replayCmd(), sweepCmd(), reportCmd(), planCmd(), shrinkCmd(), conformCmd(), zooCmd(nil), benchCmd(nil), serveCmd(nil))
	err := root.Execute()
	switch {
	case err == nil:
	case errors.Is(err, errFailed):
		os.Exit(1)
	default:
		fmt.Fprintln(os.Stderr, "zabsim:", err)
		var ue usageError
		if errors.As(err, &ue) || isCobraUsage(err) {
			os.Exit(2)
		}
		os.Exit(1)
	}
}

// isCobraUsage recognises cobra's own argument errors (unknown command,
// wrong number of arguments), which are bad input too.
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires ", "unknown flag", "unknown shorthand", "invalid argument"} {
		if strings.Contains(msg, p) {
			return true
		}
	}
	return false
}
