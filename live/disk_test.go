package live

// The file disk must agree with the simulated disk, the contract zab was
// written against: rapid draws a sequence of disk operations, applies it
// to both, and compares every read.

import (
	"bytes"
	"reflect"
	"testing"

	"pgregory.net/rapid"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
)

type nopHandler struct{}

func (nopHandler) Handle(*sim.Event) {}

func TestFileDiskAgreesWithSimDisk(t *testing.T) {
	rapid.Check(t, func(rt *rapid.T) {
		w := sim.NewWorld(sim.Config{Seed: 1})
		var want zab.Disk = w.Disk(w.AddNode("ref", nopHandler{}))
		got, err := openDisk(t.TempDir())
		if err != nil {
			rt.Fatal(err)
		}
		defer got.closeAll()
		name := rapid.SampledFrom([]string{"log.1", "log.2", "snapshot.1", "currentEpoch"})
		data := rapid.SliceOfN(rapid.Byte(), 0, 20)
		for range rapid.IntRange(1, 40).Draw(rt, "ops") {
			switch rapid.IntRange(0, 4).Draw(rt, "op") {
			case 0:
				n, d := name.Draw(rt, "name"), data.Draw(rt, "data")
				want.Append(n, d)
				got.Append(n, d)
			case 1:
				n, d := name.Draw(rt, "name"), data.Draw(rt, "data")
				want.WriteFile(n, d)
				got.WriteFile(n, d)
			case 2:
				n := name.Draw(rt, "name")
				size := int64(rapid.IntRange(-1, 30).Draw(rt, "size"))
				e1, e2 := want.Truncate(n, size), got.Truncate(n, size)
				if (e1 == nil) != (e2 == nil) {
					rt.Fatalf("truncate %s to %d: sim %v, file %v", n, size, e1, e2)
				}
			case 3:
				n := name.Draw(rt, "name")
				want.Remove(n)
				got.Remove(n)
			case 4:
				from, to := name.Draw(rt, "from"), name.Draw(rt, "to")
				if from == to {
					continue // renaming a file onto itself: not something zab does
				}
				e1, e2 := want.Rename(from, to), got.Rename(from, to)
				if (e1 == nil) != (e2 == nil) {
					rt.Fatalf("rename %s to %s: sim %v, file %v", from, to, e1, e2)
				}
			}
			if got.err != nil {
				rt.Fatal(got.err)
			}
			if !reflect.DeepEqual(want.List(), got.List()) && !(len(want.List()) == 0 && len(got.List()) == 0) {
				rt.Fatalf("list: sim %v, file %v", want.List(), got.List())
			}
			for _, n := range want.List() {
				b1, _ := want.ReadFile(n)
				b2, ok := got.ReadFile(n)
				if !ok || !bytes.Equal(b1, b2) || want.Size(n) != got.Size(n) || !got.Exists(n) {
					rt.Fatalf("%s: sim %q, file %q (%t)", n, b1, b2, ok)
				}
			}
		}
	})
}
