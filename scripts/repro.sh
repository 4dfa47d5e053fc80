#!/usr/bin/env bash
# scripts/repro.sh: run reproducers of confirmed defects (small gort
# programs kept outside the project, such as ../shared/repro) many times
# under AddressSanitizer and UBSan, each at the GOMAXPROCS and with the
# arguments its README gives, and report runs and failures for each.
#
#   scripts/repro.sh DIR [RUNS [NAME...]]     RUNS: 1000 unless given
#
# It builds the ASan library (build/asan, as `scripts/test.sh asan`), then
# each reproducer into build/repro/.  A failed run (non-zero status, or
# still running after 120 s) leaves its output in build/repro/NAME.fail.N.
# Where a full-size run takes more than a second or two under ASan, the
# table below cuts its size: through its arguments, or, for the two that
# hard-code it, through a sed expression on a copy of its source in
# build/repro/.  Reproducers not in the table are skipped (those of
# defects still being fixed), and so are names left out when NAMEs are
# given.  Exit status 1 if any run failed.
set -euo pipefail

[ $# -ge 1 ] || { sed -n '2,17p' "$0" >&2; exit 2; }
dir=$(cd "$1" && pwd)
runs=${2:-1000}
shift $(( $# >= 2 ? 2 : 1 ))
only=("$@")
cd "$(dirname "$0")/.."
root=$PWD
out=$root/build/repro
mkdir -p "$out"

# id | source | GOMAXPROCS | arguments | sed on the source | extra cflags
table='
checkdead_syscall|checkdead_syscall.c|1||s/r < 100;/r < 50;/|
foreign_calls_gosched|foreign_calls.c|2|gosched||
foreign_calls_gosched2|foreign_calls.c|2|gosched2||
foreign_calls_gomaxprocs|foreign_calls.c|2|gomaxprocs||
foreign_churn|foreign_churn.c|2|3000||
gomaxprocs_race|gomaxprocs_race.c|2|||
locked|locked.c|2|||
resetrace|resetrace.c|2|||
resize|resize.c|2|7||
selstress|selstress.c|2|||
sleepers|sleepers.c|4|10000 64||-DMAXNS=100000
tick2|tick2.c|2||s/100000/20000/g|
tickerrace|tickerrace.c|4|20000||
timerchurn|timerchurn.c|2|15000||
timerfree_uaf|timerfree_uaf.c|2|||
timerrace|timerrace.c|2|10000||
'

jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGORT_SANITIZE=address,undefined >/dev/null
cmake --build build/asan -j"$jobs" --target gort >/dev/null
export ASAN_OPTIONS=detect_leaks=0

bad=0
while IFS='|' read -r id src procs args subst cflags; do
  [ -n "$id" ] || continue
  if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qx "$id"; then
    continue
  fi
  if [ ! -f "$dir/$src" ]; then
    echo "$id: $src not in $dir, skipped"
    continue
  fi
  c=$dir/$src
  if [ -n "$subst" ]; then
    c=$out/$id.c
    sed "$subst" "$dir/$src" >"$c"
  fi
  # shellcheck disable=SC2086  # cflags and args are word lists
  cc -O1 -g -fsanitize=address,undefined $cflags -I include "$c" build/asan/libgort.a \
    -lpthread -rdynamic -o "$out/$id"
  rm -f "$out/$id".fail.*
  fails=0
  start=$(date +%s)
  for ((i = 1; i <= runs; i++)); do
    # shellcheck disable=SC2086
    if ! GOMAXPROCS=$procs timeout 120 "$out/$id" $args >"$out/$id.log" 2>&1; then
      fails=$((fails + 1))
      mv "$out/$id.log" "$out/$id.fail.$i"
    fi
  done
  rm -f "$out/$id.log"
  line="$id: GOMAXPROCS=$procs args=[$args]${subst:+ sed=[$subst]}: $runs runs, $fails failed, $(( $(date +%s) - start )) s"
  if [ $fails -gt 0 ]; then
    bad=1
    first=$(ls "$out/$id".fail.* | head -1)
    line="$line; first: $first: $(grep -m1 -E 'fatal error|panic|ERROR|runtime error' "$first" || head -1 "$first")"
  fi
  echo "$line"
done <<<"$table"
exit $bad
