package jute

// Table tests of the framing rules (NIOServerCnxn.readLength) and the
// four-letter words (FourLetterCommands).

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestReadFrame(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    []byte
		err     error
		errText string
	}{
		{name: "empty frame", in: []byte{0, 0, 0, 0}, want: []byte{}},
		{name: "frame", in: []byte{0, 0, 0, 2, 7, 8, 9}, want: []byte{7, 8}},
		{name: "end of stream", in: nil, err: io.EOF},
		{name: "torn prefix", in: []byte{0, 0}, err: io.ErrUnexpectedEOF},
		{name: "torn payload", in: []byte{0, 0, 0, 3, 1}, err: io.ErrUnexpectedEOF},
		{name: "missing payload", in: []byte{0, 0, 0, 3}, err: io.ErrUnexpectedEOF},
		{name: "negative", in: []byte{0xff, 0xff, 0xff, 0xfe}, err: ErrFrameLength, errText: "length -2 is negative"},
		{name: "above maxbuffer", in: []byte{0, 0x10, 0, 0}, err: ErrFrameLength,
			errText: "length 1048576 is above jute.maxbuffer 1048575"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadFrame(bytes.NewReader(tt.in), DefaultMaxBuffer)
			if tt.err != nil {
				require.ErrorIs(t, err, tt.err)
				if tt.errText != "" {
					assert.ErrorContains(t, err, tt.errText)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestReadFrameAtMaxBuffer(t *testing.T) {
	in := append([]byte{0, 0, 0, 10}, make([]byte, 10)...)
	got, err := ReadFrame(bytes.NewReader(in), 10)
	require.NoError(t, err)
	assert.Len(t, got, 10)
	_, err = ReadFrame(bytes.NewReader(in), 9)
	assert.ErrorIs(t, err, ErrFrameLength)
}

func TestReadFirstFrame(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		word  string
		frame []byte
	}{
		{"ruok", "ruok", "ruok", nil},
		{"srvr", "srvr\n", "srvr", nil},
		{"stmk then its mask", "stmk\x00\x00\x00\x00\x00\x00\x00\x01", "stmk", nil},
		{"telnet close", "\xff\xf4\xff\xfd", "telnet close", nil},
		{"a frame", "\x00\x00\x00\x01\x05", "", []byte{5}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			frame, word, err := ReadFirstFrame(bytes.NewReader([]byte(tt.in)), DefaultMaxBuffer)
			require.NoError(t, err)
			assert.Equal(t, tt.word, word)
			assert.Equal(t, tt.frame, frame)
		})
	}
	// An unknown word is a length, and far too long.
	_, _, err := ReadFirstFrame(bytes.NewReader([]byte("abcd")), DefaultMaxBuffer)
	assert.ErrorIs(t, err, ErrFrameLength)
}

func TestFourLetterWord(t *testing.T) {
	for _, w := range []string{"conf", "cons", "crst", "dirs", "dump", "envi", "gtmk", "ruok", "stmk",
		"srst", "srvr", "stat", "wchc", "wchp", "wchs", "mntr", "isro", "hash"} {
		got, ok := FourLetterWord([4]byte([]byte(w)))
		assert.True(t, ok, w)
		assert.Equal(t, w, got)
	}
	for _, w := range []string{"RUOK", "ruo ", "\x00\x00\x00\x10", "kill"} {
		_, ok := FourLetterWord([4]byte([]byte(w)))
		assert.False(t, ok, w)
	}
}

func TestFrameLengthSaysWhich(t *testing.T) {
	_, err := FrameLength([4]byte{0x80, 0, 0, 0}, DefaultMaxBuffer)
	assert.True(t, errors.Is(err, ErrFrameLength))
	assert.EqualError(t, err, "jute: bad frame length: length -2147483648 is negative")
}
