package tree

import (
	"fmt"
	"strings"
)

// PathError says why a path was refused, with the path and the position
// (in runes) as PathUtils.validatePath reports it.
type PathError struct {
	Path   string
	Reason string
}

func (e *PathError) Error() string {
	return fmt.Sprintf("invalid path %q: %s", e.Path, e.Reason)
}

// ValidatePath applies PathUtils.validatePath. A sequential create may end
// in '/', because the server appends the sequence number.
func ValidatePath(path string, sequential bool) error {
	if sequential {
		if err := validatePath(path + "1"); err != nil {
			return &PathError{Path: path, Reason: err.(*PathError).Reason}
		}
		return nil
	}
	return validatePath(path)
}

func validatePath(path string) error {
	bad := func(reason string) error { return &PathError{Path: path, Reason: reason} }
	if path == "" {
		return bad("path length must be > 0")
	}
	if path[0] != '/' {
		return bad("path must start with / character")
	}
	if len(path) == 1 {
		return nil
	}
	if path[len(path)-1] == '/' {
		return bad("path must not end with / character")
	}
	runes := []rune(path)
	last := '/'
	for i := 1; i < len(runes); last, i = runes[i], i+1 {
		c := runes[i]
		atEnd := i+1 == len(runes)
		switch {
		case c == 0:
			return bad(fmt.Sprintf("null character not allowed @%d", i))
		case c == '/' && last == '/':
			return bad(fmt.Sprintf("empty node name specified @%d", i))
		case c == '.' && last == '.':
			if runes[i-2] == '/' && (atEnd || runes[i+1] == '/') {
				return bad(fmt.Sprintf("relative paths not allowed @%d", i))
			}
		case c == '.':
			if runes[i-1] == '/' && (atEnd || runes[i+1] == '/') {
				return bad(fmt.Sprintf("relative paths not allowed @%d", i))
			}
		case invalidPathRune(c):
			return bad(fmt.Sprintf("invalid character @%d", i))
		}
	}
	return nil
}

// invalidPathRune mirrors the UTF-16 ranges Java refuses. Runes above
// U+FFFF are surrogate pairs in Java, which fall in the refused range.
func invalidPathRune(c rune) bool {
	return c > 0 && c <= 0x1f ||
		c >= 0x7f && c <= 0x9f ||
		c >= 0xd800 && c <= 0xf8ff ||
		c >= 0xfff0
}

// ParentPath returns the parent of a valid non-root path ("/" for "/a").
func ParentPath(path string) string {
	i := strings.LastIndexByte(path, '/')
	if i <= 0 {
		return "/"
	}
	return path[:i]
}

// BaseName returns the last component of a valid non-root path.
func BaseName(path string) string {
	return path[strings.LastIndexByte(path, '/')+1:]
}

// JoinPath joins a parent path and a child name.
func JoinPath(parent, child string) string {
	if parent == "/" {
		return "/" + child
	}
	return parent + "/" + child
}
