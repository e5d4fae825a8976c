#!/usr/bin/env bash
# Load benchmark of `invr serve` (docs/serving_http.md, "Benchmark"). Run it
# through scripts/bench_serve.sh, which builds the CLI first. Steps:
#   1. invr generate a world (kept in $BENCH_DIR and reused);
#   2. a precomputed model of deterministic random vectors (numpy, seed 7);
#   3. invr job -> generation bench-1 in a RocksDB store;
#   4. invr serve; wrk at full load for the control arm and invr-user-rank
#      (alternating, two rounds), over all users and over the users that have
#      InvR candidates (found by a probe run), then the same paced near
#      BENCH_RATE req/s (wrk has no rate control; a per-connection delay
#      approximates it), all against one server;
#   5. hot swap, paced at BENCH_RATE so the job gets CPU: BENCH_SWAP_SECONDS
#      of wrk while an external `invr job` commits a new generation; then
#      again with the embedded scheduler;
#   6. the insertion API (issue 16): POST /v1/insert with a 20-item platform
#      slate (BENCH_N random items) for the users with candidates, control and
#      invr-user-rank, at full load and paced at BENCH_INSERT_RATE (2000);
#   7. a table of req/s, p50/p90/p99/p99.9 and non-2xx counts.
#   8. (after step 5's external swap) a model swap plus two generation switches
#      during one BENCH_MODEL_SWAP_SECONDS (60) paced run (issue 16's bar).
# BENCH_ONLY=insert runs step 6 alone (after the setup and a warm-up);
# BENCH_ONLY=model-swap step 8 alone; BENCH_ONLY=paced the paced rounds of
# step 4 alone, over all users and over the users with candidates (issue 21's
# 1M x 1M serving bar:
#   BENCH_USERS=1000000 BENCH_ITEMS=1000000 BENCH_ONLY=paced BENCH_PACED_DELAY_MS=5,
# exact retrieval; BENCH_RETRIEVAL=hnsw32 BENCH_EF_SEARCH=400 for HNSW;
# BENCH_RETRIEVAL=ivf,int8 BENCH_NPROBE=200 for IVF with the int8 filter).
# BENCH_SETUP_ONLY=1 stops after step 3 (scripts/bench_slowloris.sh serves the
# same world).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
INVR=${INVR:-$root/build/bin/invr}
USERS=${BENCH_USERS:-1000000}
ITEMS=${BENCH_ITEMS:-100000}
PUBLISHERS=${BENCH_PUBLISHERS:-2000}
IMPRESSIONS=${BENCH_IMPRESSIONS_PER_USER:-5}  # keeps the 1M-user world small on disk
DAYS=${BENCH_DAYS:-14}
DIM=${BENCH_DIM:-16}
N=${BENCH_N:-20}
SECONDS_PER_RUN=${BENCH_SECONDS:-20}
SWAP_SECONDS=${BENCH_SWAP_SECONDS:-30}
MODEL_SWAP_SECONDS=${BENCH_MODEL_SWAP_SECONDS:-60}
CONNECTIONS=${BENCH_CONNECTIONS:-8}
WRK_THREADS=${BENCH_WRK_THREADS:-1}
RATE=${BENCH_RATE:-1000}                # paced runs; 0 = skip them
INSERT_RATE=${BENCH_INSERT_RATE:-2000}  # paced /v1/insert runs; 0 = skip them
ONLY=${BENCH_ONLY:-}                    # "insert": only the /v1/insert runs
PACED_ROUNDS=${BENCH_PACED_ROUNDS:-3}   # alternating control / invr-user-rank rounds
PACED_DELAY=${BENCH_PACED_DELAY_MS:-0}  # BENCH_ONLY=paced: this delay per connection instead of calibrating
HTTP_THREADS=${BENCH_HTTP_THREADS:-16}
RETRIEVAL=${BENCH_RETRIEVAL:-exact}
EF_SEARCH=${BENCH_EF_SEARCH:-0}         # [slate] ef_search for an HNSW retrieval; 0 = the index's default
NPROBE=${BENCH_NPROBE:-0}               # [slate] nprobe for an IVF retrieval; 0 = the index's default
JOB_INTERVAL=${BENCH_JOB_INTERVAL:-10}  # embedded scheduler period during its swap run
PORT=${BENCH_PORT:-18080}
DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/invr_bench_serve_${USERS}x${ITEMS}}
PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
LUA="$root/bench/bench_serve.lua"
URL="http://127.0.0.1:$PORT"

