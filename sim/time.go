// Package sim is the simulated world zabsim runs in: virtual time, one
// event queue, seeded random streams, nodes with their own clocks, a
// connection-oriented network, disks, and a trace whose hash identifies a
// run. Everything happens on the caller's goroutine in (time, sequence)
// order, so one seed reproduces a run bit for bit.
package sim

import "fmt"

// Time is virtual time in nanoseconds since the world began.
type Time int64

const (
	Nanosecond  Time = 1
	Microsecond      = 1000 * Nanosecond
	Millisecond      = 1000 * Microsecond
	Second           = 1000 * Millisecond
	Minute           = 60 * Second
)

// String renders a time as seconds with millisecond precision, or finer
// when the time is below a millisecond.
func (t Time) String() string {
	switch {
	case t < 0:
		return "-" + (-t).String()
	case t < Microsecond:
		return fmt.Sprintf("%dns", int64(t))
	case t < Millisecond:
		return fmt.Sprintf("%.3fµs", float64(t)/float64(Microsecond))
	case t < Second:
		return fmt.Sprintf("%.3fms", float64(t)/float64(Millisecond))
	}
	return fmt.Sprintf("%.3fs", float64(t)/float64(Second))
}

// Seconds returns t as floating-point seconds.
func (t Time) Seconds() float64 { return float64(t) / float64(Second) }
