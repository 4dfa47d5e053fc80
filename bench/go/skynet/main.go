// skynet: the skynet benchmark (github.com/atemerev/skynet), 10 children
// per node down to size leaves.  Size: leaves, a power of 10 (default
// 1,000,000, for 1,111,111 goroutines); prints ns_per_op, per goroutine.
package main

import (
	"time"

	"gort/bench/go/internal/bench"
)

const div = 10

func skynet(c chan int, num, size int) {
	if size == 1 {
		c <- num
		return
	}
	rc := make(chan int)
	sub := size / div
	for i := 0; i < div; i++ {
		go skynet(rc, num+i*sub, sub)
	}
	sum := 0
	for i := 0; i < div; i++ {
		sum += <-rc
	}
	c <- sum
}

func main() {
	size := bench.Size(1000000)
	total := 0
	for s := size; s >= 1; s /= div {
		total += size / s
	}
	c := make(chan int)
	t0 := time.Now()
	go skynet(c, 0, size)
	sum := <-c
	el := time.Since(t0)
	bench.Check(sum == size*(size-1)/2, "skynet: wrong sum")
	bench.Report("ns_per_op", float64(el.Nanoseconds())/float64(total))
}
