// contended: 8 sender and 8 receiver goroutines on one channel of
// capacity 128.  Size: values (default 4,000,000, sent in equal shares);
// prints ns_per_op, per value sent and received.
package main

import (
	"sync"
	"time"

	"gort/bench/go/internal/bench"
)

func main() {
	n := bench.Size(4000000)
	per := n / 8
	c := make(chan int, 128)
	var sent, recvd sync.WaitGroup
	var sums [8]int
	t0 := time.Now()
	sent.Add(8)
	recvd.Add(8)
	for i := 0; i < 8; i++ {
		go func(sum *int) {
			for v := range c {
				*sum += v
			}
			recvd.Done()
		}(&sums[i])
	}
	for i := 0; i < 8; i++ {
		go func() {
			for j := 0; j < per; j++ {
				c <- j
			}
			sent.Done()
		}()
	}
	sent.Wait()
	close(c)
	recvd.Wait()
	el := time.Since(t0)
	sum := 0
	for _, s := range sums {
		sum += s
	}
	bench.Check(sum == 8*(per*(per-1)/2), "contended: wrong sum")
	bench.Report("ns_per_op", float64(el.Nanoseconds())/float64(per*8))
}
