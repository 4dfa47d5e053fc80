#!/usr/bin/env bash
# bench/run.sh: gort against Go, the same workloads side by side.
#
# Builds gort and the C workloads at -O2 (build/bench), the Go workloads
# with Debian's golang-go (installed when `go` is missing), then runs each
# workload for gort and for Go alternately, several times in one run (this
# machine is shared and noisy), at GOMAXPROCS=1 and 2 where the number of
# Ps matters, and prints a table of medians with each target and whether
# it is met.  The table goes to bench/results/latest.md too, with the
# machine's CPU model, core count and the date.
#
#   bench/run.sh            5 runs of each workload (a few minutes)
#   bench/run.sh -n 9       9 runs of each
#   bench/run.sh -q         quick: 3 runs, sizes divided by 10; the table
#                           goes to build/bench/quick.md instead
#   bench/run.sh -o FILE    write the table to FILE
#
# The workloads are bench/*.c and bench/go/*/main.go; each prints one line,
# KEY=VALUE.  Process start-to-exit (hello) is timed from outside by
# bench/exectime.c.
set -euo pipefail

cd "$(dirname "$0")/.."
root=$PWD
runs=5
quick=0
out=""
while getopts "n:qo:h" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    q) quick=1 ;;
    o) out=$OPTARG ;;
    h) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) exit 2 ;;
  esac
done
if [ $quick = 1 ]; then
  [ "$runs" = 5 ] && runs=3
  [ -n "$out" ] || out=build/bench/quick.md
fi
[ -n "$out" ] || out=bench/results/latest.md
case $runs in ''|*[!0-9]*|0) echo "run.sh: -n wants a positive number" >&2; exit 2 ;; esac
jobs=$(nproc 2>/dev/null || echo 2)
B=$root/build/bench

# --- dependencies ---------------------------------------------------------
need=()
command -v cmake >/dev/null || need+=(cmake)
command -v cc >/dev/null || need+=(gcc)
command -v make >/dev/null || need+=(make)
command -v go >/dev/null || need+=(golang-go)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing: ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# --- build ----------------------------------------------------------------
echo "== building gort and the C workloads (-O2, $B)" >&2
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DGORT_TESTS=OFF -DGORT_EXAMPLES=OFF -DGORT_BENCH=ON >/dev/null
cmake --build "$B" -j"$jobs" >/dev/null
C=$B/bench

echo "== building the Go workloads ($(go version))" >&2
# Everything Go writes stays under build/bench; the module has no
# dependencies, so no network is needed (GOPROXY=off makes sure).
export GOFLAGS=-mod=mod GOPATH=$B/gopath GOCACHE=$B/gocache GOPROXY=off \
       GO111MODULE=on GOENV=off GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$B/gobin"
(cd bench/go && go build -o "$B/gobin/" ./...)
G=$B/gobin

# --- the workloads --------------------------------------------------------
# name|label|size|quick size|GOMAXPROCS values ("-": left unset, i.e. the
# number of CPUs)|target kind|target value
#   le V      gort's median at most V (in the row's unit)
#   faster X  Go's median / gort's median at least X
#   vsc X     gort's median / plain C's at most X (hello only)
#   none      no target
workloads=(
  "rawswitch|raw switch (gort__swapgo; Go: Gosched)|2000000|200000|1|le|10"
  "gosched|gort_gosched ping, 2 goroutines|1000000|100000|1 2|le|25"
  "spawn|spawn-and-exit, %s goroutines|1000000|100000|1 2|faster|3"
  "pingpong|unbuffered ping-pong, %s round trips|1000000|100000|1 2|faster|4"
  "bufchan|buffered channel (cap 128), %s values|5000000|500000|1 2|none|"
  "skynet|skynet, %s leaves|1000000|100000|1 2|faster|2"
  "sieve|prime sieve, first %s primes|2000|500|1 2|none|"
  "mutex|contended mutex, 8 goroutines|2000000|200000|1 2|faster|1"
  "parked|parked goroutines, %s: resident per goroutine|1000000|100000|-|le|8"
  "sleepers|%s goroutines sleeping 1 ms|100000|10000|1 2|faster|1"
  "select4|select over 4 channels, %s selects|1000000|100000|1 2|none|"
  "defer|a call with one deferred call (gort_pcall + gort_defer), %s calls|10000000|1000000|1|le|10"
  "hello|hello, start to exit (%s runs each)|200|50|-|vsc|1.5"
)

