// Package jute is ZooKeeper's client wire protocol for zab's server: it
// turns the frames real clients (Java's ClientCnxn, go-zookeeper, kazoo)
// send into zab.ConnectRequest and zab.Request values, and zab's
// ConnectResponse and Reply values back into frames, byte for byte as
// branch-3.8 of Apache ZooKeeper writes them (zookeeper.jute,
// MultiOperationRecord, MultiResponse, FinalRequestProcessor,
// ZooKeeperServer.processConnectRequest and finishSessionInit).
//
// It is pure: no goroutines, no network, no clock. The runtime reads frames
// with ReadFirstFrame and ReadFrame, keeps one ServerCodec per connection,
// feeds each frame to Decode and each message zab sends to Encode. Bad
// input is an error, never a panic, and a decoder allocates no more than
// the frame's length implies.
//
// ClientCodec is the other end, for tests and differential harnesses.
package jute
