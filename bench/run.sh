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
#   bench/run.sh            5 runs of each workload (about ten minutes)
#   bench/run.sh -n 9       9 runs of each
#   bench/run.sh -q         quick: 3 runs, sizes divided by 10, wrk for
#                           3 s; the table goes to build/bench/quick.md
#   bench/run.sh -o FILE    write the table to FILE
#
# The workloads are bench/*.c and bench/go/*/main.go; each prints one line,
# KEY=VALUE.  Process start-to-exit (hello) is timed from outside by
# bench/exectime.c.  HTTP plaintext is served by examples/httpd.c and its
# Go twins (bench/go/httpd: net + bufio; bench/go/nethttp: net/http) and
# loaded with wrk, one server at a time, in a section of its own below.
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
command -v wrk >/dev/null || need+=(wrk)
command -v taskset >/dev/null || need+=(util-linux)
command -v g++ >/dev/null || need+=(g++)
[ -e /usr/include/boost/fiber/all.hpp ] || need+=(libboost-fiber-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "== installing: ${need[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# --- build ----------------------------------------------------------------
# The examples are built for examples/httpd, the HTTP server under wrk.
echo "== building gort and the C workloads (-O2, $B)" >&2
cmake -S . -B "$B" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
      -DGORT_TESTS=OFF -DGORT_EXAMPLES=ON -DGORT_BENCH=ON >/dev/null
cmake --build "$B" -j"$jobs" >/dev/null
C=$B/bench
E=$B/examples

echo "== building the Go workloads ($(go version))" >&2
# Everything Go writes stays under build/bench; the module has no
# dependencies, so no network is needed (GOPROXY=off makes sure).
export GOFLAGS=-mod=mod GOPATH=$B/gopath GOCACHE=$B/gocache GOPROXY=off \
       GO111MODULE=on GOENV=off GOTOOLCHAIN=local CGO_ENABLED=0
mkdir -p "$B/gobin"
(cd bench/go && go build -o "$B/gobin/" ./...)
G=$B/gobin

# The C peers: the same workloads on Boost.Fiber (bench/boost/*.cpp:
# round_robin on one thread at GOMAXPROCS=1, work_stealing on GOMAXPROCS
# threads otherwise) and with one pthread per goroutine (bench/pthread/*.c:
# pipes and mutex + condition variable, as a user would, confined to the
# first GOMAXPROCS CPUs), where a peer can express the workload.
echo "== building the C peers (Boost.Fiber, pthread)" >&2
P=$B/peers
mkdir -p "$P"
peers="gosched pingpong spawn"
for w in $peers; do
  g++ -O2 -o "$P/boost_$w" "bench/boost/$w.cpp" -lboost_fiber -lboost_context -lpthread
  cc -O2 -o "$P/pthread_$w" "bench/pthread/$w.c" -lpthread
done

# --- the workloads --------------------------------------------------------
# name|label|size|quick size|GOMAXPROCS values ("-": left unset, i.e. the
# number of CPUs)|target kind|target value
#   le V      gort's median at most V (in the row's unit)
#   faster X  Go's median / gort's median at least X
#   vsc X     gort's median / plain C's at most X (hello only)
#   none      no target
workloads=(
  "rawswitch|raw switch (gort__swapgo; Go: Gosched)|2000000|200000|1|le|10"
  "gosched|gort_gosched ping, 2 goroutines|1000000|100000|1 2|le|20"
  "spawn|spawn-and-exit, %s goroutines|1000000|100000|1 2|faster|3"
  "pingpong|unbuffered ping-pong, %s round trips|1000000|100000|1 2|faster|4"
  "bufchan|buffered channel (cap 128), %s values|5000000|500000|1 2|none|"
  "skynet|skynet, %s leaves|1000000|100000|1 2|faster|3"
  "sieve|prime sieve, first %s primes|2000|500|1 2|none|"
  "mutex|contended mutex, 8 goroutines|2000000|200000|1 2|faster|1"
  "parked|parked goroutines, %s: resident per goroutine|1000000|100000|-|le|8"
  "echo|TCP echo of 64 bytes, one connection, %s round trips|50000|5000|1 2|faster|2"
  "idleconns|%s idle TCP connections: resident per connection|10000|1000|-|le|8"
  "sleepers|%s goroutines sleeping 1 ms|100000|10000|1 2|faster|1"
  "select4|select over 4 channels, %s selects|1000000|100000|1 2|none|"
  "selectready|select over 4 cases, one ready, %s selects|2000000|200000|1 2|none|"
  "selectblock|blocking select over 2 cases, woken by a sender, %s selects|1000000|100000|1 2|none|"
  "contended|contended channel (cap 128), 8 senders and 8 receivers, %s values|4000000|400000|1 2|none|"
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

# medianof "N1 N2 ...": median of the numbers in one space-separated word.
medianof() { local v; read -ra v <<<"$1"; median "${v[@]}"; }

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
    parked|idleconns) echo KiB ;;
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
    req/s) printf "%s req/s" "$(num "$(printf "%.0f" "$1")")" ;;
    *) printf "%.1f %s" "$1" "$2" ;;
  esac
}

