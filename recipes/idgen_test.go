package recipes_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
)

// idsByProc collects the IDs of one generator from the log, per process,
// in the order issued.
func idsByProc(log *recipes.Log, gen string) map[int][]uint64 {
	out := map[int][]uint64{}
	for _, e := range log.Of(recipes.KindID) {
		if e.Path == gen {
			out[e.Proc] = append(out[e.Proc], e.Value)
		}
	}
	return out
}

func assertUniqueIncreasing(t *testing.T, ids map[int][]uint64) int {
	seen := map[uint64]int{}
	n := 0
	for p, list := range ids {
		for i, id := range list {
			if q, dup := seen[id]; dup {
				t.Errorf("ID %d issued by p%d and p%d", id, q, p)
			}
			seen[id] = p
			if i > 0 {
				assert.Greater(t, id, list[i-1], "p%d's IDs increase", p)
			}
			n++
		}
	}
	return n
}

// Three generators of sequential-node IDs: unique, increasing per process.
func TestSeqIDs(t *testing.T) {
	w := newWorld(t, 11, 3)
	for _, p := range w.procs {
		g := recipes.NewSeqIDs(p, w.log, "/ids")
		g.OnID = func(_ int64, err tree.Code) { require.Equal(t, tree.OK, err) }
		g.Start()
		for i := 0; i < 20; i++ {
			w.c.World.After(sim.Second+sim.Time(i)*7*sim.Millisecond, g.Next)
		}
	}
	w.run(3 * sim.Second)
	assert.Equal(t, 60, assertUniqueIncreasing(t, idsByProc(w.log, "/ids")))
}

// snowflakes runs a worker per process, each asking for an ID every 5 ms.
func snowflakes(w *world, cfg recipes.SnowflakeConfig) []*recipes.Snowflake {
	var ws []*recipes.Snowflake
	for _, p := range w.procs {
		ws = append(ws, startSnowflake(w, p.ID()-1, cfg))
	}
	return ws
}

func startSnowflake(w *world, i int, cfg recipes.SnowflakeConfig) *recipes.Snowflake {
	p := w.procs[i]
	sf := recipes.NewSnowflake(p, w.log, p.Name()+string(rune('a'+i)), cfg)
	sf.Start()
	var tick func()
	tick = func() {
		sf.NextID()
		p.After(int64(5*sim.Millisecond), tick)
	}
	p.After(int64(sim.Second), tick)
	return sf
}

// Three workers, one of whose clock jumps back two seconds: it refuses
// IDs until its clock passes its last ID again; IDs stay unique and
// increasing per worker, and workers have distinct worker ids.
func TestSnowflakeClockJumpBack(t *testing.T) {
	w := newWorld(t, 12, 3)
	ws := snowflakes(w, recipes.SnowflakeConfig{})
	w.run(3 * sim.Second)
	for _, sf := range ws {
		require.True(t, sf.Running())
	}
	assert.NotEqual(t, ws[0].Worker(), ws[1].Worker())
	assert.NotEqual(t, ws[1].Worker(), ws[2].Worker())
	before := len(idsByProc(w.log, "snowflake")[1])
	w.c.World.AdjustClock(w.procs[0].Node(), -2*sim.Second)
	w.run(sim.Second)
	assert.Equal(t, before, len(idsByProc(w.log, "snowflake")[1]), "no IDs while the clock is behind")
	refused := w.log.Of(recipes.KindWorkerRefused)
	require.NotEmpty(t, refused)
	assert.Contains(t, refused[0].Note, "clock moved back")
	w.run(2 * sim.Second)
	ids := idsByProc(w.log, "snowflake")
	assert.Greater(t, len(ids[1]), before, "IDs again once the clock caught up")
	assert.Positive(t, assertUniqueIncreasing(t, ids))
	for _, list := range ids {
		_, worker, _ := recipes.SnowflakeParts(list[0])
		_, last, _ := recipes.SnowflakeParts(list[len(list)-1])
		assert.Equal(t, worker, last, "one worker id per session")
	}
}

// A worker's process dies and comes back with its clock five seconds
// behind: it refuses to start until its clock passes the time its forever
// node recorded, and its IDs then continue above its old ones.
func TestSnowflakeRefusesStartBehindRecordedTime(t *testing.T) {
	w := newWorld(t, 13, 2)
	snowflakes(w, recipes.SnowflakeConfig{})
	w.run(3 * sim.Second)
	w.procs[0].Crash()
	w.c.World.AdjustClock(w.procs[0].Node(), -5*sim.Second)
	w.procs[0].Restart()
	sf := startSnowflake(w, 0, recipes.SnowflakeConfig{})
	w.run(3 * sim.Second)
	assert.False(t, sf.Running(), "refused while behind")
	var notes []string
	for _, e := range w.log.Of(recipes.KindWorkerRefused) {
		notes = append(notes, e.Note)
	}
	require.NotEmpty(t, notes)
	assert.Contains(t, notes[0], "behind the recorded time")
	w.run(6 * sim.Second)
	assert.True(t, sf.Running(), "started once the clock passed the recorded time")
	assertUniqueIncreasing(t, idsByProc(w.log, "snowflake"))
}

// A new worker whose clock is far from its running peers' refuses to
// start.
func TestSnowflakePeerSkew(t *testing.T) {
	w := newWorld(t, 14, 3)
	a := startSnowflake(w, 0, recipes.SnowflakeConfig{})
	b := startSnowflake(w, 1, recipes.SnowflakeConfig{})
	w.run(2 * sim.Second)
	require.True(t, a.Running() && b.Running())
	w.c.World.AdjustClock(w.procs[2].Node(), 20*sim.Second)
	c := startSnowflake(w, 2, recipes.SnowflakeConfig{})
	w.run(3 * sim.Second)
	assert.False(t, c.Running())
	found := false
	for _, e := range w.log.Of(recipes.KindWorkerRefused) {
		found = found || e.Proc == 3 && strings.Contains(e.Note, "off the mean")
	}
	assert.True(t, found, "refused for its skew")
}
