// rawswitch: Go has no context switch below runtime.Gosched that a
// program can call, so this is the Gosched ping between two goroutines
// (run at GOMAXPROCS=1), the reference for bench/rawswitch.c.
// Size: round trips (default 2,000,000); prints ns_per_op, per switch.
package main

import "gort/bench/go/internal/bench"

func main() {
	n := bench.Size(2000000)
	bench.Report("ns_per_op", bench.GoschedPing(n))
}
