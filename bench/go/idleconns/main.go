// idleconns: resident memory per idle TCP connection.  Size: connections
// (default 10,000), dialled over loopback to a server in this process
// that serves each with a goroutine blocked reading into a 64-byte
// buffer; prints kib_per_conn, the growth of the resident set
// (/proc/self/statm) from before the first dial to after every server
// goroutine is blocked, divided by the number of connections.  Both ends
// are in the process, so that includes the client's side of each
// connection; the kernel's socket buffers are not resident memory.
//
// Each connection takes two descriptors: the soft RLIMIT_NOFILE is raised
// to the hard one, and when that is below 2N+100 fewer connections are
// opened (the program says how many on stderr).  Linux only.
package main

import (
	"fmt"
	"net"
	"os"
	"runtime"
	"sync"
	"syscall"
	"time"

	"gort/bench/go/internal/bench"
)

var wg sync.WaitGroup

// serve is one connection's goroutine: it blocks in read until the
// process exits.
func serve(c net.Conn) {
	buf := make([]byte, 64)
	wg.Done()
	for {
		if _, err := c.Read(buf); err != nil {
			break
		}
	}
	c.Close()
}

func acceptloop(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return
		}
		go serve(c)
	}
}

// maxconns raises the descriptor limit as far as it goes and returns how
// many connections fit under it, at most n.
func maxconns(n int) int {
	var rl syscall.Rlimit
	if syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl) != nil {
		return n
	}
	if rl.Cur < rl.Max {
		rl.Cur = rl.Max
		syscall.Setrlimit(syscall.RLIMIT_NOFILE, &rl)
		syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl)
	}
	if rl.Cur < uint64(2*n+100) {
		fit := (int(rl.Cur) - 100) / 2
		fmt.Fprintf(os.Stderr, "idleconns: descriptor limit %d: %d connections, not %d\n", rl.Cur, fit, n)
		n = fit
	}
	return n
}

func main() {
	n := maxconns(bench.Size(10000))
	bench.Check(n > 0, "idleconns: no descriptors for even one connection")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	bench.Check(err == nil, "idleconns: listen failed")
	addr := l.Addr().String()
	go acceptloop(l)
	conns := make([]net.Conn, n)
	time.Sleep(10 * time.Millisecond) // the accept loop is parked
	before := bench.RSSKiB()
	wg.Add(n)
	for i := range conns {
		conns[i], err = net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: idleconns: dial %d: %v\n", i, err)
			os.Exit(1)
		}
	}
	wg.Wait()
	time.Sleep(100 * time.Millisecond) // the last ones reach their read
	after := bench.RSSKiB()
	bench.Check(runtime.NumGoroutine() >= n, "idleconns: goroutines missing")
	fmt.Printf("connections=%d\n", n)
	if before < 0 {
		bench.Report("kib_per_conn", -1)
	} else {
		bench.Report("kib_per_conn", (after-before)/float64(n))
	}
	runtime.KeepAlive(conns)
}
