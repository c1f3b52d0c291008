package tree

// What tree reproduces of Java itself, against Java's own answers:
// java.util.HashSet's iteration order (testdata/javaset.txt holds the
// orders Java 17 gave for random adds, removes and clones; made by
// testdata/JavaSetOrder.java), String.hashCode, and
// DigestAuthenticationProvider.generateDigest.

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJavaSetIteratesAsJavaHashSet(t *testing.T) {
	f, err := os.Open("testdata/javaset.txt")
	require.NoError(t, err)
	defer f.Close()
	var set *javaSet
	sc := bufio.NewScanner(f)
	steps, maxSize := 0, 0
	for line := 1; sc.Scan(); line++ {
		text := sc.Text()
		if text == "new" {
			set = &javaSet{}
			continue
		}
		op, want, ok := strings.Cut(text, " =")
		require.True(t, ok, "line %d: %q", line, text)
		switch verb, arg, _ := strings.Cut(op, " "); verb {
		case "add":
			set.add(arg)
		case "remove":
			set.remove(arg)
		case "clone":
			set = set.clone()
		default:
			t.Fatalf("line %d: unknown op %q", line, op)
		}
		got := strings.Join(set.items(), " ")
		require.Equal(t, strings.TrimPrefix(want, " "), got, "line %d: %s", line, op)
		steps++
		maxSize = max(maxSize, set.size)
	}
	require.NoError(t, sc.Err())
	assert.Greater(t, steps, 2000)
	assert.Greater(t, maxSize, 24, "the vectors reach a table of 64")
}

func TestJavaStringHash(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want int32
	}{
		{"empty", "", 0},
		{"one char", "a", 97},
		{"path", "/zookeeper", 954_481_661},
		{"wraps around", "/lock-0000000012", 910_370_804},
		{"non-BMP is two UTF-16 units", "\U0001F600", 1_772_899},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, javaStringHash(tt.in))
		})
	}
}

// GenerateDigest against DigestAuthenticationProvider's own main (Debian's
// zookeeper 3.8.0: java -cp zookeeper.jar ...DigestAuthenticationProvider ID).
func TestGenerateDigestIsJavas(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"user and password", "alice:secret", "alice:aYXlLOpEooaV1cRAvUL1fp9Qt7E="},
		{"no colon is a user without password", "nocolon", "nocolon:Ra+cHr2ZoHvBjtNArFGNGlVie4g="},
		{"the first colon splits", "a:b:c", "a:cLzgnoJ6mP5qz3w+mwvPE2vDgu0="},
		{"empty user", ":x", ":57b19mLA2vMhI/edHul/TytWqWE="},
		{"empty", "", ":2jmj7l5rSw0yVb/vlWAYkK/YBwk="},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, GenerateDigest(tt.in))
		})
	}
	assert.Equal(t, DigestID("alice", "secret"), GenerateDigest("alice:secret"))
}

// AddAuthID against ServerCnxn.authInfo: testdata/authorder.txt holds the
// orders Java 17 iterated 300 random sets of digest ids in (after the
// connection's ip id; made by testdata/JavaAuthOrder.java).
func TestAddAuthIDOrdersAsServerCnxn(t *testing.T) {
	f, err := os.Open("testdata/authorder.txt")
	require.NoError(t, err)
	defer f.Close()
	sc := bufio.NewScanner(f)
	cases := 0
	for line := 1; sc.Scan(); line++ {
		added, want, ok := strings.Cut(sc.Text(), " =")
		require.True(t, ok, "line %d", line)
		var ids []ID
		for _, a := range strings.Fields(added) {
			ids = AddAuthID(ids, ID{Scheme: "digest", ID: a})
		}
		got := make([]string, len(ids))
		for i, id := range ids {
			got[i] = id.ID
		}
		require.Equal(t, strings.Fields(want), got, "line %d: %s", line, added)
		cases++
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, 300, cases)
}

func TestAddAuthIDKeepsASetAndNeverTouchesItsInput(t *testing.T) {
	a := ID{Scheme: "digest", ID: GenerateDigest("alice:secret")}
	b := ID{Scheme: "digest", ID: GenerateDigest("bob:hunter2")}
	ids := AddAuthID(nil, a)
	held := ids // a request in flight
	ids = AddAuthID(ids, b)
	ids = AddAuthID(ids, b)
	assert.Len(t, ids, 2, "an id added twice is there once")
	assert.Equal(t, []ID{a}, held)
}
