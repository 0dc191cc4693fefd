#!/usr/bin/env bash
# The full test suite: what CI runs (.ci/run) and what the README's second
# command runs. On a fresh Debian machine it installs what it needs (apt, npm,
# go install) and must finish within 12 minutes there (README "Tests" has the
# last measured time). It runs, in every module of the repository (each on its
# own go.mod: see DESIGN.md "Modules"):
#   tools        apt packages, npm tools, staticcheck
#   static       gofmt, toolchain lines, go mod tidy -diff, go vet
#   staticcheck  staticcheck (not in bench: see step_staticcheck)
#   modules      fails if a module's tests run in no step
#   test_core    go test -race of the core module
#   test_example go test of the example module, with its process tests at full
#                size (KEEL_FULL=1: 300 concurrent logins under ulimit -n 1024,
#                a graceful shutdown with the default timeouts)
#   test_docs    the documentation tests (internal/docstest), and keelotel's
#                (OpenTelemetry spans, with the SDK's in-memory recorder)
#   test_bench   the bench module's behaviour tests
#   test_redis   redisstore's conformance tests against a real redis-server
#                (each test starts its own on a free loopback port), then
#                against a real valkey-server
#   instances    three example processes sharing one Redis and one SQLite
#                file under 30 s of paced mixed load, Redis stopped and
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
#   fuzz         every fuzz target, FUZZ_BUDGET seconds in all (their seed
#                corpora already ran as tests)
#   bodyload     16 concurrent 10 MiB JSON bodies against a real Keel server on
#                loopback: all answered, peak RSS under 1 GiB (issue 9 item 4)
#
# Adding a step: write a function step_NAME below and add NAME to run_steps at
# the end; a step that starts a server starts it on a free loopback port and
# registers its PID with stop_at_exit (scripts/lib.sh). KEEL_STEPS="static
# test" runs only the named steps. The times of the steps are printed at the end.
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
  if [ ${#need_apt[@]} -gt 0 ]; then
    [ "$(id -u)" = 0 ] || sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need_apt[@]}" >/dev/null
  fi
  if [ ! -x scripts/node_modules/.bin/redocly ]; then
    (cd scripts && npm install --no-audit --no-fund --silent >/dev/null)
  fi
  command -v staticcheck >/dev/null 2>&1 || go install honnef.co/go/tools/cmd/staticcheck@v0.8.2
}

step_static() {
  check_gofmt
  check_toolchain
  check_tidy
  check_vet
}
# staticcheck analyses every dependency from source on a fresh machine; the
# bench module's (six web frameworks) cost 150 s of CPU, and the OpenID
# provider's (zitadel/oidc, go-jose, OpenTelemetry) 95 s, so CI skips them
# there (scripts/land-check.sh checks every module at each landing, cache warm).
step_staticcheck() { KEEL_STATICCHECK_SKIP="bench internal/oidcprovider" check_staticcheck; }

# The example module runs without -race: its race build recompiles SQLite's
# libc (about 100 s of CPU on a fresh machine) and Keel's own code is
# race-tested in the core module. KEEL_RACE_EXAMPLE=1 adds -race.
step_test_core() { go_test . -race -count=1; }
step_test_example() {
  local race=()
  [ "${KEEL_RACE_EXAMPLE:-}" = 1 ] && race=(-race)
  KEEL_FULL=1 go_test cmd/example "${race[@]}" -count=1
}
# keelotel's tests run here: the guides' blocks (docs/observability.md) have
# just compiled the OpenTelemetry packages they need, so they cost seconds.
step_test_docs() {
  go_test internal/docstest -count=1
  go_test keelotel -count=1
}
step_test_bench() { go_test bench -count=1 -run .; }
# redisstore's tests start their own redis-server (redistest) on a free
# loopback port; KEEL_REDIS_REQUIRED makes a missing one a failure.
# The same tests run again against Valkey (issue 13: Redis 7 and Valkey):
# Debian's valkey-server from the release's backports (bookworm has none in
# main), unpacked into a cache directory without installing it (valkey_server,
# scripts/lib.sh); no -race the second time, the code under test is the same.
step_test_redis() {
  KEEL_REDIS_REQUIRED=1 go_test redisstore -race -count=1
  local valkey
  valkey=$(valkey_server)
  echo "Valkey: $("$valkey" --version)"
  KEEL_REDIS_REQUIRED=1 KEEL_REDIS_SERVER="$valkey" go_test redisstore -count=1
}
# step_instances runs TestInstances and TestDeploymentGuide against real
# processes: the example binary, redis-server and nginx on free loopback
# ports, each stopped by its PID.
step_instances() {
  local log
  log=$(mktemp)
  if (cd cmd/example && KEEL_INSTANCES=1 KEEL_REDIS_REQUIRED=1 go test -count=1 -run '^(TestInstances|TestDeploymentGuide)$' -v .) >"$log" 2>&1; then
    grep -E '_test.go:|^  +[a-z/ ]+ +(Redis|transition)|^ *(--- |ok )' "$log" || true
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
  local m tested=(. cmd/example internal/docstest keelotel bench redisstore)
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
  # One run: the summary when it passes, the whole log when it fails.
  local log
  log=$(mktemp)
  if (cd internal/e2e && KEEL_E2E=1 go test -count=1 -v ./...) >"$log" 2>&1; then
    grep -E '^ *(--- |ok )' "$log" || true
    rm -f "$log"
  else
    grep -v 'dbus/' "$log"
    rm -f "$log"
    return 1
  fi
}

