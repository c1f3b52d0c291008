package scenarios

import (
	"fmt"
	"testing"

	"github.com/zabsim/zabsim/zab"
)

func TestDebugSeed(t *testing.T) {
	s, _ := Lookup("watches")
	res, err := Run(s, 38, nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	h := res.Cluster.History()
	sess := zab.SessionID(0x3000000022e0002)
	type row struct {
		seq int64
		s   string
	}
	var rows []row
	for i, op := range h.Ops {
		if op.Session == sess && op.Return > 5000000000 && op.Call < 7500000000 {
			rows = append(rows, row{op.Seq, fmt.Sprintf("op %d %s", i, op.String())})
		}
	}
	for i, e := range h.Events {
		if e.Session == sess && e.At > 5000000000 && e.At < 7500000000 {
			rows = append(rows, row{e.Seq, fmt.Sprintf("ev %d %s", i, e.String())})
		}
	}
	for i := range rows {
		for j := i + 1; j < len(rows); j++ {
			if rows[j].seq < rows[i].seq {
				rows[i], rows[j] = rows[j], rows[i]
			}
		}
	}
	for _, r := range rows {
		fmt.Println(r.seq, r.s)
	}
	fmt.Println(res.Plan.String())
}
