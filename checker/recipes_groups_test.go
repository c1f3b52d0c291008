package checker

// The checkers of naming, configuration, membership, the registry and the
// two stories, fed hand-made runs as in recipes_test.go: each fail case
// breaks the property and must be caught with its sentinel; the pass cases
// are legal but surprising.

import (
	"testing"

	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
	"github.com/zabsim/zabsim/zab/client"
)

// entry adds a claim with every field given.
func (r *run) entry(at float64, k recipes.Kind, proc, cl int, path, note string, seq int64, value uint64) {
	r.log.Entries = append(r.log.Entries, recipes.Entry{At: int64(at * float64(sec)), Kind: k, Proc: proc, Client: cl,
		Session: zab.SessionID(0x100 + cl), Path: path, Note: note, Seq: seq, Value: value})
}

// healed judges liveness over the whole of a ten-second run.
func healed(o *RecipeOptions) {
	o.HealAt, o.End, o.Bound, o.Converge = 0, 10*sec, 0, sec
}

const cfg = "/config/app"

func TestConfigChecker(t *testing.T) {
	base := func(r *run) {
		r.commit(1, 9, tree.CreateTxn{Path: cfg, Data: []byte("v1")})
		r.commit(5, 9, tree.SetDataTxn{Path: cfg, Data: []byte("v2"), Version: 1})
	}
	cases := []recipeCase{
		{name: "converge - a client follows each change - pass", opt: healed, build: func(r *run) {
			base(r)
			r.entry(1.1, recipes.KindView, 1, 1, cfg, "v1", 0, 1)
			r.entry(5.1, recipes.KindView, 1, 1, cfg, "v2", 1, 2)
		}},
		{name: "converge - a client stuck on the old value - fail", opt: healed, want: ErrViewStale, build: func(r *run) {
			base(r)
			r.entry(1.1, recipes.KindView, 1, 1, cfg, "v1", 0, 1)
		}},
		{name: "forward - a session's views go back - fail", opt: healed, want: ErrViewBackwards, build: func(r *run) {
			base(r)
			r.entry(5.1, recipes.KindView, 1, 1, cfg, "v2", 1, 2)
			r.entry(5.2, recipes.KindView, 1, 1, cfg, "v1", 0, 1)
		}},
		{name: "founded - a value no commit wrote - fail", opt: healed, want: ErrViewUnfounded, build: func(r *run) {
			base(r)
			r.entry(5.1, recipes.KindView, 1, 1, cfg, "v3", 1, 2)
		}},
		{name: "forward - a new session reads an older value than the old session had, during the faults - pass", build: func(r *run) {
			base(r)
			r.entry(5.1, recipes.KindView, 1, 1, cfg, "v2", 1, 2)
			r.entry(6, recipes.KindView, 1, 2, cfg, "v1", 0, 1)
		}},
	}
	runCases(t, cases, func(r *run, o RecipeOptions) Verdict { return Config(&r.log, r.recs, cfg, o) })
}

const grp = "/group"

func TestMembershipChecker(t *testing.T) {
	base := func(r *run) {
		r.commit(0.5, 1, tree.CreateTxn{Path: grp + "/m1", Ephemeral: true})
		r.entry(0.51, recipes.KindRegister, 1, 1, grp+"/m1", "m1", 0, 0)
		r.commit(0.6, 2, tree.CreateTxn{Path: grp + "/m2", Ephemeral: true})
		r.entry(0.61, recipes.KindRegister, 2, 2, grp+"/m2", "m2", 0, 0)
		r.entry(0.7, recipes.KindView, 1, 1, grp, "m1 m2", -1, 2)
	}
	cases := []recipeCase{
		{name: "converge - a member crashes and its node goes with its session - pass", opt: healed, build: func(r *run) {
			base(r)
			r.crash(2, 2)
			r.commit(6, 2, tree.CloseSessionTxn{})
			r.entry(6.1, recipes.KindView, 1, 1, grp, "m1", -1, 3)
		}},
		{name: "converge - a dead member's node outlives its session timeout - fail", opt: healed, want: ErrGroupStale, build: func(r *run) {
			base(r)
			r.crash(2, 2)
		}},
		{name: "converge - a member's view misses a leave - fail", opt: healed, want: ErrViewStale, build: func(r *run) {
			base(r)
			r.entry(3, recipes.KindUnregister, 2, 2, grp+"/m2", "", 0, 0)
			r.commit(3.01, 2, tree.DeleteTxn{Path: grp + "/m2"})
		}},
	}
	runCases(t, cases, func(r *run, o RecipeOptions) Verdict { return Membership(&r.log, r.recs, grp, o) })
}

const svc = "/naming/mail"

