// gosched: two goroutines calling runtime.Gosched in turn.
// Size: calls per goroutine (default 1,000,000); prints ns_per_op, per
// Gosched.
package main

import "gort/bench/go/internal/bench"

func main() {
	n := bench.Size(1000000)
	bench.Report("ns_per_op", bench.GoschedPing(n))
}
