package scenarios

import (
	"fmt"
	"time"

	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/faults"
	"github.com/zabsim/zabsim/recipes"
	"github.com/zabsim/zabsim/sim"
	"github.com/zabsim/zabsim/tree"
)

// The recipes of the seeds' "what we can do with ZooKeeper": naming,
// configuration management, group membership, and the Dubbo service
// registry, each on five processes under the recipe scenarios' faults.

// convergeBound is how long after a change a watcher has, once the faults
// are healed, to catch up: a notification and a read, or a session's
// expiry and then those.
const convergeBound = 2 * time.Second

func viewOptions(p faults.Plan) checker.RecipeOptions {
	o := recipeOptions(p, 0)
	o.Converge = int64(convergeBound)
	return o
}

func init() {
	Register(recipeScenario("naming",
		"five processes register service instances (ephemeral-sequential under an agreed persistent path), leave and come back, and resolve services by path",
		namingWorkload, func(w *Workload, recs []cluster.Record, p faults.Plan) checker.Verdict {
			return checker.Naming(w.Log, recs, namingDirs(), viewOptions(p))
		}))
	Register(recipeScenario("config",
		"five processes watch one configuration znode (re-arming the one-shot watch, re-reading on reconnect) while it is changed every few seconds",
		configWorkload, func(w *Workload, recs []cluster.Record, p faults.Plan) checker.Verdict {
			return checker.Config(w.Log, recs, configPath, viewOptions(p))
		}))
	Register(recipeScenario("membership",
		"five processes join a group (ephemeral children), leave and rejoin it, and watch its members",
		membershipWorkload, func(w *Workload, recs []cluster.Record, p faults.Plan) checker.Verdict {
			return checker.Membership(w.Log, recs, groupDir, viewOptions(p))
		}))
	Register(recipeScenario("registry",
		"Dubbo's registry: three providers register under /dubbo/<service>/providers and come and go; two consumers watch them and pick one per call",
		registryWorkload, func(w *Workload, recs []cluster.Record, p faults.Plan) checker.Verdict {
			var dirs []string
			for _, s := range dubboServices {
				dirs = append(dirs, recipes.ProvidersDir(dubboRoot, s))
			}
			return checker.Registry(w.Log, w.Cluster.History(), recs, dirs, viewOptions(p))
		}))
}

const namingRoot = "/naming"

var namingServices = []string{"mail", "search", "db"}

func namingDirs() []string {
	var out []string
	for _, s := range namingServices {
		out = append(out, namingRoot+"/"+s)
	}
	return out
}

// namingWorkload: process i is an instance of service i mod 3; now and
// then it unregisters for half a second to three seconds; every process
// resolves a service every 150-400 ms.
func namingWorkload(w *Workload) {
	w.forEachProc(func(i int, alive func() bool) {
		n := recipes.NewNameService(w.Procs[i], w.Log, namingRoot)
		svc := namingServices[i%len(namingServices)]
		n.Start()
		n.Register(svc, fmt.Sprintf("10.0.0.%d:%d", i+1, 8000+i))
		w.stopIfAlive(alive, n.Stop)
		w.Loop(sim.Second, w.Uniform(150*sim.Millisecond, 400*sim.Millisecond), func() {
			if alive() {
				n.Resolve(namingServices[w.Rand.Intn(len(namingServices))], func([]string, tree.Code) {})
			}
		})
		w.Loop(3*sim.Second, w.Uniform(2*sim.Second, 6*sim.Second), func() {
			if !alive() || w.Rand.Intn(3) != 0 {
				return
			}
			n.Unregister(svc)
			w.after(w.Uniform(500*sim.Millisecond, 3*sim.Second)(), func() {
				if alive() {
					n.Register(svc, fmt.Sprintf("10.0.0.%d:%d", i+1, 8000+i))
				}
			})
		})
	})
}

const configPath = "/config/app"

