#!/usr/bin/env bash
# load.sh: loopback load test of issues 5 and 11.
#
# Builds bench/cmd/server once, then for REPS repetitions starts each
# implementation in turn on 127.0.0.1 (the order reversed every other
# repetition), pinned to one CPU with taskset (SERVER_CPU, default 0) while wrk
# runs on the other (WRK_CPU, default 1), drives the Items endpoint with
# Debian's wrk for DURATION, and stops the server by its PID. For each run it
# records requests/second and the server's CPU time per request (user + system
# time from /proc/PID/stat over the wrk run, divided by the requests wrk
# completed). It prints, per implementation, the medians, and the medians of
# the per-repetition ratios to net/http (the floor) and to the limit (each
# repetition's own runs are the base, so that load from elsewhere on the
# machine cancels out as far as possible).
#
#   ./load.sh                        # REPS=5 DURATION=2s THREADS=1 CONNS=32
#   IMPLS="nethttp limit keel keel-plain" REPS=5 ./load.sh
#
# CPU per request is the figure to compare: the server has one CPU, so
# requests/second also depends on what else runs on it. Install wrk with
# `apt-get install -y wrk`.
set -euo pipefail
cd "$(dirname "$0")"

REPS=${REPS:-5}
DURATION=${DURATION:-2s}
THREADS=${THREADS:-1}
CONNS=${CONNS:-32}
PORT=${PORT:-18080}
SERVER_CPU=${SERVER_CPU:-0}
WRK_CPU=${WRK_CPU:-1}
TICK=$(getconf CLK_TCK)
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
	order=$IMPLS
	if ((rep % 2 == 0)); then
		order=$(printf '%s\n' $IMPLS | tac | tr '\n' ' ')
	fi
	for impl in $order; do
		taskset -c "$SERVER_CPU" "$OUT/server" -impl="$impl" -addr="127.0.0.1:$PORT" 2>>"$OUT/server.log" &
		pid=$!
		url="http://127.0.0.1:$PORT/items/42?limit=10&q=abc"
		for _ in $(seq 100); do
			if curl -fs -o /dev/null -H 'Authorization: Bearer tok123' "$url"; then break; fi
			sleep 0.05
		done
		t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
		out=$(taskset -c "$WRK_CPU" wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" -H 'Authorization: Bearer tok123' "$url")
		t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
		stop
		rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$out")
		n=$(awk '/requests in/ {print $1}' <<<"$out")
		cpu=$(awk -v a="$t0" -v b="$t1" -v t="$TICK" -v n="$n" 'BEGIN { printf "%.3f", (b - a) / t * 1e6 / n }')
		echo "$rep $impl $rps $cpu" | tee -a "$OUT/results.txt" >&2
	done
done

echo
echo "## wrk -t$THREADS -c$CONNS -d$DURATION, Items endpoint, $REPS repetitions, server on CPU $SERVER_CPU"
echo
echo "| impl | median req/s | server CPU µs/request | CPU × limit | CPU × nethttp | req/s × nethttp |"
echo "|---|---:|---:|---:|---:|---:|"
for impl in $IMPLS; do
	awk -v i="$impl" '
		$2 == "nethttp" { base[$1] = $3; bcpu[$1] = $4 }
		$2 == "limit" { lcpu[$1] = $4 }
		$2 == i { v[$1] = $3; c[$1] = $4 }
		function median(a,   s, k, j, t, n) {
			k = 0; for (j in a) s[++k] = a[j]
			if (k == 0) return 0
			for (j = 2; j <= k; j++) { t = s[j]; for (n = j - 1; n > 0 && s[n] > t; n--) s[n + 1] = s[n]; s[n + 1] = t }
			return (k % 2) ? s[(k + 1) / 2] : (s[k / 2] + s[k / 2 + 1]) / 2
		}
		END {
			for (r in v) {
				if (base[r] > 0) ratio[r] = v[r] / base[r]
				if (bcpu[r] > 0) cn[r] = c[r] / bcpu[r]
				if (lcpu[r] > 0) cl[r] = c[r] / lcpu[r]
			}
			printf "| %s | %.0f | %.2f | %.2f | %.2f | %.2f |\n", i, median(v), median(c), median(cl), median(cn), median(ratio)
		}' "$OUT/results.txt"
done
echo
echo "raw output: $OUT" >&2
