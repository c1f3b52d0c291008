package zab

import "fmt"

// ConnID names one connection as the environment sees it. 0 is never valid.
type ConnID uint64

// TimerID names one armed timer. 0 is never valid.
type TimerID uint64

// Port says which of a server's listeners a connection goes to, as zoo.cfg's
// server.N=host:quorumPort:electionPort lines and clientPort do.
type Port int8

const (
	PortElection Port = iota
	PortQuorum
	PortClient
)

// Env is everything a Server may do to the world. A Server acts only through
// it: no goroutines, no wall clock, no global randomness. The simulated
// environment records each call so a step's outputs are data; a real one
// (live mode) maps them onto TCP, timers and files.
type Env interface {
	// Now is this server's own clock in nanoseconds; it may drift or jump
	// (Time.currentWallTime): for the times txns record.
	Now() int64
	// Elapsed is this server's monotonic clock in nanoseconds
	// (Time.currentElapsedTime, System.nanoTime): it drifts with Now but
	// never jumps. Timeouts are measured on it.
	Elapsed() int64
	// Rand draws from this server's own random stream.
	Rand() uint64

	// Connect opens a connection to a peer's port. It never fails at once:
	// a refused or broken connection arrives later as a ClosedEvent.
	Connect(to ServerID, port Port) ConnID
	// Send queues m on c. Delivery is FIFO and reliable while c lives.
	Send(c ConnID, m Message)
	// Close closes c; the other end learns of it as a ClosedEvent.
	Close(c ConnID)
	// RemoteAddr is the IPv4 address the other end of c connects from
	// ("" if unknown). A client connection is authenticated as ("ip",
	// address) from its first packet, as ServerCnxn's constructor does.
	RemoteAddr(c ConnID) string

	// SetTimer arms a timer that fires as a TimerEvent after d nanoseconds
	// of this server's clock.
	SetTimer(d int64, t Timer) TimerID
	CancelTimer(id TimerID)

	// Disk is this server's disk. Writes are buffered until Fsync.
	Disk() Disk
	// Fsync makes durable what file held at the call and reports back with
	// an FsyncEvent carrying token.
	Fsync(file string, token uint64)

	// Observe reports a protocol fact to whoever watches the run (checkers,
	// reports). Servers never read observations back.
	Observe(o Observation)
	// Logf writes a debug line; environments may drop it.
	Logf(format string, args ...any)
}

// Disk is a server's storage: named files with buffered writes. The
// contract is the simulated disk's: everything not fsynced may vanish on a
// crash, and the last record may be torn.
type Disk interface {
	Append(name string, data []byte)
	WriteFile(name string, data []byte)
	Truncate(name string, size int64) error
	Remove(name string)
	Rename(oldName, newName string) error
	// ReadFile returns a copy the caller owns.
	ReadFile(name string) ([]byte, bool)
	Exists(name string) bool
	// List returns the file names in sorted order.
	List() []string
	Size(name string) int64
}

// TimerKind says what a timer is for.
type TimerKind uint8

const (
	TimerElectionPoll     TimerKind = iota // FLE: no notification for notTimeout
	TimerElectionFinalize                  // FLE: finalizeWait after a quorum agreed
	TimerLeaderTick                        // leader: half-tick ping and quorum check
	TimerDiscovery                         // leader/learner: initLimit for discovery and sync
	TimerLearnerTick                       // learner: syncLimit watchdog on the leader
	TimerLearnerConnect                    // learner: retry connecting to the leader
	TimerSessionExpiry                     // leader: next expiry bucket
	TimerSnapshot                          // take a snapshot after the log grew
	TimerClientTick                        // server: client connection housekeeping
	TimerContainerCheck                    // leader: ContainerManager's periodic sweep
)

// Timer is a timer's payload: its kind and an argument (a generation, so a
// stale timer of an earlier role is recognised and ignored).
type Timer struct {
	Kind TimerKind
	Gen  uint64
}

// Event is one input to Server.Step.
type Event interface{ isEvent() }

// StartEvent boots the server from whatever its disk holds: a fresh start or
// a restart after a crash.
type StartEvent struct{}

// MessageEvent is a message delivered on a connection.
type MessageEvent struct {
	Conn ConnID
	Msg  Message
}

// ClosedEvent says a connection is gone (closed by the other end, refused,
// or broken).
type ClosedEvent struct{ Conn ConnID }

// TimerEvent is an armed timer firing.
type TimerEvent struct {
	ID    TimerID
	Timer Timer
}

// FsyncEvent reports that an Fsync completed.
type FsyncEvent struct {
	File  string
	Token uint64
}

func (StartEvent) isEvent()   {}
func (MessageEvent) isEvent() {}
func (ClosedEvent) isEvent()  {}
func (TimerEvent) isEvent()   {}
func (FsyncEvent) isEvent()   {}

// TraceHash lets a simulated world hash a timer's kind and generation.
func (t Timer) TraceHash() uint64 { return uint64(t.Kind)<<56 ^ t.Gen }

func (t Timer) String() string { return fmt.Sprintf("timer kind=%d gen=%d", t.Kind, t.Gen) }
