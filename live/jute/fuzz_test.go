package jute

// Fuzz targets. Whatever the bytes, the decoders return an error or a
// value, never panic, and allocate in proportion to the frame; whatever
// they decode re-encodes (with the other end's encoder) to bytes that
// decode to the same value. Run with
//
//	go test ./live/jute -run '^$' -fuzz FuzzServerDecode -fuzztime 60s
//
// (likewise FuzzReadFrame, FuzzClientDecode).

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"reflect"
	"runtime"
	"testing"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

func FuzzReadFrame(f *testing.F) {
	f.Add([]byte{0, 0, 0, 2, 1, 2}, uint16(16))
	f.Add([]byte{0, 0, 0, 0}, uint16(0))
	f.Add([]byte("ruok"), uint16(16))
	f.Add([]byte{0xff, 0xff, 0xff, 0xff}, uint16(16))
	f.Add([]byte{0, 0, 1, 0, 1}, uint16(255))
	f.Fuzz(func(t *testing.T, in []byte, maxBuffer uint16) {
		frame, err := ReadFrame(bytes.NewReader(in), int(maxBuffer))
		if err != nil {
			if len(in) >= 4 && !errors.Is(err, ErrFrameLength) && !errors.Is(err, io.ErrUnexpectedEOF) {
				t.Fatalf("ReadFrame(%x): unexpected error %v", in, err)
			}
			return
		}
		n := int32(binary.BigEndian.Uint32(in))
		if n < 0 || int(n) > int(maxBuffer) || len(frame) != int(n) || !bytes.Equal(frame, in[4:4+n]) {
			t.Fatalf("ReadFrame(%x) = %x, max %d", in, frame, maxBuffer)
		}
		first, word, err := ReadFirstFrame(bytes.NewReader(in), int(maxBuffer))
		if err != nil {
			t.Fatalf("ReadFirstFrame(%x): %v after ReadFrame read it", in, err)
		}
		if word == "" && !bytes.Equal(first, frame) {
			t.Fatalf("ReadFirstFrame(%x) = %x, ReadFrame %x", in, first, frame)
		}
	})
}

// seedFrames are request payloads (no prefix) of every op, plus the
// golden ones.
func seedFrames(f *testing.F) [][]byte {
	c := &ClientCodec{}
	var out [][]byte
	for i, op := range clientOps {
		rec := sampleRecord(op)
		if m, ok := rec.(*tree.MultiRequest); ok {
			m.Ops = []tree.Op{
				{Type: tree.OpCreateTTL, Request: &tree.CreateRequest{Path: "/t", Data: []byte{}, ACL: tree.OpenACLUnsafe, TTL: 9}},
				{Type: tree.OpSetData, Request: &tree.SetDataRequest{Path: "/s", Version: 2}},
				{Type: tree.OpGetData, Request: &tree.PathWatchRequest{Path: "/g"}},
			}
		}
		frame, err := c.EncodeRequest(nil, &zab.Request{Xid: int32(i), Type: op, Record: rec})
		if err != nil {
			f.Fatal(err)
		}
		out = append(out, frame[4:])
	}
	return out
}

func FuzzServerDecode(f *testing.F) {
	for _, frame := range seedFrames(f) {
		f.Add(frame, false)
	}
	connect, _ := (&ClientCodec{}).Encode(nil, &zab.ConnectRequest{Timeout: 30000, Passwd: make([]byte, 16), ReadOnly: true})
	f.Add(connect[4:], true)
	f.Add(connect[4:len(connect)-1], true)
	f.Add(hexFrame(f, "0000000b 00000010 00000001 61 ffffffff 00000000 ffffffffffffffff"), false)
	f.Fuzz(func(t *testing.T, frame []byte, first bool) {
		s := NewServerCodec()
		if !first {
			s.connected = true
		}
		m, err := s.Decode(frame)
		checkAllocs(t, frame, func() {
			s := NewServerCodec()
			s.connected = !first
			s.Decode(frame)
		})
		if err != nil {
			if m != nil {
				t.Fatalf("Decode(%x) returned %v and %v", frame, m, err)
			}
			return
		}
		checkRequestTrip(t, frame, first, s.hasReadOnly, m)
	})
}

