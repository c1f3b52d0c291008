package jute

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Every message of the client protocol, both ways, is a frame: a 4-byte
// big-endian length and that many bytes (NIOServerCnxn.readLength,
// ClientCnxnSocketNIO.doIO).

// DefaultMaxBuffer is jute.maxbuffer's default, 0xfffff bytes (one byte
// short of 1 MiB), BinaryInputArchive.maxBuffer: the largest frame a
// server accepts.
const DefaultMaxBuffer = 0xfffff

// ErrFrameLength is wrapped by the error for a frame whose length prefix is
// negative or above the limit, NIOServerCnxn's "Len error".
var ErrFrameLength = errors.New("jute: bad frame length")

// FrameLength checks a frame's length prefix against maxBuffer, as
// NIOServerCnxn.readLength does: below zero or above maxBuffer is an error
// that says which. Zero is a valid (empty) frame.
func FrameLength(prefix [4]byte, maxBuffer int) (int, error) {
	n := int32(binary.BigEndian.Uint32(prefix[:]))
	if n < 0 {
		return 0, fmt.Errorf("%w: length %d is negative", ErrFrameLength, n)
	}
	if int64(n) > int64(maxBuffer) {
		return 0, fmt.Errorf("%w: length %d is above jute.maxbuffer %d", ErrFrameLength, n, maxBuffer)
	}
	return int(n), nil
}

// ReadFrame reads one frame and returns its payload, without the prefix,
// in a new slice the caller owns. A clean end of stream before the prefix
// is io.EOF; one inside a frame is io.ErrUnexpectedEOF. Nothing is
// allocated before the length has been checked against maxBuffer.
func ReadFrame(r io.Reader, maxBuffer int) ([]byte, error) {
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, err
	}
	return readPayload(r, prefix, maxBuffer)
}

// ReadFirstFrame reads a connection's first frame the way a server does:
// the first four bytes are checked against the four-letter words before
// being taken as a length (NIOServerCnxn.readLength calls
// checkFourLetterWord while the connection is not initialized). For a
// four-letter word it returns the word and no frame, having read only those
// four bytes ("stmk" is followed by an 8-byte trace mask the caller reads).
func ReadFirstFrame(r io.Reader, maxBuffer int) (frame []byte, word string, err error) {
	var prefix [4]byte
	if _, err := io.ReadFull(r, prefix[:]); err != nil {
		return nil, "", err
	}
	if w, ok := FourLetterWord(prefix); ok {
		return nil, w, nil
	}
	frame, err = readPayload(r, prefix, maxBuffer)
	return frame, "", err
}

func readPayload(r io.Reader, prefix [4]byte, maxBuffer int) ([]byte, error) {
	n, err := FrameLength(prefix, maxBuffer)
	if err != nil {
		return nil, err
	}
	frame := make([]byte, n)
	if _, err := io.ReadFull(r, frame); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, err
	}
	return frame, nil
}

// startFrame appends a placeholder length prefix; endFrame fills it in
// once the payload that starts at start+4 has been appended.
func startFrame(b []byte) ([]byte, int) {
	return append(b, 0, 0, 0, 0), len(b)
}

func endFrame(b []byte, start int) []byte {
	n := len(b) - start - 4
	if n < 0 {
		panic(fmt.Sprintf("jute: frame at %d ends before its prefix (len %d)", start, len(b)))
	}
	binary.BigEndian.PutUint32(b[start:], uint32(n))
	return b
}
