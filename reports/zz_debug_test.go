package reports

import "testing"

func TestDebugWrite(t *testing.T) {
	for _, c := range []struct{ n string; s uint64 }{{"swarm", 3}, {"leader-crash", 2}} {
		r := runOf(t, c.n, c.s)
		if err := WriteRun("/tmp/hr-scratch/"+c.n, r); err != nil {
			t.Fatal(err)
		}
	}
}
