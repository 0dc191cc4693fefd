// Command reginstr registers the 1,000 Items routes of BenchmarkRegister n
// times and, with -openapi, builds and encodes each application's OpenAPI
// document (BenchmarkOpenAPI), so that an instruction counter gives
// noise-free figures for both on a shared machine. Run it with -n=0 and a
// larger -n, with and without -openapi, and divide the differences by n:
//
//	go build -o /tmp/reginstr ./cmd/reginstr
//	GODEBUG=asyncpreemptoff=1 GOGC=off valgrind --tool=callgrind --callgrind-out-file=/dev/null /tmp/reginstr -n=0
//	GODEBUG=asyncpreemptoff=1 GOGC=off valgrind --tool=callgrind --callgrind-out-file=/dev/null /tmp/reginstr -n=3
//	GODEBUG=asyncpreemptoff=1 GOGC=off valgrind --tool=callgrind --callgrind-out-file=/dev/null /tmp/reginstr -n=3 -openapi
//
// It prints the allocations and bytes allocated (runtime.MemStats), and with
// -o writes the last document, to compare two builds byte for byte. It uses
// only RoutesKeel and OpenAPIKeel, so the same file builds at older commits.
package main

import (
	"flag"
	"fmt"
	"os"
	"runtime"

	"github.com/keelgo/keel/bench"
)

func main() {
	n := flag.Int("n", 1, "applications to build")
	routes := flag.Int("routes", 1000, "routes per application")
	doc := flag.Bool("openapi", false, "build and encode the OpenAPI document of each")
	out := flag.String("o", "", "write the last document to this file")
	flag.Parse()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	var last []byte
	for range *n {
		h := bench.RoutesKeel(*routes)
		if *doc {
			b, err := bench.OpenAPIKeel(h)
			if err != nil {
				fmt.Fprintln(os.Stderr, "reginstr:", err)
				os.Exit(1)
			}
			last = b
		}
	}
	runtime.ReadMemStats(&m1)
	fmt.Printf("mallocs %d bytes %d\n", m1.Mallocs-m0.Mallocs, m1.TotalAlloc-m0.TotalAlloc)
	if *out != "" {
		if err := os.WriteFile(*out, last, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "reginstr:", err)
			os.Exit(1)
		}
	}
}
