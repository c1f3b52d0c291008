package scenarios

import (
	"github.com/zabsim/zabsim/checker"
	"github.com/zabsim/zabsim/cluster"
	"github.com/zabsim/zabsim/faults"
)

type clusterRecord = cluster.Record
type faultsPlan = faults.Plan
type checkerVerdict = checker.Verdict
