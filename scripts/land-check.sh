#!/usr/bin/env bash
# The checks every landing on main must pass (docs: PROTOCOL of the team, and
# README "Tests"); a few minutes on a warm machine. Run it inside the landing
# lock, after rebasing:
#
#   flock /work/land.lock bash -c 'set -e; git rebase main; scripts/land-check.sh && git -C /work/main merge --ff-only <branch>'
#
# It checks, in every module of the repository (each on its own go.mod):
# gofmt, go mod tidy -diff, go vet, staticcheck (when installed); then runs
# go test ./... in the core module, its interop tests (internal/interop), the
# example module (cmd/example), the documentation tests (internal/docstest),
# keelotel and redisstore (against a
# redis-server it starts, when one is installed). The full suite, scripts/test-all.sh,
# adds -race, fuzzing, the end-to-end checks, the example's process tests and
# the other modules' tests.
#
# KEEL_STEPS="gofmt vet" runs only the named steps.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

step_gofmt() { check_gofmt; }
step_tidy() { check_toolchain && check_tidy; }
step_vet() { check_vet; }
step_staticcheck() { check_staticcheck optional; }
step_test() {
  go_test . -count=1
  go_test internal/interop -count=1
  go_test cmd/example -count=1
  go_test internal/docstest -count=1
  go_test keelotel -count=1
  go_test redisstore -count=1
}

run_steps gofmt tidy vet staticcheck test
echo "land-check: all green"
