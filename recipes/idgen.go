package recipes

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab/client"
)

// SeqIDs hands out IDs from sequential nodes: each ID is the sequence
// number ZooKeeper gives a persistent-sequential child of dir ("顺序节点的
// 特性"). Unique because the parent's cversion never repeats (deletes
// count too, so the node is deleted once its number is known); increasing
// for one client because its creates are applied in order.
type SeqIDs struct {
	s       session
	dir     string
	stopped bool
	// OnID hears each ID, or the error of a failed attempt.
	OnID func(id int64, err tree.Code)
}

// NewSeqIDs makes a generator on dir; Start it.
func NewSeqIDs(env Env, log *Log, dir string) *SeqIDs {
	g := &SeqIDs{dir: dir}
	g.s = session{env: env, log: log}
	g.s.onDead = func(*client.Client, bool) {
		if !g.stopped {
			g.s.open()
		}
	}
	return g
}

// Start opens the session.
func (g *SeqIDs) Start() { g.s.open() }

// Stop closes the session.
func (g *SeqIDs) Stop() {
	g.stopped = true
	g.s.close()
}

// Next asks for an ID. A create whose answer was lost yields no ID.
func (g *SeqIDs) Next() {
	cl := g.s.cl
	if g.stopped || !Live(cl) {
		return
	}
	g.s.ensure(g.dir, func(err tree.Code) {
		if err != tree.OK {
			g.answer(-1, err)
			return
		}
		cl.Create(tree.JoinPath(g.dir, "id-"), nil, tree.OpenACLUnsafe, tree.PersistentSequential, func(p string, err tree.Code) {
			if err != tree.OK {
				g.answer(-1, err)
				return
			}
			cl.Delete(p, -1, nil)
			id := seqOf(p)
			e := g.s.entry(KindID)
			e.Client, e.Session = cl.ID(), cl.SessionID()
			e.Path, e.Value = g.dir, uint64(id)
			g.s.add(e)
			g.answer(id, tree.OK)
		})
	})
}

func (g *SeqIDs) answer(id int64, err tree.Code) {
	if g.OnID != nil {
		g.OnID(id, err)
	}
}

// Snowflake IDs as the seed documents' Leaf-snowflake builds them: 1 sign
// bit, 41 bits of milliseconds, 10 bits of worker id, 12 bits of sequence.
const (
	snowSeqBits    = 12
	snowWorkerBits = 10
	snowSeqMax     = 1<<snowSeqBits - 1
	snowWorkerMax  = 1<<snowWorkerBits - 1
	snowTimeMax    = 1<<41 - 1
)

// SnowflakeParts splits an ID into its milliseconds, worker id and
// sequence.
func SnowflakeParts(id uint64) (ms int64, worker, seq int) {
	return int64(id >> (snowSeqBits + snowWorkerBits)), int(id >> snowSeqBits & snowWorkerMax), int(id & snowSeqMax)
}

// SnowflakeConfig configures a snowflake worker.
type SnowflakeConfig struct {
	// Forever holds one persistent node per worker name recording its
	// time (leaf_forever); Temporary one ephemeral-sequential node per
	// running worker (leaf_temporary), whose sequence number is the
	// worker id and whose data is the worker's clock, for peers' checks.
	Forever, Temporary string
	// Epoch is added to the process's clock (ms), so times stay positive
	// after a backward jump.
	Epoch int64
	// Reserve, ms: IDs are issued only below a time the forever node
	// already records, reserved this far ahead (and renewed at half of
	// it). Leaf writes its time every 3 s after the fact; reserving ahead
	// is what makes "refuse to start before the recorded time" enough for
	// a restarted worker never to go below its own earlier IDs.
	Reserve int64
	// Heartbeat, ms: how often the worker writes its clock into its
	// ephemeral node and renews its reservation.
	Heartbeat int64
	// MaxSkew, ms: a worker whose clock is farther than this from the
	// mean of its running peers' refuses to start.
	MaxSkew int64
	// Retry, ms: how long a refused start waits before trying again.
	Retry int64
}