calc() { awk "BEGIN { print ($1) }"; }

# verdict KIND VALUE UNIT GORT GO [C]: the ratio, target and met cells of
# a row, "|"-separated, from the medians (the target kinds are above, and
#   more X    gort's median / Go's at least X: req/s, where more is better).
# The ratio is always the one where above 1 means gort is ahead.
verdict() {
  local kind=$1 tv=$2 unit=$3 gm=$4 om=$5 cm=${6:-fail}
  local ratio="—" target="—" met="—" r
  if [ "$gm" != fail ] && [ "$om" != fail ]; then
    if [ "$kind" = more ]; then
      ratio=$(awk -v g="$gm" -v o="$om" 'BEGIN { if (o > 0) printf "%.2f×", g / o; else print "—" }')
    else
      ratio=$(awk -v g="$gm" -v o="$om" 'BEGIN { if (g > 0) printf "%.2f×", o / g; else print "—" }')
    fi
  fi
  case $kind in
    le)
      target="≤ $(fmtv "$tv" "$unit" | sed 's/\.0 / /;s/\.00 / /')"
      [ "$gm" = fail ] && met="**no**" ||
        met=$( [ "$(calc "$gm <= $tv")" = 1 ] && echo yes || echo "**no**") ;;
    faster)
      if [ "$tv" = 1 ]; then target="no slower than Go"; else target="≥ ${tv}× faster than Go"; fi
      if [ "$gm" = fail ] || [ "$om" = fail ]; then met="**no**"; else
        met=$( [ "$(calc "$om / $gm >= $tv")" = 1 ] && echo yes || echo "**no**"); fi ;;
    more)
      target="≥ ${tv}× Go's"
      if [ "$gm" = fail ] || [ "$om" = fail ]; then met="**no**"; else
        met=$( [ "$(calc "$gm / $om >= $tv")" = 1 ] && echo yes || echo "**no**"); fi ;;
    vsc)
      target="≤ ${tv}× plain C ($(fmtv "$cm" "$unit"))"
      if [ "$gm" = fail ] || [ "$cm" = fail ]; then met="**no**"; else
        r=$(awk -v g="$gm" -v c="$cm" 'BEGIN { printf "%.2f", g / c }')
        met=$( [ "$(calc "$r <= $tv")" = 1 ] && echo "yes ($r× C)" || echo "**no** ($r× C)"); fi ;;
  esac
  echo "$ratio|$target|$met"
}

# fitconns N: how many idle connections idleconns can open (two
# descriptors each, 100 spare) under the hard RLIMIT_NOFILE, at most N;
# the programs work it out too, this is for the row's label.
fitconns() {
  local hard
  hard=$(ulimit -Hn)
  if [ "$hard" != unlimited ] && [ $((2 * $1 + 100)) -gt "$hard" ]; then
    echo $(((hard - 100) / 2))
  else
    echo "$1"
  fi
}

