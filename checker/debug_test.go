package checker

import (
	"testing"
)

func TestDebugManySeeds(t *testing.T) {
	for seed := uint64(7); seed <= 60; seed++ {
		c := watchingRun(t, seed, true)
		v := Watches(c.History(), c.Records(), watchGrace)
		if !v.OK() {
			t.Errorf("seed %d: %s", seed, v)
		}
	}
}
