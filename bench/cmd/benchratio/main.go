// Command benchratio summarises `go test -bench` output whose benchmark names
// end in /impl=<name>: for every benchmark and implementation it prints the
// median of each unit and the ratios of the median ns/op to the floor's and
// the limit's (impl=nethttp and impl=limit by default) measured in the same
// input, as a Markdown table. -unit chooses another unit for the ratios, such
// as heap-B; -base the implementations they are relative to.
//
//	go test -run='^$' -bench=. -count=6 ./bench/ | benchratio
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
)

func main() {
	bases := flag.String("base", "nethttp,limit", "comma-separated implementations the ratios are relative to, one column each")
	unit := flag.String("unit", "ns/op", "unit whose medians the ratios compare")
	flag.Parse()
	if err := run(os.Stdin, os.Stdout, strings.Split(*bases, ","), *unit); err != nil {
		fmt.Fprintln(os.Stderr, "benchratio:", err)
		os.Exit(1)
	}
}

// result holds every sample of one benchmark of one implementation, by unit.
type result struct {
	bench, impl string
	samples     map[string][]float64
}

func run(in io.Reader, out io.Writer, bases []string, ratioUnit string) error {
	var order []*result
	byKey := map[[2]string]*result{}
	var units []string
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i] // the GOMAXPROCS suffix
			}
		}
		bench, impl, ok := strings.Cut(name, "/impl=")
		if !ok {
			continue
		}
		bench = strings.TrimPrefix(bench, "Benchmark")
		bench = strings.TrimPrefix(bench, "Endpoints/")
		key := [2]string{bench, impl}
		r := byKey[key]
		if r == nil {
			r = &result{bench: bench, impl: impl, samples: map[string][]float64{}}
			byKey[key] = r
			order = append(order, r)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			u := f[i+1]
			if !slices.Contains(units, u) {
				units = append(units, u)
			}
			r.samples[u] = append(r.samples[u], v)
		}
	}
	if err := sc.Err(); err != nil {
		return err
	}
	if len(order) == 0 {
		return fmt.Errorf("no benchmark lines named .../impl=<name>")
	}
	// Columns: the units in the order seen, with × base after ratioUnit for
	// each base present in the input.
	var present []string
	for _, b := range bases {
		for _, r := range order {
			if r.impl == b {
				present = append(present, b)
				break
			}
		}
	}
	fmt.Fprint(out, "| benchmark | impl | n |")
	sep := "|---|---|---:|"
	for _, u := range units {
		fmt.Fprintf(out, " %s |", u)
		sep += "---:|"
		if u == ratioUnit {
			for _, b := range present {
				fmt.Fprintf(out, " × %s |", b)
				sep += "---:|"
			}
		}
	}
	fmt.Fprintln(out)
	fmt.Fprintln(out, sep)
	for _, r := range order {
		fmt.Fprintf(out, "| %s | %s | %d |", r.bench, r.impl, len(r.samples[units[0]]))
		for _, u := range units {
			s, ok := r.samples[u]
			if !ok {
				fmt.Fprint(out, " |")
				if u == ratioUnit {
					fmt.Fprint(out, strings.Repeat(" |", len(present)))
				}
				continue
			}
			m := median(s)
			fmt.Fprintf(out, " %s |", format(m))
			if u != ratioUnit {
				continue
			}
			for _, b := range present {
				if fl, ok := byKey[[2]string{r.bench, b}]; ok && len(fl.samples[u]) > 0 {
					fmt.Fprintf(out, " %.2f |", m/median(fl.samples[u]))
				} else {
					fmt.Fprint(out, " |")
				}
			}
		}
		fmt.Fprintln(out)
	}
	return nil
}

func median(s []float64) float64 {
	s = slices.Clone(s)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

func format(v float64) string {
	switch {
	case v == math.Trunc(v):
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 100:
		return strconv.FormatFloat(v, 'f', 0, 64)
	case v >= 10:
		return strconv.FormatFloat(v, 'f', 1, 64)
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}
