package tree

import (
	"strconv"
	"testing"
)

// The benchmarks time Prep alone (plus Applied, which drops the records)
// over a committed tree; the txns are never applied, so the tree stays
// as it was and every create names a fresh node. window is how many
// requests stay outstanding, as in a leader's pipeline.

func benchPrepper(b *testing.B) (*Prepper, int64) {
	tr := New()
	p := NewPrepper(tr)
	zxid := int64(0x100000000)
	for _, path := range []string{"/bench", "/bench/node"} {
		zxid++
		hdr, txn := p.Prep(PrepRequest{Type: OpCreate, SessionID: sessAlice, Zxid: zxid, Time: zxid,
			Auth: authOf(sessAlice), Record: createOp(path, Persistent)})
		if res := tr.Apply(hdr, txn); res.Err != OK {
			b.Fatalf("setup %s: %v", path, res.Err)
		}
		p.Applied(zxid)
	}
	return p, zxid
}

func BenchmarkPrepCreate(b *testing.B) {
	for _, window := range []int64{1, 100} {
		b.Run("window="+strconv.FormatInt(window, 10), func(b *testing.B) {
			p, zxid := benchPrepper(b)
			reqs := make([]CreateRequest, 1024)
			for i := range reqs {
				reqs[i] = *createOp("/bench/n"+strconv.Itoa(i), Persistent)
			}
			r := PrepRequest{Type: OpCreate, SessionID: sessAlice, Auth: authOf(sessAlice)}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				zxid++
				r.Zxid, r.Time = zxid, zxid
				// Reuse names only once their create has been dropped.
				r.Record = &reqs[i%len(reqs)]
				if hdr, _ := p.Prep(r); hdr.Type != OpCreate {
					b.Fatal("create failed")
				}
				p.Applied(zxid - window + 1)
			}
		})
	}
}

func BenchmarkPrepSetData(b *testing.B) {
	for _, window := range []int64{1, 100} {
		b.Run("window="+strconv.FormatInt(window, 10), func(b *testing.B) {
			p, zxid := benchPrepper(b)
			r := PrepRequest{Type: OpSetData, SessionID: sessAlice, Auth: authOf(sessAlice),
				Record: &SetDataRequest{Path: "/bench/node", Data: []byte("data"), Version: -1}}
			b.ReportAllocs()
			for b.Loop() {
				zxid++
				r.Zxid, r.Time = zxid, zxid
				if hdr, _ := p.Prep(r); hdr.Type != OpSetData {
					b.Fatal("setData failed")
				}
				p.Applied(zxid - window + 1)
			}
		})
	}
}
