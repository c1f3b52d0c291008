package live

// The peer wire is checked two ways: every message rapid can generate comes
// back from decode equal to what was encoded (nil and empty slices kept
// apart), and decode survives garbage (FuzzPeerWire) with an error.

import (
	"bytes"
	"reflect"
	"testing"

	"pgregory.net/rapid"

	"github.com/zabsim/zabsim/tree"
	"github.com/zabsim/zabsim/zab"
)

func genBytes(t *rapid.T, label string) []byte {
	if rapid.Bool().Draw(t, label+"Nil") {
		return nil
	}
	return rapid.SliceOfN(rapid.Byte(), 0, 12).Draw(t, label)
}

func genACL(t *rapid.T, label string) []tree.ACL {
	if rapid.Bool().Draw(t, label+"Nil") {
		return nil
	}
	n := rapid.IntRange(0, 3).Draw(t, label+"Len")
	acl := make([]tree.ACL, n)
	for i := range acl {
		acl[i] = tree.ACL{Perms: tree.Perms(rapid.Int32().Draw(t, "perms")),
			ID: tree.ID{Scheme: rapid.String().Draw(t, "scheme"), ID: rapid.String().Draw(t, "id")}}
	}
	return acl
}

func genRecord(t *rapid.T, depth int) any {
	path := rapid.String().Draw(t, "path")
	version := rapid.Int32().Draw(t, "version")
	max := 9
	if depth > 0 {
		max = 5 // no multi inside a multi
	}
	switch rapid.IntRange(0, max).Draw(t, "record") {
	case 0:
		return nil
	case 1:
		return &tree.CreateRequest{Path: path, Data: genBytes(t, "data"), ACL: genACL(t, "acl"),
			Flags: tree.CreateMode(rapid.Int32().Draw(t, "flags")), TTL: rapid.Int64().Draw(t, "ttl")}
	case 2:
		return &tree.DeleteRequest{Path: path, Version: version}
	case 3:
		return &tree.SetDataRequest{Path: path, Data: genBytes(t, "data"), Version: version}
	case 4:
		return &tree.SetACLRequest{Path: path, ACL: genACL(t, "acl"), Version: version}
	case 5:
		return &tree.CheckVersionRequest{Path: path, Version: version}
	case 6:
		m := &tree.MultiRequest{}
		if !rapid.Bool().Draw(t, "opsNil") {
			m.Ops = []tree.Op{}
			for range rapid.IntRange(0, 3).Draw(t, "ops") {
				m.Ops = append(m.Ops, tree.Op{Type: tree.OpCode(rapid.Int32().Draw(t, "opType")), Request: genRecord(t, depth+1)})
			}
		}
		return m
	case 7:
		return &tree.CreateSessionRequest{Timeout: rapid.Int32().Draw(t, "timeout")}
	case 8:
		return &tree.PathRequest{Path: path}
	default:
		return &tree.PathWatchRequest{Path: path, Watch: rapid.Bool().Draw(t, "watch")}
	}
}

// genTxn draws a txn as the log codec keeps it: its lists of paths and
// sub-txns come back nil when empty, so they are drawn nil or non-empty.
func genTxn(t *rapid.T, depth int) tree.Txn {
	path := rapid.String().Draw(t, "txnPath")
	max := 10
	if depth > 0 {
		max = 9
	}
	switch rapid.IntRange(0, max).Draw(t, "txn") {
	case 0:
		return tree.CreateTxn{Path: path, Data: genBytes(t, "data"), ACL: genACL(t, "acl"),
			Ephemeral: rapid.Bool().Draw(t, "eph"), ParentCVersion: rapid.Int32().Draw(t, "pcv")}
	case 1:
		return tree.CreateContainerTxn{Path: path, Data: genBytes(t, "data"), ACL: genACL(t, "acl"), ParentCVersion: rapid.Int32().Draw(t, "pcv")}
	case 2:
		return tree.CreateTTLTxn{Path: path, Data: genBytes(t, "data"), ACL: genACL(t, "acl"),
			ParentCVersion: rapid.Int32().Draw(t, "pcv"), TTL: rapid.Int64().Draw(t, "ttl")}
	case 3:
		return tree.DeleteTxn{Path: path}
	case 4:
		return tree.SetDataTxn{Path: path, Data: genBytes(t, "data"), Version: rapid.Int32().Draw(t, "v")}
	case 5:
		return tree.SetACLTxn{Path: path, ACL: genACL(t, "acl"), Version: rapid.Int32().Draw(t, "v")}
	case 6:
		return tree.CheckVersionTxn{Path: path, Version: rapid.Int32().Draw(t, "v")}
	case 7:
		return tree.CreateSessionTxn{Timeout: rapid.Int32().Draw(t, "timeout")}
	case 8:
		var paths []string
		for range rapid.IntRange(0, 3).Draw(t, "paths") {
			paths = append(paths, rapid.String().Draw(t, "p"))
		}
		return tree.CloseSessionTxn{Paths: paths}
	case 9:
		return tree.ErrorTxn{Err: tree.Code(rapid.Int32().Draw(t, "err"))}
	default:
		var m tree.MultiTxn
		for range rapid.IntRange(0, 3).Draw(t, "subs") {
			m.Txns = append(m.Txns, tree.SubTxn{Type: tree.OpCode(rapid.Int32().Draw(t, "subType")), Txn: genTxn(t, depth+1)})
		}
		return m
	}
}

