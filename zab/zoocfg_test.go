package zab

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// zoo_sample.cfg as the seed documents start from it.
const zooSample = `# The number of milliseconds of each tick
tickTime=2000
initLimit=10
syncLimit=5
dataDir=/tmp/zookeeper
clientPort=2181
`

func TestParseZooCfgOfTheSeedDocuments(t *testing.T) {
	// The observer ensemble of the seed documents, edited into the sample.
	z, err := ParseZooCfg(zooSample[:len(zooSample)-len("dataDir=/tmp/zookeeper\nclientPort=2181\n")] + `clientPort=2181
dataDir =/usr/local/zookeeper/data
dataLogDir=/usr/local/zookeeper/logs
#ip对应的是你的ip
server.1=192.168.6.137:2888:3888
server.2=192.168.6.138:2888:3888
server.3=192.168.6.139:2888:3888
server.4=192.168.6.139:2888:3888:observer
server.5=192.168.6.139:2888:3888:observer
`)
	require.NoError(t, err)
	assert.Equal(t, "/usr/local/zookeeper/data", z.DataDir)
	assert.Equal(t, []Peer{{1, false}, {2, false}, {3, false}, {4, true}, {5, true}}, z.Peers())
	assert.Equal(t, ServerLine{ID: 4, Host: "192.168.6.139", QuorumPort: 2888, ElectionPort: 3888, Observer: true}, z.Servers[3])
	var c Config
	z.Apply(&c)
	c = c.WithDefaults()
	assert.Equal(t, 2*second, c.TickTime)
	assert.Equal(t, 10, c.InitLimit)
	assert.Equal(t, 5, c.SyncLimit)

	// The docker form: server.N=host:q:e[:observer];clientPort, ids from 0.
	z, err = ParseZooCfg(zooSample + `server.0=172.18.0.2:2888:3888;2181
server.1=172.18.0.3:2888:3888;0.0.0.0:2182
server.2=172.18.0.5:2888:3888:observer;2181
`)
	require.NoError(t, err)
	assert.Equal(t, []Peer{{0, false}, {1, false}, {2, true}}, z.Peers())
	assert.Equal(t, 2182, z.Servers[1].ClientPort)
}

func TestParseZooCfgNamesTheProblem(t *testing.T) {
	for _, tt := range []struct {
		name, cfg string
		line      int
		want      string
	}{
		{"no value", zooSample + "server.1\n", 7, "want key=value"},
		{"bad number", zooSample + "maxSessionTimeout=ten\n", 7, "maxSessionTimeout: want a non-negative integer"},
		{"bad port", zooSample + "server.1=h:2888:x\n", 7, "bad election port"},
		{"bad role", zooSample + "server.1=h:2888:3888:witness\n", 7, `unknown role "witness"`},
		{"bad id", zooSample + "server.one=h:2888:3888\n", 7, "server id must be a number"},
		{"set twice", zooSample + "tickTime=3000\n", 7, "tickTime is set again (first on line 2)"},
		{"election algorithm", zooSample + "electionAlg=0\n", 7, "only 3 is supported"},
		{"no dataDir", "tickTime=2000\n", 0, "dataDir is not set"},
		{"no tickTime", "dataDir=/d\n", 0, "tickTime is not set"},
		{"no initLimit", "tickTime=2000\ndataDir=/d\nsyncLimit=5\nserver.1=h:1:2\n", 0, "initLimit is not set"},
		{"only observers", zooSample + "server.1=h:1:2:observer\n", 0, "observers without participants"},
		{"timeouts crossed", zooSample + "minSessionTimeout=9000\nmaxSessionTimeout=4000\n", 0, "minSessionTimeout must not be larger"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseZooCfg(tt.cfg)
			require.Error(t, err)
			var ce *ZooCfgError
			require.True(t, errors.As(err, &ce), "%T", err)
			assert.Equal(t, tt.line, ce.Line, err.Error())
			assert.Contains(t, err.Error(), tt.want)
		})
	}
	_, err := ParseZooCfg(zooSample + "server.1=h:1:2\nserver.1=h:3:4\n")
	assert.ErrorContains(t, err, "server.1 is set again")
}