log() { echo "[bench_serve] $*" >&2; }
mkdir -p "$DIR"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
server_pid=""
cleanup() { if [[ -n "$server_pid" ]]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi; }
trap cleanup EXIT

if [[ ! -s "$DIR/world/world.inter" ]]; then
  log "generating a world of $USERS users x $ITEMS items"
  /usr/bin/time -f "generate: %e s, %M KB peak" "$INVR" -q generate --users "$USERS" --items "$ITEMS" \
    --publishers "$PUBLISHERS" --days "$DAYS" --dim "$DIM" --impressions-per-user "$IMPRESSIONS" \
    --threads 2 --out "$DIR/world" >&2
fi

if [[ ! -s "$DIR/model/manifest.json" ]]; then
  log "writing a precomputed random model (dim $DIM)"
  "$PYTHON" - "$DIR/world" "$DIR/model" "$DIM" <<'EOF'
import json, os, sys
import numpy as np
world, model, dim = sys.argv[1], sys.argv[2], int(sys.argv[3])
os.makedirs(model, exist_ok=True)
def ids(path):
    with open(path, encoding="utf-8") as f:
        next(f)
        return [line.split("\t", 1)[0].rstrip("\n") for line in f]
rng = np.random.default_rng(7)
for kind, source in (("item", "world.item"), ("user", "world.user")):
    names = ids(os.path.join(world, source))
    rows = (rng.standard_normal((len(names), dim)) / np.sqrt(dim)).astype(np.float32)
    np.save(os.path.join(model, f"{kind}_embeddings.npy"), rows)
    with open(os.path.join(model, f"{kind}_embeddings.ids"), "w", encoding="utf-8") as f:
        f.write("\n".join(names) + "\n")
with open(os.path.join(model, "manifest.json"), "w") as f:
    json.dump({"magic": "invr-model", "format_version": 1, "kind": "precomputed", "dim": dim}, f)
EOF
fi

# A second random model (seed 8) over the same ids: the model-swap run's job
# names it, so the server loads it while serving (follow_model).
if [[ ! -s "$DIR/model2/manifest.json" ]]; then
  log "writing a second precomputed random model (dim $DIM) for the model swap"
  "$PYTHON" - "$DIR/model" "$DIR/model2" <<'EOF2'
import os, shutil, sys
import numpy as np
src, dst = sys.argv[1], sys.argv[2]
os.makedirs(dst, exist_ok=True)
rng = np.random.default_rng(8)
for kind in ("item", "user"):
    rows = np.load(os.path.join(src, f"{kind}_embeddings.npy"))
    np.save(os.path.join(dst, f"{kind}_embeddings.npy"),
            (rng.standard_normal(rows.shape) / np.sqrt(rows.shape[1])).astype(np.float32))
    shutil.copy(os.path.join(src, f"{kind}_embeddings.ids"), dst)
shutil.copy(os.path.join(src, "manifest.json"), dst)
EOF2
fi

store="rocksdb:$DIR/store"
if [[ ! -s "$DIR/store/CURRENT" ]]; then
  log "running invr job -> generation bench-1"
  /usr/bin/time -f "job: %e s, %M KB peak" "$INVR" -q job --model "$DIR/model" --data "$DIR/world" \
    --store "$store" --generation bench-1 --grace-seconds 600 >"$DIR/job-1.json"
  cat "$DIR/job-1.json" >&2
