// nethttp: TechEmpower's plaintext test on Go's net/http, beside the
// hand-made twin in bench/go/httpd: GET /plaintext gives "Hello, World!"
// as text/plain with Server and Date headers (net/http adds the Date),
// keep-alive and pipelining as net/http does them.
//
//	nethttp PORT    serves on PORT until killed
package main

import (
	"fmt"
	"net/http"
	"os"
)

var hello = []byte("Hello, World!")

func plaintext(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	h := w.Header()
	h["Server"] = []string{"go"}
	h["Content-Type"] = []string{"text/plain"}
	h["Content-Length"] = []string{"13"}
	w.Write(hello)
}

func main() {
	port := "8080"
	if len(os.Args) > 1 {
		port = os.Args[1]
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/plaintext", plaintext)
	err := http.ListenAndServe(":"+port, mux)
	fmt.Fprintf(os.Stderr, "nethttp: %v\n", err)
	os.Exit(1)
}
