package cluster

import (
	"fmt"

	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/zab"
)

// LifeKind says what happened to a server's process.
type LifeKind uint8

const (
	LifeCrash   LifeKind = iota // the process died (a crash ends a pause too)
	LifeRestart                 // a new process started on the disk
	LifePause                   // the process stopped (GC pause, SIGSTOP)
	LifeResume                  // the paused process went on
)

func (k LifeKind) String() string {
	switch k {
	case LifeCrash:
		return "crash"
	case LifeRestart:
		return "restart"
	case LifePause:
		return "pause"
	case LifeResume:
		return "resume"
	}
	return fmt.Sprintf("LifeKind(%d)", uint8(k))
}

// LifeEvent is a change of a server's process, as reports draw it.
type LifeEvent struct {
	At     sim.Time
	Server zab.ServerID
	Kind   LifeKind
	// Records is how many observations were reported before it: it
	// places the event among the records reported at the same instant.
	Records int
}

func (c *Cluster) addLife(id zab.ServerID, k LifeKind) {
	c.life = append(c.life, LifeEvent{At: c.World.Now(), Server: id, Kind: k, Records: c.records.len()})
}

// Lifecycle returns the servers' process changes in the order they
// happened, as a slice the caller owns.
func (c *Cluster) Lifecycle() []LifeEvent { return append([]LifeEvent(nil), c.life...) }
