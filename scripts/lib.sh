# Shared by scripts/land-check.sh and scripts/test-all.sh (source it; it runs
# nothing by itself). Every function runs from the repository root.
#
# The repository holds several Go modules (each directory with a go.mod, see
# DESIGN.md); the scripts treat each one on its own go.mod, as its users would
# build it: GOWORK=off, whatever go.work says.

export GOWORK=off

# The Go toolchain we build and test with is the root go.mod's toolchain line
# (the newest patch release of our Go version, README "Go version"); the go
# command fetches it from the module proxy on first use (about 10 s). Every
# module's go.mod and go.work name the same one (check_toolchain).
# KEEL_GOTOOLCHAIN=local tests with the machine's own Go instead.
keel_toolchain() { sed -n 's/^toolchain //p' go.mod; }
export GOTOOLCHAIN="${KEEL_GOTOOLCHAIN:-$(keel_toolchain)}"
export PATH="$PATH:$(go env GOPATH)/bin"

# modules prints the directory of every module of the repository, "." first.
modules() {
  git ls-files -c -o --exclude-standard -- 'go.mod' '*/go.mod' | xargs -n1 dirname | sort -u
}

# in_module DIR CMD...: runs CMD in module DIR.
in_module() {
  local dir=$1
  shift
  (cd "$dir" && "$@")
}

# stop_at_exit PID...: kills these processes (by PID, and only them) when the
# script exits, whatever the outcome: the servers a step starts in the
# background.
pids_to_stop=()
stop_at_exit() { pids_to_stop+=("$@"); }
# stop_group_at_exit PGID...: kills these process groups (a background job
# started with setsid, whose group ID is its PID, and every process it
# started) when the script exits.
groups_to_stop=()
stop_group_at_exit() { groups_to_stop+=("$@"); }
# wait_at_exit PID...: waits for these processes when the script exits (a
# package installation, which must not be cut in the middle).
pids_to_wait=()
wait_at_exit() { pids_to_wait+=("$@"); }
# remove_at_exit PATH...: removes these files or directories when the script exits.
paths_to_remove=()
remove_at_exit() { paths_to_remove+=("$@"); }
on_exit() {
  local p
  if [ -n "$steps_current" ]; then
    local failed=$steps_current
    steps_record
    steps_summary+="        (failed: $failed)"$'\n'
    steps_print
  fi
  for p in "${pids_to_stop[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${groups_to_stop[@]}"; do kill -- "-$p" 2>/dev/null || true; done
  for p in "${pids_to_wait[@]}"; do wait "$p" 2>/dev/null || true; done
  for p in "${pids_to_stop[@]}"; do wait "$p" 2>/dev/null || true; done
  for p in "${paths_to_remove[@]}"; do rm -rf "$p"; done
  rm -f "$cpu_file"
}
trap on_exit EXIT

# step NAME: prints a step's heading.
step() { printf '\n== %s ==\n' "$*"; }

# cpu_seconds VAR sets VAR to the CPU time (user and system) of the script's
# finished child processes so far, in seconds. (times must run in this shell,
# not in a $(...) subshell, whose children are its own.)
cpu_file=$(mktemp)
cpu_seconds() {
  times >"$cpu_file"
  printf -v "$1" '%s' "$(tail -1 "$cpu_file" | awk '{ split($1, u, /[ms]/); split($2, s, /[ms]/); printf "%d", u[1]*60 + u[2] + s[1]*60 + s[2] }')"
}

# run_steps STEP...: runs each step function (step_NAME) in turn, timing each,
# and prints the times at the end (wall clock, and the CPU time of its
# processes: on a shared machine the wall clock says more about the neighbours);
# it stops at the first step that fails (set -e), and the times so far are
# printed on the way out. KEEL_STEPS="a b" runs only those steps (their names
# without step_).
steps_summary=""
steps_current=""
run_steps() {
  local s only=" ${KEEL_STEPS:-} "
  for s in "$@"; do
    if [ -n "${KEEL_STEPS:-}" ] && [[ $only != *" $s "* ]]; then continue; fi
    step "$s"
    steps_current=$s
    steps_start=$SECONDS
    cpu_seconds steps_cpu
    "step_$s"
    steps_record
  done
  steps_print
}
steps_wall=0
steps_cputotal=0
steps_record() {
  local t c
  t=$((SECONDS - steps_start))
  cpu_seconds c
  c=$((c - steps_cpu))
  steps_wall=$((steps_wall + t))
  steps_cputotal=$((steps_cputotal + c))
  steps_summary+=$(printf '%6ds %6ds  %s' "$t" "$c" "$steps_current")$'\n'
  steps_current=""
}
steps_print() {
  printf '\n== times ==\n  wall    cpu\n%s%6ds %6ds  total (load average now: %s)\n' \
    "$steps_summary" "$steps_wall" "$steps_cputotal" "$(cut -d' ' -f1-3 /proc/loadavg)"
}

# check_gofmt fails when a committed or staged Go file needs gofmt.
check_gofmt() {
  local unformatted
  unformatted=$(git ls-files -c -o --exclude-standard -- '*.go' | xargs -r gofmt -l)
  if [ -n "$unformatted" ]; then
    echo "gofmt needed:"
    echo "$unformatted"
    return 1
  fi
}

