// mutex: 8 goroutines take turns on one sync.Mutex around an increment.
// Size: lock/unlock pairs in all (default 2,000,000); prints ns_per_op.
package main

import (
	"sync"
	"time"

	"gort/bench/go/internal/bench"
)

const workers = 8

func main() {
	per := bench.Size(2000000) / workers
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	t0 := time.Now()
	wg.Add(workers)
	for w := 0; w < workers; w++ {
		go func() {
			for i := 0; i < per; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	el := time.Since(t0)
	bench.Check(counter == per*workers, "mutex: lost increments")
	bench.Report("ns_per_op", float64(el.Nanoseconds())/float64(per*workers))
}
