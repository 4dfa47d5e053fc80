// hello: Go's hello world, for the process start-to-exit time.
package main

import "fmt"

func main() {
	fmt.Println("hello, world")
}
