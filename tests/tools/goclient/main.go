// goclient - a Go test client for sockschain's supervisor suite: Go makes
// its own system calls (no libc), so only the seccomp supervisor reaches it.
//
// usage: goclient [-n N] [-send S] [-expect S] HOST:PORT
//        goclient -lookup NAME
//
// Dials HOST:PORT N times at once (goroutines), sends S and reads back
// len(expect) bytes on each; one line per connection, "ok" or "fail err=...",
// then "summary ok=N fail=N elapsed_ms=N". -lookup resolves NAME with Go's
// own resolver (UDP to the resolv.conf servers) and prints the addresses.
// Exit status 0 when everything succeeded, 1 otherwise.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"time"
)

func dialOne(addr, send, expect string) string {
	conn, err := net.DialTimeout("tcp", addr, 15*time.Second)
	if err != nil {
		return "fail err=" + err.Error()
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if send != "" {
		if _, err := conn.Write([]byte(send)); err != nil {
			return "fail write=" + err.Error()
		}
	}
	if expect != "" {
		buf := make([]byte, len(expect))
		if _, err := io.ReadFull(conn, buf); err != nil {
			return "fail read=" + err.Error()
		}
		if string(buf) != expect {
			return "fail received=" + string(buf)
		}
		return "ok received=" + string(buf)
	}
	return "ok"
}

func lookup(name string) int {
	r := &net.Resolver{PreferGo: true}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	addrs, err := r.LookupHost(ctx, name)
	if err != nil {
		fmt.Println("fail err=" + err.Error())
		return 1
	}
	fmt.Println("addrs=" + strings.Join(addrs, ","))
	return 0
}

func main() {
	n := flag.Int("n", 1, "connections at once")
	send := flag.String("send", "", "bytes to send")
	expect := flag.String("expect", "", "bytes to read back")
	name := flag.String("lookup", "", "resolve this name with Go's resolver")
	flag.Parse()
	if *name != "" {
		os.Exit(lookup(*name))
	}
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: goclient [-n N] [-send S] [-expect S] HOST:PORT")
		os.Exit(2)
	}
	start := time.Now()
	results := make([]string, *n)
	var wg sync.WaitGroup
	for i := 0; i < *n; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			results[i] = dialOne(flag.Arg(0), *send, *expect)
		}(i)
	}
	wg.Wait()
	ok := 0
	for _, r := range results {
		fmt.Println(r)
		if strings.HasPrefix(r, "ok") {
			ok++
		}
	}
	fmt.Printf("summary ok=%d fail=%d elapsed_ms=%d\n", ok, *n-ok, time.Since(start).Milliseconds())
	if ok != *n {
		os.Exit(1)
	}
}
