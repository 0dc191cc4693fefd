// Command keeladapt writes the typed adapters of the functions a package
// registers with Keel, so that the App calls them without reflection
// (docs/performance.md). Put this line in one file of the package:
//
//	//go:generate go run github.com/keelgo/keel/cmd/keeladapt
//
// and give the adapters to the App:
//
//	app := router.New(info, router.WithAdapters(keelAdapters()...))
//
// go generate then writes keel_adapters.go next to that file: a function
// keelAdapters returning one adapter (package di/adapt) per function type
// the package passes to Keel where Keel takes any function (di.Provide,
// security.Provide, a route's handler). Run it again after adding or changing
// such a function; a function without an adapter still works, by reflection,
// and the App logs it at registration (App.Graph marks it "(reflect)").
//
// Flags:
//
//	-o file    the file to write (default keel_adapters.go)
//	-check     write nothing; exit 1 when the file is not what would be written
//
// Functions whose types cannot be named from the package (a type declared
// inside a function) or whose shape Keel does not call (more than eight
// parameters, a variadic function) are left to reflection, with a line on
// standard error.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"

	"github.com/keelgo/keel/internal/adaptgen"
)

func main() {
	out := flag.String("o", "keel_adapters.go", "the file to write")
	check := flag.Bool("check", false, "write nothing; exit 1 when the file is stale")
	flag.Parse()
	dir := "."
	if flag.NArg() > 0 {
		dir = flag.Arg(0)
	}
	src, notes, err := adaptgen.Generate(dir, *out)
	for _, n := range notes {
		fmt.Fprintln(os.Stderr, "keeladapt:", n)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "keeladapt:", err)
		os.Exit(2)
	}
	path := adaptgen.OutPath(dir, *out)
	if *check {
		old, _ := os.ReadFile(path)
		if !bytes.Equal(old, src) {
			fmt.Fprintf(os.Stderr, "keeladapt: %s is stale: run go generate\n", path)
			os.Exit(1)
		}
		return
	}
	if err := os.WriteFile(path, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "keeladapt:", err)
		os.Exit(2)
	}
}