func TestNamingChecker(t *testing.T) {
	base := func(r *run) {
		r.commit(0.5, 1, tree.CreateTxn{Path: svc + "/addr-1", Ephemeral: true}) // zxid 1
		r.entry(0.51, recipes.KindRegister, 1, 1, svc+"/addr-1", "a", 0, 0)
	}
	cases := []recipeCase{
		{name: "window - a name deleted while the read was under way - pass", opt: healed, build: func(r *run) {
			base(r)
			r.entry(2, recipes.KindUnregister, 1, 1, svc+"/addr-1", "", 0, 0)
			r.commit(2.01, 1, tree.DeleteTxn{Path: svc + "/addr-1"}) // zxid 2
			r.entry(2.02, recipes.KindResolve, 2, 2, svc, "addr-1", 1, 2)
		}},
		{name: "window - a name that did not exist in the read's window - fail", opt: healed, want: ErrNameUnknown, build: func(r *run) {
			base(r)
			r.entry(2, recipes.KindResolve, 2, 2, svc, "addr-1 addr-9", 1, 1)
		}},
		{name: "live - a long-registered name is missing after the heal - fail", opt: healed, want: ErrNameMissing, build: func(r *run) {
			base(r)
			r.entry(3, recipes.KindResolve, 2, 2, svc, "", 1, 1)
		}},
	}
	runCases(t, cases, func(r *run, o RecipeOptions) Verdict { return Naming(&r.log, r.recs, []string{svc}, o) })
}

const prov = "/dubbo/Bar/providers"

func TestRegistryChecker(t *testing.T) {
	base := func(r *run) {
		r.commit(0.5, 1, tree.CreateTxn{Path: prov + "/p1", Ephemeral: true})
		r.entry(0.51, recipes.KindRegister, 1, 1, prov+"/p1", "p1", 0, 0)
		r.crash(1, 1)
		r.commit(5, 1, tree.CloseSessionTxn{})
		r.entry(0.6, recipes.KindView, 4, 4, prov, "p1", -1, 1)
		r.entry(5.1, recipes.KindView, 4, 4, prov, "", -1, 2)
	}
	cases := []recipeCase{
		{name: "dead - a pick of a crashed provider within its session timeout - pass", opt: healed, build: func(r *run) {
			base(r)
			r.entry(4, recipes.KindPick, 4, 4, prov, "p1", 0, 0)
		}},
		{name: "dead - a pick of a crashed provider past its session timeout and the bound - fail", opt: healed, want: ErrDeadProvider, build: func(r *run) {
			base(r)
			r.entry(8, recipes.KindPick, 4, 4, prov, "p1", 0, 0)
		}},
	}
	// During the faults (opts: the heal is at the end): the provider's
	// session closed at 5s (zxid 2); the consumer, client 4, connected
	// at 0.1s.
	faulty := func(r *run) {
		base(r)
		r.session(0.1, 4, tree.StateSyncConnected)
	}
	cases = append(cases,
		recipeCase{name: "faults - a connected consumer answered past the provider's removal still picks it - fail", want: ErrPickedDeleted, build: func(r *run) {
			faulty(r)
			r.answer(5.5, 4, prov, 2)
			r.entry(9, recipes.KindPick, 4, 4, prov, "p1", 0, 0)
		}},
		recipeCase{name: "faults - a consumer cut off from ZooKeeper keeps the dead provider - pass", build: func(r *run) {
			faulty(r)
			r.session(4.5, 4, tree.StateDisconnected)
			r.entry(9, recipes.KindPick, 4, 4, prov, "p1", 0, 0)
		}},
		recipeCase{name: "faults - a consumer answered past the removal before it was cut off - pass", build: func(r *run) {
			faulty(r)
			r.answer(5.5, 4, prov, 2)
			r.session(6, 4, tree.StateDisconnected)
			r.session(8, 4, tree.StateSyncConnected)
			r.entry(9, recipes.KindPick, 4, 4, prov, "p1", 0, 0)
		}},
		recipeCase{name: "faults - a consumer answered only by a server that lags behind the removal - pass", build: func(r *run) {
			faulty(r)
			r.answer(5.5, 4, prov, 1)
			r.entry(9, recipes.KindPick, 4, 4, prov, "p1", 0, 0)
		}},
		recipeCase{name: "faults - a pick within the bound of the answer past the removal - pass", build: func(r *run) {
			faulty(r)
			r.answer(8.5, 4, prov, 2)
			r.entry(9, recipes.KindPick, 4, 4, prov, "p1", 0, 0)
		}},
	)
	runCases(t, cases, func(r *run, o RecipeOptions) Verdict { return Registry(&r.log, &r.h, r.recs, []string{prov}, o) })
}

// answer adds a getChildren of path by client cl, answered at seconds by
// a server at zxid.
func (r *run) answer(at float64, cl int, path string, zxid int64) {
	ns := int64(at * float64(sec))
	r.h.Append(client.Op{Client: cl, Session: zab.SessionID(0x100 + cl), Type: tree.OpGetChildren, Path: path,
		Call: ns - int64(sec)/100, Return: ns, Outcome: client.OK, Err: tree.OK, Zxid: zab.Zxid(zxid), Sent: true})
}

const task = "/mail/tasks/t00/owner"

