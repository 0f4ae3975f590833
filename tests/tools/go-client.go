// go-client HOST PORT: a Go program that dials HOST:PORT. Go's runtime makes
// its own system calls, so a preloaded library never sees this connect: the
// launcher and the exec guard must refuse the program.
package main

import (
	"fmt"
	"net"
	"os"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: go-client HOST PORT")
		os.Exit(2)
	}
	c, err := net.Dial("tcp", net.JoinHostPort(os.Args[1], os.Args[2]))
	if err != nil {
		fmt.Println("go client: fail:", err)
		os.Exit(1)
	}
	fmt.Println("go client: connected")
	c.Close()
}
