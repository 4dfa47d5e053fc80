// gosched: two goroutines calling runtime.Gosched in turn.
// Size: calls per goroutine (default 1,000,000); prints ns_per_op, per
// Gosched.
package main

import (
	"runtime"
	"sync"
	"time"

	"gort/bench/go/internal/bench"
)

func main() {
	n := bench.Size(1000000)
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(1)
	go func() {
		for i := 0; i < n; i++ {
			runtime.Gosched()
		}
		wg.Done()
	}()
	for i := 0; i < n; i++ {
		runtime.Gosched()
	}
	wg.Wait()
	bench.Report("ns_per_op", float64(time.Since(t0).Nanoseconds())/(2*float64(n)))
}