# step_fuzz runs every fuzz target of every module, FUZZ_BUDGET seconds in all
# (default 60), shared equally, at least 3 s each (a smoke run: the first
# seconds go to the seed corpus); FUZZTIME=5m gives each target 5 minutes
# instead, for a real search (KEEL_STEPS=fuzz FUZZTIME=5m scripts/test-all.sh). It builds each package's fuzzing test binary once (go
# test -c -fuzz instruments it) and runs each target in the package's
# directory (so that a crasher lands in its testdata/fuzz), with the go
# command's corpus cache. Seed corpora also run as tests in the test steps.
step_fuzz() {
  local m pkg dir f bin out log targets n=0 all=() each
  out=$(mktemp -d)
  log=$(mktemp)
  local cache
  cache="$(go env GOCACHE)/fuzz"
  for m in $(modules); do
    for pkg in $(in_module "$m" go list ./...); do
      dir=$(in_module "$m" go list -f '{{.Dir}}' "$pkg")
      targets=$(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' || true)
      [ -n "$targets" ] || continue
      all+=("$m|$pkg|$dir|$(echo $targets)")
      n=$((n + $(echo "$targets" | wc -w)))
    done
  done
  each=${FUZZTIME:-$(( ${FUZZ_BUDGET:-60} / (n > 0 ? n : 1) ))s}
  [ -n "${FUZZTIME:-}" ] || [ "${each%s}" -ge 3 ] || each=3s
  echo "$n fuzz targets, $each each"
  local entry
  for entry in "${all[@]}"; do
    IFS='|' read -r m pkg dir targets <<<"$entry"
    bin="$out/$(echo "$pkg" | tr / _).test"
    in_module "$m" go test -c -fuzz=. -o "$bin" "$pkg"
    for f in $targets; do
      if ! (cd "$dir" && "$bin" -test.run='^$' -test.fuzz="^$f\$" -test.fuzztime="$each" \
        -test.fuzzcachedir="$cache/$pkg") >"$log" 2>&1; then
        # Go's fuzz coordinator can report its own stop at the end of
        # -fuzztime as "context deadline exceeded" (go.dev/issue/75804, fixed
        # in Go 1.27): no input failed, none was written. Not a failure.
        if grep -q 'context deadline exceeded' "$log" && ! grep -q 'Failing input written' "$log"; then
          printf -- '-- %-45s %-28s %s (stopped by go.dev/issue/75804)\n' "$pkg" "$f" "$(grep -o 'execs: [0-9]*' "$log" | tail -1)"
          continue
        fi
        cat "$log"
        echo "FAIL: fuzz $pkg $f (the crasher is in $dir/testdata/fuzz/$f)"
        rm -rf "$out" "$log"
        return 1
      fi
      printf -- '-- %-45s %-28s %s\n' "$pkg" "$f" "$(grep -o 'execs: [0-9]*' "$log" | tail -1)"
    done
  done
  rm -rf "$out" "$log"
}

# step_bodyload is the large-body load test (bench/bodyload_test.go): it builds
# bench/cmd/bodyserver, runs it on a free loopback port (stopping it by its
# PID), and checks every answer and the server's VmHWM; about a minute.
step_bodyload() {
  local log
  log=$(mktemp)
  if (cd bench && KEEL_BODY_LOAD=1 go test -count=1 -run '^TestBodyLoad$' -v .) >"$log" 2>&1; then
    grep -E 'bodyload_test|^(--- |ok )' "$log" || true
    rm -f "$log"
  else
    cat "$log"
    rm -f "$log"
    return 1
  fi
}

run_steps tools static staticcheck modules test_core test_example test_docs test_bench test_redis instances e2e fuzz bodyload
echo "all green"