func genMessage(t *rapid.T) zab.Message {
	if rapid.Bool().Draw(t, "notification") {
		return &zab.Notification{Leader: zab.ServerID(rapid.Int64().Draw(t, "leader")),
			Zxid: zab.Zxid(rapid.Int64().Draw(t, "zxid")), ElectionEpoch: zab.Epoch(rapid.Int64().Draw(t, "ee")),
			State: zab.State(rapid.Int32().Draw(t, "state")), Sid: zab.ServerID(rapid.Int64().Draw(t, "sid")),
			PeerEpoch: zab.Epoch(rapid.Int64().Draw(t, "pe"))}
	}
	p := &zab.Packet{Type: zab.PacketType(rapid.Int32().Draw(t, "type")), Zxid: zab.Zxid(rapid.Int64().Draw(t, "zxid")),
		Sid: zab.ServerID(rapid.Int64().Draw(t, "sid")), Version: rapid.Int32().Draw(t, "version"),
		CurrentEpoch: zab.Epoch(rapid.Int64().Draw(t, "ce")), Snapshot: genBytes(t, "snap"),
		SyncRound: rapid.Uint64().Draw(t, "round"), Session: zab.SessionID(rapid.Int64().Draw(t, "session")),
		Timeout: rapid.Int32().Draw(t, "timeout"), Valid: rapid.Bool().Draw(t, "valid")}
	if rapid.Bool().Draw(t, "hasEntry") {
		p.Entry = &zab.LogEntry{Hdr: tree.TxnHeader{SessionID: rapid.Int64().Draw(t, "hs"), Cxid: rapid.Int32().Draw(t, "hc"),
			Zxid: rapid.Int64().Draw(t, "hz"), Time: rapid.Int64().Draw(t, "ht"), Type: tree.OpCode(rapid.Int32().Draw(t, "hty"))},
			Txn: genTxn(t, 0)}
	}
	if rapid.Bool().Draw(t, "hasRequest") {
		r := &zab.ForwardedRequest{SessionID: zab.SessionID(rapid.Int64().Draw(t, "rs")), Cxid: rapid.Int32().Draw(t, "rc"),
			Type: tree.OpCode(rapid.Int32().Draw(t, "rt")), Record: genRecord(t, 0), Owner: zab.ServerID(rapid.Int64().Draw(t, "owner"))}
		if !rapid.Bool().Draw(t, "authNil") {
			r.Auth = []tree.ID{}
			for range rapid.IntRange(0, 2).Draw(t, "auths") {
				r.Auth = append(r.Auth, tree.ID{Scheme: rapid.String().Draw(t, "as"), ID: rapid.String().Draw(t, "ai")})
			}
		}
		p.Request = r
	}
	if !rapid.Bool().Draw(t, "touchesNil") {
		p.Touches = []zab.SessionTouch{}
		for range rapid.IntRange(0, 3).Draw(t, "touches") {
			p.Touches = append(p.Touches, zab.SessionTouch{SessionID: zab.SessionID(rapid.Int64().Draw(t, "ts")), Timeout: rapid.Int32().Draw(t, "tt")})
		}
	}
	return p
}

