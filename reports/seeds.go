package reports

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/zabsim/zabsim/scenarios"
)

// SeedResult is one seed's outcome in a sweep, as `zabsim sweep --json`
// writes it: small, so a sweep of ten thousand seeds stays small.
type SeedResult struct {
	Scenario string `json:"scenario"`
	Seed     uint64 `json:"seed"`
	// Failed: a guarantee was broken, or, for a scenario that must fail,
	// none was.
	Failed     bool     `json:"failed"`
	Violations []string `json:"violations,omitempty"`
	TraceHash  string   `json:"trace_hash"`
	Ops        int      `json:"ops"`
	// WallMillis is how long the run took on the machine that ran it; the
	// reports never show it (they depend on the runs alone).
	WallMillis float64          `json:"wall_ms"`
	Replay     string           `json:"replay"`
	Stats      *scenarios.Stats `json:"stats,omitempty"`
	// Report is the path of this seed's run report, relative to the
	// sweep report's directory, if one was written.
	Report string `json:"report,omitempty"`
}

// SweepJSON is the name of a sweep's results in its report directory.
const SweepJSON = "sweep.json"

// SortSeeds orders results by scenario, then seed.
func SortSeeds(rs []SeedResult) {
	sort.Slice(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		return a.Scenario < b.Scenario || a.Scenario == b.Scenario && a.Seed < b.Seed
	})
}

// LoadSweep reads a sweep's results: a JSON file written by `sweep
// --json`, or a sweep report's directory (its sweep.json).
func LoadSweep(path string) ([]SeedResult, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		path = filepath.Join(path, SweepJSON)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	var rs []SeedResult
	if err := dec.Decode(&rs); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		switch {
		case errors.As(err, &se):
			return nil, fmt.Errorf("%s: malformed JSON at byte %d: %v", path, se.Offset, err)
		case errors.As(err, &te):
			return nil, fmt.Errorf("%s: field %q: want %s, got %s (a sweep's results are a JSON array of seeds)", path, te.Field, te.Type, te.Value)
		}
		return nil, fmt.Errorf("%s: not a sweep's results: %v", path, err)
	}
	for i, r := range rs {
		if r.Scenario == "" {
			return nil, fmt.Errorf("%s: entry %d: field \"scenario\" is missing", path, i)
		}
	}
	return rs, nil
}

// MergeSweeps joins the results of sweep shards by scenario and seed. A
// seed in two shards must have run the same (same trace hash and
// verdict); sources names the shards for the error.
func MergeSweeps(shards [][]SeedResult, sources []string) ([]SeedResult, error) {
	type key struct {
		scenario string
		seed     uint64
	}
	seen := map[key]int{}
	var out []SeedResult
	for si, shard := range shards {
		for _, r := range shard {
			k := key{r.Scenario, r.Seed}
			if prev, ok := seen[k]; ok {
				if out[prev].TraceHash != r.TraceHash || out[prev].Failed != r.Failed {
					return nil, fmt.Errorf("%s seed %d differs between shards (trace hash %s in one, %s in %s): were they built from the same code?",
						r.Scenario, r.Seed, out[prev].TraceHash, r.TraceHash, sources[si])
				}
				continue
			}
			seen[k] = len(out)
			out = append(out, r)
		}
	}
	SortSeeds(out)
	return out, nil
}
