#!/usr/bin/env bash
# run.sh: the in-process benchmarks of issue 5.
#
# Compiles the benchmark binary once, then runs every endpoint of every
# implementation in ROUNDS interleaved rounds (each round is -count=1 over all
# of them, so slow drift of the machine spreads over all implementations
# instead of hitting one), then registration/OpenAPI of 1,000 routes and the
# idle heap. Prints benchstat's summary and a table of medians with the ratio
# to the floor (impl=nethttp) measured in the same run.
#
#   ./run.sh                      # ROUNDS=6 BENCHTIME=300ms, about 2 minutes
#   ROUNDS=10 BENCHTIME=1s ./run.sh
#   BENCH='Endpoints/Items' ./run.sh
#
# Raw output is kept in $OUT (default: a new directory under /tmp).
set -euo pipefail
cd "$(dirname "$0")"

ROUNDS=${ROUNDS:-6}
BENCHTIME=${BENCHTIME:-300ms}
BENCH=${BENCH:-Endpoints}
OUT=${OUT:-$(mktemp -d /tmp/keel-bench.XXXXXX)}
mkdir -p "$OUT"

BENCHSTAT=$(command -v benchstat || true)
if [[ -z $BENCHSTAT ]]; then
	BENCHSTAT="$(go env GOPATH)/bin/benchstat"
	if [[ ! -x $BENCHSTAT ]]; then
		echo "installing benchstat" >&2
		go install golang.org/x/perf/cmd/benchstat@latest
	fi
fi

go test -c -o "$OUT/bench.test" .
go build -o "$OUT/benchratio" ./cmd/benchratio

{
	echo "# $(date -u +%Y-%m-%dT%H:%M:%SZ) $(go version)"
	echo "# nproc=$(nproc) $(lscpu | sed -n 's/^Model name: *//p')"
	echo "# load average before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$OUT/machine.txt"

: >"$OUT/endpoints.txt"
for round in $(seq "$ROUNDS"); do
	echo "round $round/$ROUNDS" >&2
	"$OUT/bench.test" -test.run='^$' -test.bench="$BENCH" -test.benchtime="$BENCHTIME" \
		-test.count=1 >>"$OUT/endpoints.txt"
done

if [[ $BENCH == Endpoints ]]; then
	echo "registration, OpenAPI, idle heap (1,000 routes)" >&2
	"$OUT/bench.test" -test.run='^$' -test.bench='^Benchmark(Register|OpenAPI)$' \
		-test.benchtime=5x -test.count=3 >"$OUT/routes.txt"
	"$OUT/bench.test" -test.run='^$' -test.bench='^BenchmarkIdleHeap$' \
		-test.benchtime=3x -test.count=1 >"$OUT/heap.txt"
fi

echo
echo "## benchstat (columns: implementations; vs base = vs nethttp)"
"$BENCHSTAT" -col /impl "$OUT/endpoints.txt"
echo
echo "## medians and ratio to the floor, same run"
"$OUT/benchratio" <"$OUT/endpoints.txt"
if [[ -f $OUT/routes.txt ]]; then
	echo
	echo "## 1,000 routes: registration and OpenAPI"
	"$OUT/benchratio" <"$OUT/routes.txt"
	echo
	echo "## 1,000 routes: live heap of the idle app (heap-B; ignore ns/op)"
	"$OUT/benchratio" -unit heap-B <"$OUT/heap.txt"
fi
echo
echo "raw output: $OUT" >&2
