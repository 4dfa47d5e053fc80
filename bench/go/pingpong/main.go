// pingpong: a value goes to another goroutine and back over two
// unbuffered channels.  Size: round trips (default 1,000,000); prints
// ns_per_op, per round trip.
package main

import (
	"time"

	"gort/bench/go/internal/bench"
)

func main() {
	n := bench.Size(1000000)
	ping, pong := make(chan int), make(chan int)
	t0 := time.Now()
	go func() {
		for v := range ping {
			pong <- v
		}
	}()
	sum := 0
	for i := 0; i < n; i++ {
		ping <- i
		sum += <-pong
	}
	el := time.Since(t0)
	close(ping)
	bench.Check(sum == n*(n-1)/2, "pingpong: wrong sum")
	bench.Report("ns_per_op", float64(el.Nanoseconds())/float64(n))
}
