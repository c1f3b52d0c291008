package checker

// The recipe checkers are fed small hand-made runs: the recipes' claims
// (a Log), the clients' session events (a History) and the servers'
// commits (Records). Each case is named "<guarantee> - <case> - pass|fail"
// and a failing one must be caught with the right sentinel; the passing
// ones are legal but surprising runs that a naive checker would reject.

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

const sec = int64(1e9)

// run is a hand-made run.
type run struct {
	log  recipes.Log
	h    client.History
	recs []cluster.Record
	zxid int64
}

// claim adds a recipe's claim: at seconds, by process proc through client
// cl (whose session is 0x100+cl).
func (r *run) claim(at float64, k recipes.Kind, proc, cl int, path string, seq int64, note string) {
	r.log.Entries = append(r.log.Entries, recipes.Entry{At: int64(at * float64(sec)), Kind: k, Proc: proc, Client: cl,
		Session: zab.SessionID(0x100 + cl), Path: path, Seq: seq, Note: note})
}

func (r *run) id(at float64, proc int, gen string, value uint64) {
	r.log.Entries = append(r.log.Entries, recipes.Entry{At: int64(at * float64(sec)), Kind: recipes.KindID, Proc: proc, Path: gen, Value: value})
}

func (r *run) crash(at float64, proc int) {
	r.log.Entries = append(r.log.Entries, recipes.Entry{At: int64(at * float64(sec)), Kind: recipes.KindCrash, Proc: proc})
}

// session adds a session event of client cl.
func (r *run) session(at float64, cl int, st tree.KeeperState) {
	r.h.Events = append(r.h.Events, client.Event{Client: cl, Session: zab.SessionID(0x100 + cl), At: int64(at * float64(sec)), Type: tree.EventNone, State: st})
}

// commit adds a transaction first applied at seconds, by client cl's
// session.
func (r *run) commit(at float64, cl int, txn tree.Txn) {
	r.zxid++
	e := &zab.LogEntry{Hdr: tree.TxnHeader{SessionID: int64(0x100 + cl), Zxid: r.zxid}, Txn: txn}
	r.recs = append(r.recs, cluster.Record{At: sim.Time(at * float64(sec)), Server: 1,
		Obs: zab.Observation{Kind: zab.ObsDeliver, Zxid: zab.Zxid(r.zxid), Entry: e}})
}

func recipeCreate(path string, ephemeral bool) tree.Txn {
	return tree.CreateTxn{Path: path, Ephemeral: ephemeral}
}

func node(dir string, seq int) string { return fmt.Sprintf("%s/n-%010d", dir, seq) }

var opts = RecipeOptions{SessionTimeout: 4 * sec, Slack: sec / 10, HealAt: 100 * sec, End: 100 * sec, Bound: 10 * sec, GapMax: sec}

type recipeCase struct {
	name  string
	build func(r *run)
	opt   func(o *RecipeOptions)
	want  error // nil: the run passes
}

func runCases(t *testing.T, cases []recipeCase, check func(r *run, o RecipeOptions) Verdict) {
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			r := &run{}
			tt.build(r)
			o := opts
			if tt.opt != nil {
				tt.opt(&o)
			}
			v := check(r, o)
			if tt.want == nil {
				assert.True(t, v.OK(), "%s", v)
				return
			}
			assert.True(t, v.Has(tt.want), "want %v, got %s", tt.want, v)
		})
	}
}

const el = "/election"

