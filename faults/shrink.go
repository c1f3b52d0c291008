package faults

import "time"

// Shrink returns the smallest plan it can find that still fails: it drops
// actions, then halves what can be halved (durations, drift, jumps, the
// k of a mid-proposal crash, partition groups), and repeats until nothing
// more can go. fails runs a plan (with the same seed) and reports whether
// the failure persists; it is called many times, so it should be the run
// itself, deterministic. The plan given must fail.
func Shrink(p Plan, fails func(Plan) bool) Plan {
	tried := map[string]bool{} // plans already run, by their JSON
	try := func(c Plan) bool {
		key := string(c.MarshalIndent())
		if r, ok := tried[key]; ok {
			return r
		}
		r := fails(c)
		tried[key] = r
		return r
	}
	best := p.Sorted().Clone()
	tried[string(best.MarshalIndent())] = true
	for changed := true; changed; {
		changed = false
		// Drop runs of actions, halving the run length (delta debugging's
		// ddmin): a failure that needs two actions out of twenty costs a
		// few dozen runs, not hundreds. Latest first: later faults more
		// often depend on earlier ones than the reverse.
		for size := len(best.Actions) / 2; size >= 1; size /= 2 {
			for end := len(best.Actions); end > 0; {
				start := max(end-size, 0)
				cand := best.Clone()
				cand.Actions = append(cand.Actions[:start], cand.Actions[end:]...)
				if len(cand.Actions) < len(best.Actions) && try(cand) {
					best, changed = cand, true
					end = min(start, len(best.Actions))
					continue
				}
				end = start
			}
		}
		for i := range best.Actions {
			for _, simpler := range simplify(best.Actions[i]) {
				cand := best.Clone()
				cand.Actions[i] = simpler
				if try(cand) {
					best, changed = cand, true
					break
				}
			}
		}
	}
	return best
}

// simplify lists simpler variants of an action, simplest first.
func simplify(a Action) []Action {
	var out []Action
	with := func(f func(*Action)) {
		b := a
		b.Groups = cloneGroups(a.Groups)
		f(&b)
		out = append(out, b)
	}
	if a.Torn {
		with(func(b *Action) { b.Torn = false })
	}
	if a.OneWay {
		with(func(b *Action) { b.OneWay = false })
	}
	if a.K > 1 {
		with(func(b *Action) { b.K = 1 })
		with(func(b *Action) { b.K = a.K / 2 })
	}
	if a.For > Duration(time.Millisecond) {
		with(func(b *Action) { b.For = a.For / 2 })
	}
	if a.Latency > Duration(time.Millisecond) {
		with(func(b *Action) { b.Latency = a.Latency / 2 })
	}
	if a.Jitter > 0 {
		with(func(b *Action) { b.Jitter = 0 })
	}
	if a.Jump > Duration(time.Millisecond) || a.Jump < -Duration(time.Millisecond) {
		with(func(b *Action) { b.Jump = a.Jump / 2 })
	}
	if a.DriftPPM > 1 || a.DriftPPM < -1 {
		with(func(b *Action) { b.DriftPPM = a.DriftPPM / 2 })
	}
	if a.Margin > 1 {
		with(func(b *Action) { b.Margin = a.Margin / 2 })
	}
	// A partition with a group of several servers: try leaving one out.
	for gi, g := range a.Groups {
		if len(g) < 2 {
			continue
		}
		for si := range g {
			gi, si := gi, si
			with(func(b *Action) {
				b.Groups[gi] = append(append([]int(nil), g[:si]...), g[si+1:]...)
			})
		}
	}
	return out
}

func cloneGroups(gs [][]int) [][]int {
	if gs == nil {
		return nil
	}
	out := make([][]int, len(gs))
	for i, g := range gs {
		out[i] = append([]int(nil), g...)
	}
	return out
}
