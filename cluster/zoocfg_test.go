package cluster

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
)

// The seed documents' ensembles, from their zoo.cfg: three servers
// numbered from 0, and three voters with two observers.
func TestClusterFromZooCfg(t *testing.T) {
	for _, tt := range []struct {
		name, servers string
		voters        int
		observers     []zab.ServerID
	}{
		{"ids from 0", "server.0=172.16.10.12:8800:8801\nserver.1=172.16.10.189:8800:8801\nserver.2=172.16.11.36:8800:8801\n", 3, nil},
		{"observers", "server.1=192.168.6.137:2888:3888\nserver.2=192.168.6.138:2888:3888\nserver.3=192.168.6.139:2888:3888\nserver.4=192.168.6.139:2888:3888:observer\nserver.5=192.168.6.139:2888:3888:observer\n", 3, []zab.ServerID{4, 5}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			z, err := zab.ParseZooCfg("tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=/data/zk/data\n" + tt.servers)
			require.NoError(t, err)
			cfg, err := FromZooCfg(7, z, nil)
			require.NoError(t, err)
			c, err := New(cfg)
			require.NoError(t, err)
			assert.Equal(t, tt.voters, c.Voters())
			assert.Equal(t, 2*int64(sim.Second), c.ServerConfig(c.IDs()[0]).TickTime)
			c.Start()
			c.World.RunFor(10 * sim.Second)
			l, ok := c.Leader()
			require.True(t, ok, c.states())
			for _, id := range c.IDs() {
				want := zab.Following
				switch {
				case id == l:
					want = zab.Leading
				case contains(tt.observers, id):
					want = zab.Observing
				}
				assert.Equal(t, want, c.Server(id).State(), "zk%d", id)
			}
		})
	}
}

func contains(ids []zab.ServerID, id zab.ServerID) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

func TestFromZooCfgNeedsServers(t *testing.T) {
	z, err := zab.ParseZooCfg("tickTime=2000\ndataDir=/d\n")
	require.NoError(t, err)
	_, err = FromZooCfg(1, z, nil)
	assert.ErrorContains(t, err, "no server.N lines")
	_, err = New(Config{Peers: []zab.Peer{{ID: 1}, {ID: 1}}})
	assert.ErrorContains(t, err, "given twice")
}