func TestElectionChecker(t *testing.T) {
	cases := []recipeCase{
		{name: "one master - a handover - pass", build: func(r *run) {
			r.claim(1, recipes.KindMaster, 1, 1, node(el, 0), 0, "")
			r.claim(3, recipes.KindResign, 1, 1, node(el, 0), 0, "resigned")
			r.claim(3.1, recipes.KindMaster, 2, 2, node(el, 1), 1, "")
		}},
		{name: "one master - two masters while both are connected - fail", want: ErrTwoMasters, build: func(r *run) {
			r.session(0.5, 1, tree.StateSyncConnected)
			r.claim(1, recipes.KindMaster, 1, 1, node(el, 0), 0, "")
			r.claim(2, recipes.KindMaster, 2, 2, node(el, 1), 1, "")
		}},
		{name: "one master - the old master is disconnected, its session closed by the servers, within its session timeout - pass", build: func(r *run) {
			r.session(0.5, 1, tree.StateSyncConnected)
			r.claim(1, recipes.KindMaster, 1, 1, node(el, 0), 0, "")
			r.session(2, 1, tree.StateDisconnected)
			r.commit(4.9, 1, tree.CloseSessionTxn{})
			r.claim(5, recipes.KindMaster, 2, 2, node(el, 1), 1, "")
			r.claim(6, recipes.KindResign, 1, 1, node(el, 0), 0, "disconnected longer than the session timeout")
		}},
		{name: "one master - a lagging server's client goes on, connected, after the servers closed its session - pass", build: func(r *run) {
			r.session(0.5, 1, tree.StateSyncConnected)
			r.claim(1, recipes.KindMaster, 1, 1, node(el, 0), 0, "")
			r.commit(4.9, 1, tree.CloseSessionTxn{})
			r.claim(5, recipes.KindMaster, 2, 2, node(el, 1), 1, "")
			r.session(5.5, 1, tree.StateDisconnected)
			r.session(6, 1, tree.StateExpired)
			r.claim(6, recipes.KindResign, 1, 1, node(el, 0), 0, "session expired")
		}},
		{name: "one master - the old master disconnected, its session still open at the servers - fail", want: ErrTwoMasters, build: func(r *run) {
			r.session(0.5, 1, tree.StateSyncConnected)
			r.claim(1, recipes.KindMaster, 1, 1, node(el, 0), 0, "")
			r.session(2, 1, tree.StateDisconnected)
			r.claim(3, recipes.KindMaster, 2, 2, node(el, 1), 1, "")
			r.claim(5, recipes.KindResign, 1, 1, node(el, 0), 0, "")
		}},
		{name: "one master - the old master reconnects and still claims it - fail", want: ErrTwoMasters, build: func(r *run) {
			r.session(0.5, 1, tree.StateSyncConnected)
			r.claim(1, recipes.KindMaster, 1, 1, node(el, 0), 0, "")
			r.session(2, 1, tree.StateDisconnected)
			r.claim(3, recipes.KindMaster, 2, 2, node(el, 1), 1, "")
			r.session(4, 1, tree.StateSyncConnected)
			r.claim(5, recipes.KindResign, 1, 1, node(el, 0), 0, "")
		}},
		{name: "session rule - master for longer than the session timeout while disconnected - fail", want: ErrHeldPastSession, build: func(r *run) {
			r.session(0.5, 1, tree.StateSyncConnected)
			r.claim(1, recipes.KindMaster, 1, 1, node(el, 0), 0, "")
			r.session(2, 1, tree.StateDisconnected)
			r.claim(8, recipes.KindResign, 1, 1, node(el, 0), 0, "")
		}},
		{name: "session rule - master after its session expired - fail", want: ErrHeldPastSession, build: func(r *run) {
			r.session(0.5, 1, tree.StateSyncConnected)
			r.claim(1, recipes.KindMaster, 1, 1, node(el, 0), 0, "")
			r.session(2, 1, tree.StateDisconnected)
			r.session(3, 1, tree.StateExpired)
			r.claim(3.5, recipes.KindResign, 1, 1, node(el, 0), 0, "")
		}},
		{name: "session rule - reconnected within the timeout, still master - pass", build: func(r *run) {
			r.session(0.5, 1, tree.StateSyncConnected)
			r.claim(1, recipes.KindMaster, 1, 1, node(el, 0), 0, "")
			r.session(2, 1, tree.StateDisconnected)
			r.session(5, 1, tree.StateSyncConnected)
			r.claim(20, recipes.KindResign, 1, 1, node(el, 0), 0, "")
		}},
		{name: "one master - the old master's process died, never resigned - pass", build: func(r *run) {
			r.session(0.5, 1, tree.StateSyncConnected)
			r.claim(1, recipes.KindMaster, 1, 1, node(el, 0), 0, "")
			r.crash(2, 1)
			r.claim(6.5, recipes.KindMaster, 2, 2, node(el, 1), 1, "")
		}},
		{name: "no master - none for seconds after the heal - fail", want: ErrNoMaster, opt: func(o *RecipeOptions) {
			o.HealAt, o.End = 10*sec, 40*sec
		}, build: func(r *run) {
			r.claim(1, recipes.KindMaster, 1, 1, node(el, 0), 0, "")
			r.claim(25, recipes.KindResign, 1, 1, node(el, 0), 0, "")
			r.claim(28, recipes.KindMaster, 2, 2, node(el, 1), 1, "")
		}},
		{name: "no master - the ensemble was back late, a master soon after - pass", opt: func(o *RecipeOptions) {
			o.HealAt, o.End = 10*sec, 60*sec
		}, build: func(r *run) {
			r.recs = append(r.recs, cluster.Record{At: sim.Time(30 * sec), Server: 1, Obs: zab.Observation{Kind: zab.ObsEstablished}})
			r.claim(33, recipes.KindMaster, 1, 1, node(el, 0), 0, "")
		}},
		{name: "not smallest - master while a smaller node exists - fail", want: ErrNotSmallest, build: func(r *run) {
			r.commit(0.5, 1, recipeCreate(node(el, 0), true))
			r.commit(0.6, 2, recipeCreate(node(el, 1), true))
			r.claim(1, recipes.KindMaster, 2, 2, node(el, 1), 1, "")
		}},
		{name: "not smallest - the smaller node's session closed first - pass", build: func(r *run) {
			r.commit(0.5, 1, recipeCreate(node(el, 0), true))
			r.commit(0.6, 2, recipeCreate(node(el, 1), true))
			r.commit(0.9, 1, tree.CloseSessionTxn{})
			r.claim(1, recipes.KindMaster, 2, 2, node(el, 1), 1, "")
		}},
	}
	runCases(t, cases, func(r *run, o RecipeOptions) Verdict { return Election(&r.log, &r.h, r.recs, el, o) })
}

