package scenarios

import (
	"flag"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	seedFlag  = flag.Uint64("seed", 0, "replay one seed")
	seedsFlag = flag.String("seeds", "", "a band of seeds: A-B, or a count N for 1-N")
)

// band is the seeds to run: the flags, or a default per scenario small
// enough for CI.
func band(t *testing.T, def int) []uint64 {
	if *seedFlag != 0 {
		return []uint64{*seedFlag}
	}
	lo, hi := uint64(1), uint64(def)
	if *seedsFlag != "" {
		a, b, ranged := strings.Cut(*seedsFlag, "-")
		x, err := strconv.ParseUint(a, 10, 64)
		require.NoError(t, err, "-seeds %q", *seedsFlag)
		if ranged {
			y, err := strconv.ParseUint(b, 10, 64)
			require.NoError(t, err, "-seeds %q", *seedsFlag)
			lo, hi = x, y
		} else {
			hi = x
		}
	}
	var out []uint64
	for s := lo; s <= hi; s++ {
		out = append(out, s)
	}
	return out
}

func TestScenarios(t *testing.T) {
	for _, s := range All() {
		s := s
		t.Run(s.Name, func(t *testing.T) {
			caught := 0
			seeds := band(t, 20)
			for _, seed := range seeds {
				res, err := Run(s, seed, nil, Options{})
				require.NoError(t, err)
				if s.MustFail {
					if res.Failed() {
						caught++
					}
					continue
				}
				if res.Failed() {
					t.Errorf("seed %d: %s\nplan:\n%s\nreplay: %s\n    or: go test ./scenarios -run 'TestScenarios/%s$' -seed %d",
						seed, res.Verdict, res.Plan, res.ReplayCommand(), s.Name, seed)
				}
				assert.Positive(t, res.Ops, "seed %d: the workload ran", seed)
			}
			if s.MustFail {
				assert.Positive(t, caught, "a fault-model violation went unnoticed over seeds %v", seeds)
			}
		})
	}
}

// Every scenario, twice per seed, under GOMAXPROCS 1 and 2: the same trace
// hash and the same history.
func TestScenariosDeterministic(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, s := range All() {
		runtime.GOMAXPROCS(1)
		a, err := Run(s, 7, nil, Options{})
		require.NoError(t, err)
		runtime.GOMAXPROCS(2)
		b, err := Run(s, 7, nil, Options{})
		require.NoError(t, err)
		assert.Equal(t, a.TraceHash, b.TraceHash, s.Name)
		assert.Equal(t, fmt.Sprint(a.Cluster.History().Ops()), fmt.Sprint(b.Cluster.History().Ops()), s.Name)
	}
}

func TestLookupSuggests(t *testing.T) {
	_, err := Lookup("swram")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "did you mean swarm")
	s, err := Lookup("register")
	require.NoError(t, err)
	assert.Equal(t, "register", s.Name)
}
