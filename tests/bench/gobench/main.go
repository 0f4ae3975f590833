// gobench - the Go benchmark client of `make bench`: Go makes its own system
// calls, so only the seccomp supervisor carries it (sockschain --supervise).
//
// usage: gobench [-n N] [-expect BYTES] HOST:PORT
//
// Connects N times (default 1000), one after the other, reads BYTES (default
// 1) of reply each time, and closes. Prints one line as bench does:
// "ok=N failed=N seconds=S rate=R" (connections per second).
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"time"
)

func one(addr string, buf []byte) bool {
	conn, err := net.DialTimeout("tcp", addr, 10*time.Second)
	if err != nil {
		return false
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, err = io.ReadFull(conn, buf)
	return err == nil
}

func main() {
	n := flag.Int("n", 1000, "connections, one after the other")
	expect := flag.Int("expect", 1, "bytes of reply per connection")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: gobench [-n N] [-expect BYTES] HOST:PORT")
		os.Exit(2)
	}
	buf := make([]byte, *expect)
	ok, failed := 0, 0
	start := time.Now()
	for i := 0; i < *n; i++ {
		if one(flag.Arg(0), buf) {
			ok++
		} else {
			failed++
		}
	}
	seconds := time.Since(start).Seconds()
	fmt.Printf("ok=%d failed=%d seconds=%.4f rate=%.1f\n", ok, failed, seconds, float64(ok)/seconds)
	if failed != 0 {
		fmt.Fprintf(os.Stderr, "gobench: %d connections failed\n", failed)
		os.Exit(1)
	}
}
