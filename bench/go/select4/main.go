// select4: one goroutine selects over 4 unbuffered channels, each fed by
// a sender goroutine of its own.  Size: selects (default 1,000,000);
// prints ns_per_op, per select.
package main

import (
	"time"

	"gort/bench/go/internal/bench"
)

func main() {
	per := bench.Size(1000000) / 4
	var cs [4]chan int
	for i := range cs {
		cs[i] = make(chan int)
	}
	total, sum := per*4, 0
	t0 := time.Now()
	for i := range cs {
		go func(c chan int) {
			for j := 0; j < per; j++ {
				c <- j
			}
		}(cs[i])
	}
	for i := 0; i < total; i++ {
		select {
		case v := <-cs[0]:
			sum += v
		case v := <-cs[1]:
			sum += v
		case v := <-cs[2]:
			sum += v
		case v := <-cs[3]:
			sum += v
		}
	}
	el := time.Since(t0)
	bench.Check(sum == 4*(per*(per-1)/2), "select4: wrong sum")
	bench.Report("ns_per_op", float64(el.Nanoseconds())/float64(total))
}
