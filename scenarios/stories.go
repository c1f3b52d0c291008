package scenarios

import (
	"fmt"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
)

// The two stories the first seed document opens with: twenty machines
// sharing mail fetching (场景一), and twenty search servers with a master,
// a backup master and a web front (场景二).

func init() {
	s := recipeScenario("mail-fetch",
		"twenty workers share forty mail-fetch tasks through ZooKeeper (owner nodes, rendezvous assignment), failing over when a worker's session dies and rebalancing as workers join, crash and leave",
		mailWorkload, func(w *Workload, recs []cluster.Record, p faults.Plan) checker.Verdict {
			var owners []string
			for _, t := range mailTasks() {
				owners = append(owners, recipes.OwnerPath(mailRoot, t))
			}
			return checker.MailFetch(w.Log, w.Cluster.History(), recs, owners, recipeOptions(p, 3*time.Second))
		})
	s.Clients = 20
	Register(s)
	s = recipeScenario("search",
		"twenty search servers (fifteen serving, five indexing, the roles rotating), a master and a backup master that take turns, and a web front that follows the master's address",
		searchWorkload, func(w *Workload, recs []cluster.Record, p faults.Plan) checker.Verdict {
			o := recipeOptions(p, 2*time.Second)
			o.Converge = int64(convergeBound)
			return checker.Search(w.Log, w.Cluster.History(), recs,
				checker.SearchOptions{Root: searchRoot, Servers: searchServers, Indexing: searchIndexing}, o)
		})
	s.Clients = searchServers + 3
	Register(s)
}

const (
	searchRoot     = "/search"
	searchServers  = 20
	searchIndexing = 5
)

// searchWorkload: processes 1-20 are search servers, 21 and 22 master
// candidates, 23 the web front. Every 2-4 s the master moves the indexing
// role on; every 5-8 s, one time in two, it steps down and stands again
// one to three seconds later, so the backup takes over.
func searchWorkload(w *Workload) {
	var names []string
	for i := 0; i < searchServers; i++ {
		names = append(names, fmt.Sprintf("node%d", i+1))
	}
	w.forEachProc(func(i int, alive func() bool) {
		p := w.Procs[i]
		var stop func()
		switch {
		case i < searchServers:
			sv := recipes.NewSearchServer(p, w.Log, searchRoot, names[i])
			sv.Start()
			stop = sv.Stop
		case i < searchServers+2:
			m := recipes.NewSearchMaster(p, w.Log, searchRoot, fmt.Sprintf("master-%d:8080", i-searchServers+1), names, searchIndexing)
			m.Start()
			stop = m.Stop
			w.Loop(sim.Second, w.Uniform(2*sim.Second, 4*sim.Second), func() {
				if alive() {
					m.Rotate()
				}
			})
			w.Loop(5*sim.Second, w.Uniform(5*sim.Second, 8*sim.Second), func() {
				if !alive() || !m.IsMaster() || w.Rand.Intn(2) != 0 {
					return
				}
				m.StepDown()
				w.after(w.Uniform(sim.Second, 3*sim.Second)(), func() {
					if alive() {
						m.Stand()
					}
				})
			})
		default:
			f := recipes.NewSearchFront(p, w.Log, searchRoot)
			f.Start()
			stop = f.Stop
		}
		w.OnStop(func() {
			if alive() {
				stop()
			}
		})
	})
}

const mailRoot = "/mail"

func mailTasks() []string {
	var out []string
	for i := 0; i < 40; i++ {
		out = append(out, fmt.Sprintf("t%02d", i))
	}
	return out
}

// mailWorkload: every process is a worker and joins at once; every 3-6 s
// one worker in eight leaves for one to four seconds.
func mailWorkload(w *Workload) {
	tasks := mailTasks()
	w.forEachProc(func(i int, alive func() bool) {
		m := recipes.NewMailWorker(w.Procs[i], w.Log, mailRoot, fmt.Sprintf("w%02d", i+1), tasks)
		m.Start()
		w.churn(m, alive, 3*sim.Second, w.Uniform(3*sim.Second, 6*sim.Second), 8, w.Uniform(sim.Second, 4*sim.Second))
	})
}