const (
	fair = "/locks/fair"
	excl = "/locks/excl/lock"
)

func TestLocksChecker(t *testing.T) {
	cases := []recipeCase{
		{name: "mutual exclusion - holds in turn, the same session twice - pass", build: func(r *run) {
			r.claim(1, recipes.KindAcquired, 1, 1, excl, -1, "")
			r.claim(2, recipes.KindReleased, 1, 1, excl, -1, "released")
			r.claim(2.1, recipes.KindAcquired, 1, 1, excl, -1, "")
			r.claim(3, recipes.KindReleased, 1, 1, excl, -1, "released")
			r.claim(3, recipes.KindAcquired, 2, 2, excl, -1, "")
		}},
		{name: "mutual exclusion - overlapping holds - fail", want: ErrLockExclusion, build: func(r *run) {
			r.session(0.5, 1, tree.StateSyncConnected)
			r.claim(1, recipes.KindAcquired, 1, 1, excl, -1, "")
			r.claim(1.5, recipes.KindAcquired, 2, 2, excl, -1, "")
			r.claim(2, recipes.KindReleased, 1, 1, excl, -1, "released")
		}},
		{name: "mutual exclusion - different locks at once - pass", build: func(r *run) {
			r.claim(1, recipes.KindAcquired, 1, 1, excl, -1, "")
			r.claim(1.5, recipes.KindAcquired, 2, 2, fair, 0, "")
		}},
		{name: "session rule - held through an expiry - fail", want: ErrHeldPastSession, build: func(r *run) {
			r.claim(1, recipes.KindAcquired, 1, 1, excl, -1, "")
			r.session(2, 1, tree.StateExpired)
			r.claim(3, recipes.KindReleased, 1, 1, excl, -1, "released")
		}},
		{name: "fairness - sequence 7 then 5 - fail", want: ErrLockFairness, build: func(r *run) {
			r.claim(1, recipes.KindAcquired, 1, 1, fair, 7, "")
			r.claim(2, recipes.KindReleased, 1, 1, fair, 7, "released")
			r.claim(3, recipes.KindAcquired, 2, 2, fair, 5, "")
		}},
		{name: "fairness - granted while a smaller waiter's node exists - fail", want: ErrNotSmallest, build: func(r *run) {
			r.commit(0.5, 1, recipeCreate(node(fair, 3), true))
			r.commit(0.6, 2, recipeCreate(node(fair, 4), true))
			r.claim(1, recipes.KindAcquired, 2, 2, fair, 4, "")
		}},
		{name: "released when the session ends - stuck after the heal - fail", want: ErrLockStuck, opt: func(o *RecipeOptions) {
			o.HealAt, o.End, o.GapMax = 10*sec, 40*sec, 2*sec
		}, build: func(r *run) {
			r.claim(1, recipes.KindAcquired, 1, 1, fair, 0, "")
			r.claim(2, recipes.KindReleased, 1, 1, fair, 0, "released")
			r.claim(35, recipes.KindAcquired, 2, 2, fair, 1, "")
		}},
	}
	locks := []LockSpec{{Path: excl}, {Path: fair, Fair: true}}
	runCases(t, cases, func(r *run, o RecipeOptions) Verdict { return Locks(&r.log, &r.h, r.recs, locks, o) })
}