fi

if [[ -n "${BENCH_SETUP_ONLY:-}" ]]; then
  echo "$DIR"
  exit 0
fi

write_config() {  # $1 = embedded_job (true|false)
  cat >"$DIR/invr.toml" <<EOF
[serve]
data = "$DIR/world"
model = "$DIR/model"
port = $PORT
http_threads = $HTTP_THREADS
retrieval = "$RETRIEVAL"
refresh_seconds = 1
access_log = "off"
event_log = "$DIR/events.inter"
embedded_job = $1
job_interval_seconds = $JOB_INTERVAL

[slate]
ef_search = $EF_SEARCH
nprobe = $NPROBE

[job]
store = "$store"
grace_seconds = 600
EOF
}

start_server() {
  "$INVR" serve --config "$DIR/invr.toml" >"$DIR/serve.out" 2>"$DIR/serve.log" &
  server_pid=$!
  local started=$SECONDS
  until curl -sf "$URL/healthz" >/dev/null 2>&1; do
    if ! kill -0 "$server_pid" 2>/dev/null; then cat "$DIR/serve.log" >&2; log "server died"; exit 1; fi
    sleep 0.5
  done
  log "server up in $((SECONDS - started)) s: $(curl -s "$URL/healthz")"
}

stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || { log "server exited with $?"; }
  server_pid=""
}

