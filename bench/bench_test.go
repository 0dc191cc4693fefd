package bench

import (
	"flag"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"testing"
)

var idleHeapProfile = flag.String("idleheapprofile", "", "BenchmarkIdleHeap: write the live heap of the last application built, by allocation site, to this file (with -memprofilerate=1)")

// BenchmarkEndpoints times each endpoint in each implementation: one
// pre-built request, one reusable ResponseWriter. Names are
// Endpoints/<endpoint>/impl=<name>, so that benchstat can put the
// implementations side by side (-col /impl).
func BenchmarkEndpoints(b *testing.B) {
	for _, e := range endpoints() {
		b.Run(e.name, func(b *testing.B) {
			for _, impl := range Impls() {
				b.Run("impl="+impl.Name, func(b *testing.B) {
					benchServe(b, impl.New(), e)
				})
			}
		})
	}
}

func benchServe(b *testing.B, h http.Handler, e endpoint) {
	serve, w := server(h, e)
	serve()
	if w.status != e.status {
		b.Fatalf("status %d, want %d", w.status, e.status)
	}
	b.ReportAllocs()
	for b.Loop() {
		serve()
	}
}

// routeCount is the size of the registration, OpenAPI and heap benchmarks.
const routeCount = 1000

// BenchmarkRegister times building an application with 1,000 Items routes,
// each with its authentication dependencies and validated parameters.
func BenchmarkRegister(b *testing.B) {
	for _, impl := range Impls() {
		if impl.Routes == nil {
			continue
		}
		b.Run("impl="+impl.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				runtime.KeepAlive(impl.Routes(routeCount))
			}
		})
	}
}

// BenchmarkOpenAPI times rendering the OpenAPI document of a 1,000-route
// application, built outside the timer (huma and fuego build their document
// while routes are registered; Keel when it is first asked for).
func BenchmarkOpenAPI(b *testing.B) {
	for _, impl := range Impls() {
		if impl.OpenAPI == nil || impl.Routes == nil {
			continue
		}
		b.Run("impl="+impl.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				h := impl.Routes(routeCount)
				b.StartTimer()
				doc, err := impl.OpenAPI(h)
				if err != nil || len(doc) == 0 {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkIdleHeap reports the live heap of an idle 1,000-route application
// (after GC) as the metric heap-B; its ns/op means nothing. Run it with a
// small -benchtime such as 3x. With -idleheapprofile=FILE (and
// -memprofilerate=1) it writes the heap profile while the application is
// alive, for go tool pprof -sample_index=inuse_space (-memprofile is written
// when the benchmarks end, after the applications are gone).
func BenchmarkIdleHeap(b *testing.B) {
	for _, impl := range Impls() {
		if impl.Routes == nil {
			continue
		}
		b.Run("impl="+impl.Name, func(b *testing.B) {
			var total uint64
			var n int
			for b.Loop() {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				h := impl.Routes(routeCount)
				runtime.GC()
				runtime.ReadMemStats(&after)
				total += after.HeapAlloc - before.HeapAlloc
				n++
				if *idleHeapProfile != "" {
					f, err := os.Create(*idleHeapProfile)
					if err != nil {
						b.Fatal(err)
					}
					if err := pprof.Lookup("heap").WriteTo(f, 0); err != nil {
						b.Fatal(err)
					}
					if err := f.Close(); err != nil {
						b.Fatal(err)
					}
				}
				runtime.KeepAlive(h)
			}
			b.ReportMetric(float64(total)/float64(n), "heap-B")
		})
	}
}