// configWorkload: every process watches the configuration; every 1-3 s
// one of them publishes a new value.
func configWorkload(w *Workload) {
	var clients []*recipes.ConfigClient
	var alives []func() bool
	version := 0
	w.forEachProc(func(i int, alive func() bool) {
		c := recipes.NewConfigClient(w.Procs[i], w.Log, configPath)
		c.Start()
		if i < len(clients) {
			clients[i], alives[i] = c, alive
		} else {
			clients, alives = append(clients, c), append(alives, alive)
		}
		w.stopIfAlive(alive, c.Stop)
	})
	w.Loop(500*sim.Millisecond, w.Uniform(sim.Second, 3*sim.Second), func() {
		i := w.Rand.Intn(len(clients))
		if alives[i]() {
			version++
			clients[i].Publish([]byte(fmt.Sprintf("v%d by p%d", version, i+1)))
		}
	})
}

const groupDir = "/group"

// membershipWorkload: every process joins the group as m<i>; every 2-5 s
// one in three leaves for half a second to three seconds.
func membershipWorkload(w *Workload) {
	w.forEachProc(func(i int, alive func() bool) {
		m := recipes.NewMember(w.Procs[i], w.Log, groupDir, fmt.Sprintf("m%d", i+1))
		m.Start()
		w.churn(m, alive, 2*sim.Second, w.Uniform(2*sim.Second, 5*sim.Second), 3, w.Uniform(500*sim.Millisecond, 3*sim.Second))
	})
}

// joiner is a recipe a process joins and leaves: a group member, a
// mail-fetch worker.
type joiner interface {
	Join()
	Leave()
	Joined() bool
	Stop()
}

// churn has m join now and stop with the workload; from first on, every
// pause one time in oneIn it leaves for away and then joins again.
func (w *Workload) churn(m joiner, alive func() bool, first sim.Time, pause func() sim.Time, oneIn int, away func() sim.Time) {
	m.Join()
	w.stopIfAlive(alive, m.Stop)
	w.Loop(first, pause, func() {
		if !alive() || !m.Joined() || w.Rand.Intn(oneIn) != 0 {
			return
		}
		m.Leave()
		w.after(away(), func() {
			if alive() {
				m.Join()
			}
		})
	})
}

const dubboRoot = "/dubbo"

var dubboServices = []string{"com.foo.BarService", "com.foo.BazService"}

// registryWorkload: processes 1-3 provide both services, and now and then
// one unregisters from one for half a second to three seconds; processes
// 4 and 5 consume both, picking a provider every 100-300 ms.
func registryWorkload(w *Workload) {
	w.forEachProc(func(i int, alive func() bool) {
		p := w.Procs[i]
		for _, svc := range dubboServices {
			if i < 3 {
				url := fmt.Sprintf("dubbo%%3A%%2F%%2F10.0.0.%d%%3A20880%%2F%s", i+1, svc)
				pr := recipes.NewProvider(p, w.Log, dubboRoot, svc, url)
				pr.Start()
				pr.Register()
				w.stopIfAlive(alive, pr.Stop)
				w.Loop(2*sim.Second, w.Uniform(2*sim.Second, 6*sim.Second), func() {
					if !alive() || !pr.Registered() || w.Rand.Intn(3) != 0 {
						return
					}
					pr.Unregister()
					w.after(w.Uniform(500*sim.Millisecond, 3*sim.Second)(), func() {
						if alive() {
							pr.Register()
						}
					})
				})
				continue
			}
			c := recipes.NewServiceConsumer(p, w.Log, dubboRoot, svc, fmt.Sprintf("consumer-p%d", i+1))
			c.Start()
			w.stopIfAlive(alive, c.Stop)
			w.Loop(sim.Second, w.Uniform(100*sim.Millisecond, 300*sim.Millisecond), func() {
				if alive() {
					c.Pick()
				}
			})
		}
	})
}
