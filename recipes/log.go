package recipes

import (
	"fmt"
	"strings"

	"github.com/zabsim/zabsim/zab"
)

// Kind says what a log entry claims.
type Kind uint8

const (
	// KindJoin: a candidate or waiter has its node (Path, Seq).
	KindJoin Kind = iota
	// KindMaster: the candidate learned it is the smallest: it is master
	// from now (Path, Seq).
	KindMaster
	// KindResign: the master no longer considers itself master (Note says
	// why).
	KindResign
	// KindAcquired: a lock is held from now (Path is the lock, Seq the
	// holder's sequence number, -1 for the exclusive lock).
	KindAcquired
	// KindReleased: the lock is no longer held from now (Note says why).
	KindReleased
	// KindArrive: a barrier member's node exists (Path, Round).
	KindArrive
	// KindPass: a barrier member proceeds past round Round.
	KindPass
	// KindWorkerStart: a snowflake worker starts with worker id Value.
	KindWorkerStart
	// KindWorkerRefused: a snowflake worker refuses to start or to issue
	// (Note says why).
	KindWorkerRefused
	// KindID: an ID (Value) was issued (Path is the generator).
	KindID
	// KindEnqueue: an item's enqueue was acknowledged (Path, Note: data).
	KindEnqueue
	// KindTake: a consumer took an item (Path, Note: data).
	KindTake
	// KindCrash and KindRestart: the harness crashed or restarted the
	// process. Not a recipe's claim: a fact of the run.
	KindCrash
	KindRestart
	// KindRegister: a process's ephemeral node exists (Path; Note: its
	// data): a group member, a service instance or provider, a worker.
	KindRegister
	// KindUnregister: the process left on purpose and deleted it (Path).
	KindUnregister
	// KindResolve: a name lookup answered (Path: the service; Note: the
	// names found, space-separated; Seq and Value: the client's last zxid
	// before and after the read).
	KindResolve
	// KindView: what a watcher now holds of the node it watches (Path):
	// its children, space-separated, or its data (Note); Seq is the data's
	// version (-1 for children, -2 for a node that does not exist) and
	// Value the zxid that made what was read (mzxid or pzxid).
	KindView
	// KindPick: a consumer picked a provider for a call (Path: the
	// providers directory; Note: the provider).
	KindPick
	// KindProcessed: a worker finished a round of work on a task it owns
	// (Path: the task's owner node).
	KindProcessed
	// KindRole: a server switched to a role (Path: its node; Note: the
	// role).
	KindRole
)

var kindNames = [...]string{"join", "master", "resign", "acquired", "released", "arrive", "pass",
	"worker-start", "worker-refused", "id", "enqueue", "take", "crash", "restart",
	"register", "unregister", "resolve", "view", "pick", "processed", "role"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("Kind(%d)", uint8(k))
}

// Entry is one claim a recipe made, or one fact the harness recorded.
type Entry struct {
	At      int64 // global virtual time
	Local   int64 // the process's own clock
	Kind    Kind
	Proc    int           // the process
	Client  int           // the client (session handle) it acted through; 0 for none
	Session zab.SessionID // that client's session
	Path    string
	Seq     int64
	Round   int
	Value   uint64
	Note    string
}

func (e Entry) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%.3fs p%d", float64(e.At)/1e9, e.Proc)
	if e.Client != 0 {
		fmt.Fprintf(&b, " c%d s=%#x", e.Client, int64(e.Session))
	}
	fmt.Fprintf(&b, " %s", e.Kind)
	if e.Path != "" {
		fmt.Fprintf(&b, " %s", e.Path)
	}
	switch e.Kind {
	case KindJoin, KindMaster, KindAcquired:
		fmt.Fprintf(&b, " seq=%d", e.Seq)
	case KindArrive, KindPass:
		fmt.Fprintf(&b, " round=%d", e.Round)
	case KindWorkerStart, KindID:
		fmt.Fprintf(&b, " %d", e.Value)
	case KindResolve:
		fmt.Fprintf(&b, " zxid=[%#x,%#x]", e.Seq, e.Value)
	case KindView:
		fmt.Fprintf(&b, " version=%d zxid=%#x", e.Seq, e.Value)
	}
	if e.Note != "" {
		fmt.Fprintf(&b, " (%s)", e.Note)
	}
	return b.String()
}

// Log is what the recipes of a run claimed, in order. Checkers read it and
// hold it against the clients' history and the servers' commits; recipes
// only append to it. Clock is the world's global virtual time; nil stamps 0.
type Log struct {
	Entries []Entry
	Clock   func() int64
}

// Add appends an entry stamped with the global time.
func (l *Log) Add(e Entry) {
	if l.Clock != nil {
		e.At = l.Clock()
	}
	l.Entries = append(l.Entries, e)
}

// Of returns the entries of one kind, in order.
func (l *Log) Of(k Kind) []Entry {
	var out []Entry
	for _, e := range l.Entries {
		if e.Kind == k {
			out = append(out, e)
		}
	}
	return out
}
