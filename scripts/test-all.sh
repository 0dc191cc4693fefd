#!/usr/bin/env bash
# The full test suite: what CI runs (.ci/run) and what the README's second
# command runs. On a fresh Debian machine it installs what it needs (apt, npm,
# go install) and must finish within 12 minutes there (README "Tests" has the
# last measured time). It runs, in every module of the repository (each on its
# own go.mod: see DESIGN.md "Modules"):
#   tools        apt packages, npm tools, staticcheck
#   ahead        starts build_ahead: the OpenID provider, oapi-codegen and the
#                fuzzing binaries built in the background at nice 19, in the
#                CPU the sleep-bound steps leave idle
#   static       gofmt, toolchain lines, go mod tidy -diff, go vet (not in
#                the harness modules: see step_static)
#   staticcheck  staticcheck (the modules with cheap dependencies: see
#                step_staticcheck)
#   modules      fails if a module's tests run in no step
#   test_core    go test -race of the core module, and of internal/interop
#                (the core's tests that need an independent Digest client or
#                goleak, which the core module does not require)
#   test_example go test of the example module, with its process tests at full
#                size (KEEL_FULL=1: 300 concurrent logins under ulimit -n 1024,
#                a graceful shutdown with the default timeouts)
#   test_docs    the documentation tests (internal/docstest), and keelotel's
#                (OpenTelemetry spans, with the SDK's in-memory recorder)
#   test_bench   the bench module's behaviour tests
#   instances    three example processes sharing one Redis and one SQLite
#                file under 20 s of paced mixed load, Redis stopped and
#                restarted in the middle (cmd/example TestInstances, issue 13);
#                docs/deployment.md's worked example behind a real nginx
#                (TestDeploymentGuide)
#   e2e          the independent checks of the example's OpenAPI document:
#                redocly lint, an oapi-codegen client against the running
#                example, and Swagger UI's OAuth2 Authorize flow in Chromium;
#                the example against a real OpenID provider (internal/
#                oidcprovider, zitadel/oidc's example provider, built from the
#                module proxy and started by the tests on free loopback ports,
#                stopped by PID): verification, forged tokens, key rotation,
#                the provider down, and Swagger UI's login through it
#   fuzz         every fuzz target, FUZZ_BUDGET seconds in all, 2 s each at
#                least (their seed corpora already ran as tests)
#   bodyload     16 concurrent 10 MiB JSON bodies against a real Keel server on
#                loopback: all answered, peak RSS under 1 GiB (issue 9 item 4)
#   test_redis   redisstore's conformance tests against a real redis-server
#                (each test starts its own on a free loopback port), then
#                against a real valkey-server; in the full run they run beside
#                the fuzzing (they mostly wait) and this step collects them
#
# Adding a step: write a function step_NAME below and add NAME to run_steps at
# the end; a step that starts a server starts it on a free loopback port and
# registers its PID with stop_at_exit (scripts/lib.sh). KEEL_STEPS="static
# test" runs only the named steps. The times of the steps are printed at the end.
#
# The time on a fresh machine (README "Tests" has the figures) is mostly
# compiling: the standard library and every dependency once normally, once
# with -race (test_core, test_redis) and once instrumented for fuzzing, plus
# go vet's and staticcheck's analyses of the dependencies. So each binary is
# built once and shared by the steps that run it (example_bin, provider_bin,
# example_test_bin, bench_test_bin), the costly analyses run where the
# dependencies are cheap (land-check runs them everywhere at each landing),
# and what the last steps need is built ahead, at nice 19, while the steps
# in between wait on timers and sockets.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

