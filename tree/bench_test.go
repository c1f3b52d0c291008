package tree

// Benchmarks of the committed path (Apply), the reads a server answers
// locally, snapshots, and the leader's whole write path (Prep, Apply,
// Applied). Each reports its rate as a metric; targets on the development
// machine: Apply at least 500k txns/s, GetData at least 2M reads/s.

import (
	"strconv"
	"testing"
)

const benchParents = 8

func reportRate(b *testing.B, unit string) {
	if s := b.Elapsed().Seconds(); s > 0 {
		b.ReportMetric(float64(b.N)/s, unit)
	}
}

// benchTree is a tree with benchParents parents (/p0...) holding n nodes
// between them, each with 32 bytes of data, and the zxid it ends at.
func benchTree(b *testing.B, n int) (*Tree, int64) {
	tr := New()
	zxid := int64(0x100000000)
	apply := func(typ OpCode, txn Txn) {
		zxid++
		if res := tr.Apply(TxnHeader{Zxid: zxid, Time: zxid, Type: typ}, txn); res.Err != OK {
			b.Fatalf("setup %v: %v", txn, res.Err)
		}
	}
	data := make([]byte, 32)
	for p := range benchParents {
		apply(OpCreate, CreateTxn{Path: "/p" + strconv.Itoa(p), ACL: OpenACLUnsafe, ParentCVersion: -1})
	}
	for i := range n {
		apply(OpCreate, CreateTxn{Path: benchPath(i), Data: data, ACL: OpenACLUnsafe, ParentCVersion: -1})
	}
	return tr, zxid
}

func benchPath(i int) string {
	return "/p" + strconv.Itoa(i%benchParents) + "/n" + strconv.Itoa(i)
}

// BenchmarkApplyCreate creates nodes under benchParents parents; every
// 64k creates the tree is replaced by a fresh one, untimed, so that it
// stays the size of a busy server's.
func BenchmarkApplyCreate(b *testing.B) {
	const pool = 1 << 16
	data := make([]byte, 32)
	txns := make([]CreateTxn, pool)
	for i := range txns {
		txns[i] = CreateTxn{Path: benchPath(i), Data: data, ACL: OpenACLUnsafe, ParentCVersion: -1}
	}
	tr, zxid := benchTree(b, 0)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%pool == 0 && i > 0 {
			b.StopTimer()
			tr, zxid = benchTree(b, 0)
			b.StartTimer()
		}
		zxid++
		if res := tr.Apply(TxnHeader{Zxid: zxid, Time: zxid, Type: OpCreate}, txns[i%pool]); res.Err != OK {
			b.Fatal(res.Err)
		}
	}
	b.StopTimer()
	reportRate(b, "txns/s")
}

// BenchmarkApplyDelete deletes the nodes of a 64k-node tree, replaced by a
// fresh one, untimed, once all are gone.
func BenchmarkApplyDelete(b *testing.B) {
	const pool = 1 << 16
	txns := make([]DeleteTxn, pool)
	for i := range txns {
		txns[i] = DeleteTxn{Path: benchPath(i)}
	}
	tr, zxid := benchTree(b, pool)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if i%pool == 0 && i > 0 {
			b.StopTimer()
			tr, zxid = benchTree(b, pool)
			b.StartTimer()
		}
		zxid++
		if res := tr.Apply(TxnHeader{Zxid: zxid, Time: zxid, Type: OpDelete}, txns[i%pool]); res.Err != OK {
			b.Fatal(res.Err)
		}
	}
	b.StopTimer()
	reportRate(b, "txns/s")
}

func BenchmarkApplySetData(b *testing.B) {
	const nodes = 1024
	tr, zxid := benchTree(b, nodes)
	txns := make([]SetDataTxn, nodes)
	for i := range txns {
		txns[i] = SetDataTxn{Path: benchPath(i), Data: make([]byte, 32)}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		zxid++
		txn := &txns[i%nodes]
		txn.Version++
		if res := tr.Apply(TxnHeader{Zxid: zxid, Time: zxid, Type: OpSetData}, *txn); res.Err != OK {
			b.Fatal(res.Err)
		}
	}
	b.StopTimer()
	reportRate(b, "txns/s")
}

func BenchmarkGetData(b *testing.B) {
	const nodes = 10_000
	tr, _ := benchTree(b, nodes)
	paths := make([]string, nodes)
	for i := range paths {
		paths[i] = benchPath(i)
	}
	auth := authOf(sessAlice)
	for _, w := range []WatcherID{0, 7} {
		b.Run("watch="+strconv.FormatBool(w != 0), func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				if _, _, code := tr.GetData(paths[i%nodes], auth, w); code != OK {
					b.Fatal(code)
				}
			}
			reportRate(b, "reads/s")
		})
	}
}

func BenchmarkGetChildren(b *testing.B) {
	for _, n := range []int{10, 1000} {
		b.Run("children="+strconv.Itoa(n), func(b *testing.B) {
			tr, _ := benchTree(b, n*benchParents)
			auth := authOf(sessAlice)
			b.ReportAllocs()
			for i := 0; i < b.N; i++ {
				kids, _, code := tr.GetChildren("/p"+strconv.Itoa(i%benchParents), auth, 0)
				if code != OK || len(kids) != n {
					b.Fatal(code, len(kids))
				}
			}
			reportRate(b, "reads/s")
		})
	}
}

func BenchmarkEncodeSnapshot(b *testing.B) {
	tr, _ := benchTree(b, 10_000)
	size := len(EncodeSnapshot(tr, nil))
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		EncodeSnapshot(tr, nil)
	}
}

func BenchmarkDecodeSnapshot(b *testing.B) {
	tr, _ := benchTree(b, 10_000)
	snap := EncodeSnapshot(tr, nil)
	b.SetBytes(int64(len(snap)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := DecodeSnapshot(snap); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPrepApply is the leader's write path, one request at a time:
// Prep, Apply, Applied. The requests cycle create, setData, delete over a
// pool of names, so the tree stays small.
func BenchmarkPrepApply(b *testing.B) {
	tr, zxid := benchTree(b, 0)
	p := NewPrepper(tr)
	const names = 1024
	creates := make([]CreateRequest, names)
	sets := make([]SetDataRequest, names)
	deletes := make([]DeleteRequest, names)
	for i := range names {
		path := benchPath(i)
		creates[i] = CreateRequest{Path: path, Data: make([]byte, 32), ACL: OpenACLUnsafe, Flags: Persistent}
		sets[i] = SetDataRequest{Path: path, Data: make([]byte, 32), Version: -1}
		deletes[i] = DeleteRequest{Path: path, Version: -1}
	}
	r := PrepRequest{SessionID: sessAlice, Auth: authOf(sessAlice)}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		zxid++
		r.Zxid, r.Time = zxid, zxid
		k := (i / 3) % names
		switch i % 3 {
		case 0:
			r.Type, r.Record = OpCreate, &creates[k]
		case 1:
			r.Type, r.Record = OpSetData, &sets[k]
		default:
			r.Type, r.Record = OpDelete, &deletes[k]
		}
		hdr, txn := p.Prep(r)
		if res := tr.Apply(hdr, txn); res.Err != OK {
			b.Fatal(r.Type, res.Err)
		}
		p.Applied(zxid)
	}
	reportRate(b, "txns/s")
}