// checkRequestTrip: what decoded re-encodes, with the client's encoder, to
// bytes that decode to the same value.
func checkRequestTrip(t *testing.T, frame []byte, first, hasReadOnly bool, m zab.Message) {
	if r, ok := m.(*zab.Request); ok && r.Type == tree.OpReconfig {
		return // zab has no record for it
	}
	c := &ClientCodec{OldClient: !hasReadOnly, connected: !first}
	again, err := c.Encode(nil, m)
	if err != nil {
		t.Fatalf("Decode(%x) = %v, which does not encode: %v", frame, m, err)
	}
	s := NewServerCodec()
	s.connected = !first
	m2, err := s.Decode(again[4:])
	if err != nil {
		t.Fatalf("Decode(%x) = %v, encoded %x, which does not decode: %v", frame, m, again, err)
	}
	if !equal(m, m2) {
		t.Fatalf("Decode(%x) = %v, encoded %x, decoded %v", frame, m, again, m2)
	}
}

// FuzzClientDecode decodes a reply to a request of a fuzzed op.
func FuzzClientDecode(f *testing.F) {
	s := connectedServer(f)
	for i, frame := range seedFrames(f) {
		if _, err := s.Decode(frame); err != nil {
			f.Fatal(err)
		}
		op := clientOps[i]
		var body any
		switch op {
		case tree.OpMulti, tree.OpMultiRead:
			st := goldenStat
			body = &zab.MultiResponse{Results: []tree.OpResult{{Type: tree.OpCreate2, Path: "/t", Stat: &st},
				{Type: tree.OpGetChildren, Children: []string{"a"}}, {Type: tree.OpError, Err: tree.NoNode}}}
		case tree.OpGetChildren2:
			body = &zab.GetChildren2Response{Children: []string{"a", "bc"}, Stat: goldenStat}
		case tree.OpGetData:
			body = &zab.GetDataResponse{Data: []byte("d"), Stat: goldenStat}
		case tree.OpGetACL:
			body = &zab.GetACLResponse{ACL: tree.OpenACLUnsafe, Stat: goldenStat}
		}
		reply, err := s.EncodeReply(nil, &zab.Reply{Xid: int32(i), Zxid: 1, Record: body})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(int32(op), reply[4:])
	}
	f.Fuzz(func(t *testing.T, op int32, frame []byte) {
		c := &ClientCodec{connected: true}
		if len(frame) >= 4 {
			c.pending.push(int32(binary.BigEndian.Uint32(frame)), tree.OpCode(op))
		}
		m, err := c.Decode(frame)
		checkAllocs(t, frame, func() {
			c := &ClientCodec{connected: true}
			if len(frame) >= 4 {
				c.pending.push(int32(binary.BigEndian.Uint32(frame)), tree.OpCode(op))
			}
			c.Decode(frame)
		})
		if err != nil {
			return
		}
		r := m.(*zab.Reply)
		// The server's encoder writes it back; the client reads the same.
		s := NewServerCodec()
		s.connected = true
		if r.Xid != zab.XidNotification {
			s.pending.push(r.Xid, tree.OpCode(op))
		}
		again, err := s.EncodeReply(nil, r)
		if err != nil {
			t.Fatalf("Decode(%x) = %v, which does not encode: %v", frame, r, err)
		}
		c2 := &ClientCodec{connected: true}
		c2.pending.push(r.Xid, tree.OpCode(op))
		r2, err := c2.Decode(again[4:])
		if err != nil || !equal(r, r2) {
			t.Fatalf("Decode(%x) = %v, encoded %x, decoded %v, %v", frame, r, again, r2, err)
		}
	})
}

// checkAllocs fails if decode allocates more than a small multiple of the
// frame (string and slice headers cost more than the 4 bytes of length
// that stand for them). The counter is the process's, so the fuzzer's own
// goroutines add noise: the least of three runs is what counts.
// ReadMemStats stops the world, which would cut the fuzzer's pace tenfold,
// so only one input in 16 is measured, chosen by the input's own bytes so
// that a failure replays.
func checkAllocs(t *testing.T, frame []byte, decode func()) {
	if fnv(frame)%16 != 0 {
		return
	}
	limit := 64*uint64(len(frame)) + 4<<10
	least := uint64(1<<63 - 1)
	for range 3 {
		before := heapAllocs()
		decode()
		least = min(least, heapAllocs()-before)
		if least <= limit {
			return
		}
	}
	t.Fatalf("decoding %d bytes allocated %d bytes", len(frame), least)
}

func fnv(b []byte) uint32 {
	h := uint32(2166136261)
	for _, c := range b {
		h = (h ^ uint32(c)) * 16777619
	}
	return h
}

// heapAllocs is the bytes allocated so far. ReadMemStats stops the world
// but is exact; runtime/metrics' counter moves only when a span is
// refilled, in steps of kilobytes.
func heapAllocs() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.TotalAlloc
}

// equal is reflect.DeepEqual, which tells nil from empty slices as jute
// does.
func equal(a, b any) bool { return reflect.DeepEqual(a, b) }