func TestMailFetchChecker(t *testing.T) {
	rounds := func(r *run, proc, cl int, from, to float64) {
		for at := from; at < to; at += 0.5 {
			r.entry(at, recipes.KindProcessed, proc, cl, task, "", 0, 0)
		}
	}
	cases := []recipeCase{
		{name: "owner - a handover on a leave - pass", opt: func(o *RecipeOptions) { healed(o); o.GapMax = sec }, build: func(r *run) {
			r.session(0.1, 1, tree.StateSyncConnected)
			r.claim(0.2, recipes.KindAcquired, 1, 1, task, -1, "")
			rounds(r, 1, 1, 0.3, 5)
			r.claim(5, recipes.KindReleased, 1, 1, task, -1, "leaving")
			r.claim(5.1, recipes.KindAcquired, 2, 2, task, -1, "")
			rounds(r, 2, 2, 5.2, 10)
		}},
		{name: "owner - two workers hold a task at once - fail", want: ErrTaskTwoOwners, build: func(r *run) {
			r.session(0.1, 1, tree.StateSyncConnected)
			r.claim(0.2, recipes.KindAcquired, 1, 1, task, -1, "")
			r.claim(1, recipes.KindAcquired, 2, 2, task, -1, "")
		}},
		{name: "owner - a round of work without the task - fail", want: ErrTaskUnowned, build: func(r *run) {
			r.claim(0.2, recipes.KindAcquired, 1, 1, task, -1, "")
			r.claim(1, recipes.KindReleased, 1, 1, task, -1, "assigned elsewhere")
			r.entry(1.5, recipes.KindProcessed, 1, 1, task, "", 0, 0)
		}},
		{name: "lost - nobody works on a task after the heal - fail", opt: func(o *RecipeOptions) { healed(o); o.GapMax = sec }, want: ErrTaskLost, build: func(r *run) {
			r.claim(0.2, recipes.KindAcquired, 1, 1, task, -1, "")
			rounds(r, 1, 1, 0.3, 3)
		}},
	}
	runCases(t, cases, func(r *run, o RecipeOptions) Verdict { return MailFetch(&r.log, &r.h, r.recs, []string{task}, o) })
}

func TestSearchChecker(t *testing.T) {
	so := SearchOptions{Root: "/search", Servers: 2, Indexing: 1}
	base := func(r *run) {
		r.session(0.1, 3, tree.StateSyncConnected)
		r.claim(0.2, recipes.KindMaster, 3, 3, "/search/master", -1, "")
		r.commit(0.2, 3, tree.CreateTxn{Path: "/search/master", Data: []byte("m1"), Ephemeral: true}) // zxid 1
		r.entry(0.3, recipes.KindView, 5, 5, "/search/master", "m1", 0, 1)
		r.commit(0.4, 3, tree.CreateTxn{Path: "/search/roles", Data: []byte("node1")})
		r.entry(0.5, recipes.KindRole, 1, 1, "/search/nodes/node1", recipes.RoleIndexing, 0, 0)
		r.entry(0.5, recipes.KindRole, 2, 2, "/search/nodes/node2", recipes.RoleServing, 0, 0)
	}
	opt := func(o *RecipeOptions) { healed(o); o.GapMax = 2 * sec }
	cases := []recipeCase{
		{name: "master - the backup takes over and the front follows - pass", opt: opt, build: func(r *run) {
			base(r)
			r.claim(4, recipes.KindResign, 3, 3, "/search/master", -1, "stepped down")
			r.commit(4.01, 3, tree.DeleteTxn{Path: "/search/master"})
			r.commit(4.02, 4, tree.CreateTxn{Path: "/search/master", Data: []byte("m2"), Ephemeral: true}) // zxid 4
			r.session(0.1, 4, tree.StateSyncConnected)
			r.claim(4.03, recipes.KindMaster, 4, 4, "/search/master", -1, "")
			r.entry(4.1, recipes.KindView, 5, 5, "/search/master", "m2", 0, 4)
		}},
		{name: "master - the front keeps the old master's address - fail", opt: opt, want: ErrViewStale, build: func(r *run) {
			base(r)
			r.claim(4, recipes.KindResign, 3, 3, "/search/master", -1, "stepped down")
			r.commit(4.01, 3, tree.DeleteTxn{Path: "/search/master"})
			r.commit(4.02, 4, tree.CreateTxn{Path: "/search/master", Data: []byte("m2"), Ephemeral: true})
			r.claim(4.03, recipes.KindMaster, 4, 4, "/search/master", -1, "")
		}},
		{name: "master - no backup takes over - fail", opt: opt, want: ErrNoMaster, build: func(r *run) {
			base(r)
			r.claim(4, recipes.KindResign, 3, 3, "/search/master", -1, "stepped down")
		}},
		{name: "roles - a server that keeps serving when assigned to index - fail", opt: opt, want: ErrRoles, build: func(r *run) {
			base(r)
			r.commit(5, 3, tree.SetDataTxn{Path: "/search/roles", Data: []byte("node2"), Version: 1})
			r.entry(5.1, recipes.KindRole, 1, 1, "/search/nodes/node1", recipes.RoleServing, 0, 0)
		}},
	}
	runCases(t, cases, func(r *run, o RecipeOptions) Verdict { return Search(&r.log, &r.h, r.recs, so, o) })
}
