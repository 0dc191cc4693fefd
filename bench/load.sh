#!/usr/bin/env bash
# load.sh: loopback load test of issue 5.
#
# Builds bench/cmd/server once, then for REPS repetitions starts each
# implementation in turn on 127.0.0.1, drives the Items endpoint with Debian's
# wrk for DURATION, stops the server by its PID, and finally prints the median
# requests/second per implementation and its ratio to net/http.
#
#   ./load.sh                        # REPS=3 DURATION=3s THREADS=1 CONNS=32
#   IMPLS="nethttp keel" REPS=5 ./load.sh
#
# wrk and the server share the machine: the ratios mean more than the
# absolute numbers. Install wrk with `apt-get install -y wrk`.
set -euo pipefail
cd "$(dirname "$0")"

REPS=${REPS:-3}
DURATION=${DURATION:-3s}
THREADS=${THREADS:-1}
CONNS=${CONNS:-32}
PORT=${PORT:-18080}
OUT=${OUT:-$(mktemp -d /tmp/keel-load.XXXXXX)}
mkdir -p "$OUT"

if ! command -v wrk >/dev/null; then
	echo "load.sh: wrk not found; install it with: apt-get update && apt-get install -y wrk" >&2
	exit 1
fi

go build -o "$OUT/server" ./cmd/server
if [[ -z ${IMPLS:-} ]]; then
	IMPLS=$("$OUT/server" -list)
fi

pid=
stop() {
	if [[ -n $pid ]]; then
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
		pid=
	fi
}
trap stop EXIT

echo "load average before the run: $(cut -d" " -f1-3 /proc/loadavg)" >&2
: >"$OUT/results.txt"
for rep in $(seq "$REPS"); do
	for impl in $IMPLS; do
		"$OUT/server" -impl="$impl" -addr="127.0.0.1:$PORT" 2>>"$OUT/server.log" &
		pid=$!
		url="http://127.0.0.1:$PORT/items/42?limit=10&q=abc"
		for _ in $(seq 100); do
			if curl -fs -o /dev/null -H 'Authorization: Bearer tok123' "$url"; then break; fi
			sleep 0.05
		done
		rps=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -H 'Authorization: Bearer tok123' "$url" |
			awk '/^Requests\/sec:/ {print $2}')
		stop
		echo "$impl $rps" | tee -a "$OUT/results.txt" >&2
	done
done

echo
echo "## wrk -t$THREADS -c$CONNS -d$DURATION, Items endpoint, median of $REPS"
echo
echo "| impl | req/s | × nethttp |"
echo "|---|---:|---:|"
for impl in $IMPLS; do
	awk -v i="$impl" '$1 == i {print $2}' "$OUT/results.txt" | sort -g |
		awk '{v[NR] = $1} END {m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2; print m}' >"$OUT/median.$impl"
done
base=$(cat "$OUT/median.nethttp" 2>/dev/null || echo 0)
for impl in $IMPLS; do
	m=$(cat "$OUT/median.$impl")
	awk -v i="$impl" -v m="$m" -v b="$base" 'BEGIN {printf "| %s | %.0f | %s |\n", i, m, (b > 0 ? sprintf("%.2f", m / b) : "")}'
done
echo
echo "raw output: $OUT" >&2