const q = "/queues/q"

func item(seq int) string { return fmt.Sprintf("%s/item-%010d", q, seq) }

func (r *run) enqueue(at float64, cl, seq int, data string) {
	r.commit(at, cl, tree.CreateTxn{Path: item(seq), Data: []byte(data)})
	r.claim(at+0.01, recipes.KindEnqueue, cl, cl, item(seq), 0, data)
}

func (r *run) take(at float64, cl, seq int, data string, claim bool) {
	r.commit(at, cl, tree.DeleteTxn{Path: item(seq)})
	if claim {
		r.claim(at+0.01, recipes.KindTake, cl, cl, item(seq), 0, data)
	}
}

func TestQueuesChecker(t *testing.T) {
	cases := []recipeCase{
		{name: "queue - taken in order, one unacknowledged take, one item left - pass", build: func(r *run) {
			r.enqueue(1, 1, 0, "a")
			r.enqueue(1.1, 1, 1, "b")
			r.enqueue(1.2, 1, 2, "c")
			r.take(2, 2, 0, "a", true)
			r.take(2.1, 3, 1, "b", false) // the consumer lost the answer
		}},
		{name: "taken twice - two consumers claim one item - fail", want: ErrTakenTwice, build: func(r *run) {
			r.enqueue(1, 1, 0, "a")
			r.take(2, 2, 0, "a", true)
			r.claim(2.2, recipes.KindTake, 3, 3, item(0), 0, "a")
		}},
		{name: "taken twice - a take no commit made - fail", want: ErrTakenTwice, build: func(r *run) {
			r.enqueue(1, 1, 0, "a")
			r.claim(2, recipes.KindTake, 2, 2, item(0), 0, "a")
		}},
		{name: "lost - an acknowledged enqueue no commit made - fail", want: ErrItemLost, build: func(r *run) {
			r.claim(1, recipes.KindEnqueue, 1, 1, item(0), 0, "a")
		}},
		{name: "FIFO - an item taken while an older one is queued - fail", want: ErrQueueOrder, build: func(r *run) {
			r.enqueue(1, 1, 0, "a")
			r.enqueue(1.1, 1, 1, "b")
			r.take(2, 2, 1, "b", true)
		}},
		{name: "queue stuck - an item queued through the heal window - fail", want: ErrQueueStuck, opt: func(o *RecipeOptions) {
			o.HealAt, o.End = 10*sec, 40*sec
		}, build: func(r *run) {
			r.enqueue(1, 1, 0, "a")
			r.commit(30, 1, tree.CreateTxn{Path: "/other"})
		}},
		{name: "barrier - passed before N arrived - fail", want: ErrBarrierEarly, build: func(r *run) {
			r.commit(1, 1, recipeCreate("/barrier/r-0/m1", true))
			r.commit(1.1, 2, recipeCreate("/barrier/r-0/m2", true))
			r.claim(1.5, recipes.KindPass, 1, 1, "/barrier/r-0", 0, "")
			r.commit(2, 3, recipeCreate("/barrier/r-0/m3", true))
		}},
		{name: "barrier - a member left after N arrived, then one passed - pass", build: func(r *run) {
			r.commit(1, 1, recipeCreate("/barrier/r-0/m1", true))
			r.commit(1.1, 2, recipeCreate("/barrier/r-0/m2", true))
			r.commit(1.2, 3, recipeCreate("/barrier/r-0/m3", true))
			r.commit(1.3, 3, tree.CloseSessionTxn{})
			r.claim(1.5, recipes.KindPass, 1, 1, "/barrier/r-0", 0, "")
		}},
	}
	runCases(t, cases, func(r *run, o RecipeOptions) Verdict {
		o.Members = 3
		return Queues(&r.log, r.recs, []string{q}, "/barrier", o)
	})
}

