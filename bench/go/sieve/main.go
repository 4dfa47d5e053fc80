// sieve: the concurrent prime sieve of Go's test/chan/sieve1.go.
// Size: primes (default 2,000); prints ms, the whole run.
package main

import (
	"time"

	"gort/bench/go/internal/bench"
)

func generate(ch chan<- int) {
	for i := 2; ; i++ {
		ch <- i
	}
}

func filter(in <-chan int, out chan<- int, prime int) {
	for {
		i := <-in
		if i%prime != 0 {
			out <- i
		}
	}
}

func main() {
	n := bench.Size(2000)
	t0 := time.Now()
	ch := make(chan int)
	go generate(ch)
	prime := 0
	for i := 0; i < n; i++ {
		prime = <-ch
		ch1 := make(chan int)
		go filter(ch, ch1, prime)
		ch = ch1
	}
	el := time.Since(t0)
	bench.Check(n != 2000 || prime == 17389, "sieve: wrong 2000th prime")
	bench.Report("ms", float64(el.Nanoseconds())/1e6)
}
