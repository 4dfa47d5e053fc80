// spawn: start goroutines that do nothing but signal a WaitGroup.
// Size: goroutines (default 1,000,000); prints ns_per_op, per goroutine.
package main

import (
	"sync"
	"time"

	"gort/bench/go/internal/bench"
)

func main() {
	n := bench.Size(1000000)
	var wg sync.WaitGroup
	t0 := time.Now()
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func() { wg.Done() }()
	}
	wg.Wait()
	bench.Report("ns_per_op", float64(time.Since(t0).Nanoseconds())/float64(n))
}
