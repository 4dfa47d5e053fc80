// selectblock: a blocking select over 2 receive cases that finds neither
// ready, parks, and is woken by a sender goroutine on one of them; the
// sender then waits for an acknowledgement before its next send, so
// every select parks.  Size: selects (default 1,000,000); prints
// ns_per_op, per select.
package main

import (
	"time"

	"gort/bench/go/internal/bench"
)

func main() {
	n := bench.Size(1000000)
	a, b := make(chan int), make(chan int)
	ack := make(chan struct{})
	sum := 0
	t0 := time.Now()
	go func() {
		for i := 0; i < n; i++ {
			a <- i
			<-ack
		}
	}()
	for i := 0; i < n; i++ {
		select {
		case v := <-a:
			sum += v
		case v := <-b:
			sum += v + 1
		}
		ack <- struct{}{}
	}
	el := time.Since(t0)
	bench.Check(sum == n*(n-1)/2, "selectblock: wrong sum")
	bench.Report("ns_per_op", float64(el.Nanoseconds())/float64(n))
}
