#!/usr/bin/env bash
# load.sh: loopback load test of issue 5.
#
# Builds bench/cmd/server once, then for REPS repetitions starts each
# implementation in turn on 127.0.0.1 (the order reversed every other
# repetition), drives the Items endpoint with Debian's wrk for DURATION, and
# stops the server by its PID. It prints, per implementation, the median
# requests/second and the median of its per-repetition ratio to net/http (each
# repetition's own net/http run is the base, so that load from elsewhere on the
# machine cancels out as far as possible).
#
#   ./load.sh                        # REPS=5 DURATION=2s THREADS=1 CONNS=32
#   IMPLS="nethttp keel" REPS=5 ./load.sh
#
# wrk and the server share the machine: the ratios mean more than the
# absolute numbers. Install wrk with `apt-get install -y wrk`.
set -euo pipefail
cd "$(dirname "$0")"

REPS=${REPS:-5}
DURATION=${DURATION:-2s}
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
	order=$IMPLS
	if ((rep % 2 == 0)); then
		order=$(printf '%s\n' $IMPLS | tac | tr '\n' ' ')
	fi
	for impl in $order; do
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
		echo "$rep $impl $rps" | tee -a "$OUT/results.txt" >&2
	done
done

echo
echo "## wrk -t$THREADS -c$CONNS -d$DURATION, Items endpoint, $REPS repetitions"
echo
echo "| impl | median req/s | median × nethttp (per repetition) |"
echo "|---|---:|---:|"
for impl in $IMPLS; do
	awk -v i="$impl" '
		$2 == "nethttp" { base[$1] = $3 }
		$2 == i { v[$1] = $3 }
		function median(a, n,   s, k, j, t) {
			k = 0; for (j in a) s[++k] = a[j]
			for (j = 2; j <= k; j++) { t = s[j]; for (n = j - 1; n > 0 && s[n] > t; n--) s[n + 1] = s[n]; s[n + 1] = t }
			return (k % 2) ? s[(k + 1) / 2] : (s[k / 2] + s[k / 2 + 1]) / 2
		}
		END {
			for (r in v) if (base[r] > 0) ratio[r] = v[r] / base[r]
			printf "| %s | %.0f | %.2f |\n", i, median(v), median(ratio)
		}' "$OUT/results.txt"
done
echo
echo "raw output: $OUT" >&2
