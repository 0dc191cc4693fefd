// Command instr serves one benchmark endpoint with one implementation n times
// in a single goroutine, as BenchmarkEndpoints does, so that an instruction
// counter gives a noise-free figure per request on a shared machine. Run it
// twice, with -n=0 and with a large -n, and divide the difference by n:
//
//	go build -o /tmp/instr ./cmd/instr
//	GOGC=off valgrind --tool=callgrind --callgrind-out-file=/dev/null /tmp/instr -impl=keel -endpoint=Items -n=0
//	GOGC=off valgrind --tool=callgrind --callgrind-out-file=/dev/null /tmp/instr -impl=keel -endpoint=Items -n=20000
//
// GOGC=off keeps the
// collector out of the count; allocations are still counted.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/keelgo/keel/bench"
)

func main() {
	impl := flag.String("impl", "keel", "implementation (bench/cmd/server -list names them)")
	endpoint := flag.String("endpoint", "Items", "endpoint: Ping, Items, Scopes or Body")
	n := flag.Int("n", 10000, "requests to serve after the first")
	flag.Parse()
	if err := bench.Loop(*impl, *endpoint, *n); err != nil {
		fmt.Fprintln(os.Stderr, "instr:", err)
		os.Exit(1)
	}
}