# num prints a count with thousands separators (1000000 -> 1,000,000).
num() { printf "%s" "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }

# median of the numbers in "$@" ("fail" if there are none).
median() {
  [ $# -gt 0 ] || { echo fail; return; }
  printf "%s\n" "$@" | sort -g | awk '{v[NR]=$1} END {
    if (NR % 2) print v[(NR+1)/2]; else printf "%.4f\n", (v[NR/2]+v[NR/2+1])/2 }'
}

# runone PROCS CMD...: run a workload, print the value of its KEY=VALUE
# line, or nothing (and its output on stderr) when it fails.
runone() {
  local procs=$1; shift
  local o rc=0
  if [ "$procs" = - ]; then
    o=$(env -u GOMAXPROCS timeout 600 "$@" 2>&1) || rc=$?
  else
    o=$(GOMAXPROCS=$procs timeout 600 "$@" 2>&1) || rc=$?
  fi
  local v
  v=$(printf "%s\n" "$o" | sed -n 's/^[a-z_]*=\(-\{0,1\}[0-9.]*\)$/\1/p' | tail -1)
  if [ $rc != 0 ] || [ -z "$v" ]; then
    printf "run.sh: %s failed (status %s):\n%s\n" "$*" "$rc" "$o" >&2
    return 0
  fi
  echo "$v"
}

# unit_of NAME: the unit of a workload's numbers.
unit_of() {
  case $1 in
    sieve|sleepers) echo ms ;;
    parked) echo KiB ;;
    hello) echo µs ;;
    *) echo ns ;;
  esac
}

# fmtv VALUE UNIT: a value for the table.
fmtv() {
  case $1 in fail|"") echo "failed"; return ;; esac
  case $2 in
    KiB) printf "%.2f KiB" "$1" ;;
    µs) printf "%.0f µs" "$1" ;;
    *) printf "%.1f %s" "$1" "$2" ;;
  esac
}

calc() { awk "BEGIN { print ($1) }"; }

rows=()
t_start=$(date +%s)
echo "== running: $runs runs of each, gort and Go alternately" >&2
for w in "${workloads[@]}"; do
  IFS='|' read -r name label size qsize procs kind tv <<<"$w"
  [ $quick = 1 ] && size=$qsize
  # shellcheck disable=SC2059
  label=$(printf "$label" "$(num "$size")")
  unit=$(unit_of "$name")
  for p in $procs; do
    gv=(); ov=(); cv=()
    for ((i = 1; i <= runs; i++)); do
      if [ "$name" = hello ]; then
        x=$(runone "$p" "$C/bench_exectime" "$size" "$C/bench_hello"); [ -z "$x" ] || gv+=("$x")
        x=$(runone "$p" "$C/bench_exectime" "$size" "$G/hello"); [ -z "$x" ] || ov+=("$x")
        x=$(runone "$p" "$C/bench_exectime" "$size" "$C/bench_hello_c"); [ -z "$x" ] || cv+=("$x")
      else
        x=$(runone "$p" "$C/bench_$name" "$size"); [ -z "$x" ] || gv+=("$x")
        x=$(runone "$p" "$G/$name" "$size"); [ -z "$x" ] || ov+=("$x")
      fi
      printf "  %-10s P=%s run %d/%d: gort %s, Go %s%s\n" "$name" "$p" "$i" "$runs" \
        "${gv[-1]:-fail}" "${ov[-1]:-fail}" "${cv:+, C ${cv[-1]}}" >&2
    done
    gm=$(median "${gv[@]}"); om=$(median "${ov[@]}")
    ratio="—"
    if [ "$gm" != fail ] && [ "$om" != fail ]; then
      ratio=$(awk -v g="$gm" -v o="$om" 'BEGIN { if (g > 0) printf "%.2f×", o / g; else print "—" }')
    fi
    met="—"; target="—"
    case $kind in
      le)
        target="≤ $(fmtv "$tv" "$unit" | sed 's/\.0 / /;s/\.00 / /')"
        [ "$gm" = fail ] && met="**no**" ||
          met=$( [ "$(calc "$gm <= $tv")" = 1 ] && echo yes || echo "**no**") ;;
      faster)
        if [ "$tv" = 1 ]; then target="no slower than Go"; else target="≥ ${tv}× faster than Go"; fi
        if [ "$gm" = fail ] || [ "$om" = fail ]; then met="**no**"; else
          met=$( [ "$(calc "$om / $gm >= $tv")" = 1 ] && echo yes || echo "**no**"); fi ;;
      vsc)
        cm=$(median "${cv[@]}")
        target="≤ ${tv}× plain C ($(fmtv "$cm" "$unit"))"
        if [ "$gm" = fail ] || [ "$cm" = fail ]; then met="**no**"; else
          r=$(awk -v g="$gm" -v c="$cm" 'BEGIN { printf "%.2f", g / c }')
          met=$( [ "$(calc "$r <= $tv")" = 1 ] && echo "yes ($r× C)" || echo "**no** ($r× C)"); fi ;;
    esac
    [ "$p" = - ] && pshow="$jobs (default)" || pshow=$p
    rows+=("| $label | $pshow | $(fmtv "$gm" "$unit") | $(fmtv "$om" "$unit") | $ratio | $target | $met |")
  done