func (c *SnowflakeConfig) defaults() {
	if c.Forever == "" {
		c.Forever = "/leaf/forever"
	}
	if c.Temporary == "" {
		c.Temporary = "/leaf/temporary"
	}
	if c.Epoch == 0 {
		c.Epoch = 1 << 36
	}
	if c.Reserve == 0 {
		c.Reserve = 2000
	}
	if c.Heartbeat == 0 {
		c.Heartbeat = 500
	}
	if c.MaxSkew == 0 {
		c.MaxSkew = 5000
	}
	if c.Retry == 0 {
		c.Retry = 1000
	}
}

// Snowflake is one worker of the generator. Its start: read its forever
// node and refuse if the clock is behind the time recorded there (it went
// backwards); compare the clock with the running peers' and refuse if it
// is too far off; reserve time ahead by a compare-and-set of the forever
// node; take a worker id from an ephemeral-sequential node. It then issues
// IDs from its own clock, refusing when the clock went backwards behind
// its last ID or ran past the reservation.
type Snowflake struct {
	s    session
	cfg  SnowflakeConfig
	name string

	running  bool
	starting bool
	stopped  bool
	gen      int

	worker   int   // the worker id; -1 none
	bump     bool  // a new worker id: the next ID needs a later millisecond
	reserved int64 // ms: IDs only below this; the forever node records at least it
	version  int32 // the forever node's version last read or written
	renewing bool
	lastMs   int64 // the millisecond of the last ID
	seq      int
	tempNode string
	stopBeat func()
}

// NewSnowflake makes the worker called name (stable across restarts of
// its process: its forever node); Start it.
func NewSnowflake(env Env, log *Log, name string, cfg SnowflakeConfig) *Snowflake {
	cfg.defaults()
	w := &Snowflake{cfg: cfg, name: name, worker: -1, lastMs: -1}
	w.s = session{env: env, log: log}
	w.s.onConnected = func(*client.Client) {
		if !w.running {
			w.start() // afresh: a start under way, or waiting to retry, is superseded
		}
	}
	w.s.onDead = func(*client.Client, bool) {
		// A new session means a new worker id; IDs keep their order
		// through lastMs and the reservation, which outlive the session.
		w.gen++
		w.running, w.starting, w.renewing = false, false, false
		w.worker, w.tempNode = -1, ""
		if !w.stopped {
			w.s.open()
		}
	}
	return w
}

// Start opens the session; the worker starts once connected.
func (w *Snowflake) Start() { w.s.open() }

// Stop closes the session.
func (w *Snowflake) Stop() {
	w.stopped = true
	w.gen++
	if w.stopBeat != nil {
		w.stopBeat()
	}
	w.s.close()
}

// Running reports whether the worker issues IDs.
func (w *Snowflake) Running() bool { return w.running }

// Worker is the worker id (-1 before the start).
func (w *Snowflake) Worker() int { return w.worker }

func (w *Snowflake) nowMs() int64 { return w.s.env.Now()/millisecond + w.cfg.Epoch }

func (w *Snowflake) foreverPath() string { return tree.JoinPath(w.cfg.Forever, w.name) }

func (w *Snowflake) refuse(why string) {
	e := w.s.entry(KindWorkerRefused)
	e.Path, e.Note = w.name, why
	w.s.add(e)
}

// startStep is one step of the start; live says whether it still counts.
func (w *Snowflake) startStep() (*client.Client, func() bool) {
	g, cl := w.gen, w.s.cl
	return cl, func() bool { return w.s.current(cl) && w.gen == g && w.starting && !w.stopped }
}

// start begins the start sequence.
func (w *Snowflake) start() {
	w.gen++
	w.starting = true
	cl, live := w.startStep()
	cl.EnsurePath(w.cfg.Forever, func(err tree.Code) {
		if !live() {
			return
		}
		cl.EnsurePath(w.cfg.Temporary, func(err2 tree.Code) {
			if !live() {
				return
			}
			if err != tree.OK || err2 != tree.OK {
				w.retryStart()
				return
			}
			w.readForever()
		})
	})
}