func snowflake(ms int64, worker, seq int) uint64 {
	return uint64(ms)<<22 | uint64(worker)<<12 | uint64(seq)
}

func (r *run) worker(at float64, proc int, id uint64) {
	r.log.Entries = append(r.log.Entries, recipes.Entry{At: int64(at * float64(sec)), Kind: recipes.KindWorkerStart, Proc: proc, Value: id})
}

func TestIDsChecker(t *testing.T) {
	cases := []recipeCase{
		{name: "unique - gaps, and a new worker id above the old IDs after a restart - pass", build: func(r *run) {
			r.worker(0.5, 1, 3)
			r.worker(0.5, 2, 4)
			r.id(1, 1, "snowflake", snowflake(1000, 3, 0))
			r.id(1, 2, "snowflake", snowflake(1000, 4, 0))
			r.id(1.5, 1, "snowflake", snowflake(1500, 3, 7))
			r.crash(2, 1)
			r.worker(4, 1, 9)
			r.id(4, 1, "snowflake", snowflake(4000, 9, 0))
			r.id(4, 1, "/ids", 17)
			r.id(4.1, 2, "/ids", 12) // another worker's: order is per worker
		}},
		{name: "unique - the same ID from two workers - fail", want: ErrIDUnique, build: func(r *run) {
			r.id(1, 1, "/ids", 5)
			r.id(1.1, 2, "/ids", 5)
		}},
		{name: "order - a restarted worker goes below its old IDs - fail", want: ErrIDOrder, build: func(r *run) {
			r.worker(0.5, 1, 3)
			r.id(1, 1, "snowflake", snowflake(5000, 3, 0))
			r.crash(2, 1)
			r.worker(4, 1, 8)
			r.id(4, 1, "snowflake", snowflake(4000, 8, 0))
		}},
		{name: "worker id - two workers with one worker id - fail", want: ErrIDWorker, build: func(r *run) {
			r.worker(0.5, 1, 3)
			r.worker(0.6, 2, 3)
		}},
		{name: "worker id - an ID with a worker id never given - fail", want: ErrIDWorker, build: func(r *run) {
			r.worker(0.5, 1, 3)
			r.id(1, 1, "snowflake", snowflake(1000, 4, 0))
		}},
	}
	runCases(t, cases, func(r *run, o RecipeOptions) Verdict { return IDs(&r.log, r.recs, o) })
}