rows=()
t_start=$(date +%s)
load_start=$(cut -d' ' -f1-3 /proc/loadavg)
echo "== running: $runs runs of each, gort and Go alternately" >&2
for w in "${workloads[@]}"; do
  IFS='|' read -r name label size qsize procs kind tv <<<"$w"
  [ $quick = 1 ] && size=$qsize
  [ "$name" = idleconns ] && size=$(fitconns "$size")
  # shellcheck disable=SC2059
  label=$(printf "$label" "$(num "$size")")
  unit=$(unit_of "$name")
  for p in $procs; do
    gv=(); ov=(); cv=(); bv=(); tv_=()
    for ((i = 1; i <= runs; i++)); do
      if [ "$name" = hello ]; then
        x=$(runone "$p" "$C/bench_exectime" "$size" "$C/bench_hello"); [ -z "$x" ] || gv+=("$x")
        x=$(runone "$p" "$C/bench_exectime" "$size" "$G/hello"); [ -z "$x" ] || ov+=("$x")
        x=$(runone "$p" "$C/bench_exectime" "$size" "$C/bench_hello_c"); [ -z "$x" ] || cv+=("$x")
      else
        x=$(runone "$p" "$C/bench_$name" "$size"); [ -z "$x" ] || gv+=("$x")
        x=$(runone "$p" "$G/$name" "$size"); [ -z "$x" ] || ov+=("$x")
        if [ -x "$P/boost_$name" ]; then
          x=$(runone "$p" "$P/boost_$name" "$size"); [ -z "$x" ] || bv+=("$x")
          # a thread each: a tenth of the size (the same per-op figure)
          psize=$size; [ "$name" = spawn ] && psize=$((size / 10))
          x=$(runone "$p" "$P/pthread_$name" "$psize"); [ -z "$x" ] || tv_+=("$x")
        fi
      fi
      printf "  %-10s P=%s run %d/%d: gort %s, Go %s%s\n" "$name" "$p" "$i" "$runs" \
        "${gv[-1]:-fail}" "${ov[-1]:-fail}" "${cv:+, C ${cv[-1]}}" >&2
    done
    gm=$(median "${gv[@]}"); om=$(median "${ov[@]}"); cm=$(median "${cv[@]}")
    bcol="-"; pcol="-"
    if [ -x "$P/boost_$name" ]; then
      bcol=$(fmtv "$(median "${bv[@]}")" "$unit"); pcol=$(fmtv "$(median "${tv_[@]}")" "$unit")
    fi
    IFS='|' read -r ratio target met <<<"$(verdict "$kind" "$tv" "$unit" "$gm" "$om" "$cm")"
    [ "$p" = - ] && pshow="$jobs (default)" || pshow=$p
    rows+=("| $label | $pshow | $(fmtv "$gm" "$unit") | $(fmtv "$om" "$unit") | $bcol | $pcol | $ratio | $target | $met |")
  done
done

