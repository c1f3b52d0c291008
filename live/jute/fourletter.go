package jute

import "encoding/binary"

// fourLetterWords are FourLetterCommands.cmd2String of branch-3.8: each
// command's four ASCII bytes read as a big-endian int, which is how the
// server tells them from a length prefix. "telnet close" is the bytes a
// telnet client sends on ^] close (IAC IP IAC DO, 0xfff4fffd). Whether a
// known word is also whitelisted (4lw.commands.whitelist) is the runtime's
// business: ZooKeeper answers a known but disabled word with a notice
// instead of treating it as a length.
var fourLetterWords = map[uint32]string{
	word("conf"): "conf", word("cons"): "cons", word("crst"): "crst",
	word("dirs"): "dirs", word("dump"): "dump", word("envi"): "envi",
	word("gtmk"): "gtmk", word("ruok"): "ruok", word("stmk"): "stmk",
	word("srst"): "srst", word("srvr"): "srvr", word("stat"): "stat",
	word("wchc"): "wchc", word("wchp"): "wchp", word("wchs"): "wchs",
	word("mntr"): "mntr", word("isro"): "isro", word("hash"): "hash",
	0xfff4fffd: "telnet close",
}

func word(s string) uint32 { return binary.BigEndian.Uint32([]byte(s)) }

// FourLetterWord reports whether a connection's first four bytes are one of
// ZooKeeper's four-letter words, and which. Only a connection's first four
// bytes are checked this way; later ones are always a length.
func FourLetterWord(first [4]byte) (string, bool) {
	w, ok := fourLetterWords[binary.BigEndian.Uint32(first[:])]
	return w, ok
}
