#!/usr/bin/env bash
# `invr serve` under slow clients (docs/serving_http.md, "Why Boost.Beast"):
# the bench_serve world (BENCH_SETUP_ONLY=1 bench/bench_serve.sh builds or
# reuses it), one server per binary, and for each:
#   1. paced wrk (bench/bench_serve.lua, a per-connection delay calibrated to
#      reach BENCH_RATE req/s) with no slow clients;
#   2. the same with SLOW connections open that each send one header byte a
#      second (bench/slowloris.py; reopened when the server closes them),
#      spread over SLOW_SOURCES loopback addresses;
#   3. wrk at full load (WRK_THREADS x CONNECTIONS) with the same slow clients;
#   4. paced again, with the slow clients all from one address, 127.0.0.2
#      (the per-peer cap; wrk is 127.0.0.1);
#   5. paced with IDLE connections that send nothing and reconnect when closed.
# Each row: req/s, p50 / p99 ms, non-2xx, wrk socket errors (timeouts
# included), and how much the server's connection counters grew during the
# wrk run ("-" for a server without them).
#
#   scripts/bench_slowloris.sh                        # builds the CLI; ~4 min
#   INVR=build/bin/invr INVR_OLD=/path/to/old/invr scripts/bench_slowloris.sh
#
# BENCH_DELAY_MS presets the pacing delay; BENCH_SKIP_NEW=1 runs INVR_OLD only.
# INVR_OLD (optional) runs the same rows against another binary (the server
# before the Beast front end: its [serve] table has no connection settings,
# so the config uses only keys both know). Knobs: the variables below.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
if [[ -z "${INVR:-}" ]]; then
  build=${INVR_BUILD_DIR:-$root/build}
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
  ninja -C "$build" -j "${INVR_BUILD_JOBS:-2}" invr_cli >&2
  INVR="$build/bin/invr"
fi
INVR_OLD=${INVR_OLD:-}
export BENCH_USERS=${BENCH_USERS:-1000000} BENCH_ITEMS=${BENCH_ITEMS:-100000}
SECONDS_PER_RUN=${BENCH_SECONDS:-20}
RATE=${BENCH_RATE:-1000}
PACED_CONNECTIONS=${BENCH_PACED_CONNECTIONS:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-20}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
SLOW=${BENCH_SLOW:-500}
SLOW_SOURCES=${BENCH_SLOW_SOURCES:-10}
IDLE=${BENCH_IDLE:-200}
HTTP_THREADS=${BENCH_HTTP_THREADS:-16}
PORT=${BENCH_PORT:-18090}
PYTHON=${BENCH_PYTHON:-/usr/bin/python3}
LUA="$root/bench/bench_serve.lua"
URL="http://127.0.0.1:$PORT"

log() { echo "[bench_slowloris] $*" >&2; }
DIR=$(INVR=$INVR BENCH_SETUP_ONLY=1 "$root/bench/bench_serve.sh")
OUT=$(mktemp -d "${TMPDIR:-/tmp}/invr_bench_slowloris.XXXXXX")
server_pid="" slow_pid=""
cleanup() {
  [[ -n "$slow_pid" ]] && kill "$slow_pid" 2>/dev/null
  [[ -n "$server_pid" ]] && kill -9 "$server_pid" 2>/dev/null
  wait 2>/dev/null || true
}
trap cleanup EXIT

cat >"$OUT/invr.toml" <<EOF
[serve]
data = "$DIR/world"
model = "$DIR/model"
store = "rocksdb:$DIR/store"
port = $PORT
http_threads = $HTTP_THREADS
refresh_seconds = 0
access_log = "off"
EOF

start_server() {  # $1 = binary
  "$1" serve --config "$OUT/invr.toml" >"$OUT/serve.out" 2>"$OUT/serve.log" &
  server_pid=$!
  until curl -sf "$URL/healthz" >/dev/null 2>&1; do
    kill -0 "$server_pid" 2>/dev/null || { cat "$OUT/serve.log" >&2; log "server died"; exit 1; }
    sleep 0.5
  done
}
stop_server() {
  kill -TERM "$server_pid"
  # The old server waits for connections that hold its threads: give it 10 s.
  for _ in $(seq 1 20); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.5; done
  kill -9 "$server_pid" 2>/dev/null || true
  wait "$server_pid" 2>/dev/null || true
  server_pid=""
}
start_slow() {  # $1 = source addresses, [$2 = connections, $3 = --idle]
  "$PYTHON" "$root/bench/slowloris.py" --port "$PORT" --connections "${2:-$SLOW}" --sources "$1" \
    --seconds $((SECONDS_PER_RUN + 8)) ${3:-} >"$OUT/slow.json" &
  slow_pid=$!
  sleep 5  # all open, and the first deadline cuts under way
}
stop_slow() {
  wait "$slow_pid" || true
  slow_pid=""
  slow_note=$(cat "$OUT/slow.json")
}
counters() {  # "timeouts refused shed" from /metrics; "- - -" without them
  { curl -s -m 10 "$URL/metrics" || true; } | awk '
    /^invr_http_request_timeouts_total / { t = $2 }
    /^invr_http_connections_refused_total/ { r += $2 }
    /^invr_http_connections_shed_total / { s = $2 }
    END { if (t == "") print "- - -"; else printf "%d %d %d\n", t, r, s }'
}

