package jute

import (
	"github.com/zabsim/zabsim/zab"
)

// The handshake. In branch-3.8's zookeeper.jute neither ConnectRequest nor
// ConnectResponse has a readOnly field: a 3.4+ client writes one more
// boolean after the record (ClientCnxn.Packet.createBB), and the server
// reads it if the frame has a byte left (ZooKeeperServer
// .processConnectRequest; a frame without it is an "old client", which a
// read-only server refuses). The server answers with the boolean only if
// the client sent one (finishSessionInit: if !cnxn.isOldClient), and the
// client reads it if present (ClientCnxnSocket.readConnectResult).
// go-zookeeper v1.0.4 is such an old client.

// decodeConnectRequest reads a ConnectRequest and says whether the
// readOnly byte was there. Bytes after it are ignored, as Java does.
func decodeConnectRequest(frame []byte) (m *zab.ConnectRequest, hasReadOnly bool, err error) {
	d := decoder{buf: frame}
	m = &zab.ConnectRequest{
		ProtocolVersion: d.i32("ConnectRequest.protocolVersion"),
		LastZxidSeen:    zab.Zxid(d.i64("ConnectRequest.lastZxidSeen")),
		Timeout:         d.i32("ConnectRequest.timeOut"),
		SessionID:       zab.SessionID(d.i64("ConnectRequest.sessionId")),
		Passwd:          d.buffer("ConnectRequest.passwd"),
	}
	if d.err == nil && d.remaining() > 0 {
		hasReadOnly = true
		m.ReadOnly = d.boolean("readOnly")
	}
	if d.err != nil {
		return nil, false, d.err
	}
	return m, hasReadOnly, nil
}

// appendConnectRequest appends the frame of m, with the readOnly byte if
// withReadOnly.
func appendConnectRequest(b []byte, m *zab.ConnectRequest, withReadOnly bool) []byte {
	b, start := startFrame(b)
	b = appendI32(b, m.ProtocolVersion)
	b = appendI64(b, int64(m.LastZxidSeen))
	b = appendI32(b, m.Timeout)
	b = appendI64(b, int64(m.SessionID))
	b = appendBuffer(b, m.Passwd)
	if withReadOnly {
		b = appendBool(b, m.ReadOnly)
	}
	return endFrame(b, start)
}

// decodeConnectResponse reads a ConnectResponse and its optional readOnly
// byte.
func decodeConnectResponse(frame []byte) (m *zab.ConnectResponse, hasReadOnly bool, err error) {
	d := decoder{buf: frame}
	m = &zab.ConnectResponse{
		ProtocolVersion: d.i32("ConnectResponse.protocolVersion"),
		Timeout:         d.i32("ConnectResponse.timeOut"),
		SessionID:       zab.SessionID(d.i64("ConnectResponse.sessionId")),
		Passwd:          d.buffer("ConnectResponse.passwd"),
	}
	if d.err == nil && d.remaining() > 0 {
		hasReadOnly = true
		m.ReadOnly = d.boolean("readOnly")
	}
	if d.err != nil {
		return nil, false, d.err
	}
	return m, hasReadOnly, nil
}

func appendConnectResponse(b []byte, m *zab.ConnectResponse, withReadOnly bool) []byte {
	b, start := startFrame(b)
	b = appendI32(b, m.ProtocolVersion)
	b = appendI32(b, m.Timeout)
	b = appendI64(b, int64(m.SessionID))
	b = appendBuffer(b, m.Passwd)
	if withReadOnly {
		b = appendBool(b, m.ReadOnly)
	}
	return endFrame(b, start)
}
