package zab

// AppendLogEntry appends e's binary form, the transaction log's, to dst.
// Live mode carries PROPOSAL and INFORM entries between processes in it,
// so a txn has one encoding on disk and on the wire.
func AppendLogEntry(dst []byte, e *LogEntry) []byte { return encodeEntry(dst, e) }

// DecodeLogEntry parses what AppendLogEntry wrote; bad input is an error,
// never a panic.
func DecodeLogEntry(b []byte) (*LogEntry, error) { return decodeEntry(b) }
