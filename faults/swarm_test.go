package faults

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var shape = Shape{Servers: 4, Voters: 3, Clients: 5, End: 30 * time.Second, Heal: 10 * time.Second}

type pcg struct{ *rand.Rand }

func (p pcg) Intn(n int) int { return p.IntN(n) }

func rng(seed uint64) pcg { return pcg{rand.New(rand.NewPCG(seed, 0))} }

func TestSwarmPlansAreValidAndVaried(t *testing.T) {
	kinds := map[Kind]int{}
	sizes := map[int]bool{}
	for seed := uint64(0); seed < 500; seed++ {
		// Swarm, and the client faults the recipe scenarios add to it.
		r := rng(seed)
		p := ClientClocks(r, shape, ClientIsolation(r, shape, Swarm(r, shape)))
		require.NoError(t, p.Validate(shape.Servers, shape.Clients), "seed %d:\n%s", seed, p)
		sizes[len(p.Actions)] = true
		for i, a := range p.Actions {
			kinds[a.Kind]++
			if i > 0 {
				assert.LessOrEqual(t, p.Actions[i-1].At, a.At, "seed %d: actions in time order", seed)
			}
			assert.LessOrEqual(t, a.At, p.HealAt)
		}
	}
	for _, k := range Kinds {
		assert.Positive(t, kinds[k], "kind %s never drawn in 500 seeds", k)
	}
	assert.True(t, sizes[0] || sizes[1] || sizes[2], "some seeds are gentle")
	big := 0
	for n := range sizes {
		big = max(big, n)
	}
	assert.Greater(t, big, 20, "some seeds are brutal")
}

func TestSwarmDeterministic(t *testing.T) {
	assert.Equal(t, Swarm(rng(7), shape), Swarm(rng(7), shape))
	assert.NotEqual(t, Swarm(rng(7), shape), Swarm(rng(8), shape))
}
