package sim

// The event queue: a 4-ary min-heap of small keys over a slab of events.
// Keys are ordered by (time, sequence); the sequence is global and
// increasing, so events at the same instant run in the order they were
// scheduled. Events live in the slab and are recycled through a free list,
// so the steady state allocates nothing per event.

type qkey struct {
	at   Time
	seq  uint64
	slot int32
}

func (a qkey) less(b qkey) bool { return a.at < b.at || a.at == b.at && a.seq < b.seq }

// queued is an event plus what the world needs to decide, at delivery,
// whether it still applies.
type queued struct {
	ev  Event
	inc uint32 // the target node's incarnation when scheduled
	fs  *fsyncOp
}

type queue struct {
	heap []qkey
	slab []queued
	free []int32
	seq  uint64
}

func (q *queue) len() int { return len(q.heap) }

func (q *queue) push(at Time, item queued) {
	var slot int32
	if n := len(q.free); n > 0 {
		slot = q.free[n-1]
		q.free = q.free[:n-1]
		q.slab[slot] = item
	} else {
		slot = int32(len(q.slab))
		q.slab = append(q.slab, item)
	}
	q.seq++
	k := qkey{at: at, seq: q.seq, slot: slot}
	h := append(q.heap, k)
	i := len(h) - 1
	for i > 0 {
		p := (i - 1) / 4
		if !k.less(h[p]) {
			break
		}
		h[i] = h[p]
		i = p
	}
	h[i] = k
	q.heap = h
}

func (q *queue) peek() Time { return q.heap[0].at }

// pop removes the earliest event and returns it with its time.
func (q *queue) pop() (Time, queued) {
	h := q.heap
	top := h[0]
	last := h[len(h)-1]
	h = h[:len(h)-1]
	n := len(h)
	if n > 0 {
		i := 0
		for {
			c := 4*i + 1
			if c >= n {
				break
			}
			m := c
			end := c + 4
			if end > n {
				end = n
			}
			for j := c + 1; j < end; j++ {
				if h[j].less(h[m]) {
					m = j
				}
			}
			if !h[m].less(last) {
				break
			}
			h[i] = h[m]
			i = m
		}
		h[i] = last
	}
	q.heap = h
	item := q.slab[top.slot]
	q.slab[top.slot] = queued{}
	q.free = append(q.free, top.slot)
	return top.at, item
}
