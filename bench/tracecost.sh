#!/usr/bin/env bash
# bench/tracecost.sh: what the execution trace (src/trace.c) costs.
#
#   bench/tracecost.sh [-n RUNS] [-s SIZE]
#
# On: runs bench_pingpong and bench_gosched (build/bench, as run.sh builds
# them) with and without GODEBUG=gorttrace=FILE, alternately (the machine
# is shared and noisy), RUNS times each (default 7) at GOMAXPROCS=1 and 2,
# and prints the medians of ns_per_op and their ratio.  The workloads time
# only their loop, so the ratio is what recording costs; writing the JSON
# at exit is not in it.
#
# Off: with tracing off each hook is a load and a branch predicted not
# taken.  Exactly, in instructions, with callgrind (bench/README.md-style
# numbers in bench/results/tracecost.md, which says how they were made):
#   GOMAXPROCS=1 valgrind --tool=callgrind bench_pingpong N
# for two sizes, before and after the hooks: (Ir(N2) - Ir(N1)) / (N2 - N1).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=7
size=100000
while getopts "n:s:h" opt; do
  case $opt in
    n) runs=$OPTARG ;;
    s) size=$OPTARG ;;
    *) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  esac
done
B=build/bench
if [ ! -x $B/bench/bench_pingpong ]; then
  cmake -S . -B $B -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
        -DGORT_TESTS=OFF -DGORT_EXAMPLES=OFF -DGORT_BENCH=ON >/dev/null
  cmake --build $B -j2 --target bench_pingpong bench_gosched >/dev/null
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
median() { printf "%s\n" "$@" | sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
val() { sed -n 's/^ns_per_op=//p'; }
printf "| workload | GOMAXPROCS | off (ns/op) | on (ns/op) | on/off |\n| --- | --- | --- | --- | --- |\n"
for w in pingpong gosched; do
  for procs in 1 2; do
    off=() on=()
    for ((i = 0; i < runs; i++)); do
      off+=("$(GOMAXPROCS=$procs $B/bench/bench_$w $size | val)")
      on+=("$(GOMAXPROCS=$procs GODEBUG=gorttrace=$tmp/t.json $B/bench/bench_$w $size | val)")
      rm -f "$tmp/t.json"
    done
    mo=$(median "${off[@]}") mn=$(median "${on[@]}")
    awk -v w="$w" -v p="$procs" -v a="$mo" -v b="$mn" 'BEGIN { printf "| %s | %s | %s | %s | %.2f |\n", w, p, a, b, b / a }'
  done
done
