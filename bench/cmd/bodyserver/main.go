// Command bodyserver serves POST /junk (bench/junk) with Keel on a loopback
// address, for the load test of large request bodies (bench/bodyload_test.go).
// It prints "listening on <addr>" once it accepts connections, and stops on
// SIGTERM or SIGINT, letting requests in flight finish.
//
//	bodyserver -addr=127.0.0.1:0 -max=10485760
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/keelgo/keel/bench/junk"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:0", "listen address")
	maxBody := flag.Int64("max", 0, "request body limit in bytes (0: Keel's default, 10 MiB)")
	flag.Parse()
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	srv := &http.Server{Handler: junk.Keel(*maxBody), ReadHeaderTimeout: 10 * time.Second}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		shutdown, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		srv.Shutdown(shutdown)
	}()
	fmt.Printf("listening on %s\n", ln.Addr())
	if err := srv.Serve(ln); err != http.ErrServerClosed {
		log.Fatal(err)
	}
}
