package jute

// Benchmarks of the hot paths of a live server: decoding a small setData
// request and encoding a getData reply (and the client's mirror images).

import (
	"testing"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

var benchSetData = &zab.Request{Xid: 42, Type: tree.OpSetData,
	Record: &tree.SetDataRequest{Path: "/app/config/leader", Data: []byte("server-3:2181"), Version: 7}}

var benchGetData = &zab.Reply{Xid: 43, Zxid: 0x500000123, Record: &zab.GetDataResponse{
	Data: []byte("server-3:2181"), Stat: goldenStat}}

func BenchmarkDecodeSetDataRequest(b *testing.B) {
	frame, err := (&ClientCodec{}).EncodeRequest(nil, benchSetData)
	if err != nil {
		b.Fatal(err)
	}
	s := connectedServer(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		if _, err := s.Decode(frame[4:]); err != nil {
			b.Fatal(err)
		}
		s.pending.take(42) // as the reply would
	}
}

func BenchmarkEncodeSetDataRequest(b *testing.B) {
	c := connectedClient(b)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = c.EncodeRequest(buf[:0], benchSetData); err != nil {
			b.Fatal(err)
		}
		c.pending.take(42)
	}
}

func BenchmarkEncodeGetDataReply(b *testing.B) {
	s := connectedServer(b)
	req, _ := (&ClientCodec{}).EncodeRequest(nil, &zab.Request{Xid: 43, Type: tree.OpGetData,
		Record: &tree.PathWatchRequest{Path: "/app/config/leader"}})
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.Decode(req[4:]); err != nil {
			b.Fatal(err)
		}
		var err error
		if buf, err = s.EncodeReply(buf[:0], benchGetData); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

// BenchmarkEncodeGetDataReplyOnly leaves out the request's decode: the
// encoder alone (the reply settles no request, so its op is unknown,
// which is the same path for getData).
func BenchmarkEncodeGetDataReplyOnly(b *testing.B) {
	s := connectedServer(b)
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = s.EncodeReply(buf[:0], benchGetData); err != nil {
			b.Fatal(err)
		}
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecodeGetDataReply(b *testing.B) {
	s := connectedServer(b)
	frame, err := s.EncodeReply(nil, benchGetData)
	if err != nil {
		b.Fatal(err)
	}
	c := connectedClient(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(frame)))
	for b.Loop() {
		c.pending.push(43, tree.OpGetData)
		if _, err := c.Decode(frame[4:]); err != nil {
			b.Fatal(err)
		}
	}
}