rows=()
# run_wrk LABEL ARM SECONDS DELAY_MS [USERS_FILE] -> appends a table row; sets last_non2xx
run_wrk() {
  local label=$1 arm=$2 seconds=$3 delay=$4 users_file=${5:-}
  local out
  out=$(BENCH_USERS=$USERS BENCH_USERS_FILE=$users_file BENCH_ARM=$arm BENCH_N=$N BENCH_DELAY_MS=$delay \
        BENCH_ENDPOINT=$endpoint BENCH_ITEMS=$ITEMS \
        wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${seconds}s" --timeout 5s -s "$LUA" "$URL")
  local line
  line=$(grep '^RESULT ' <<<"$out") || { echo "$out" >&2; exit 1; }
  read -r _ requests duration p50 p90 p99 p999 non2xx socket server_p50 store_p50 <<<"$line"
  rows+=("$(awk -v l="$label" -v a="$arm" -v r="$requests" -v d="$duration" -v p50="$p50" -v p90="$p90" \
      -v p99="$p99" -v p999="$p999" -v n="$non2xx" -v s="$socket" \
      -v sp="$server_p50" -v st="$store_p50" \
      'BEGIN { printf "| %s | %s | %.0f | %.2f | %.2f | %.2f | %.2f | %.3f | %.3f | %d | %d |", l, a, r / (d / 1e6), p50 / 1000, p90 / 1000, p99 / 1000, p999 / 1000, sp / 1000, st / 1000, n, s }')")
  last_non2xx=$non2xx
  last_p50=$p50
  last_server_p50=$server_p50
  last_rate=$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
}

# wrk has no rate control: each connection waits DELAY ms between requests, so
# the rate is CONNECTIONS / (DELAY + response time). Calibrated: start at the
# nominal CONNECTIONS / RATE and shorten it (3 s probes on the users with
# candidates, the slower population) until the achieved rate reaches RATE.
calibrate_delay() {  # [RATE] (default BENCH_RATE) -> delay
  local rate=${1:-$RATE}
  local d=$(( CONNECTIONS * 1000 / rate ))
  while (( d > 1 )); do
    run_wrk calibration invr-user-rank 3 "$d" "$DIR/invr_users.txt"
    unset 'rows[-1]'
    log "pacing: $d ms per connection -> $last_rate req/s"
    (( last_rate >= rate )) && break
    d=$(( d - 1 ))
  done
  delay=$d
}
delay=0
endpoint=recommend

# Step 6: POST /v1/insert, the users with candidates (issue 16's bar: p99 <=
# 5 ms at 2,000 req/s, server median <= 0.2 ms). Rows are labelled "insert".
insert_runs() {
  endpoint=insert
  local saved_delay=$delay
  for arm in control invr-user-rank; do
    log "insert, full load, users with candidates: $arm"
    run_wrk "insert, full load" "$arm" "$SECONDS_PER_RUN" 0 "$DIR/invr_users.txt"
  done
  if [[ "$INSERT_RATE" -gt 0 ]]; then
    calibrate_delay "$INSERT_RATE"
    for arm in control invr-user-rank; do
      log "insert, paced ~$INSERT_RATE req/s ($delay ms per connection): $arm"
      run_wrk "insert, paced" "$arm" "$SECONDS_PER_RUN" "$delay" "$DIR/invr_users.txt"
    done
  fi
  endpoint=recommend
  delay=$saved_delay
}

# Model swap (issue 16's bar: a model swap plus two generation switches during
# a 60 s run, zero non-2xx). Paced at BENCH_RATE on the users with candidates;
# an external job commits generation A with the served model (switch 1), then
# generation B with model2, which the server loads and swaps in (switch 2 and
# the model swap). Their times come from the server log.
model_swap_run() {
  local seconds=$MODEL_SWAP_SECONDS stamp jobs_file
  stamp=$(date +%s)
  jobs_file=$(mktemp)
  log "model swap + two generation switches, ${seconds}s paced at ~$RATE req/s ($delay ms per connection)"
  ( sleep $((seconds / 6))
    /usr/bin/time -f "switch-1 job (same model): %e s" "$INVR" -q job --model "$DIR/model" --data "$DIR/world" \
      --store "$store" --generation "bench-switch-$stamp" --grace-seconds 600 >/dev/null
    /usr/bin/time -f "switch-2 job (model2): %e s" "$INVR" -q job --model "$DIR/model2" --data "$DIR/world" \
      --store "$store" --generation "bench-model2-$stamp" --grace-seconds 600 >/dev/null ) 2>"$jobs_file" &
  local job_pid=$!
  local started ended
  started=$(date +%T)
  run_wrk "model swap + 2 switches" invr-user-rank "$seconds" "$delay" "$DIR/invr_users.txt"
  ended=$(date +%T)
  model_swap_non2xx=$last_non2xx
  wait "$job_pid"
  model_swap_note="model swap run ($started to $ended): non-2xx = $model_swap_non2xx; $(grep ' job (' "$jobs_file" | tr '\n' ';')"
  model_swap_note+=" server log: $(grep -E 'was made by model|now serving' "$DIR/serve.log" |
    sed -E 's/^\[[0-9:.]*[ T]?([0-9:]{8})[^]]*\].*serve: /\1 /' | tr '\n' ';')"
  model_swap_note+=" healthz after: $(curl -s "$URL/healthz" | cut -c1-120)"
  rm -f "$jobs_file"
  # Back to the first model, so the next run of this script starts where this one did.
  "$INVR" -q job --model "$DIR/model" --data "$DIR/world" --store "$store" \
    --generation "bench-restore-$stamp" --grace-seconds 600 >/dev/null
}

print_table() {
  echo
  echo "invr serve, $USERS users x $ITEMS items (dim $DIM, retrieval $RETRIEVAL, n=$N), $HTTP_THREADS HTTP threads;"
  echo "wrk $WRK_THREADS thread(s), $CONNECTIONS connections, ${SECONDS_PER_RUN}s per run, on $(nproc) cores shared with wrk;"
  echo "load average before the run: $load_before; after: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| run | arm | req/s | p50 ms | p90 ms | p99 ms | p99.9 ms | server p50 ms | store read p50 ms | non-2xx | socket errors |"
  echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
  printf '%s\n' "${rows[@]}"
}
unset BENCH_USERS_FILE BENCH_PROBE_OUT

