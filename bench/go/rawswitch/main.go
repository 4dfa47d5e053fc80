// rawswitch: Go has no context switch below runtime.Gosched that a
// program can call, so this is the Gosched ping between two goroutines
// (run at GOMAXPROCS=1), the reference for bench/rawswitch.c.
// Size: round trips (default 2,000,000); prints ns_per_op, per switch.
package main

import (
	"runtime"
	"sync"
	"time"

	"gort/bench/go/internal/bench"
)

func main() {
	n := bench.Size(2000000)
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
