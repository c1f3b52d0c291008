package tree

import (
	"crypto/sha1"
	"encoding/base64"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Perms are ACL permission bits (ZooDefs.Perms).
type Perms int32

const (
	PermRead   Perms = 1 << 0
	PermWrite  Perms = 1 << 1
	PermCreate Perms = 1 << 2
	PermDelete Perms = 1 << 3
	PermAdmin  Perms = 1 << 4
	PermAll    Perms = PermRead | PermWrite | PermCreate | PermDelete | PermAdmin
)

// ID is an authenticated identity or an ACL's subject: scheme and id, as
// ZooKeeper's Id record ("world"/"anyone", "digest"/"user:base64(sha1)",
// "ip"/"10.0.0.0/8", "auth"/"").
type ID struct {
	Scheme string
	ID     string
}

// ACL grants Perms to an ID.
type ACL struct {
	Perms Perms
	ID    ID
}

func (a ACL) String() string { return fmt.Sprintf("%s:%s:%d", a.ID.Scheme, a.ID.ID, a.Perms) }

var (
	// AnyoneID is world:anyone (ZooDefs.Ids.ANYONE_ID_UNSAFE).
	AnyoneID = ID{Scheme: "world", ID: "anyone"}
	// AuthIDs stands for every id the creator has authenticated as
	// (ZooDefs.Ids.AUTH_IDS); expanded when an ACL is set.
	AuthIDs = ID{Scheme: "auth", ID: ""}
)

// The three well-known ACL lists of ZooDefs.Ids. Callers must not modify them.
var (
	OpenACLUnsafe = []ACL{{Perms: PermAll, ID: AnyoneID}}
	CreatorAllACL = []ACL{{Perms: PermAll, ID: AuthIDs}}
	ReadACLUnsafe = []ACL{{Perms: PermRead, ID: AnyoneID}}
)

// CheckACL decides whether ids may exercise perm under acl, as
// ZooKeeperServer.checkACL does: an empty ACL admits everyone, a "super" id
// admits everything, world:anyone matches any caller, digest ids match by
// equality and ip ids by address prefix.
func CheckACL(acl []ACL, perm Perms, ids []ID) Code {
	if len(acl) == 0 {
		return OK
	}
	for _, id := range ids {
		if id.Scheme == "super" {
			return OK
		}
	}
	for _, a := range acl {
		if a.Perms&perm == 0 {
			continue
		}
		if a.ID.Scheme == "world" && a.ID.ID == "anyone" {
			return OK
		}
		for _, id := range ids {
			if id.Scheme == a.ID.Scheme && schemeMatches(a.ID.Scheme, id.ID, a.ID.ID) {
				return OK
			}
		}
	}
	return NoAuth
}

func schemeMatches(scheme, id, aclExpr string) bool {
	switch scheme {
	case "ip":
		return ipMatches(id, aclExpr)
	default:
		return id == aclExpr
	}
}

// ValidACLID reports whether an ACL's id is well formed for its scheme, as
// the authentication providers' isValid do. The "auth" scheme is not valid
// here: it is expanded to the caller's ids before it is stored.
func ValidACLID(id ID) bool {
	switch id.Scheme {
	case "world":
		return id.ID == "anyone"
	case "digest":
		return len(javaSplit(id.ID, ":")) == 2
	case "ip":
		_, _, ok := parseIPExpr(id.ID)
		return ok
	case "super":
		return true
	}
	return false
}

// javaSplit is Java's String.split for a literal separator: trailing empty
// strings are dropped ("a:" has one part, "a:b:" two, ":" none), which
// decides DigestAuthenticationProvider.isValid.
func javaSplit(s, sep string) []string {
	parts := strings.Split(s, sep)
	for len(parts) > 0 && parts[len(parts)-1] == "" {
		parts = parts[:len(parts)-1]
	}
	if len(parts) == 0 && s == "" {
		return []string{""} // "".split(":") is [""]
	}
	return parts
}

// AuthenticatedScheme reports whether ids of the scheme may stand in for the
// "auth" scheme when an ACL is set (AuthenticationProvider.isAuthenticated).
func AuthenticatedScheme(scheme string) bool {
	return scheme == "digest" || scheme == "super"
}

// GenerateDigest is DigestAuthenticationProvider.generateDigest: the id an
// addAuth("digest", idPassword) gives, the text before the first ':' (all
// of it if there is none) and base64(sha1(idPassword)). Any text is
// accepted: "nocolon" authenticates as "nocolon:<digest>".
func GenerateDigest(idPassword string) string {
	user, _, _ := strings.Cut(idPassword, ":")
	sum := sha1.Sum([]byte(idPassword))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// DigestID is the id the digest scheme gives "user:password":
// user:base64(sha1(user:password)), as DigestAuthenticationProvider.generateDigest.
func DigestID(user, password string) string {
	sum := sha1.Sum([]byte(user + ":" + password))
	return user + ":" + base64.StdEncoding.EncodeToString(sum[:])
}

// ipMatches matches an IPv4 address against "a.b.c.d" or "a.b.c.d/bits",
// as IPAuthenticationProvider.matches does.
func ipMatches(addr, expr string) bool {
	want, bits, ok := parseIPExpr(expr)
	if !ok {
		return false
	}
	got, _, ok := parseIPExpr(addr)
	if !ok {
		return false
	}
	mask := uint32(0)
	if bits > 0 {
		mask = ^uint32(0) << (32 - bits)
	}
	return got&mask == want&mask
}

func parseIPExpr(expr string) (addr uint32, bits int, ok bool) {
	host, prefix, hasPrefix := strings.Cut(expr, "/")
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Is4() {
		return 0, 0, false
	}
	b := ip.As4()
	addr = uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
	bits = 32
	if hasPrefix {
		n, err := strconv.Atoi(prefix)
		if err != nil || n < 0 || n > 32 {
			return 0, 0, false
		}
		bits = n
	}
	return addr, bits, true
}
