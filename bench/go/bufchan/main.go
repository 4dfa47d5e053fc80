// bufchan: buffered channel throughput, one producer goroutine and one
// consumer, a channel of 128 ints.  Size: values (default 5,000,000);
// prints ns_per_op, per value.
package main

import (
	"time"

	"gort/bench/go/internal/bench"
)

func main() {
	n := bench.Size(5000000)
	c := make(chan int, 128)
	t0 := time.Now()
	go func() {
		for i := 0; i < n; i++ {
			c <- i
		}
		close(c)
	}()
	sum, got := 0, 0
	for v := range c {
		sum += v
		got++
	}
	el := time.Since(t0)
	bench.Check(got == n && sum == n*(n-1)/2, "bufchan: wrong values")
	bench.Report("ns_per_op", float64(el.Nanoseconds())/float64(n))
}