done
t_end=$(date +%s)

# --- the table ------------------------------------------------------------
cpu=$(grep -m1 'model name' /proc/cpuinfo | sed 's/^[^:]*: *//')
cores=$(nproc)
date=$(date -u '+%Y-%m-%d %H:%M UTC')
rev=$(git describe --always --dirty 2>/dev/null || echo unknown)
goversion=$(go version | sed 's/^go version //')
ccversion=$(cc --version | head -1)
mode="full sizes"; [ $quick = 1 ] && mode="quick mode (-q): sizes divided by 10"
{
  echo "# gort against Go: benchmark results"
  echo
  echo "Machine-specific numbers: $cpu, $cores cores ($(uname -sm)), $date;"
  echo "gort $rev built with $ccversion at -O2; Go $goversion."
  echo "Medians of $runs runs of each, gort and Go alternately, $mode;"
  echo "the whole run took $((t_end - t_start)) s. \`bench/run.sh\` made this file."
  echo
  echo "| workload | GOMAXPROCS | gort | Go | Go/gort | target | met |"
  echo "| --- | --- | --- | --- | --- | --- | --- |"
  printf "%s\n" "${rows[@]}"
  echo
  echo "Go/gort above 1 means gort is faster (or smaller).  Times are per"
  echo "operation: per switch, per gort_gosched, per goroutine (spawn,"
  echo "skynet), per round trip, per value, per lock/unlock pair, per select;"
  echo "the sieve and the sleepers are whole runs."
  echo
  echo "- **raw switch**: gort has no public switch below \`gort_gosched\`; the"
  echo "  row measures the runtime's lowest one, \`gort__swapgo\`"
  echo "  (arch/amd64/asm_amd64.S: save this context, resume that one), between"
  echo "  two contexts with no scheduler in between (bench/rawswitch.c).  Go"
  echo "  offers no lower switch than \`runtime.Gosched\`, so its column is the"
  echo "  Gosched ping at GOMAXPROCS=1."
  echo "- **parked**: growth of the resident set (/proc/self/statm) from"
  echo "  before the first goroutine starts to after all are parked on a"
  echo "  channel receive, divided by their number."
  echo "- **hello**: mean wall time of posix_spawn to waitpid over repeated"
  echo "  runs (bench/exectime.c), against a plain C hello (bench/hello_c.c,"
  echo "  no gort) and Go's."
} >"$out.tmp"
mv "$out.tmp" "$out"
echo >&2
sed -n '/^| workload/,/^$/p' "$out"
echo "(written to $out; $((t_end - t_start)) s)"
