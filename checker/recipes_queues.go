package checker

import (
	"errors"
	"fmt"
	"sort"

	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/tree"
)

// What the queue and the barrier promise. The take of an item is its
// delete, so the commits decide: what ZooKeeper can promise a FIFO queue
// is that an item goes only when every item before it has gone.
var (
	ErrItemLost     = errors.New("queue: an acknowledged enqueue is never lost: its item is taken or still there at the end")
	ErrTakenTwice   = errors.New("queue: an item is taken at most once, and only if it was deleted from the queue")
	ErrQueueOrder   = errors.New("FIFO queue: an item is taken only after every item enqueued before it was taken")
	ErrQueueStuck   = errors.New("queue: after the faults heal, the consumers take what the queue holds")
	ErrBarrierEarly = errors.New("barrier: nobody proceeds before N members have arrived")
	ErrBarrierStuck = errors.New("barrier: after the faults heal, rounds keep completing")
)

// readyNode is the barrier's ready node, not a member.
const readyNode = "ready"

// queueItem is an item the commits made in a queue.
type queueItem struct {
	data    string
	deleted bool
}

// Queues checks the FIFO queues under the directories queues and the
// barrier rounds under barrierRoot (empty: no barrier). Along the commits:
// every delete of an item removes the smallest one queued; every
// acknowledged enqueue made its item; every take claimed removed an item,
// and no item (nor item data) is taken twice; items queued at
// Bound after the ensemble is back are gone by the end. A barrier pass comes after the commits
// first showed N members in its round, and passes keep coming after the
// heal.
func Queues(log *recipes.Log, recs []cluster.Record, queues []string, barrierRoot string, opt RecipeOptions) Verdict {
	var v Verdict
	isQueue := map[string]bool{}
	for _, q := range queues {
		isQueue[q] = true
	}
	isRound := func(dir string) bool { return barrierRoot != "" && tree.ParentPath(dir) == barrierRoot }
	d := newDirs(func(dir string) bool { return isQueue[dir] || isRound(dir) })

	items := map[string]*queueItem{}
	readyAt := map[string]int64{}
	members := map[string]int{} // round dir -> members present
	var atHeal []string
	healed := false
	bad := 0
	from := liveFrom(recs, opt)
	for _, c := range commitTimeline(recs) {
		if !healed && c.at > from {
			healed = true
			atHeal = queued(d, queues)
		}
		for _, ch := range d.apply(c) {
			path := tree.JoinPath(ch.dir, ch.name)
			switch {
			case isQueue[ch.dir] && ch.created:
				items[path] = &queueItem{data: string(ch.child.data)}
			case isQueue[ch.dir]:
				items[path].deleted = true
				if smaller := smallestBelow(d, ch.dir, seqSuffix(ch.name)); smaller != "" {
					bad++
					if bad <= 5 {
						v.add(ErrQueueOrder, fmt.Sprintf("zxid %s", c.zxid), "%s taken while %s was still queued", path, smaller)
					}
				}
			case ch.name == readyNode:
			case ch.created:
				members[ch.dir]++
				if _, ok := readyAt[ch.dir]; !ok && members[ch.dir] >= opt.Members {
					readyAt[ch.dir] = c.at
				}
			default:
				members[ch.dir]--
			}
		}
	}
	checkQueueClaims(log, items, &v)
	if healed {
		left := map[string]bool{}
		for _, p := range queued(d, queues) {
			left[p] = true
		}
		var stuck []string
		for _, p := range atHeal {
			if left[p] {
				stuck = append(stuck, p)
			}
		}
		if len(stuck) > 0 {
			v.add(ErrQueueStuck, stuck[0], "%d item(s) queued at %.3fs were still there at the end", len(stuck), float64(from)/1e9)
		}
	}
	if barrierRoot != "" {
		checkBarrier(log, readyAt, from, opt, &v)
	}
	return v
}

// queued lists the items in the queues now, sorted.
func queued(d *dirs, queues []string) []string {
	var out []string
	for _, q := range queues {
		for name := range d.children[q] {
			out = append(out, tree.JoinPath(q, name))
		}
	}
	sort.Strings(out)
	return out
}

// smallestBelow is the smallest item of dir numbered below seq, if any.
func smallestBelow(d *dirs, dir string, seq int64) string {
	best, bestSeq := "", seq
	for name := range d.children[dir] {
		if s := seqSuffix(name); s >= 0 && s < bestSeq {
			best, bestSeq = tree.JoinPath(dir, name), s
		}
	}
	return best
}

// checkQueueClaims holds the producers' and consumers' claims against the
// items the commits made and deleted.
func checkQueueClaims(log *recipes.Log, items map[string]*queueItem, v *Verdict) {
	byPath := map[string]recipes.Entry{}
	byData := map[string]recipes.Entry{}
	lost, twice := 0, 0
	for _, e := range log.Entries {
		switch e.Kind {
		case recipes.KindEnqueue:
			if it := items[e.Path]; it == nil || it.data != e.Note {
				lost++
				if lost <= 5 {
					v.add(ErrItemLost, e.String(), "acknowledged, but no commit made %s with %q", e.Path, e.Note)
				}
			}
		case recipes.KindTake:
			var why string
			it := items[e.Path]
			first, dupPath := byPath[e.Path]
			firstData, dupData := byData[e.Note]
			switch {
			case it == nil || !it.deleted:
				why = "no commit deleted " + e.Path
			case it.data != e.Note:
				why = fmt.Sprintf("the item there held %q", it.data)
			case dupPath:
				why = "already taken: " + first.String()
			case dupData:
				why = "the same item already taken: " + firstData.String()
			}
			byPath[e.Path], byData[e.Note] = e, e
			if why != "" {
				twice++
				if twice <= 5 {
					v.add(ErrTakenTwice, e.String(), "%s", why)
				}
			}
		}
	}
}

// checkBarrier: a pass of a round comes no earlier than the first commit
// that showed N members there; after the heal, passes keep coming.
func checkBarrier(log *recipes.Log, readyAt map[string]int64, from int64, opt RecipeOptions, v *Verdict) {
	bad := 0
	var passes []holding
	for _, e := range log.Of(recipes.KindPass) {
		passes = append(passes, holding{start: e.At, eff: e.At + 1})
		at, ok := readyAt[e.Path]
		if ok && e.At >= at {
			continue
		}
		bad++
		if bad > 5 {
			continue
		}
		if !ok {
			v.add(ErrBarrierEarly, e.String(), "the commits never showed %d members in %s", opt.Members, e.Path)
		} else {
			v.add(ErrBarrierEarly, e.String(), "passed %.3fs before the commits showed %d members (at %.3fs)",
				float64(at-e.At)/1e9, opt.Members, float64(at)/1e9)
		}
	}
	if opt.End > from {
		for _, g := range gaps(passes, from, opt.End, opt.GapMax) {
			v.add(ErrBarrierStuck, "barrier", "no round passed from %.3fs to %.3fs (healed at %.3fs)",
				float64(g[0])/1e9, float64(g[1])/1e9, float64(opt.HealAt)/1e9)
		}
	}
}
