// sleepers: goroutines that each sleep 1 ms, then signal a WaitGroup.
// Size: goroutines (default 100,000); prints ms, from the first start to
// the last wake-up.
package main

import (
	"sync"
	"time"

	"gort/bench/go/internal/bench"
)

func main() {
	n := bench.Size(100000)
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			time.Sleep(time.Millisecond)
			wg.Done()
		}()
	}
	wg.Wait()
	bench.Report("ms", float64(time.Since(t0).Nanoseconds())/1e6)
}