write_config false
start_server
log "warm-up"
run_wrk warm-up control 5 0
rows=()
if [[ "$ONLY" == insert ]]; then
  if [[ ! -s "$DIR/invr_users.txt" ]]; then
    BENCH_PROBE_OUT="$DIR/probe.txt" run_wrk probe invr-user-rank 10 0
    unset 'rows[-1]'
    sort -u "$DIR/probe.txt" >"$DIR/invr_users.txt"
  fi
  log "$(wc -l <"$DIR/invr_users.txt") users with InvR candidates"
  insert_runs
  stop_server
  print_table
  exit 0
fi
if [[ "$ONLY" == model-swap ]]; then
  [[ -s "$DIR/invr_users.txt" ]] || { BENCH_PROBE_OUT="$DIR/probe.txt" run_wrk probe invr-user-rank 10 0;
    unset 'rows[-1]'; sort -u "$DIR/probe.txt" >"$DIR/invr_users.txt"; }
  calibrate_delay
  model_swap_run
  stop_server
  print_table
  echo
  echo "$model_swap_note"
  exit 0
fi
if [[ "$ONLY" == paced ]]; then
  [[ -s "$DIR/invr_users.txt" ]] || { BENCH_PROBE_OUT="$DIR/probe.txt" run_wrk probe invr-user-rank 10 0;
    unset 'rows[-1]'; sort -u "$DIR/probe.txt" >"$DIR/invr_users.txt"; }
  if (( PACED_DELAY > 0 )); then
    delay=$PACED_DELAY
    log "pacing: a fixed $delay ms per connection (BENCH_PACED_DELAY_MS)"
  else
    calibrate_delay
  fi
  for round in $(seq 1 "$PACED_ROUNDS"); do
    for arm in control invr-user-rank; do
      log "paced ($delay ms per connection), round $round: $arm"
      run_wrk "paced, all users" "$arm" "$SECONDS_PER_RUN" "$delay"
      # The users with InvR candidates, who all need retrieval.
      run_wrk "paced, users with candidates" "$arm" "$SECONDS_PER_RUN" "$delay" "$DIR/invr_users.txt"
    done
  done
  recall=$(curl -s "$URL/metrics" | grep '^invr_retrieval_recall' | tr '\n' ' ')
  stop_server
  print_table
  echo
  echo "retrieval recall at start: $recall"
  exit 0
fi
# Uniformly random users: most have no click in the world, so they get the
# (cheap) popularity fallback, and most have no InvR candidates.
for arm in control invr-user-rank control invr-user-rank; do
  log "full load, all users: $arm"
  run_wrk "full load, all users" "$arm" "$SECONDS_PER_RUN" 0
done
# Users whose invr-user-rank slate has an InvR item (found by a probe run):
# the same users on both arms, so the difference is the store read + insertion.
log "probing for users with InvR candidates"
BENCH_PROBE_OUT="$DIR/probe.txt" run_wrk probe invr-user-rank 10 0
unset 'rows[-1]'
sort -u "$DIR/probe.txt" >"$DIR/invr_users.txt"
log "$(wc -l <"$DIR/invr_users.txt") users with InvR candidates found"
# The store read alone, in-process (bench/bench_store.cc), on the same users.
store_bench=${BENCH_STORE:-$(dirname "$INVR")/../bench/bench_store}
store_note="bench_store not built"
if [[ -x "$store_bench" ]]; then
  store_note=$("$store_bench" --store "$store" --users "$DIR/invr_users.txt" --gets 20000)
fi
for arm in control invr-user-rank control invr-user-rank; do
  log "full load, users with candidates: $arm"
  run_wrk "full load, users with candidates" "$arm" "$SECONDS_PER_RUN" 0 "$DIR/invr_users.txt"
