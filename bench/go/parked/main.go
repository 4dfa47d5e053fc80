// parked: resident memory per parked goroutine.  Size: goroutines
// (default 1,000,000), each blocked receiving from one channel nobody
// sends on; prints kib_per_goroutine, the growth of the resident set
// (/proc/self/statm) divided by their number.
package main

import (
	"runtime"
	"sync"
	"time"

	"gort/bench/go/internal/bench"
)

func main() {
	n := bench.Size(1000000)
	gate := make(chan struct{})
	var wg sync.WaitGroup
	before := bench.RSSKiB()
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			wg.Done()
			<-gate
		}()
	}
	wg.Wait()
	time.Sleep(100 * time.Millisecond) // the last ones reach their receive
	after := bench.RSSKiB()
	bench.Check(runtime.NumGoroutine() >= n, "parked: goroutines missing")
	if before < 0 {
		bench.Report("kib_per_goroutine", -1)
	} else {
		bench.Report("kib_per_goroutine", (after-before)/float64(n))
	}
}
