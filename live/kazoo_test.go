package live

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// kazooPython finds a python3 that has kazoo: Debian's python3-kazoo is in
// /usr/bin/python3's dist-packages, which another python3 on PATH lacks.
func kazooPython() (string, bool) {
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if err := exec.Command(p, "-c", "import kazoo.recipe.lock").Run(); err == nil {
			return p, true
		}
	}
	return "", false
}

// TestKazooRecipes runs kazoo's recipes (Lock, Election, Barrier and
// DoubleBarrier, Queue and LockingQueue, Counter, Party and ShallowParty)
// through the live ensemble: testdata/kazoo_recipes.py checks each.
func TestKazooRecipes(t *testing.T) {
	py, ok := kazooPython()
	if !ok {
		t.Skip("SKIP: no python3 with kazoo (apt-get install -y python3-kazoo): kazoo's recipes are not tested")
	}
	e := startEnsemble(t)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, py, "testdata/kazoo_recipes.py", e.ConnectString()).CombinedOutput()
	if err != nil {
		t.Fatalf("kazoo recipes: %v\n%s", err, out)
	}
	for _, r := range []string{"Lock", "Election", "Barrier", "Queue", "Counter", "Party"} {
		if !strings.Contains(string(out), "ok "+r+"\n") {
			t.Fatalf("recipe %s did not report ok:\n%s", r, out)
		}
	}
}
