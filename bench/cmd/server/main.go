// Command server serves one implementation of the benchmark endpoints on a
// TCP address, for load tests (bench/load.sh).
//
//	server -impl=keel -addr=127.0.0.1:8081
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/keelgo/keel/bench"
)

func main() {
	name := flag.String("impl", "nethttp", "implementation: "+names())
	addr := flag.String("addr", "127.0.0.1:8080", "listen address")
	list := flag.Bool("list", false, "print the implementations, one a line, and exit")
	flag.Parse()
	if *list {
		for _, i := range bench.Impls() {
			fmt.Println(i.Name)
		}
		return
	}
	impl, ok := bench.Lookup(*name)
	if !ok {
		fmt.Fprintf(os.Stderr, "server: unknown -impl %q; one of %s\n", *name, names())
		os.Exit(2)
	}
	srv := &http.Server{Addr: *addr, Handler: impl.New(), ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.ListenAndServe())
}

func names() string {
	var n []string
	for _, i := range bench.Impls() {
		n = append(n, i.Name)
	}
	return strings.Join(n, ", ")
}