rows=()
# run LABEL BINARY_NAME CONNECTIONS THREADS DELAY_MS
run() {
  local label=$1 binary=$2 connections=$3 threads=$4 delay=$5 out line before after
  before=$(counters)
  out=$(BENCH_ARM=invr-user-rank BENCH_DELAY_MS=$delay \
        wrk -t"$threads" -c"$connections" -d"${SECONDS_PER_RUN}s" --timeout 5s -s "$LUA" "$URL" 2>&1)
  after=$(counters)
  line=$(grep '^RESULT ' <<<"$out") || { echo "$out" >&2; exit 1; }
  read -r _ requests duration p50 _ p99 _ non2xx socket _ _ <<<"$line"
  last_rate=$(awk -v r="$requests" -v d="$duration" 'BEGIN { printf "%.0f", r / (d / 1e6) }')
  rows+=("$(awk -v l="$label" -v b="$binary" -v rate="$last_rate" -v p50="$p50" -v p99="$p99" \
      -v n="$non2xx" -v s="$socket" -v before="$before" -v after="$after" \
      'BEGIN { printf "| %s | %s | %d | %.2f | %.2f | %d | %d |", b, l, rate, p50 / 1000, p99 / 1000, n, s
        split(before, x, " "); split(after, y, " ")
        for (i = 1; i <= 3; ++i) printf " %s |", (x[i] == "-" || y[i] == "-") ? "-" : y[i] - x[i] }')")
  log "${rows[-1]}"
}

# The delay that reaches RATE on the new server with no slow clients (3 s
# probes, 1 ms shorter each time), then used for every paced run.
calibrate() {
  local d=$(( PACED_CONNECTIONS * 1000 / RATE )) saved=$SECONDS_PER_RUN
  SECONDS_PER_RUN=3
  while (( d > 1 )); do
    run calibration new "$PACED_CONNECTIONS" 1 "$d"
    unset 'rows[-1]'
    (( last_rate >= RATE )) && break
    d=$(( d - 1 ))
  done
  SECONDS_PER_RUN=$saved
  delay=$d
}

bench_binary() {  # $1 = name, $2 = binary
  local name=$1 binary=$2
  start_server "$binary"
  run warm-up "$name" "$PACED_CONNECTIONS" 1 0 && unset 'rows[-1]'
  [[ -n "${delay:-}" ]] || calibrate
  run "paced, no slow clients" "$name" "$PACED_CONNECTIONS" 1 "$delay"
  start_slow "$SLOW_SOURCES"
  run "paced, $SLOW slow clients from $SLOW_SOURCES addresses" "$name" "$PACED_CONNECTIONS" 1 "$delay"
  stop_slow
  notes+=("$name, slow clients of the paced run: $slow_note")
  start_slow "$SLOW_SOURCES"
  run "full load, $SLOW slow clients from $SLOW_SOURCES addresses" "$name" "$CONNECTIONS" "$WRK_THREADS" 0
  stop_slow
  start_slow 1
  run "paced, $SLOW slow clients from one address" "$name" "$PACED_CONNECTIONS" 1 "$delay"
  stop_slow
  notes+=("$name, slow clients from one address: $slow_note")
  start_slow "$SLOW_SOURCES" "$IDLE" --idle
  run "paced, $IDLE idle reconnecting clients" "$name" "$PACED_CONNECTIONS" 1 "$delay"
  stop_slow
  notes+=("$name, idle clients: $slow_note")
  stop_server
}

notes=()
delay=${BENCH_DELAY_MS:-}  # preset: skip the calibration
[[ -n "${BENCH_SKIP_NEW:-}" ]] || bench_binary new "$INVR"
[[ -n "$INVR_OLD" ]] && bench_binary old "$INVR_OLD"

echo
echo "invr serve, $BENCH_USERS users x $BENCH_ITEMS items, arm invr-user-rank, $HTTP_THREADS worker threads;"
echo "paced: wrk 1 thread x $PACED_CONNECTIONS connections, $delay ms between requests per connection (target $RATE req/s);"
echo "full load: wrk $WRK_THREADS threads x $CONNECTIONS connections; ${SECONDS_PER_RUN}s per run; $(nproc) cores shared by all."
echo
echo "| server | run | req/s | p50 ms | p99 ms | non-2xx | socket errors | deadline cuts | refused | shed |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
echo
printf '%s\n' "${notes[@]}"
