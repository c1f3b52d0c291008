package scenarios

import (
	"fmt"
	"os"
	"strconv"
	"testing"
)

func TestDbgRecipe(t *testing.T) {
	name := os.Getenv("DBG_SCENARIO")
	if name == "" {
		t.Skip()
	}
	seed, _ := strconv.ParseUint(os.Getenv("DBG_SEED"), 10, 64)
	s, _ := Lookup(name)
	var log []string
	orig := s.Check
	s.Check = func(w *Workload, recs []clusterRecord, p faultsPlan) checkerVerdict {
		for _, e := range w.Log.Entries {
			log = append(log, e.String())
		}
		if os.Getenv("DBG_OPS") != "" {
			for _, op := range w.Cluster.History().Ops {
				log = append(log, op.String())
			}
			for _, ev := range w.Cluster.History().Events {
				log = append(log, ev.String())
			}
		}
		return orig(w, recs, p)
	}
	res, _ := Run(s, seed, nil, Options{})
	s.Check = orig
	for _, l := range log {
		fmt.Println(l)
	}
	fmt.Println(res.Verdict)
}
