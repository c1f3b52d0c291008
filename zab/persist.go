package zab

import (
	"fmt"
	"strconv"
	"strings"
)

// Durable steps. ZooKeeper blocks a thread on each fsync; here a step
// that must not continue before its data is durable registers a
// continuation under an fsync token, and FsyncEvent resumes it.

const (
	acceptedEpochFile = "acceptedEpoch"
	currentEpochFile  = "currentEpoch"
	// tokenContinuation marks fsync tokens that resume a continuation;
	// log fsyncs use the zxid itself as token.
	tokenContinuation uint64 = 1 << 63
)

// afterSync fsyncs file and runs then once it is durable, unless the server
// has changed role (gen) or crashed by then.
func (s *Server) afterSync(file string, then func()) {
	s.nextToken++
	tok := tokenContinuation | s.nextToken
	gen := s.gen
	s.pending[tok] = func() {
		if s.gen == gen {
			then()
		}
	}
	s.env.Fsync(file, tok)
}

// writeEpochFile writes an epoch file as AtomicFileOutputStream does: a
// temporary file, fsynced, then renamed over the old one.
func (s *Server) writeEpochFile(name string, e Epoch, then func()) {
	tmp := name + ".tmp"
	s.env.Disk().WriteFile(tmp, []byte(strconv.FormatInt(int64(e), 10)))
	s.afterSync(tmp, func() {
		if err := s.env.Disk().Rename(tmp, name); err != nil {
			s.fatal(fmt.Sprintf("rename %s: %v", tmp, err))
			return
		}
		then()
	})
}

// setAcceptedEpoch persists acceptedEpoch, then continues (QuorumPeer.setAcceptedEpoch).
func (s *Server) setAcceptedEpoch(e Epoch, then func()) {
	s.writeEpochFile(acceptedEpochFile, e, func() {
		s.acceptedEpoch = e
		s.env.Observe(Observation{Kind: ObsAcceptedEpoch, Epoch: e})
		then()
	})
}

// setCurrentEpoch persists currentEpoch, then continues (QuorumPeer.setCurrentEpoch).
func (s *Server) setCurrentEpoch(e Epoch, then func()) {
	s.writeEpochFile(currentEpochFile, e, func() {
		s.currentEpoch = e
		s.env.Observe(Observation{Kind: ObsCurrentEpoch, Epoch: e})
		then()
	})
}

// readEpochFile reads an epoch file; ok is false if it does not exist.
func readEpochFile(d Disk, name string) (Epoch, bool, error) {
	b, ok := d.ReadFile(name)
	if !ok {
		return 0, false, nil
	}
	v, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return 0, true, fmt.Errorf("%s: unreadable epoch %q", name, b)
	}
	return Epoch(v), true, nil
}

// loadEpochs reads both epoch files as QuorumPeer.loadDataBase does: a
// missing file is taken from the last zxid's epoch (an upgrade path); a
// currentEpoch older than the last zxid, or an acceptedEpoch older than
// currentEpoch, is an unrecoverable inconsistency.
func (s *Server) loadEpochs() error {
	d := s.env.Disk()
	lastEpoch := s.db.lastProcessed().Epoch()
	cur, ok, err := readEpochFile(d, currentEpochFile)
	if err != nil {
		return err
	}
	if !ok {
		cur = lastEpoch
		d.WriteFile(currentEpochFile, []byte(strconv.FormatInt(int64(cur), 10)))
	}
	if cur < lastEpoch {
		return fmt.Errorf("the current epoch, %d, is older than the last zxid, %s", cur, s.db.lastProcessed())
	}
	acc, ok, err := readEpochFile(d, acceptedEpochFile)
	if err != nil {
		return err
	}
	if !ok {
		acc = lastEpoch
		d.WriteFile(acceptedEpochFile, []byte(strconv.FormatInt(int64(acc), 10)))
	}
	if acc < cur {
		return fmt.Errorf("the accepted epoch, %d, is less than the current epoch, %d", acc, cur)
	}
	s.currentEpoch, s.acceptedEpoch = cur, acc
	return nil
}

// fatal stops the server for good, as System.exit would.
func (s *Server) fatal(reason string) {
	s.env.Logf("fatal: %s", reason)
	s.env.Observe(Observation{Kind: ObsFatal, Detail: reason})
	s.stopped = true
}
