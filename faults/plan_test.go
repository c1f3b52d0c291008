package faults

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func samplePlan() Plan {
	s := Duration(time.Second)
	return Plan{
		Actions: []Action{
			{At: 2 * s, Kind: Partition, Groups: [][]int{{1}, {2, 3}}},
			{At: 3 * s, Kind: CrashLeaderMid, K: 2, Torn: true},
			{At: 4 * s, Kind: Restart, Server: 3},
			{At: 5 * s, Kind: LatencySpike, Server: 2, Latency: Duration(50 * time.Millisecond), For: s},
			{At: 6 * s, Kind: ClockJump, Server: 1, Jump: Duration(-2 * time.Second)},
		},
		HealAt: 10 * s,
		End:    20 * s,
	}
}

func TestPlanJSONRoundTrip(t *testing.T) {
	p := samplePlan()
	q, err := ParsePlan(p.MarshalIndent(), 3, 2)
	require.NoError(t, err)
	assert.Equal(t, p, q)
	assert.Contains(t, string(p.MarshalIndent()), `"at": "2s"`)
}

func TestPlanString(t *testing.T) {
	s := samplePlan().String()
	assert.Contains(t, s, "2s partition [1] <-> [2 3]\n")
	assert.Contains(t, s, "3s crash the leader after its 2-th PROPOSAL send torn=true\n")
	assert.Contains(t, s, "6s clock of zk1 jumps -2s\n")
	p := samplePlan()
	p.Actions = append(p.Actions, Action{At: 7 * Duration(time.Second), Kind: ClockDrift, Client: 2, DriftPPM: -300})
	assert.Contains(t, p.String(), "7s clock of client 2 drifts -300ppm\n")
	assert.Contains(t, s, "10s heal everything; run to 20s\n")
}

func TestParsePlanErrorsNameTheField(t *testing.T) {
	tests := []struct {
		name string
		json string
		want string
	}{
		{"malformed", `{"actions": [`, "malformed JSON"},
		{"wrong type", `{"actions": [], "heal_at": 5, "end": "1s"}`, "want a duration string"},
		{"unknown field", `{"actions": [], "heal_at": "1s", "end": "2s", "bogus": 1}`, `unknown field "bogus"`},
		{"unknown kind", `{"actions": [{"at": "1s", "kind": "meteor"}], "heal_at": "2s", "end": "3s"}`, `actions[0] (meteor): field "kind": unknown kind "meteor"`},
		{"bad server", `{"actions": [{"at": "1s", "kind": "crash", "server": 9}], "heal_at": "2s", "end": "3s"}`, `actions[0] (crash): field "server": 9 is not a server id in 1..3`},
		{"overlapping groups", `{"actions": [{"at": "1s", "kind": "partition", "groups": [[1,2],[2,3]]}], "heal_at": "2s", "end": "3s"}`, `field "groups[1]": server 2 is in both groups`},
		{"after heal", `{"actions": [{"at": "5s", "kind": "heal"}], "heal_at": "2s", "end": "3s"}`, `field "at": 5s is outside`},
		{"no end", `{"actions": [], "heal_at": "0s", "end": "0s"}`, `field "end"`},
		{"bad duration", `{"actions": [], "heal_at": "soon", "end": "1s"}`, `bad duration "soon"`},
		{"bad client", `{"actions": [{"at": "1s", "kind": "expire-session", "client": 7}], "heal_at": "2s", "end": "3s"}`, `field "client": 7`},
		{"bad clock client", `{"actions": [{"at": "1s", "kind": "clock-jump", "client": 7, "jump": "1s"}], "heal_at": "2s", "end": "3s"}`, `actions[0] (clock-jump): field "client": 7 is not a client`},
		{"clock of both", `{"actions": [{"at": "1s", "kind": "clock-drift", "client": 1, "server": 1, "drift_ppm": 5}], "heal_at": "2s", "end": "3s"}`, `a clock fault targets one of them`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParsePlan([]byte(tt.json), 3, 2)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestSortedAndCloneDoNotAlias(t *testing.T) {
	p := samplePlan()
	p.Actions[0], p.Actions[4] = p.Actions[4], p.Actions[0]
	q := p.Sorted()
	assert.Equal(t, Partition, q.Actions[0].Kind)
	q.Actions[0].Groups[0][0] = 99
	assert.NotEqual(t, 99, p.Actions[4].Groups[0][0])
}
