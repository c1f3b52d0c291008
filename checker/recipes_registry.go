package checker

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// ErrPickedDeleted is the registry's promise while the faults last: a
// consumer may keep its list while cut off from ZooKeeper (Dubbo keeps
// it), but one that ZooKeeper has answered since a provider's node went
// has been told, and stops picking it.
var ErrPickedDeleted = errors.New("service registry: a connected consumer answered past a provider's deletion stops picking it within a bound")

// pickedDeleted judges one pick e of a provider under dir, at any time:
// it is a violation when
//
//   - the provider's node is gone at the pick, and has been since d (the
//     first application of the commit that removed it, zxid zd), with the
//     pick more than bound after d;
//   - the consumer's client is connected at the pick (its last session
//     event in the History by then is SyncConnected, at c); and
//   - in that connection it was answered (an op answered OK, at r with
//     c <= r) with a zxid at or past zd, more than bound before the pick.
//
// Why that suffices: ZooKeeper delivers a watch's notification before any
// later reply on the connection, so by r the consumer has heard of the
// change (or, on a new session, has its re-read of the providers under
// way); that re-read is answered within the client's read timeout or the
// client disconnects. So bound is that read timeout (two thirds of the
// session timeout, on a clock that may run slow: Slack) plus Converge.
// A consumer answered only by a server that lags behind zd, or not
// connected, is cut off: it may keep the provider.
func pickedDeleted(e recipes.Entry, states []state, h *client.History, opt RecipeOptions) (bool, string) {
	bound := opt.SessionTimeout*2/3 + opt.Slack + opt.Converge
	d, zd, gone := deletedSince(states, e.Note, e.At)
	if !gone || e.At-d <= bound {
		return false, ""
	}
	c, connected := connectedSince(h, e.Client, e.At)
	if !connected {
		return false, ""
	}
	for _, op := range h.All() {
		if op.Client != e.Client || op.Outcome != client.OK || !op.Sent || op.Zxid < zd {
			continue
		}
		if op.Return >= c && e.At-op.Return > bound {
			return true, fmtPick(d, zd, op)
		}
	}
	return false, ""
}

func fmtPick(d int64, zd zab.Zxid, op client.Op) string {
	return fmt.Sprintf("its node was removed at %.3fs (zxid %s); connected, the consumer was answered past that at %.3fs: %s",
		float64(d)/1e9, zd, float64(op.Return)/1e9, op)
}

// deletedSince: name is not among the children at t, and since when
// (the first application of the commit that removed it, and its zxid);
// false if it is there, or never was.
func deletedSince(states []state, name string, t int64) (int64, zab.Zxid, bool) {
	i := sort.Search(len(states), func(i int) bool { return states[i].at > t && states[i].zxid != 0 }) - 1
	if i < 0 || slices.Contains(strings.Fields(states[i].value), name) {
		return 0, 0, false
	}
	for j := i; j > 0; j-- {
		if slices.Contains(strings.Fields(states[j-1].value), name) {
			return states[j].at, states[j].zxid, true
		}
	}
	return 0, 0, false
}

// connectedSince: client cl is connected at t, since c (its last session
// event by t is SyncConnected).
func connectedSince(h *client.History, cl int, t int64) (int64, bool) {
	c, connected := int64(0), false
	for _, ev := range h.Events {
		if ev.Client != cl || ev.Type != tree.EventNone || ev.At > t {
			continue
		}
		c, connected = ev.At, ev.State == tree.StateSyncConnected
	}
	return c, connected
}