func TestPeerWireRoundTrip(t *testing.T) {
	rapid.Check(t, func(t *rapid.T) {
		m := genMessage(t)
		frame, err := appendFrame(nil, m)
		if err != nil {
			t.Fatalf("encode %s: %v", m, err)
		}
		payload, err := readFrame(bytes.NewReader(frame), nil)
		if err != nil {
			t.Fatalf("read frame: %v", err)
		}
		got, err := decodePeerMessage(payload)
		if err != nil {
			t.Fatalf("decode %s: %v", m, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Fatalf("round trip changed the message:\n sent %#v\n got  %#v", m, got)
		}
	})
}

func TestPeerWireHello(t *testing.T) {
	for _, h := range []hello{{Sid: 1, Port: zab.PortElection}, {Sid: 254, Port: zab.PortQuorum}} {
		got, err := readHello(bytes.NewReader(appendHello(nil, h)))
		if err != nil || got != h {
			t.Fatalf("hello %+v came back as %+v, %v", h, got, err)
		}
	}
	bad := appendHello(nil, hello{Sid: 1, Port: zab.PortClient})
	if _, err := readHello(bytes.NewReader(bad)); err == nil {
		t.Fatal("a hello naming the client port was accepted")
	}
	if _, err := readHello(bytes.NewReader([]byte("GET / HTTP/1.1\r\n"))); err == nil {
		t.Fatal("an HTTP request was taken for a hello")
	}
}

func TestPeerWireRejects(t *testing.T) {
	good, err := appendPeerMessage(nil, &zab.Packet{Type: zab.PacketPing, Touches: []zab.SessionTouch{{SessionID: 1, Timeout: 2}}})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string][]byte{
		"empty":        {},
		"unknown kind": {9, 0, 0},
		"truncated":    good[:len(good)-1],
		"trailing":     append(append([]byte{}, good...), 0),
		"huge count":   {wirePacket, 0, 0, 0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x7f, 0xff, 0xff, 0xff},
	}
	for name, b := range cases {
		if m, err := decodePeerMessage(b); err == nil {
			t.Errorf("%s: decoded as %s, want an error", name, m)
		}
	}
	if _, err := appendPeerMessage(nil, &zab.Reply{}); err == nil {
		t.Error("a client reply was encoded for a peer")
	}
}

func FuzzPeerWire(f *testing.F) {
	for _, m := range []zab.Message{
		&zab.Notification{Leader: 3, Zxid: 0x100000002, Sid: 2},
		&zab.Packet{Type: zab.PacketProposal, Zxid: 5, Entry: &zab.LogEntry{Txn: tree.SetDataTxn{Path: "/a", Data: []byte("x")}}},
		&zab.Packet{Type: zab.PacketRequest, Request: &zab.ForwardedRequest{Type: tree.OpMulti,
			Record: &tree.MultiRequest{Ops: []tree.Op{{Type: tree.OpDelete, Request: &tree.DeleteRequest{Path: "/b"}}}}}},
	} {
		b, err := appendPeerMessage(nil, m)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := decodePeerMessage(b)
		if err != nil {
			return
		}
		// Whatever decodes must encode, and decode again to the same
		// message (not the same bytes: the log codec reads any non-zero
		// byte as true).
		again, err := appendPeerMessage(nil, m)
		if err != nil {
			t.Fatalf("decoded %s does not encode: %v", m, err)
		}
		m2, err := decodePeerMessage(again)
		if err != nil || !reflect.DeepEqual(m, m2) {
			t.Fatalf("decode, encode, decode changed %s: %v", m, err)
		}
	})
}

func TestCheckSender(t *testing.T) {
	cases := []struct {
		name string
		m    zab.Message
		ok   bool
	}{
		{"notification from the hello's server", &zab.Notification{Sid: 2}, true},
		{"notification in another's name", &zab.Notification{Sid: 3}, false},
		{"FOLLOWERINFO in another's name", &zab.Packet{Type: zab.PacketFollowerInfo, Sid: 3}, false},
		{"OBSERVERINFO from the hello's server", &zab.Packet{Type: zab.PacketObserverInfo, Sid: 2}, true},
		{"ACK names nobody", &zab.Packet{Type: zab.PacketAck, Sid: 0}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkSender(2, tc.m); (err == nil) != tc.ok {
				t.Fatalf("checkSender(2, %s) = %v", tc.m, err)
			}
		})
	}
}
