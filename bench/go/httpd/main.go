// httpd: the Go twin of gort's examples/httpd.c, of the same design: an
// HTTP/1.1 server on package net with bufio, one goroutine per
// connection, keep-alive and pipelining, answering TechEmpower's
// plaintext test: GET /plaintext gives "Hello, World!" as text/plain
// with Server and Date headers.
//
//	httpd PORT      serves on PORT until killed
//
// Each connection's goroutine reads requests from a bufio.Reader and
// writes the answers to a bufio.Writer, which it flushes when no further
// request is buffered: a pipelined batch gets one write, as in the C.
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"time"
)

// The Date header changes once a second: a goroutine formats it and
// publishes it, so that handlers only copy it.
var date atomic.Pointer[[]byte]

func formatdate() {
	// net/http's TimeFormat (this twin does not import net/http).
	b := []byte(time.Now().UTC().Format("Mon, 02 Jan 2006 15:04:05 GMT"))
	date.Store(&b)
}

func dateloop() {
	for range time.Tick(time.Second) {
		formatdate()
	}
}

const inbuf, outbuf = 16384, 65536

type request struct {
	method, path []byte
	keepalive    bool
}

var (
	errBad  = fmt.Errorf("bad request")
	crlf    = []byte("\r\n")
	connhdr = []byte("connection:")
)

// readrequest reads one request's head (the line and the headers).
func readrequest(r *bufio.Reader, req *request) error {
	line, err := r.ReadSlice('\n')
	if err != nil {
		return err
	}
	line = bytes.TrimSuffix(line, crlf)
	sp1 := bytes.IndexByte(line, ' ')
	if sp1 < 0 {
		return errBad
	}
	rest := line[sp1+1:]
	sp2 := bytes.IndexByte(rest, ' ')
	if sp2 < 0 {
		return errBad
	}
	proto := rest[sp2+1:]
	if !bytes.HasPrefix(proto, []byte("HTTP/1.")) {
		return errBad
	}
	// The line is in the reader's buffer: keep what we need of it.
	req.method = append(req.method[:0], line[:sp1]...)
	req.path = append(req.path[:0], rest[:sp2]...)
	req.keepalive = !bytes.Equal(proto, []byte("HTTP/1.0"))
	for {
		h, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			return errBad
		}
		if err != nil {
			return err
		}
		if len(h) <= 2 { // the blank line
			return nil
		}
		if len(h) > 11 && bytes.EqualFold(h[:11], connhdr) {
			v := bytes.TrimLeft(h[11:], " ")
			if len(v) >= 5 && bytes.EqualFold(v[:5], []byte("close")) {
				req.keepalive = false
			} else if len(v) >= 10 && bytes.EqualFold(v[:10], []byte("keep-alive")) {
				req.keepalive = true
			}
		}
	}
}

// respond writes the answer to req.
func respond(w *bufio.Writer, req *request) {
	status, body := "200 OK", "Hello, World!"
	if string(req.method) != "GET" {
		status, body = "405 Method Not Allowed", "method not allowed\n"
	} else if string(req.path) != "/plaintext" {
		status, body = "404 Not Found", "404 page not found\n"
	}
	w.WriteString("HTTP/1.1 ")
	w.WriteString(status)
	w.WriteString("\r\nServer: go\r\nDate: ")
	w.Write(*date.Load())
	w.WriteString("\r\nContent-Type: text/plain\r\nContent-Length: ")
	var n [20]byte
	w.Write(strconv.AppendInt(n[:0], int64(len(body)), 10))
	w.WriteString("\r\n")
	if !req.keepalive {
		w.WriteString("Connection: close\r\n")
	}
	w.WriteString("\r\n")
	w.WriteString(body)
}

// serve is one connection's goroutine.
func serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReaderSize(c, inbuf)
	w := bufio.NewWriterSize(c, outbuf)
	var req request
	for {
		if err := readrequest(r, &req); err != nil {
			if err == errBad {
				w.WriteString("HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
				w.Flush()
			}
			return
		}
		respond(w, &req)
		if !req.keepalive {
			w.Flush()
			return
		}
		if r.Buffered() == 0 { // the end of a pipelined batch
			if w.Flush() != nil {
				return
			}
		}
	}
}

func main() {
	port := "8080"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	formatdate()
	go dateloop()
	l, err := net.Listen("tcp", ":"+port)
	if err != nil {
		fmt.Fprintf(os.Stderr, "listen :%s: %v\n", port, err)
		os.Exit(1)
	}
	for {
		c, err := l.Accept()
		if err != nil {
			fmt.Fprintf(os.Stderr, "accept: %v\n", err)
			os.Exit(1)
		}
		go serve(c)
	}
}
