// Package bench is what the Go benchmark programs share with each other,
// as bench/bench.h is for the C ones: the size argument, the one result
// line (KEY=VALUE) that bench/run.sh reads, and resident memory.
package bench

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Size returns os.Args[1] as a positive number, or dflt without one.
func Size(dflt int) int {
	if len(os.Args) > 1 {
		if n, err := strconv.Atoi(os.Args[1]); err == nil && n > 0 {
			return n
		}
	}
	return dflt
}

// Report prints the result line, "key=value".
func Report(key string, value float64) {
	fmt.Printf("%s=%.2f\n", key, value)
}

// Check ends the program with status 1 and "FAIL: what" unless ok.
func Check(ok bool, what string) {
	if !ok {
		fmt.Fprintf(os.Stderr, "FAIL: %s\n", what)
		os.Exit(1)
	}
}

// RSSKiB is the resident set in KiB from /proc/self/statm, or -1.
func RSSKiB() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return -1
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return -1
	}
	pages, err := strconv.ParseFloat(f[1], 64)
	if err != nil {
		return -1
	}
	return pages * float64(os.Getpagesize()) / 1024
}

// GoschedPing runs two goroutines that call runtime.Gosched n times each
// and returns the nanoseconds per call (the gosched and rawswitch
// workloads share it).
func GoschedPing(n int) float64 {
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
	return float64(time.Since(t0).Nanoseconds()) / (2 * float64(n))
}
