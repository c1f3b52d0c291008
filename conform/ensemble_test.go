package conform

// Tests of the real ensemble's scripts: it starts with one leader and an
// observer, a killed follower restarts and rejoins, and stop leaves no
// process behind. They skip, saying why, only where java or the jar is
// missing.

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startEnsemble starts a real ensemble for t and stops it when t ends,
// passing or failing. It skips t only if java or the jar is missing.
func startEnsemble(t *testing.T, opts Options) *Ensemble {
	t.Helper()
	if err := Available(); err != nil {
		require.ErrorIs(t, err, ErrUnavailable)
		t.Skipf("SKIP: a real ZooKeeper is needed: %v", err)
	}
	if opts.Dir == "" {
		opts.Dir = t.TempDir()
	}
	e, err := Start(opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		assert.NoError(t, e.Stop())
		for n := 1; n <= Servers; n++ {
			_, err := e.PID(n)
			assert.Error(t, err, "server %d still runs after Stop", n)
		}
	})
	return e
}

func TestEnsembleStartsRefusesASecondStartKillsRestartsAndStops(t *testing.T) {
	e := startEnsemble(t, Options{})
	leader, err := e.Leader()
	require.NoError(t, err)
	assert.NotEqual(t, Observer, leader, "an observer never leads")
	mode, err := e.Mode(Observer)
	require.NoError(t, err)
	assert.Equal(t, "observer", mode)
	pids := map[int]bool{}
	for n := 1; n <= Servers; n++ {
		pid, err := e.PID(n)
		require.NoError(t, err)
		pids[pid] = true
	}
	assert.Len(t, pids, Servers, "one process per server")

	_, err = Start(Options{Dir: e.Dir, BasePort: e.Base})
	require.Error(t, err, "the same directory cannot start twice")
	assert.Contains(t, err.Error(), "already runs")
	_, err = e.Leader()
	assert.NoError(t, err, "the refused start left the running ensemble alone")

	follower := 1
	if leader == 1 {
		follower = 2
	}
	require.NoError(t, e.Kill(follower))
	_, err = e.PID(follower)
	assert.Error(t, err, "a killed server has no live process")
	_, err = e.Mode(follower)
	assert.Error(t, err, "a killed server does not answer")
	require.NoError(t, e.Restart(follower))
	got, err := e.WaitServing(30*time.Second, follower)
	require.NoError(t, err)
	assert.Equal(t, leader, got, "a follower's restart keeps the leader")
	mode, err = e.Mode(follower)
	require.NoError(t, err)
	assert.Equal(t, "follower", mode)
}

func TestAvailableNamesWhatIsMissing(t *testing.T) {
	t.Setenv("ZK_JAR", "/nonexistent/zookeeper.jar")
	err := Available()
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrUnavailable))
	assert.Contains(t, err.Error(), "/nonexistent/zookeeper.jar")
	_, err = Start(Options{Dir: t.TempDir()})
	assert.ErrorIs(t, err, ErrUnavailable, "Start says why before running anything")
}
