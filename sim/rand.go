package sim

import "math/bits"

// Rand is a seeded xoshiro256** generator. Streams are split off a seed by
// purpose name, never off another stream's state, so drawing more from one
// stream (say, one more workload op) never moves another (the faults).
type Rand struct {
	s    [4]uint64
	seed uint64
}

func splitmix(x *uint64) uint64 {
	*x += 0x9e3779b97f4a7c15
	z := *x
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// NewRand returns a generator seeded with seed.
func NewRand(seed uint64) *Rand {
	r := &Rand{seed: seed}
	x := seed
	for i := range r.s {
		r.s[i] = splitmix(&x)
	}
	return r
}

// Stream returns the stream of seed named purpose.
func Stream(seed uint64, purpose string) *Rand {
	h := uint64(14695981039346656037)
	for i := 0; i < len(purpose); i++ {
		h ^= uint64(purpose[i])
		h *= 1099511628211
	}
	x := seed ^ h
	return NewRand(splitmix(&x))
}

// Split returns the stream named purpose of this generator's seed.
func (r *Rand) Split(purpose string) *Rand { return Stream(r.seed, purpose) }

// Uint64 returns 64 random bits.
func (r *Rand) Uint64() uint64 {
	s := &r.s
	out := bits.RotateLeft64(s[1]*5, 7) * 9
	t := s[1] << 17
	s[2] ^= s[0]
	s[3] ^= s[1]
	s[1] ^= s[2]
	s[0] ^= s[3]
	s[2] ^= t
	s[3] = bits.RotateLeft64(s[3], 45)
	return out
}

// Int63n returns a uniform value in [0, n); n must be positive.
func (r *Rand) Int63n(n int64) int64 {
	if n <= 0 {
		panic("sim: Int63n of a non-positive bound")
	}
	// Lemire's multiply-and-reject: unbiased without division in the
	// common case.
	hi, lo := bits.Mul64(r.Uint64(), uint64(n))
	if lo < uint64(n) {
		thresh := -uint64(n) % uint64(n)
		for lo < thresh {
			hi, lo = bits.Mul64(r.Uint64(), uint64(n))
		}
	}
	return int64(hi)
}

// Intn returns a uniform value in [0, n); n must be positive.
func (r *Rand) Intn(n int) int { return int(r.Int63n(int64(n))) }

// Float64 returns a uniform value in [0, 1).
func (r *Rand) Float64() float64 { return float64(r.Uint64()>>11) / (1 << 53) }

// Chance reports true with probability p.
func (r *Rand) Chance(p float64) bool { return p > 0 && r.Float64() < p }

// Between returns a uniform duration in [lo, hi]; hi < lo returns lo.
func (r *Rand) Between(lo, hi Time) Time {
	if hi <= lo {
		return lo
	}
	return lo + Time(r.Int63n(int64(hi-lo)+1))
}
