// defer: a function call with one deferred call, n times (the deferred
// call is open-coded by Go's compiler).  Size: calls (default
// 10,000,000); prints ns_per_op, per call, deferred call included.
package main

import (
	"time"

	"gort/bench/go/internal/bench"
)

var count int

//go:noinline
func deferred(p *int) { *p++ }

//go:noinline
func withdefer(p *int) {
	defer deferred(p)
}

func main() {
	n := bench.Size(10000000)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		withdefer(&count)
	}
	d := time.Since(t0)
	bench.Check(count == n, "every deferred call ran")
	bench.Report("ns_per_op", float64(d.Nanoseconds())/float64(n))
}