step_tools() {
  local need_apt=() sudo=""
  command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
  command -v curl >/dev/null 2>&1 || need_apt+=(curl)
  command -v npm >/dev/null 2>&1 || need_apt+=(npm)
  command -v redis-server >/dev/null 2>&1 || need_apt+=(redis-server)
  [ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need_apt+=(nginx)
  # The packages (Chromium is most of it: about 80 s to download and unpack)
  # install in the background while Go compiles; apt_wait waits for them
  # before the first step that runs one (npm first, when it is missing).
  if [ ${#need_apt[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || sudo=sudo
    apt_log=$(mktemp)
    remove_at_exit "$apt_log"
    echo "-- apt-get install ${need_apt[*]} (in the background)"
    ($sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}") >"$apt_log" 2>&1 &
    apt_pid=$!
    wait_at_exit "$apt_pid"
    [[ " ${need_apt[*]} " != *" npm "* ]] || apt_wait
  fi
  # npm's install waits on the network; it runs while staticcheck compiles.
  local npm_pid="" npm_log
  npm_log=$(mktemp)
  if [ ! -x scripts/node_modules/.bin/redocly ]; then
    (cd scripts && npm install --no-audit --no-fund --silent >"$npm_log" 2>&1) &
    npm_pid=$!
  fi
  # Valkey's package (test_redis) is fetched in the background too.
  valkey_log=$(mktemp)
  remove_at_exit "$valkey_log"
  valkey_server >"$valkey_log" 2>&1 &
  valkey_pid=$!
  wait_at_exit "$valkey_pid"
  command -v staticcheck >/dev/null 2>&1 || go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
  if [ -n "$npm_pid" ] && ! wait "$npm_pid"; then
    cat "$npm_log"
    rm -f "$npm_log"
    echo "npm install failed"
    return 1
  fi
  rm -f "$npm_log"
}

# go vet analyses every dependency too (for its facts), the standard library
# included. CI skips the modules of test and benchmark harnesses whose
# dependencies are large and vetted nowhere else: bench (six web
# frameworks), internal/e2e (chromedp's generated protocol packages) and
# internal/oidcprovider (zitadel/oidc); scripts/land-check.sh vets every
# module at each landing, with a warm cache, so main never holds a module that
# fails go vet. Their code still compiles and runs here (test_bench, e2e).
# apt_wait waits for the packages step_tools installs in the background, if
# any, and fails with apt's output if their installation failed.
apt_pid=""
apt_log=""
apt_wait() {
  [ -n "$apt_pid" ] || return 0
  local pid=$apt_pid
  apt_pid=""
  if ! wait "$pid"; then
    cat "$apt_log"
    echo "apt-get install failed"
    return 1
  fi
}

step_static() {
  check_gofmt
  check_toolchain
  check_tidy
  KEEL_VET_SKIP="bench internal/e2e internal/oidcprovider" check_vet
}
# staticcheck analyses every dependency from source on a fresh machine; the
# bench module's (six web frameworks) cost 150 s of CPU, the OpenID
# provider's (zitadel/oidc, go-jose, OpenTelemetry) 95 s, the example's
# (SQLite's libc) 27 s after the core module's, so CI checks only the modules
# whose dependencies are cheap: the framework (60 s of CPU, the standard
# library's analysis included), internal/interop (the framework's plus
# goleak and icholy/digest, both small), redisstore, keelotel and the
# generated client's module. scripts/land-check.sh checks every module at each
# landing, cache warm, so main never holds a module staticcheck rejects.
step_staticcheck() {
  KEEL_STATICCHECK_SKIP="bench internal/oidcprovider cmd/example internal/docstest internal/e2e" check_staticcheck
}

# Binaries built once and shared by the steps that run them: the example
# (test_example's process tests, instances, e2e: KEEL_EXAMPLE_BIN) and the
# OpenID provider (e2e: KEEL_OIDC_PROVIDER_BIN). A test run without them
# builds its own; here each would be linked again (SQLite's libc makes the
# example's link the slowest of the repository).
bin_dir=$(mktemp -d)
remove_at_exit "$bin_dir"
example_bin() {
  if [ ! -x "$bin_dir/example" ]; then
    echo "-- go build ./cmd/example"
    in_module cmd/example go build -o "$bin_dir/example" .
  fi
  export KEEL_EXAMPLE_BIN=$bin_dir/example
}
provider_bin() {
  if [ ! -x "$bin_dir/oidcprovider" ]; then
    echo "-- go build ./internal/oidcprovider"
    in_module internal/oidcprovider go build -o "$bin_dir/oidcprovider" .
  fi
  export KEEL_OIDC_PROVIDER_BIN=$bin_dir/oidcprovider
}
# example_test_bin builds the test binary of package cmd/example once (go test
# -c): test_example and instances run it.
example_test_bin() {
  if [ ! -x "$bin_dir/example.test" ]; then
    in_module cmd/example go test $(vet_flag cmd/example) -c -o "$bin_dir/example.test" .
  fi
}
# run_example_tests ARGS...: runs the example's test binary in its package
# directory, as go test would, with ARGS (-test.run, -test.v, ...).
run_example_tests() {
  example_test_bin
  (cd cmd/example && "$bin_dir/example.test" -test.timeout=10m -test.count=1 "$@")
}
# quiet NAME CMD...: runs CMD with its output in a log, printed only when it
# fails (as go test prints a passing package's: one ok line).
quiet() {
  local name=$1 start=$SECONDS log
  shift
  log=$(mktemp)
  if "$@" >"$log" 2>&1; then
    printf 'ok  \t%s\t%ds\n' "$name" $((SECONDS - start))
    rm -f "$log"
  else
    cat "$log"
    rm -f "$log"
    printf 'FAIL\t%s\n' "$name"
    return 1
  fi
}

# The example module runs without -race: its race build recompiles SQLite's
# libc (about 100 s of CPU on a fresh machine) and Keel's own code is
# race-tested in the core module. KEEL_RACE_EXAMPLE=1 adds -race.
step_test_core() {
  if [ -z "${KEEL_STEPS:-}" ] || [[ " $KEEL_STEPS " == *" test_bench "* ]]; then
    bench_ahead_start
  fi
  go_test . -race -count=1
  go_test internal/interop -race -count=1
}
step_test_example() {
  apt_wait
  if [ "${KEEL_RACE_EXAMPLE:-}" = 1 ]; then
    KEEL_FULL=1 go_test cmd/example -race -count=1
    return
  fi
  example_bin
  echo "-- go test -count=1 (cmd/example: the package's test binary, built once)"
  KEEL_FULL=1 quiet github.com/keelgo/keel/cmd/example run_example_tests
  in_module cmd/example go test $(vet_flag cmd/example) -count=1 $(in_module cmd/example go list ./... | grep -vx github.com/keelgo/keel/cmd/example)
}
# keelotel's tests run here: the guides' blocks (docs/observability.md) have
# just compiled the OpenTelemetry packages they need, so they cost seconds.
step_test_docs() {
  apt_wait
  go_test internal/docstest -count=1
  go_test keelotel -count=1
}
# The bench package's test binary is built once (go test -c) for test_bench
# and bodyload. In the full run it is built ahead, in the background at nice
# 19, from the start of test_core (bench_ahead_start): compiling its six web
# frameworks costs about 80 s of CPU on a fresh machine, and test_core's
# race-enabled test runs (the stores' expiries, the OpenID client's timers)
# and the example's process tests leave a core idle for tens of seconds.
# test_bench waits for it, and builds the binary itself when it was not built
# ahead.
bench_ahead_pid=""
bench_ahead_log=""
bench_ahead_start() {
  bench_ahead_log=$(mktemp)
  remove_at_exit "$bench_ahead_log"
  export -f in_module
  echo "-- go test -c (bench), go list -export (bench): in the background, at nice 19"
  setsid nice -n 19 bash -c 'set -eo pipefail
    in_module bench go test -c -o "$1" .
    in_module bench go list -export ./... >/dev/null' bench_ahead "$bin_dir/bench.test" >"$bench_ahead_log" 2>&1 &
  bench_ahead_pid=$!
  stop_group_at_exit "$bench_ahead_pid"
}
bench_test_bin() {
  if [ -n "$bench_ahead_pid" ]; then
    local pid=$bench_ahead_pid
    bench_ahead_pid=""
    unnice "$pid"
    if ! wait "$pid"; then
      cat "$bench_ahead_log"
      echo "building the bench package's test binary (ahead) failed"
      return 1
    fi
  fi
  [ -x "$bin_dir/bench.test" ] || in_module bench go test -c -o "$bin_dir/bench.test" .
}
# unnice PGID: a step now waits for this background build (its own process
# group, at nice 19), so it runs at normal priority from now on where the
# system allows it (raising a priority needs root); at nice 19 a machine's
# other work would starve it while the run waits.
unnice() { renice -n 0 -g "$1" >/dev/null 2>&1 || true; }
step_test_bench() {
  bench_test_bin
  echo "-- go test -count=1 -run . (bench: the package's test binary)"
  quiet github.com/keelgo/keel/bench bash -c 'cd bench && "$1" -test.timeout=10m -test.count=1 -test.run .' _ "$bin_dir/bench.test"
  # its commands (no tests) compile: go vet skips this module here. go list
  # -export compiles every package, the commands included, and fails on an
  # error, without linking the five commands (go build ./... links each: 7 s
  # of CPU; TestBodyLoad builds and runs bench/cmd/bodyserver).
  in_module bench go list -export ./... >/dev/null
}
# redisstore's tests start their own redis-server (redistest) on a free
# loopback port; KEEL_REDIS_REQUIRED makes a missing one a failure.
# The same tests run again against Valkey (issue 13: Redis 7 and Valkey):
# Debian's valkey-server from the release's backports (bookworm has none in
# main), unpacked into a cache directory without installing it (valkey_server,
# scripts/lib.sh), fetched in the background by step_tools. One test binary
# runs both. It is built without -race: redisstore's own code starts no
# goroutine and shares no memory (no sync, no atomic, no go statement outside
# its tests); its concurrency is go-redis's and Redis's, and the conformance
# tables' concurrent cases check the outcome either way, while go-redis's race
# build cost about 50 s of CPU on a fresh machine. The framework's code is
# race-tested in test_core. KEEL_RACE_REDIS=1 adds -race (both runs).
#
# The tests mostly wait (expiries, a server stopped and restarted: 14 s of
# wall time for 3 s of CPU on a fresh machine), so in the full run they run
# in the background beside the fuzzing (step_fuzz starts them, as bodyload),
# whose length is fixed whatever CPU it gets; step_test_redis, after
# bodyload, waits for them and prints their outcome. Their timing checks
# allow for a loaded machine (redisstore/store_test.go, securitytest).
valkey_pid=""
valkey_log=""
redis_pid=""
redis_log=""
# redis_start builds the test binary and runs it, against Redis then Valkey,
# in the background (its own process group, stopped as a whole if the run
# ends first); step_test_redis waits for it.
redis_start() {
  apt_wait
  local valkey
  if [ -n "$valkey_pid" ]; then
    wait "$valkey_pid" || { cat "$valkey_log"; echo "fetching valkey-server failed"; return 1; }
    valkey_pid=""
  fi
  valkey=$(valkey_server)
  redis_log=$(mktemp)
  remove_at_exit "$redis_log"
  echo "-- redisstore's tests started (against Redis then Valkey, in the background)"
  export -f in_module quiet
  setsid bash -c 'set -eo pipefail
    bin=$1 valkey=$2 vet=$3 race=$4
    echo "-- go test $race -count=1 (redisstore: one test binary, against Redis then Valkey)"
    in_module redisstore go test $vet $race -c -o "$bin" .
    KEEL_REDIS_REQUIRED=1 quiet "github.com/keelgo/keel/redisstore (redis-server)" \
      bash -c '\''cd redisstore && "$1" -test.timeout=10m -test.count=1'\'' _ "$bin"
    echo "Valkey: $("$valkey" --version)"
    KEEL_REDIS_REQUIRED=1 KEEL_REDIS_SERVER="$valkey" quiet "github.com/keelgo/keel/redisstore (valkey-server)" \
      bash -c '\''cd redisstore && "$1" -test.timeout=10m -test.count=1'\'' _ "$bin"' \
    redis "$bin_dir/redisstore.test" "$valkey" "$(vet_flag redisstore)" "$([ "${KEEL_RACE_REDIS:-}" = 1 ] && echo -race)" >"$redis_log" 2>&1 &
  redis_pid=$!
  stop_group_at_exit "$redis_pid"
}
step_test_redis() {
  [ -n "$redis_pid" ] || redis_start
  local pid=$redis_pid
  redis_pid=""
  if wait "$pid"; then
    cat "$redis_log"
  else
    cat "$redis_log"
    echo "FAIL: redisstore's tests"
    return 1
  fi
}
# step_instances runs TestInstances and TestDeploymentGuide against real
# processes: the example binary, redis-server and nginx on free loopback
# ports, each stopped by its PID.
step_instances() {
  apt_wait
  local log
  log=$(mktemp)
  example_bin
  if KEEL_INSTANCES=1 KEEL_REDIS_REQUIRED=1 KEEL_INSTANCES_LOAD=${KEEL_INSTANCES_LOAD:-20s} \
    run_example_tests -test.run '^(TestInstances|TestDeploymentGuide)$' -test.v >"$log" 2>&1; then
    grep -E '_test.go:|^  +[a-z/ ]+ +(Redis|transition)|^ *(--- |ok |PASS)' "$log" || true
    rm -f "$log"
  else
    cat "$log"
    rm -f "$log"
    return 1
  fi
}

# step_modules fails when a module's tests run in no step: each module must
# be named here by the step that runs its tests.
step_modules() {
  local m tested=(. internal/interop cmd/example internal/docstest keelotel bench redisstore)
  # The e2e step runs internal/e2e, whose TestGeneratedClient runs the client
  # module's tests against the example, and which builds and runs the OpenID
  # provider of internal/oidcprovider (a program, no tests).
  tested+=(internal/e2e internal/e2e/client internal/oidcprovider)
  for m in $(modules); do
    if [[ " ${tested[*]} " != *" $m "* ]]; then
      echo "module $m: its tests run in no step of scripts/test-all.sh; add them"
      return 1
    fi
  done
}

step_e2e() {
  apt_wait
  # One run: the summary when it passes, the whole log when it fails.
  local log
  log=$(mktemp)
  build_ahead_wait
  example_bin
  provider_bin
  if (cd internal/e2e && KEEL_E2E=1 go test -count=1 -v ./...) >"$log" 2>&1; then
    grep -E '^ *(--- |ok )' "$log" || true
    rm -f "$log"
  else
    grep -v 'dbus/' "$log"
    rm -f "$log"
    return 1
  fi
}

# fuzz_packages prints one line per package with fuzz targets, in every
# module but those named in KEEL_FUZZ_SKIP: MODULE|PACKAGE|DIR|TARGET TARGET...
# CI skips bench: its targets check the benchmark's hand-written floor, and
# instrumenting the six web frameworks its package imports cost more than all
# of Keel's fuzzing binaries together; their seeds run in test_bench.
export KEEL_FUZZ_SKIP=${KEEL_FUZZ_SKIP-bench}
fuzz_packages() {
  local m pkg dir targets
  for m in $(modules); do
    [[ " $KEEL_FUZZ_SKIP " != *" $m "* ]] || continue
    while IFS='|' read -r pkg dir; do
      targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' || true)
      [ -n "$targets" ] && echo "$m|$pkg|$dir|$(echo $targets)"
    done < <(in_module "$m" go list -f '{{.ImportPath}}|{{.Dir}}' ./...)
  done
}
# fuzz_bin PACKAGE prints the path of its instrumented test binary.
fuzz_bin() { echo "$bin_dir/fuzz/$(echo "$1" | tr / _).test"; }
# build_fuzz builds each package's fuzzing test binary once (go test -c -fuzz
# instruments the package and everything it imports, the standard library
# included: the costliest build of the run, shared by the packages through
# the build cache).
build_fuzz() {
  local m pkg dir targets
  mkdir -p "$bin_dir/fuzz"
  while IFS='|' read -r m pkg dir targets; do
    [ -x "$(fuzz_bin "$pkg")" ] || in_module "$m" go test -c -fuzz=. -o "$(fuzz_bin "$pkg")" "$pkg"
  done < <(fuzz_packages)
}

# build_ahead builds, in the background and at the lowest CPU priority (nice
# 19), what the last steps run: the OpenID provider and oapi-codegen (e2e)
# and the fuzzing binaries (fuzz). It starts after the static checks; the
# test steps in between wait on sleeps, timers, Redis restarts and paced
# loads (the example's graceful shutdown, the instances' load, the browser),
# and this build takes the CPU they leave idle, and little else: a process
# at nice 19 gets about 1.5% of a core that a normal one wants. Its CPU time
# is counted in the step that waits for it (build_ahead_wait).
build_ahead_pid=""
build_ahead_log=""
build_ahead_start() {
  build_ahead_log=$(mktemp)
  remove_at_exit "$build_ahead_log"
  # setsid: its own process group, stopped as a whole (by its ID) if the run
  # ends first.
  export -f modules in_module provider_bin fuzz_packages fuzz_bin build_fuzz
  setsid nice -n 19 bash -c 'set -eo pipefail
    bin_dir=$1
    provider_bin
    echo "-- go build oapi-codegen (internal/e2e/client)"
    in_module internal/e2e/client go build -o "$bin_dir/oapi-codegen" github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen
    in_module internal/e2e/client go build github.com/oapi-codegen/runtime/...
    build_fuzz' build_ahead "$bin_dir" >"$build_ahead_log" 2>&1 &
  build_ahead_pid=$!
  stop_group_at_exit "$build_ahead_pid"
}
# build_ahead_wait waits for build_ahead (if it was started) and fails with
# its log if it failed.
build_ahead_wait() {
  [ -n "$build_ahead_pid" ] || return 0
  local pid=$build_ahead_pid
  build_ahead_pid=""
  unnice "$pid"
  if ! wait "$pid"; then
    cat "$build_ahead_log"
    echo "build_ahead failed"
    return 1
  fi
  grep -- '^-- ' "$build_ahead_log" || true
}

# step_fuzz runs every fuzz target (but KEEL_FUZZ_SKIP's), FUZZ_BUDGET seconds
# in all (default 48), shared equally, at least 2 s each (a smoke run: the
# seed corpus first, then a random search; the seed corpora also run as tests
# in the test steps); FUZZTIME=5m gives each target 5 minutes instead, for a
# real search (KEEL_STEPS=fuzz FUZZTIME=5m scripts/test-all.sh). The binaries
# come from build_fuzz (built ahead); each target runs in its package's
# directory (so that a crasher lands in its testdata/fuzz), with the go
# command's corpus cache. In the full run each target fuzzes with one worker
# (-test.parallel=1) while bodyload runs beside it (its server and clients
# take the other core, about half of it); FUZZ_WORKERS sets the workers.
step_fuzz() {
  local m pkg dir f bin log targets n=0 all=() each workers=${FUZZ_WORKERS:-}
  build_ahead_wait
  build_fuzz
  if [ -z "${KEEL_STEPS:-}" ] || [[ " $KEEL_STEPS " == *" bodyload "* ]]; then
    bodyload_start
    workers=${workers:-1}
  fi
  if [ -z "${KEEL_STEPS:-}" ] || [[ " $KEEL_STEPS " == *" test_redis "* ]]; then
    redis_start
  fi
  workers=${workers:-$(nproc)}
  log=$(mktemp)
  local cache
  cache="$(go env GOCACHE)/fuzz"
  while IFS='|' read -r m pkg dir targets; do
    all+=("$m|$pkg|$dir|$targets")
    n=$((n + $(echo "$targets" | wc -w)))
  done < <(fuzz_packages)
  each=${FUZZTIME:-$(( ${FUZZ_BUDGET:-48} / (n > 0 ? n : 1) ))s}
  [ -n "${FUZZTIME:-}" ] || [ "${each%s}" -ge 2 ] || each=2s
  echo "$n fuzz targets, $each each, $workers worker(s)"
  local entry
  for entry in "${all[@]}"; do
    IFS='|' read -r m pkg dir targets <<<"$entry"
    bin=$(fuzz_bin "$pkg")
    for f in $targets; do
      if ! (cd "$dir" && "$bin" -test.run='^$' -test.fuzz="^$f\$" -test.fuzztime="$each" \
        -test.parallel="$workers" -test.fuzzcachedir="$cache/$pkg") >"$log" 2>&1; then
        # Go's fuzz coordinator can report its own stop at the end of
        # -fuzztime as "context deadline exceeded" (go.dev/issue/75804, fixed
        # in Go 1.27): no input failed, none was written. Not a failure.
        if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
          printf -- '-- %-45s %-28s %s (stopped by go.dev/issue/75804)\n' "$pkg" "$f" "$(grep -o 'execs: [0-9]*' "$log" | tail -1)"
          continue
        fi
        cat "$log"
        echo "FAIL: fuzz $pkg $f (the crasher is in $dir/testdata/fuzz/$f)"
        rm -f "$log"
        return 1
      fi
      printf -- '-- %-45s %-28s %s\n' "$pkg" "$f" "$(grep -o 'execs: [0-9]*' "$log" | tail -1)"
    done
  done
  rm -f "$log"
}

# step_bodyload is the large-body load test (bench/bodyload_test.go): it builds
# bench/cmd/bodyserver, runs it on a free loopback port (stopping it by its
# PID), and checks every answer and the server's VmHWM; about a minute.
bodyload_pid=""
bodyload_log=""
# bodyload_start runs TestBodyLoad in the background (its own process group,
# stopped as a whole if the run ends first); step_bodyload waits for it.
bodyload_start() {
  bench_test_bin
  bodyload_log=$(mktemp)
  remove_at_exit "$bodyload_log"
  echo "-- bodyload started (beside the fuzzing)"
  KEEL_BODY_LOAD=1 setsid bash -c 'cd bench && exec "$1" -test.timeout=10m -test.count=1 -test.run "^TestBodyLoad\$" -test.v' _ "$bin_dir/bench.test" >"$bodyload_log" 2>&1 &
  bodyload_pid=$!
  stop_group_at_exit "$bodyload_pid"
}
step_bodyload() {
  apt_wait
  [ -n "$bodyload_pid" ] || bodyload_start
  if wait "$bodyload_pid"; then
    grep -E 'bodyload_test|^(--- |ok |PASS)' "$bodyload_log" || true
  else
    cat "$bodyload_log"
    return 1
  fi
}

# step_ahead starts build_ahead (KEEL_STEPS="fuzz" alone, without ahead,
# builds the fuzzing binaries in the fuzz step).
step_ahead() { build_ahead_start; }

run_steps tools ahead static staticcheck modules test_core test_example test_docs test_bench instances e2e fuzz bodyload test_redis
echo "all green"
