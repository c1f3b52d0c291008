package scenarios

import (
	"os"
	"testing"
)

func TestProfRecipe(t *testing.T) {
	name := os.Getenv("PROF_SCENARIO")
	if name == "" {
		t.Skip()
	}
	s, _ := Lookup(name)
	for seed := uint64(1); seed <= 3; seed++ {
		Run(s, seed, nil, Options{})
	}
}