done
# Paced rounds, arms alternating so drift in machine load hits both alike; the
# InvR overhead is the median over rounds of each arm's p50 (users with candidates).
declare -A p50s=() server_p50s=()
overhead_note="paced runs skipped (BENCH_RATE=0)"
if [[ "$RATE" -gt 0 ]]; then
  if [[ -n "${BENCH_DELAY_MS:-}" ]]; then delay=$BENCH_DELAY_MS; else calibrate_delay; fi
  for round in $(seq 1 "$PACED_ROUNDS"); do
    for arm in control invr-user-rank; do
      log "paced ~$RATE req/s ($delay ms per connection), round $round: $arm"
      run_wrk "paced, all users" "$arm" "$SECONDS_PER_RUN" "$delay"
      run_wrk "paced, users with candidates" "$arm" "$SECONDS_PER_RUN" "$delay" "$DIR/invr_users.txt"
      p50s[$arm]+="$last_p50 "
      server_p50s[$arm]+="$last_server_p50 "
    done
  done
  overhead_note=$(awk -v c="${p50s[control]}" -v i="${p50s[invr-user-rank]}" \
      -v sc="${server_p50s[control]}" -v si="${server_p50s[invr-user-rank]}" 'function median(s,  a, n, j, k, t) {
      n = split(s, a, " "); for (j = 1; j <= n; ++j) for (k = j + 1; k <= n; ++k) if (a[k] < a[j]) { t = a[j]; a[j] = a[k]; a[k] = t }
      return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2 }
    BEGIN { mc = median(c); mi = median(i)
      printf "InvR median overhead, paced, users with candidates, median of %d rounds: client p50 %.3f ms (invr-user-rank) vs %.3f ms (control), %+.1f%%;", split(c, x, " "), mi / 1000, mc / 1000, (mi / mc - 1) * 100
      ms = median(sc); msi = median(si)
      printf " server total p50 %.3f ms vs %.3f ms, %+.1f%%", msi / 1000, ms / 1000, (msi / ms - 1) * 100 }')
fi

insert_runs

# Hot swap 1: an external job commits while wrk runs.
before=$(curl -s "$URL/healthz")
log "hot swap (external job) for ${SWAP_SECONDS}s"
swap_file=$(mktemp)
( sleep $((SWAP_SECONDS / 3))
  /usr/bin/time -f "swap job: %e s" "$INVR" -q job --model "$DIR/model" --data "$DIR/world" \
    --store "$store" --generation "bench-swap-$(date +%s)" --grace-seconds 600 >/dev/null ) 2>"$swap_file" &
job_pid=$!
run_wrk "hot swap: external job" invr-user-rank "$SWAP_SECONDS" "$delay"
swap_non2xx=$last_non2xx
wait "$job_pid"
after=$(curl -s "$URL/healthz")
log "$(cat "$swap_file")"
log "before: $before"
log "after:  $after"
model_swap_run
stop_server

# Hot swap 2: the embedded scheduler runs the job inside the server.
write_config true
start_server
before=$(curl -s "$URL/healthz")
log "hot swap (embedded scheduler every ${JOB_INTERVAL}s) for ${SWAP_SECONDS}s"
run_wrk "hot swap: embedded job" invr-user-rank "$SWAP_SECONDS" "$delay"
embedded_non2xx=$last_non2xx
after=$(curl -s "$URL/healthz")
jobs=$(curl -s "$URL/metrics" | grep '^invr_job_runs_total' | tr '\n' ' ')
log "before: $before"
log "after:  $after"
log "embedded job runs: $jobs"
stop_server

print_table
echo
echo "$overhead_note"
echo
echo "store read in-process (bench_store, 20000 gets each):"
echo "$store_note"
echo "hot swap, external job: non-2xx = $swap_non2xx; embedded scheduler: non-2xx = $embedded_non2xx ($jobs)"
echo "$model_swap_note"