// retryStart tries the start again after a pause.
func (w *Snowflake) retryStart() {
	w.gen++
	g := w.gen
	w.s.env.After(w.cfg.Retry*millisecond, func() {
		if w.gen == g && w.starting && !w.stopped && w.s.connected {
			w.start()
		}
	})
}

// readForever reads the recorded time (after a sync, so the read is no
// older than the last write committed); behind it, the clock went back.
func (w *Snowflake) readForever() {
	cl, live := w.startStep()
	path := w.foreverPath()
	cl.Sync(path, func(_ string, err tree.Code) {
		if !live() {
			return
		}
		if err != tree.OK {
			w.retryStart()
			return
		}
		cl.GetData(path, nil, func(data []byte, st tree.Stat, err tree.Code) {
			if !live() {
				return
			}
			recorded := int64(-1)
			switch err {
			case tree.OK:
				v, perr := strconv.ParseInt(string(data), 10, 64)
				if perr != nil {
					w.refuse(fmt.Sprintf("forever node holds %q", data))
					w.retryStart()
					return
				}
				recorded = v
			case tree.NoNode:
			default:
				w.retryStart()
				return
			}
			now := w.nowMs()
			if recorded >= 0 && now < recorded && recorded != w.reserved {
				w.refuse(fmt.Sprintf("clock %d ms behind the recorded time", recorded-now))
				w.retryStart()
				return
			}
			w.checkPeers(recorded, st.Version)
		})
	})
}

// checkPeers compares the clock with the mean of the running peers'
// clocks (the data of their ephemeral nodes).
func (w *Snowflake) checkPeers(recorded int64, version int32) {
	cl, live := w.startStep()
	cl.GetChildren(w.cfg.Temporary, nil, func(children []string, _ tree.Stat, err tree.Code) {
		if !live() {
			return
		}
		if err != tree.OK {
			w.retryStart()
			return
		}
		var peers []string
		for _, c := range sortBySeq(children) {
			if !strings.HasPrefix(c, w.name+"-") {
				peers = append(peers, c)
			}
		}
		var sum, n int64
		var read func(i int)
		read = func(i int) {
			if i < len(peers) {
				cl.GetData(tree.JoinPath(w.cfg.Temporary, peers[i]), nil, func(data []byte, _ tree.Stat, err tree.Code) {
					if !live() {
						return
					}
					if v, perr := strconv.ParseInt(string(data), 10, 64); err == tree.OK && perr == nil {
						sum += v
						n++
					}
					read(i + 1)
				})
				return
			}
			if n > 0 {
				if skew := w.nowMs() - sum/n; skew > w.cfg.MaxSkew || -skew > w.cfg.MaxSkew {
					w.refuse(fmt.Sprintf("clock %+d ms off the mean of %d peers", skew, n))
					w.retryStart()
					return
				}
			}
			w.reserve(recorded, version)
		}
		read(0)
	})
}

// reserve records a time ahead by compare-and-set: success proves the
// time read was the newest.
func (w *Snowflake) reserve(recorded int64, version int32) {
	cl, live := w.startStep()
	until := max(w.nowMs(), recorded, w.reserved) + w.cfg.Reserve
	data := []byte(strconv.FormatInt(until, 10))
	done := func(v int32) {
		w.reserved, w.version = until, v
		if w.lastMs < 0 && recorded >= 0 {
			// A new process: every earlier ID of this worker lies below
			// what was recorded. (A running process knows its last ID.)
			w.lastMs = recorded - 1
		}
		w.takeWorkerID()
	}
	if recorded < 0 {
		cl.Create(w.foreverPath(), data, tree.OpenACLUnsafe, tree.Persistent, func(_ string, err tree.Code) {
			if !live() {
				return
			}
			if err != tree.OK {
				w.retryStart()
				return
			}
			done(0)
		})
		return
	}
	cl.SetData(w.foreverPath(), data, version, func(st tree.Stat, err tree.Code) {
		if !live() {
			return
		}
		if err != tree.OK {
			w.retryStart()
			return
		}
		done(st.Version)
	})
}

