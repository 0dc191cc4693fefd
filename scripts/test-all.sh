#!/usr/bin/env bash
# The full test suite: what CI runs (.ci/run) and what the README's second
# command runs. It installs what it needs on a fresh Debian machine, then runs:
#   1. gofmt, go vet, staticcheck
#   2. go test -race ./... (unit, black-box HTTP, golden OpenAPI, Example tests)
#   3. every fuzz target for a short time
#   4. the independent checks of the example's OpenAPI document:
#      redocly lint, an oapi-codegen client against the running example,
#      and Swagger UI's OAuth2 Authorize flow in headless Chromium
#   5. the bench module's behaviour tests (benchmarks themselves: bench/run.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:$(go env GOPATH)/bin"
FUZZTIME="${FUZZTIME:-10s}"

step() { printf '\n== %s ==\n' "$*"; }

step "install tools"
need_apt=()
command -v chromium >/dev/null 2>&1 || need_apt+=(chromium)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
if [ ! -x scripts/node_modules/.bin/redocly ]; then
  (cd scripts && npm install --no-audit --no-fund --silent >/dev/null)
fi
command -v staticcheck >/dev/null 2>&1 || go install honnef.co/go/tools/cmd/staticcheck@v0.8.2

step "gofmt, go vet, staticcheck"
unformatted=$(gofmt -l $(git ls-files '*.go'))
if [ -n "$unformatted" ]; then echo "gofmt needed:"; echo "$unformatted"; exit 1; fi
go vet ./...
staticcheck ./...

step "go test -race ./..."
go test -race -count=1 ./...

step "fuzz targets ($FUZZTIME each)"
for pkg in $(go list ./...); do
  dir=$(go list -f '{{.Dir}}' "$pkg")
  for f in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //'); do
    echo "-- $pkg $f"
    go test -run='^$' -fuzz="^$f\$" -fuzztime="$FUZZTIME" "$pkg" >/dev/null
  done
done

step "independent checks of the example (redocly, oapi-codegen client, Swagger UI in Chromium)"
# One run: the summary when it passes, the whole log when it fails.
e2e_log=$(mktemp)
if KEEL_E2E=1 go test -count=1 -v ./internal/e2e/ >"$e2e_log" 2>&1; then
  grep -E '^ *(--- |ok )' "$e2e_log" || true
  rm -f "$e2e_log"
else
  grep -v 'dbus/' "$e2e_log"
  rm -f "$e2e_log"
  exit 1
fi

step "bench module behaviour tests"
if [ -f bench/go.mod ]; then (cd bench && go test -count=1 -run . ./...); fi

step "all green"
