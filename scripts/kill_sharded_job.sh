#!/usr/bin/env bash
# SIGKILL of one rank of the sharded job at a random moment, TRIES times
# (docs/distributed.md, "Failure"): after each kill the store must still
# serve the previous generation, complete (every user's lists equal a
# reference single-process run of the same inputs), and after all tries one
# more run must succeed. Exit 0 only if every check held.
#
#   scripts/kill_sharded_job.sh                 # 10 tries, 4 ranks, 100k users x 5k items
#   TRIES=3 USERS=5000 ITEMS=500 scripts/kill_sharded_job.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${INVR_BUILD_DIR:-$root/build}
TRIES=${TRIES:-10}
RANKS=${RANKS:-4}
USERS=${USERS:-100000}
ITEMS=${ITEMS:-5000}
N=${N:-200}
OUT=${OUT:-$root/out/kill_sharded}
SEED=${SEED:-$RANDOM}
invr=${INVR_CLI:-$build/bin/invr}
[[ -x $invr ]] || { echo "build invr first (scripts/build.sh)" >&2; exit 2; }
world="$OUT/world-${USERS}x${ITEMS}"
model="$OUT/model-${USERS}x${ITEMS}x16"
"$root/scripts/make_bench_world.sh" "$invr" "$world" "$model" "$USERS" "$ITEMS" 16
args=(job --model "$model" --data "$world" --all-items --top-users-per-item "$N" --active-days 0
      --grace-seconds 3600 --assign-targets false)
run() {  # run GENERATION STORE [background]
  mpirun --allow-run-as-root --oversubscribe -np "$RANKS" "$invr" -q "${args[@]}" --distributed \
    --generation "$1" --store "rocksdb:$2"
}
store="$OUT/store" reference="$OUT/reference"
rm -rf "$store" "$reference"
"$invr" -q "${args[@]}" --generation ref --store "rocksdb:$reference" > /dev/null
start=$(date +%s.%N)
run g0 "$store" > /dev/null
wall=$(/usr/bin/python3 -c "print(round($(date +%s.%N) - $start, 2))")
echo "one sharded run: ${wall} s; killing one of $RANKS ranks at a random moment in [0, 0.9 x ${wall}] s, $TRIES times (seed $SEED)"
RANDOM=$SEED
good=g0 failures=0 landed=0 late=0
complete() {  # the served generation equals the reference, user by user
  "$invr" -q candidates --store "rocksdb:$store" --compare "rocksdb:$reference" --data "$world" > "$OUT/compare.json"
}
for ((i = 1; i <= TRIES; i++)); do
  run "g$i" "$store" > /dev/null 2> "$OUT/try-$i.log" &
  mpirun_pid=$!
  delay=$(/usr/bin/python3 -c "print(round(0.9 * $wall * $RANDOM / 32768, 3))")
  sleep "$delay"
  ranks=($(pgrep -P "$mpirun_pid" -f "$invr" || true))
  victim="none"
  if ((${#ranks[@]} > 0)); then
    victim=${ranks[$((RANDOM % ${#ranks[@]}))]}
    if kill -9 "$victim" 2> /dev/null; then landed=$((landed + 1)); else victim="none"; fi
  fi
  status=0
  wait "$mpirun_pid" || status=$?
  # mpirun can return while rank 0 is still finishing (it signals the other
  # ranks and leaves): wait until no process of this try is left.
  for ((w = 0; w < 300; w++)); do
    pgrep -f -- "--generation g$i " > /dev/null || break
    sleep 0.1
  done
  current=$("$invr" -q candidates --store "rocksdb:$store" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["current"])')
  # A kill after every part had finished (the victim past its last
  # collective) cannot stop rank 0's commit: g$i is then served, and it must
  # be complete like any other.
  if [[ $status == 0 || $current == "g$i" ]]; then good="g$i"; fi
  [[ $status != 0 && $current == "g$i" ]] && late=$((late + 1))
  verdict="ok"
  if [[ $current != "$good" ]]; then verdict="FAIL: serves $current, expected $good"; fi
  if ! complete; then verdict="FAIL: $current differs from the reference ($OUT/compare.json)"; fi
  [[ $verdict == ok ]] || failures=$((failures + 1))
  echo "try $i: killed pid $victim after ${delay} s; mpirun exit $status; serves $current; $verdict"
done
if run final "$store" > /dev/null && complete; then
  echo "next run: committed 'final', identical to the reference"
else
  echo "next run: FAILED"; failures=$((failures + 1))
fi
echo "$landed of $TRIES kills hit a running rank ($late after every part had finished: that generation was committed); $failures failure(s)"
[[ $failures == 0 ]]