// takeWorkerID creates the ephemeral-sequential node whose number is the
// worker id. A create whose answer was lost is simply made again: the
// first node, if it exists, only wastes a number.
func (w *Snowflake) takeWorkerID() {
	cl, live := w.startStep()
	prefix := tree.JoinPath(w.cfg.Temporary, w.name+"-")
	cl.Create(prefix, []byte(strconv.FormatInt(w.nowMs(), 10)), tree.OpenACLUnsafe, tree.EphemeralSequential, func(p string, err tree.Code) {
		if !live() {
			return
		}
		if err != tree.OK {
			w.retryStart()
			return
		}
		id := seqOf(p)
		if id < 0 || id > snowWorkerMax {
			w.refuse(fmt.Sprintf("worker id %d out of range", id))
			w.retryStart()
			return
		}
		w.worker, w.tempNode, w.bump = int(id), p, true
		w.starting, w.running = false, true
		e := w.s.entry(KindWorkerStart)
		e.Path, e.Value, e.Note = w.name, uint64(id), p
		w.s.add(e)
		w.beat()
	})
}

// beat writes the clock into the ephemeral node and renews the
// reservation when half of it is used, every Heartbeat.
func (w *Snowflake) beat() {
	if w.stopBeat != nil {
		w.stopBeat()
	}
	g := w.gen
	w.stopBeat = w.s.env.After(w.cfg.Heartbeat*millisecond, func() {
		w.stopBeat = nil
		if w.gen != g || !w.running || w.stopped {
			return
		}
		cl := w.s.cl
		if w.s.connected {
			cl.SetData(w.tempNode, []byte(strconv.FormatInt(w.nowMs(), 10)), -1, nil)
			w.maybeRenew()
		}
		w.beat()
	})
}

// maybeRenew extends the reservation once half of it is used.
func (w *Snowflake) maybeRenew() {
	if w.renewing || !w.running || w.nowMs()+w.cfg.Reserve/2 < w.reserved {
		return
	}
	w.renewing = true
	g, cl := w.gen, w.s.cl
	until := max(w.nowMs(), w.reserved) + w.cfg.Reserve
	cl.SetData(w.foreverPath(), []byte(strconv.FormatInt(until, 10)), w.version, func(st tree.Stat, err tree.Code) {
		if w.gen != g || !w.s.current(cl) {
			return
		}
		w.renewing = false
		switch err {
		case tree.OK:
			w.reserved, w.version = until, st.Version
		case tree.BadVersion, tree.ConnectionLoss:
			// A write we did not hear of may have landed: learn the
			// version. What the node holds is at least our reservation.
			cl.GetData(w.foreverPath(), nil, func(_ []byte, st tree.Stat, err tree.Code) {
				if w.gen == g && w.s.current(cl) && err == tree.OK {
					w.version = st.Version
				}
			})
		}
	})
}

// NextID issues one ID now, or refuses (ok false; the refusal is logged).
func (w *Snowflake) NextID() (id uint64, ok bool) {
	if !w.running {
		return 0, false
	}
	ms := w.nowMs()
	switch {
	case ms < w.lastMs:
		w.refuse(fmt.Sprintf("clock moved back %d ms", w.lastMs-ms))
		return 0, false
	case ms >= w.reserved:
		w.refuse("clock ran past the reserved time")
		w.maybeRenew()
		return 0, false
	case ms > snowTimeMax:
		w.refuse("clock past the 41-bit range")
		return 0, false
	case ms == w.lastMs && w.bump:
		return 0, false // a new worker id waits for the next millisecond
	case ms == w.lastMs && w.seq == snowSeqMax:
		return 0, false // this millisecond is used up
	case ms == w.lastMs:
		w.seq++
	default:
		w.seq = 0
	}
	w.lastMs, w.bump = ms, false
	id = uint64(ms)<<(snowSeqBits+snowWorkerBits) | uint64(w.worker)<<snowSeqBits | uint64(w.seq)
	e := w.s.entry(KindID)
	e.Path, e.Value = "snowflake", id
	w.s.add(e)
	w.maybeRenew()
	return id, true
}