# check_toolchain fails when a module's go.mod or go.work names another
# toolchain than the root go.mod, or none.
check_toolchain() {
  local want f bad=0
  want=$(keel_toolchain)
  for f in go.work $(modules | sed 's|$|/go.mod|'); do
    if [ "$(sed -n 's/^toolchain //p' "$f")" != "$want" ]; then
      echo "$f: its toolchain line must be 'toolchain $want', as in go.mod (go mod edit -toolchain=$want)"
      bad=1
    fi
  done
  return $bad
}

# check_tidy fails when go mod tidy would change any module's go.mod or go.sum.
# The modules are checked at the same time: on a fresh machine this is where
# the module cache fills, and the downloads wait on the network, not the CPU
# (the go command locks the module cache for concurrent use).
check_tidy() {
  local m bad=0 dir pids=() mods=()
  dir=$(mktemp -d)
  for m in $(modules); do
    (in_module "$m" go mod tidy -diff >"$dir/m_$(echo "$m" | tr / _)" 2>&1) &
    pids+=($!)
    mods+=("$m")
  done
  local i
  for i in "${!pids[@]}"; do
    if ! wait "${pids[$i]}"; then
      echo "module ${mods[$i]} is not tidy (run: cd ${mods[$i]} && go mod tidy):"
      cat "$dir/m_$(echo "${mods[$i]}" | tr / _)"
      bad=1
    fi
  done
  rm -rf "$dir"
  return $bad
}

# check_vet runs go vet in every module but those named in KEEL_VET_SKIP, and
# notes each module it vetted in vetted_modules.
vetted_modules=""
check_vet() {
  local m
  for m in $(modules); do
    if [[ " ${KEEL_VET_SKIP:-} " == *" $m "* ]]; then
      echo "-- go vet ($m): skipped"
      continue
    fi
    echo "-- go vet ($m)"
    vetted_modules+=" $m "
    in_module "$m" go vet ./...
  done
}

# check_staticcheck runs staticcheck in every module but those named in
# KEEL_STATICCHECK_SKIP; with "optional", it is skipped (with a note) when
# staticcheck is not installed.
check_staticcheck() {
  local m
  if ! command -v staticcheck >/dev/null 2>&1; then
    if [ "${1:-}" = optional ]; then
      echo "staticcheck is not installed: skipped (go install honnef.co/go/tools/cmd/staticcheck@v0.8.2)"
      return 0
    fi
    echo "staticcheck is not installed"
    return 1
  fi
  for m in $(modules); do
    if [[ " ${KEEL_STATICCHECK_SKIP:-} " == *" $m "* ]]; then
      echo "-- staticcheck ($m): skipped"
      continue
    fi
    echo "-- staticcheck ($m)"
    in_module "$m" staticcheck ./...
  done
}

# vet_flag DIR prints -vet=off when check_vet has vetted module DIR in this
# run: go test's own vet (a subset of go vet's checks, over the package and,
# for their facts, every dependency) would repeat it.
vet_flag() { [[ " $vetted_modules " != *" $1 "* ]] || echo -vet=off; }

# go_test DIR ARGS...: go test ARGS ./... in module DIR.
go_test() {
  local dir=$1
  shift
  echo "-- go test $* ($dir)"
  in_module "$dir" go test $(vet_flag "$dir") "$@" ./...
}

# valkey_server prints the path of a valkey-server binary: the one on PATH, or
# Debian's package for this release, fetched from the release's suites
# (backports included) with a private apt list and unpacked, not installed,
# under ${XDG_CACHE_HOME:-$HOME/.cache}/keel/valkey (kept across runs).
valkey_server() {
  if command -v valkey-server >/dev/null 2>&1; then command -v valkey-server; return; fi
  local dir=${XDG_CACHE_HOME:-$HOME/.cache}/keel/valkey
  if [ ! -x "$dir/root/usr/bin/valkey-server" ]; then
    local codename opts
    codename=$(. /etc/os-release && echo "$VERSION_CODENAME")
    rm -rf "$dir" && mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/debs" && chmod 777 "$dir/debs"
    # backports first (bookworm has Valkey only there), the release itself
    # when backports lacks it (trixie and later ship it in main)
    opts=(-o "Dir::Etc::sourcelist=$dir/sources.list" -o Dir::Etc::sourceparts=- -o "Dir::State::Lists=$dir/lists" -o APT::Sandbox::User=root -o "Dir::Cache=$dir/cache")
    local suite
    for suite in "$codename-backports" "$codename"; do
      echo "deb http://deb.debian.org/debian $suite main" >"$dir/sources.list"
      apt-get "${opts[@]}" update -qq >&2
      (cd "$dir/debs" && apt-get "${opts[@]}" download -qq valkey-server valkey-tools >&2 2>/dev/null) && break
    done
    for deb in "$dir"/debs/*.deb; do dpkg-deb -x "$deb" "$dir/root"; done
  fi
  echo "$dir/root/usr/bin/valkey-server"
}
