// selectready: a blocking select over 4 receive cases of which exactly
// one is ready: a channel of capacity 1 that the goroutine itself has
// just filled; the other three are empty unbuffered channels.  Size:
// selects (default 2,000,000); prints ns_per_op, per select (with the
// buffered send that makes its case ready).
package main

import (
	"time"

	"gort/bench/go/internal/bench"
)

func main() {
	n := bench.Size(2000000)
	c0, c1, c3 := make(chan int), make(chan int), make(chan int)
	c2 := make(chan int, 1)
	sum := 0
	t0 := time.Now()
	for i := 0; i < n; i++ {
		c2 <- i
		select {
		case v := <-c0:
			sum += v + 1
		case v := <-c1:
			sum += v + 1
		case v := <-c2:
			sum += v
		case v := <-c3:
			sum += v + 1
		}
	}
	el := time.Since(t0)
	bench.Check(sum == n*(n-1)/2, "selectready: wrong sum")
	bench.Report("ns_per_op", float64(el.Nanoseconds())/float64(n))
}