# --- HTTP plaintext under wrk ---------------------------------------------
# The servers are not KEY=VALUE programs: each is started on a free
# port, polled until it accepts, loaded with wrk over loopback (no
# pipelining: one request at a time on each of 256 connections), and
# killed; a run where wrk saw a socket error or a non-2xx answer counts
# as failed.  The three servers take turns within each run.  wrk and the
# server share the same two CPUs (taskset), the same for every server:
# neither is confined to one CPU, so that GOMAXPROCS=2 can use both.
wrk_secs=10; [ $quick = 1 ] && wrk_secs=3
wrk_args=(-t2 -c256 "-d${wrk_secs}s" --latency)
# The first two CPUs this script may run on ("0-3,6" -> "0,1").
http_cpus=$(taskset -pc $$ | sed 's/.*: *//' | tr , '\n' |
  awk -F- '{ for (c = $1; c <= ($2 == "" ? $1 : $2) && n < 2; c++) l = l (n++ ? "," : "") c }
    END { print l }')
http_servers=("$E/httpd" "$G/httpd" "$G/nethttp")

# accepts PORT: whether something accepts connections on 127.0.0.1:PORT.
accepts() { timeout 1 bash -c "exec 3<>/dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# wrkone PROCS SERVER: start SERVER at GOMAXPROCS=PROCS, load it with wrk,
# stop it; print "REQS_PER_SEC P99_MS", or nothing (and why on stderr)
# when it fails to start or wrk saw errors.  The port is picked below the
# kernel's ephemeral range, so that no client's port takes it.
wrkone() {
  local procs=$1 server=$2 port pid="" t try o rc=0
  for ((try = 1; try <= 5; try++)); do
    port=$((20000 + RANDOM % 12000))
    accepts "$port" && continue               # taken
    GOMAXPROCS=$procs taskset -c "$http_cpus" timeout $((wrk_secs + 60)) \
      "$server" "$port" >/dev/null 2>"$B/http_server.err" &
    pid=$!
    for ((t = 0; t < 100; t++)); do           # up to 5 s
      accepts "$port" && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.05
    done
    kill -0 "$pid" 2>/dev/null && accepts "$port" && break
    kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
    pid=""
  done
  if [ -z "$pid" ]; then
    printf "run.sh: %s did not start:\n%s\n" "$server" "$(cat "$B/http_server.err")" >&2
    return 0
  fi
  o=$(taskset -c "$http_cpus" timeout $((wrk_secs + 30)) \
        wrk "${wrk_args[@]}" "http://127.0.0.1:$port/plaintext" 2>&1) || rc=$?
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  local rps p99
  rps=$(printf "%s\n" "$o" | sed -n 's/^Requests\/sec: *\([0-9.]*\).*/\1/p')
  # "99%  1.23ms": wrk's unit is us, ms, s or m.
  p99=$(printf "%s\n" "$o" | awk '$1 == "99%" { v = $2; u = v; sub(/^[0-9.]+/, "", u); v += 0
    if (u == "us") v /= 1000; else if (u == "s") v *= 1000; else if (u == "m") v *= 60000
    print v }')
  if [ $rc != 0 ] || [ -z "$rps" ] || [ -z "$p99" ] ||
     printf "%s\n" "$o" | grep -q "Socket errors\|Non-2xx"; then
    printf "run.sh: wrk against %s failed (status %s):\n%s\n" "$server" "$rc" "$o" >&2
    return 0
  fi
  echo "$rps $p99"
}

http_names=(gort "Go twin" net/http)
echo "== HTTP: $runs runs of wrk ${wrk_args[*]} against each server, on CPUs $http_cpus" >&2
for p in 1 2; do
  # rps[s] and p99[s]: server s's figures, one a run, space-separated.
  declare -A rps=() p99=()
  for ((i = 1; i <= runs; i++)); do
    line=""
    for s in 0 1 2; do
      x=$(wrkone "$p" "${http_servers[$s]}")
      [ -z "$x" ] || { rps[$s]+=" ${x% *}"; p99[$s]+=" ${x#* }"; }
      line+="${line:+, }${http_names[$s]} ${x:-fail}"
    done
    printf "  %-10s P=%s run %d/%d: %s\n" http "$p" "$i" "$runs" "$line" >&2
  done
  gr=$(medianof "${rps[0]:-}"); gp=$(medianof "${p99[0]:-}")
  for cmp in "1|its twin on net + bufio|1.5" "2|net/http|2"; do
    IFS='|' read -r s who tv <<<"$cmp"
    or=$(medianof "${rps[$s]:-}"); op=$(medianof "${p99[$s]:-}")
    IFS='|' read -r ratio target met <<<"$(verdict more "$tv" req/s "$gr" "$or")"
    rows+=("| HTTP plaintext, requests per second (Go: $who) | $p | $(fmtv "$gr" req/s) | $(fmtv "$or" req/s) | - | - | $ratio | $target | $met |")
    IFS='|' read -r ratio target met <<<"$(verdict faster 1 ms "$gp" "$op")"
    rows+=("| HTTP plaintext, p99 latency (Go: $who) | $p | $(fmtv "$gp" ms) | $(fmtv "$op" ms) | - | - | $ratio | no worse than Go's | $met |")
  done
done
t_end=$(date +%s)
load_end=$(cut -d' ' -f1-3 /proc/loadavg)

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
  echo "Load average (1, 5, 15 min) at the start: $load_start; at the end: $load_end."
  echo
  echo "| workload | GOMAXPROCS | gort | Go | Boost.Fiber | pthread | ratio (Go/gort) | target | met |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf "%s\n" "${rows[@]}"
  echo
  echo "A ratio above 1 means gort is ahead: it is Go's figure over gort's for"
  echo "times, latencies and memory, and gort's over Go's for requests per"
  echo "second.  Times are per operation: per switch, per gort_gosched, per"
  echo "goroutine (spawn, skynet), per round trip, per value, per lock/unlock"
  echo "pair, per select; the sieve and the sleepers are whole runs."
  echo
  echo "- **Boost.Fiber, pthread**: the C peers of the same run, where they"
  echo "  can express the workload (\"-\" where not): Boost.Fiber (bench/boost,"
  echo "  $(dpkg-query -W -f '${Version}' libboost-fiber-dev 2>/dev/null || echo '?')) with"
  echo "  round_robin on one thread at GOMAXPROCS=1 and work_stealing on two;"
  echo "  one pthread per goroutine (bench/pthread: sched_yield, pipes, a mutex"
  echo "  and condition variable for the count), on the first GOMAXPROCS CPUs;"
  echo "  its spawn row starts a tenth as many threads.  select has no direct"
  echo "  Boost.Fiber analogue; skynet's million fibers or threads alive at"
  echo "  once is not what either is made for."
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
  echo "- **TCP echo**: a client goroutine writes 64 bytes and reads them back"
  echo "  from a server goroutine in the same process, over one loopback"
  echo "  connection (bench/echo.c, bench/go/echo)."
  echo "- **idle TCP connections**: growth of the resident set from before the"
  echo "  first dial to after every server goroutine is blocked reading (into"
  echo "  a 64-byte buffer), divided by the number of connections.  Both ends"
  echo "  are in the process, so this counts the client's side of each"
  echo "  connection too; the kernel's socket memory is not in the resident"
  echo "  set.  Each connection takes two descriptors, so the count is capped"
  echo "  by the hard RLIMIT_NOFILE ($(ulimit -Hn) here)."
  echo "- **HTTP plaintext**: TechEmpower's plaintext test (GET /plaintext,"
  echo "  \"Hello, World!\", Server and Date headers) served by examples/httpd.c,"
  echo "  by its Go twin of the same design (bench/go/httpd: net + bufio, a"
  echo "  goroutine per connection) and by Go's net/http (bench/go/nethttp),"
  echo "  each loaded by \`wrk ${wrk_args[*]}\` without pipelining, one server at a"
  echo "  time, taking turns.  wrk and the server share the same two CPUs"
  echo "  ($http_cpus, both pinned with taskset to both, for every server)."
  echo "  A run where wrk saw a socket error or a non-2xx answer counts as failed."
  echo "  wrk keeps 256 requests in flight, so the servers are saturated and"
  echo "  p99 includes queueing (wrk's coordinated omission); the gort column"
  echo "  repeats the same gort runs against each Go server."
} >"$out.tmp"
mv "$out.tmp" "$out"
echo >&2
sed -n '/^| workload/,/^$/p' "$out"
echo "(written to $out; $((t_end - t_start)) s)"
