package scenarios

import (
	"fmt"
	"testing"
	"time"

	"github.com/zabsim/zabsim/checker"
)

func TestDebugTiming(t *testing.T) {
	s, _ := Lookup("watches")
	for _, seed := range []uint64{70, 80, 90} {
		t0 := time.Now()
		res, err := Run(s, seed, nil, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t1 := time.Now()
		recs := res.Cluster.Records()
		h := res.Cluster.History()
		a := time.Now()
		checker.Watches(h, recs, int64(7e9))
		b := time.Now()
		checker.Sessions(h, recs)
		c := time.Now()
		checker.Reads(h, recs, checker.ReadOptions{})
		d := time.Now()
		checker.LinearizableWrites(h, recs, time.Minute)
		e := time.Now()
		fmt.Println(seed, "run", t1.Sub(t0), "watches", b.Sub(a), "sessions", c.Sub(b), "reads", d.Sub(c), "lin", e.Sub(d), len(h.Ops), len(h.Events))
	}
}
