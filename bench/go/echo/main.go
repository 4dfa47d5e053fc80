// echo: TCP round trips of 64 bytes over one loopback connection, the
// client and the echoing server being goroutines of this one process.
// Size: round trips (default 50,000); prints ns_per_op, per round trip
// (the client writes 64 bytes and reads them back whole).
package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"net"
	"time"

	"gort/bench/go/internal/bench"
)

const msg = 64

// server accepts one connection and echoes it until the client closes.
func server(l net.Listener) {
	c, err := l.Accept()
	bench.Check(err == nil, "echo: accept failed")
	buf := make([]byte, msg)
	for {
		if _, err := io.ReadFull(c, buf); err != nil {
			break
		}
		if _, err := c.Write(buf); err != nil {
			break
		}
	}
	c.Close()
}

func main() {
	n := bench.Size(50000)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	bench.Check(err == nil, "echo: listen failed")
	go server(l)
	c, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	bench.Check(err == nil, "echo: dial failed")
	out, in := bytes.Repeat([]byte{'x'}, msg), make([]byte, msg)
	t0 := time.Now()
	for i := 0; i < n; i++ {
		binary.LittleEndian.PutUint64(out, uint64(i)) // each message differs
		_, err := c.Write(out)
		bench.Check(err == nil, "echo: write failed")
		_, err = io.ReadFull(c, in)
		bench.Check(err == nil, "echo: read failed")
		bench.Check(bytes.Equal(in, out), "echo: wrong bytes came back")
	}
	el := time.Since(t0)
	c.Close()
	l.Close()
	bench.Report("ns_per_op", float64(el.Nanoseconds())/float64(n))
}
