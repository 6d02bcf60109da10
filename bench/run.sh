#!/usr/bin/env bash
# The benchmark of BENCHMARKS.md, in one command:
#
#   ./bench/run.sh [--quick] [--runs N] [--binary PATH] [--max-seconds S] [--store STORES]
#
# Installs what is missing (wrk, redis-server, redis-tools, curl, jq, python3, sqlite3), builds the
# Release daemon in build-release/ (unless --binary names one), then N times (default 5; --quick:
# once, small sizes, < 2 min) for each store: starts the daemon on it, measures every figure of
# BENCHMARKS.md, and stops it. Prints the table of medians (a column per store) and writes every
# run to bench/results/<UTC date>.json.
#
# --store: redis (a redis-server without persistence on a free loopback port), redis-cluster (a
# Redis Cluster of 3 masters without replicas or persistence, started here with redis-cli
# --cluster create; the daemon gets --redis.cluster; every key of the store is in the slot of its
# hash tag {pm}, so the Redis figures are those of the master holding that slot), sqlite (the
# embedded store with its default --storage.sync=full, in a data dir of the work folder on disk),
# sqlite-normal (the same with --storage.sync=normal), both (= redis,sqlite; the default), or a
# comma-separated list of these.
#
# --max-seconds caps each half of the batched phase (default 600 s): a daemon slower than
# ~1,700 alerts/s then ingests fewer than the 1,000,000 alerts, and the table says how many.
#
# Fails (exit 1) when any request of any phase was not answered 2xx or a sanity check of the
# stored data fails; timings are reported, never asserted.
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/lib.sh"
BENCH="$ROOT/bench"

QUICK=0
RUNS=5
BIN=""
MAX_S=600
STORES=redis,sqlite
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; RUNS=1 ;;
    --runs) RUNS="$2"; shift ;;
    --binary) BIN="$2"; shift ;;
    --max-seconds) MAX_S="$2"; shift ;;
    --store) STORES="$2"; shift ;;
    *) echo "usage: $0 [--quick] [--runs N] [--binary PATH] [--max-seconds S]" \
         "[--store redis|redis-cluster|sqlite|sqlite-normal|both|A,B]" >&2; exit 2 ;;
  esac
  shift
done
[ "$STORES" = both ] && STORES=redis,sqlite
IFS=, read -r -a STORES <<<"$STORES"
for store in "${STORES[@]}"; do
  case "$store" in redis | redis-cluster | sqlite | sqlite-normal) ;; *) echo "unknown store: $store" >&2; exit 2 ;; esac
done

# Sizes (the issue's), and --quick's.
if [ "$QUICK" = 1 ]; then
  WEBHOOKS=100 PER=100 SOURCES=1000 SINGLE_S=2 RCAS=20 ITEMS=100 SCRAPES=5 CEIL_N=200 READY_N=2 GROUPED=100
else
  WEBHOOKS=10000 PER=100 SOURCES=10000 SINGLE_S=10 RCAS=500 ITEMS=100 SCRAPES=20 CEIL_N=2000 READY_N=5 GROUPED=5000
fi
BATCH_CONNS="${BENCH_BATCH_CONNECTIONS:-8}"  # wrk -t2; Alertmanager itself sends few at once
SINGLE_CONNS=16

install_missing wrk redis-server redis-tools curl jq python3 strace sqlite3
if [ -z "$BIN" ]; then
  install_missing "${BUILD_PACKAGES[@]}"
  # Niced: the machine's other users keep their share while the daemon compiles.
  nice -n 10 bash -c 'source "$1"; build "$2" -DCMAKE_BUILD_TYPE=Release -DPMX_BUILD_TESTS=OFF' \
    _ "$ROOT/scripts/lib.sh" "$ROOT/build-release"
  BIN="$ROOT/build-release/postmortem-exporter"
fi
[ -x "$BIN" ] || { echo "no daemon binary at $BIN" >&2; exit 1; }

# The SQLite store's data dir is in the work folder: it must be on a disk (fsync is what the store
# pays per commit), so /var/tmp where /tmp is a tmpfs. The run's JSON names the file system.
TMP=/tmp
[ "$(stat -f -c %T /tmp)" = tmpfs ] && TMP=/var/tmp
WORK="$(mktemp -d "$TMP/pmx-bench.XXXXXX")"
REDIS_PIDS=() DAEMON_PID=""
cleanup() {
  [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null || true
  [ "${#REDIS_PIDS[@]}" -gt 0 ] && kill "${REDIS_PIDS[@]}" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/token"

py() { python3 "$BENCH/bench.py" "$@"; }
fail() { echo "bench: FAILED: $*" >&2; exit 1; }
rss_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# wrk_json <out> <wrk args...>: runs wrk, keeps its BENCH_JSON line with the CPU wrk used
# (cpu_us, user + system: the load generator's share of the cores), fails on any
# non-2xx/error.
wrk_json() {
  local out="$1" TIMEFORMAT='%3U %3S'
  shift
  { time wrk "$@" >"$out.log" 2>&1; } 2>"$out.cpu" || fail "wrk: $(tail -3 "$out.log")"
  grep '^BENCH_JSON ' "$out.log" | sed 's/^BENCH_JSON //' |
    jq -c --argjson cpu_us "$(awk '{ printf "%.0f", ($1 + $2) * 1e6 }' "$out.cpu")" \
      '. + {cpu_us: $cpu_us}' >"$out"
  [ -s "$out" ] || fail "wrk printed no result: $(tail -3 "$out.log")"
  local bad
  bad="$(jq '.non2xx + .errors' "$out")"
  [ "$bad" = 0 ] || fail "$bad requests not answered 2xx (see $out.log)"
}

# webhooks <out> <threads> <connections> <count (0: for -d)> <first alert> <per> <duration>
#          [scattered|grouped]
webhooks() {
  wrk_json "$1" -t"$2" -c"$3" -d"$7" --timeout 10s -s "$BENCH/webhook.lua" \
    "http://127.0.0.1:$DPORT/api/v1/webhook" -- "$WORK/token" "$2" "$4" "$5" "$6" "$SOURCES" \
    "$1.done" "${8:-scattered}"
}

# traced <out> <command...>: runs the command with strace on the daemon's socket I/O (for
# bench.py rt-strace: round trips are counted on the daemon's side of its Redis connections).
traced() {
  local out="$1"
  shift
  strace -f -qq -s 0 -e trace=read,write,readv,writev,sendto,recvfrom,sendmsg,recvmsg \
    -o "$out" -p "$DAEMON_PID" 2>"$out.err" &
  local st=$!
  sleep 0.5
  "$@"
  sleep 0.2
  kill -INT "$st"
  wait "$st" 2>/dev/null || true
}

# rt_strace <trace> <webhooks>: round trips per webhook, or null (with the reason) where the
# kernel does not let strace attach (a container without CAP_SYS_PTRACE).
rt_strace() {
  if [ -s "$1.err" ]; then
    echo "bench: round trips not measured: $(head -1 "$1.err")" >&2
    jq -n --arg e "$(head -1 "$1.err")" '{round_trips_per_webhook: null, error: $e}'
  else
    py rt-strace "$1" "$DAEMON_PID" "$RPORT" "$2"
  fi
}

# cpu_us <pid>: the CPU time (user + system) the process has used so far, in microseconds.
cpu_us() {
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.0f\n", ($14 + $15) * 1e6 / hz }' "/proc/$1/stat"
}

# scrape <out> <count>: <count> GETs of /metrics, each on a new connection; fails unless every
# one is 200; prints the median time in ms.
scrape() {
  : >"$1"
  for _ in $(seq "$2"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$DPORT/metrics" >>"$1"
  done
  awk '$1 != 200 { bad = 1 } END { exit bad }' "$1" || fail "a scrape was not 200"
  awk '{ print $2 * 1000 }' "$1" | sort -n |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# file_bytes <file>: its size, 0 when absent (the -wal after a clean close).
file_bytes() { stat -c %s "$1" 2>/dev/null || echo 0; }

# sqlite_size <out>: the database file's size (DB: .db and -wal) after the batched phase, then
# after a checkpoint that empties the -wal (by the sqlite3 shell, beside the running daemon: the
# store does not lock SQLite exclusively, schema/sqlite.md); its JSON to <out>. The checkpoint
# answers busy|wal frames|frames checkpointed: busy 1 when a reader (the daemon's connection,
# holding a snapshot) keeps it from finishing; then the sizes after the daemon's clean close, at
# the end of the run, are the checkpointed ones.
sqlite_size() {
  local db_b wal_b ckpt t0 t1
  db_b="$(file_bytes "$DB")" wal_b="$(file_bytes "$DB-wal")"
  t0="$(date +%s%N)"
  ckpt="$(sqlite3 -cmd ".timeout 10000" "$DB" "PRAGMA wal_checkpoint(TRUNCATE)")"
  t1="$(date +%s%N)"
  jq -n --argjson db "$db_b" --argjson wal "$wal_b" --arg ckpt "$ckpt" \
    --argjson db_ckpt "$(file_bytes "$DB")" --argjson wal_ckpt "$(file_bytes "$DB-wal")" \
    --argjson ms "$(((t1 - t0) / 1000000))" --arg fs "$(df -T "$DB" | awk 'NR == 2 { print $1 " (" $2 ")" }')" \
    --argjson pages "$(sqlite3 "$DB" "PRAGMA page_count")" --argjson free "$(sqlite3 "$DB" "PRAGMA freelist_count")" \
    '{db_bytes: $db, wal_bytes: $wal, checkpoint: $ckpt, checkpoint_ms: $ms,
      db_bytes_checkpointed: $db_ckpt, wal_bytes_checkpointed: $wal_ckpt,
      checkpoint_done: ($ckpt | startswith("0|")),
      page_count: $pages, freelist_count: $free, file_system: $fs}' >"$1"
  [ "${ckpt%%|*}" = 0 ] || echo "bench: wal_checkpoint(TRUNCATE) did not finish: $ckpt" >&2
}

# start_monitor <file>: redis-cli MONITOR into <file>, once Redis has attached it (it answers
# OK first: commands sent before that are not in the sample); prints its pid.
start_monitor() {
  "${rc[@]}" monitor >"$1" &
  local pid=$! tries=0
  until [ "$(head -c 2 "$1" 2>/dev/null)" = OK ]; do
    tries=$((tries + 1))
    [ "$tries" -le 500 ] || fail "redis-cli monitor did not attach"
    sleep 0.01
  done
  echo "$pid"
}

# ceiling <monitor sample> <prefix>: the daemon's commit, as sampled, run by redis-benchmark,
# pipelined; prints its EVALSHA/s. The sample's shape goes to <prefix>-shape.json.
ceiling() {
  local sample="$1" prefix="$2" check args evalsha_rps
  py ceiling-prep "$sample" "$prefix.args" "$prefix.check" "$RPORT" >"$prefix-shape.json"
  mapfile -d '' check <"$prefix.check"
  mapfile -d '' args <"$prefix.args"
  "${rc[@]}" info commandstats >"$prefix-info0.txt"
  redis-benchmark -h 127.0.0.1 -p "$RPORT" -n "$CEIL_N" -P 32 -c 4 --csv "${args[@]}" \
    >"$prefix.csv" 2>&1 || fail "redis-benchmark: $(tail -2 "$prefix.csv")"
  "${rc[@]}" info commandstats >"$prefix-info1.txt"
  # Every call must have written (1) every source, not lost the compare-and-set (0).
  py ceiling-check "$prefix-info0.txt" "$prefix-info1.txt" "$(jq .sources "$prefix-shape.json")" ||
    fail "the ceiling did not write"
  # And the first source's state holds the sampled document: the calls wrote what was sampled.
  [ "$("${rc[@]}" eval "return redis.call('GET', KEYS[1]) == ARGV[1] and 1 or 0" 1 \
    "${check[0]}" "${check[1]}")" = 1 ] || fail "the ceiling's state is not the sampled one"
  # The test's name holds the whole command, quotes and commas included: count from the end.
  awk -F'","' 'NR == 2 { print $(NF - 6) }' "$prefix.csv"
}

# start_redis <dir> [redis-server flags...]: a redis-server without persistence on a free
# loopback port, its files and redis.log in <dir>; sets REDIS_PORT once it answers PING.
start_redis() {
  local dir="$1"
  shift
  REDIS_PORT="$(py free-port)"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    --logfile "$dir/redis.log" "$@" &
  REDIS_PIDS+=($!)
  for _ in $(seq 100); do redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && return; sleep 0.05; done
  fail "redis-server on port $REDIS_PORT did not answer (see $dir/redis.log)"
}

# slot_master <port of a cluster node> <slot>: the port of the master that serves <slot>.
slot_master() {
  redis-cli -p "$1" cluster nodes | awk -v slot="$2" '$3 ~ /master/ {
    for (i = 9; i <= NF; i++) {
      n = split($i, r, "-")
      if (slot >= r[1] && slot <= (n == 2 ? r[2] : r[1])) { sub(/@.*/, "", $2); sub(/.*:/, "", $2); print $2 }
    }
  }'
}

# run_once <n> <store>: one run of every phase on a fresh store; its figures to $WORK/run-<store>-<n>.json.
run_once() {
  local n="$1" store="$2" dir="$WORK/run-$store-$n"
  mkdir -p "$dir"
  local load
  load="$(cut -d' ' -f1 /proc/loadavg)"
  echo ">> run $n/$RUNS, $store (load average $load)"

  DPORT="$(py free-port)"
  local daemon=("$BIN" --web.listen-address="127.0.0.1:$DPORT") rc=() kind=sqlite
  if [ "$store" = redis ]; then
    kind=redis
    start_redis "$dir"
    RPORT="$REDIS_PORT"
    daemon+=(--redis.url="redis://127.0.0.1:$RPORT")
  elif [ "$store" = redis-cluster ]; then
    kind=redis
    local nodes=() port
    for i in 1 2 3; do
      mkdir -p "$dir/node-$i"
      # The bus port is not port + 10000: redis-server refuses a port above 55535 otherwise.
      start_redis "$dir/node-$i" --cluster-enabled yes --cluster-port "$(py free-port)"
      nodes+=("127.0.0.1:$REDIS_PORT")
    done
    redis-cli --cluster create "${nodes[@]}" --cluster-yes >"$dir/cluster-create.log" 2>&1 ||
      fail "redis-cli --cluster create: $(tail -3 "$dir/cluster-create.log")"
    for node in "${nodes[@]}"; do
      port="${node##*:}"
      for _ in $(seq 200); do
        redis-cli -p "$port" cluster info | grep -q '^cluster_state:ok' && break
        sleep 0.05
      done
    done
    RPORT="$(slot_master "${nodes[0]##*:}" "$(redis-cli -p "${nodes[0]##*:}" cluster keyslot '{pm}')")"
    [ -n "$RPORT" ] || fail "no master holds the slot of {pm}"
    daemon+=(--redis.cluster="$(IFS=,; echo "${nodes[*]}")")
  else
    DB="$dir/data/postmortem.db"
    daemon+=(--storage.path="$dir/data" --storage.sync="$([ "$store" = sqlite ] && echo full || echo normal)")
  fi
  if [ "$kind" = redis ]; then rc=(redis-cli -p "$RPORT"); fi
  daemon+=(--web.auth-token-file="$WORK/token")
  local ready_empty
  read -r DAEMON_PID ready_empty < <(py start "$DPORT" "$dir/daemon.log" "${daemon[@]}")
  sleep 1
  local rss_idle
  rss_idle="$(rss_kb "$DAEMON_PID" VmRSS)"

  # Batched ingest: two halves timed; between them, the scrape with half the history and 2
  # webhooks on one connection, on Redis under MONITOR (the ceiling's sample of the daemon's
  # commits at mid-run, when each source's incident holds half its alerts) and strace (the round
  # trips).
  local half1=$((WEBHOOKS / 2 - 2)) half2=$((WEBHOOKS / 2))
  webhooks "$dir/batch1.json" 2 "$BATCH_CONNS" "$half1" 0 "$PER" "${MAX_S}s"
  local sent1 scrape_half
  sent1="$(jq ".occurrences / $PER | floor" "$dir/batch1.json")"
  scrape_half="$(scrape "$dir/scrape-half.txt" "$SCRAPES")"
  if [ "$kind" = redis ]; then
    local mon
    mon="$(start_monitor "$dir/monitor.txt")" || exit 1
    traced "$dir/strace-batch.txt" webhooks "$dir/sample.json" 1 1 2 $((half1 * PER)) "$PER" 60s
    kill "$mon"
    wait "$mon" 2>/dev/null || true
    rt_strace "$dir/strace-batch.txt" 2 >"$dir/rt-batch-strace.json"
    "${rc[@]}" info all >"$dir/info-b0.txt"
  else
    webhooks "$dir/sample.json" 1 1 2 $((half1 * PER)) "$PER" 60s
  fi
  local cpu_b0 cpu_b1 cpu_s0 cpu_s1
  cpu_b0="$(cpu_us "$DAEMON_PID")"
  webhooks "$dir/batch2.json" 2 "$BATCH_CONNS" "$half2" $(((half1 + 2) * PER)) "$PER" "${MAX_S}s"
  cpu_b1="$(cpu_us "$DAEMON_PID")"
  local rss_after hwm_after sent2 batched_alerts store_bytes
  rss_after="$(rss_kb "$DAEMON_PID" VmRSS)"
  hwm_after="$(rss_kb "$DAEMON_PID" VmHWM)"
  sent2="$(jq ".occurrences / $PER | floor" "$dir/batch2.json")"
  batched_alerts="$(jq -s 'map(.occurrences) | add' "$dir/batch1.json" "$dir/batch2.json")"
  if [ "$kind" = redis ]; then
    "${rc[@]}" info all >"$dir/info-b1.txt"
    py redis-delta "$dir/info-b0.txt" "$dir/info-b1.txt" "$sent2" $((sent2 * PER)) >"$dir/rt-batch.json"
    store_bytes="$(awk -F: '$1 == "used_memory" { print $2 + 0 }' "$dir/info-b1.txt")"
    echo '{}' >"$dir/sqlite-size.json"
  else
    sqlite_size "$dir/sqlite-size.json"
    store_bytes="$(jq '.db_bytes + .wal_bytes' "$dir/sqlite-size.json")"
  fi
  # The scrape with every batched alert in the history (on SQLite, its KPI counts walk index
  # ranges: this is where a cost growing with history would show).
  local scrape_batched
  scrape_batched="$(scrape "$dir/scrape-batched.txt" "$SCRAPES")"
  # Alerts answered 200 so far. The alert numbers of each phase start where the previous
  # phase's planned range ends, so a capped phase leaves a gap, never a repeat.
  local alerts_done capped=0
  alerts_done="$(jq -s 'map(.occurrences) | add' "$dir/batch1.json" "$dir/sample.json" "$dir/batch2.json")"
  [ "$sent1" -lt "$half1" ] && capped=$((capped + 1))
  [ "$sent2" -lt "$half2" ] && capped=$((capped + 1))

  # Single-alert webhooks: 20 on one connection (on Redis under strace: round trips), then 16
  # keep-alive connections for a fixed time.
  if [ "$kind" = redis ]; then
    traced "$dir/strace-single.txt" webhooks "$dir/single-sample.json" 1 1 20 $((WEBHOOKS * PER)) 1 60s
    rt_strace "$dir/strace-single.txt" 20 >"$dir/rt-single-strace.json"
    "${rc[@]}" info all >"$dir/info-s0.txt"
  else
    webhooks "$dir/single-sample.json" 1 1 20 $((WEBHOOKS * PER)) 1 60s
  fi
  alerts_done=$((alerts_done + $(jq .occurrences "$dir/single-sample.json")))
  cpu_s0="$(cpu_us "$DAEMON_PID")"
  webhooks "$dir/single.json" 2 "$SINGLE_CONNS" 0 $((WEBHOOKS * PER + 20)) 1 "${SINGLE_S}s"
  cpu_s1="$(cpu_us "$DAEMON_PID")"
  local single_n
  single_n="$(jq .occurrences "$dir/single.json")"
  if [ "$kind" = redis ]; then
    "${rc[@]}" info all >"$dir/info-s1.txt"
    py redis-delta "$dir/info-s0.txt" "$dir/info-s1.txt" "$single_n" "$single_n" >"$dir/rt-single.json"
  fi
  alerts_done=$((alerts_done + single_n))

  # Grouped ingest: webhooks shaped as Alertmanager sends them with group_by = the source labels
  # (one source's PER alerts each), over the same sources; on Redis 2 of them under MONITOR
  # first, the sample of its own ceiling.
  if [ "$kind" = redis ]; then
    local mon_g
    mon_g="$(start_monitor "$dir/monitor-grouped.txt")" || exit 1
    webhooks "$dir/grouped-sample.json" 1 1 2 0 "$PER" 60s grouped
    kill "$mon_g"
    wait "$mon_g" 2>/dev/null || true
    "${rc[@]}" info all >"$dir/info-g0.txt"
  else
    webhooks "$dir/grouped-sample.json" 1 1 2 0 "$PER" 60s grouped
  fi
  local cpu_g0 cpu_g1 grouped_n
  cpu_g0="$(cpu_us "$DAEMON_PID")"
  webhooks "$dir/grouped.json" 2 "$BATCH_CONNS" "$GROUPED" $((2 * PER)) "$PER" "${MAX_S}s" grouped
  cpu_g1="$(cpu_us "$DAEMON_PID")"
  grouped_n="$(jq .occurrences "$dir/grouped.json")"
  if [ "$kind" = redis ]; then
    "${rc[@]}" info all >"$dir/info-g1.txt"
    py redis-delta "$dir/info-g0.txt" "$dir/info-g1.txt" $((grouped_n / PER)) "$grouped_n" >"$dir/rt-grouped.json"
  fi
  [ $((grouped_n / PER)) -lt "$GROUPED" ] && capped=$((capped + 1))
  alerts_done=$((alerts_done + $(jq .occurrences "$dir/grouped-sample.json") + grouped_n))

  # RCAs with action items through the API, then the scrape.
  wrk_json "$dir/rcas.json" -t1 -c1 -d600s -s "$BENCH/rcas.lua" "http://127.0.0.1:$DPORT" -- \
    "$WORK/token" "$RCAS" "$ITEMS"
  local sources items
  if [ "$kind" = redis ]; then
    sources="$("${rc[@]}" zcard "{pm}:v2:sources:seen")"
  else
    sources="$(sqlite3 "$DB" "SELECT count(*) FROM sources")"
  fi
  [ "$sources" -le "$SOURCES" ] && [ "$sources" -ge $((alerts_done < SOURCES ? alerts_done : SOURCES)) ] || fail "$sources sources stored, expected $SOURCES"
  curl -sf "http://127.0.0.1:$DPORT/metrics" >"$dir/metrics.txt" || fail "GET /metrics"
  items="$(awk '/^postmortem_action_items\{/ { s += $2 } END { print s + 0 }' "$dir/metrics.txt")"
  [ "$items" = $((RCAS * ITEMS)) ] || fail "/metrics counts $items action items, expected $((RCAS * ITEMS))"
  # Every alert answered was a new occurrence, counted once. wrk stops a timed phase with
  # requests in flight, which the daemon may still record: up to one per connection (one
  # webhook per connection for each capped half of the batched phase).
  local occurrences slack=$((SINGLE_CONNS + capped * BATCH_CONNS * PER))
  occurrences="$(awk '/^postmortem_occurrences_total / { print $2 }' "$dir/metrics.txt")"
  [ "$occurrences" -ge "$alerts_done" ] && [ "$occurrences" -le $((alerts_done + slack)) ] ||
    fail "/metrics counts $occurrences occurrences, $alerts_done alerts were answered"
  local scrape_ms rss_rcas
  scrape_ms="$(scrape "$dir/scrape.txt" "$SCRAPES")"
  rss_rcas="$(rss_kb "$DAEMON_PID" VmRSS)"

  # SIGTERM to exit: on SQLite the close checkpoints the -wal into the file.
  local t0 stop_ms
  t0="$(date +%s%N)"
  kill -TERM "$DAEMON_PID"
  while kill -0 "$DAEMON_PID" 2>/dev/null; do sleep 0.01; done
  stop_ms="$((($(date +%s%N) - t0) / 1000000))"
  DAEMON_PID=""
  if [ "$kind" != redis ]; then
    # The file after the daemon's clean close (WAL checkpointed, -wal removed).
    jq --argjson db "$(file_bytes "$DB")" --argjson wal "$(file_bytes "$DB-wal")" \
      '. + {db_bytes_closed: $db, wal_bytes_closed: $wal}' "$dir/sqlite-size.json" >"$dir/sqlite-size.tmp"
    mv "$dir/sqlite-size.tmp" "$dir/sqlite-size.json"
  fi

  local evalsha_rps=null evalsha_grouped_rps=null
  if [ "$kind" = redis ]; then
    evalsha_rps="$(ceiling "$dir/monitor.txt" "$dir/ceiling")"
    evalsha_grouped_rps="$(ceiling "$dir/monitor-grouped.txt" "$dir/ceiling-grouped")"
    [ -n "$evalsha_rps" ] && [ -n "$evalsha_grouped_rps" ] || fail "a ceiling did not complete"
  fi

  # Start to ready, with the store holding this run's data (SQLite: a restart on the filled file).
  local ready
  ready="$(py ready "$READY_N" "$DPORT" "$dir/daemon-ready.log" "${daemon[@]}")"

  if [ "$kind" = redis ]; then
    kill "${REDIS_PIDS[@]}"
    wait "${REDIS_PIDS[@]}" 2>/dev/null || true
    REDIS_PIDS=()
  else
    # Not kept: about a GB per full run, in a work folder that is.
    rm -rf "$dir/data"
    # No Redis figures (round trips, commandstats, Redis CPU, the ceiling) for this store.
    for f in rt-batch rt-batch-strace rt-single rt-single-strace rt-grouped ceiling-shape \
      ceiling-grouped-shape; do echo '{}' >"$dir/$f.json"; done
  fi

  jq -n --argjson b1 "$(cat "$dir/batch1.json")" --argjson b2 "$(cat "$dir/batch2.json")" \
    --argjson s "$(cat "$dir/single.json")" --argjson sample "$(cat "$dir/sample.json")" --argjson rtb "$(cat "$dir/rt-batch.json")" \
    --argjson rts "$(cat "$dir/rt-single.json")" --argjson stb "$(cat "$dir/rt-batch-strace.json")" \
    --argjson sts "$(cat "$dir/rt-single-strace.json")" --argjson batched_alerts "$batched_alerts" --argjson rcas "$(cat "$dir/rcas.json")" \
    --argjson shape "$(cat "$dir/ceiling-shape.json")" --argjson ready "$ready" \
    --argjson load "$load" --argjson capped "$capped" --arg store "$store" \
    --argjson rss_idle "$rss_idle" --argjson rss_after "$rss_after" --argjson hwm "$hwm_after" \
    --argjson rss_rcas "$rss_rcas" --argjson scrape "$scrape_ms" --argjson ceil "$evalsha_rps" \
    --argjson scrape_half "$scrape_half" --argjson scrape_batched "$scrape_batched" \
    --argjson ready_empty "$ready_empty" --argjson store_bytes "$store_bytes" --argjson stop_ms "$stop_ms" \
    --argjson sqlite "$(cat "$dir/sqlite-size.json")" \
    --argjson alerts "$alerts_done" --argjson cpu_batched "$((cpu_b1 - cpu_b0))" \
    --argjson cpu_single "$((cpu_s1 - cpu_s0))" --argjson per "$PER" \
    --argjson g "$(cat "$dir/grouped.json")" --argjson rtg "$(cat "$dir/rt-grouped.json")" \
    --argjson gshape "$(cat "$dir/ceiling-grouped-shape.json")" --argjson ceil_g "$evalsha_grouped_rps" \
    --argjson cpu_grouped "$((cpu_g1 - cpu_g0))" '
    def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                       else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    def mb: . / 1048576;
    ($batched_alerts / (($b1.duration_us + $b2.duration_us) / 1e6)) as $rate
    | (if $ceil == null then null else $ceil * $rtb.alerts_per_evalsha end) as $ceiling
    | ($g.occurrences / ($g.duration_us / 1e6)) as $grouped_rate
    | (if $ceil_g == null then null else $ceil_g * $rtg.alerts_per_evalsha end) as $ceiling_g
    | {store: $store, load_average: $load, capped_halves: $capped,
       alerts: ($batched_alerts + $sample.occurrences), alerts_total: $alerts,
       batched_alerts_per_s: $rate, batched_p99_ms: ($b2.p99_us / 1000),
       ceiling_evalsha_per_s: $ceil, ceiling_alerts_per_s: $ceiling,
       batched_ratio: (if $ceiling == null then null else $rate / $ceiling end),
       grouped_alerts_per_s: $grouped_rate, grouped_p99_ms: ($g.p99_us / 1000),
       ceiling_grouped_alerts_per_s: $ceiling_g,
       grouped_ratio: (if $ceiling_g == null then null else $grouped_rate / $ceiling_g end),
       cpu_grouped_daemon_us: ($cpu_grouped / ($g.occurrences / $per)),
       cpu_grouped_redis_us: $rtg.cpu_us_per_webhook,
       cpu_grouped_wrk_us: ($g.cpu_us / ($g.occurrences / $per)),
       single_rps: ($s.requests / ($s.duration_us / 1e6)), single_p50_ms: ($s.p50_us / 1000),
       single_p99_ms: ($s.p99_us / 1000),
       rt_batched: $stb.round_trips_per_webhook, rt_single: $sts.round_trips_per_webhook,
       evalsha_batched: $rtb.evalsha_per_webhook, alerts_per_evalsha: $rtb.alerts_per_evalsha,
       cpu_single_daemon_us: ($cpu_single / $s.requests),
       cpu_single_redis_us: $rts.cpu_us_per_webhook,
       cpu_single_wrk_us: ($s.cpu_us / $s.requests),
       cpu_batched_daemon_us: ($cpu_batched / ($b2.occurrences / $per)),
       cpu_batched_redis_us: $rtb.cpu_us_per_webhook,
       cpu_batched_wrk_us: ($b2.cpu_us / ($b2.occurrences / $per)),
       rss_idle_mb: ($rss_idle / 1024), rss_after_mb: ($rss_after / 1024),
       hwm_after_mb: ($hwm / 1024), rss_after_rcas_mb: ($rss_rcas / 1024),
       scrape_half_ms: $scrape_half, scrape_batched_ms: $scrape_batched,
       scrape_ms: $scrape, ready_empty_ms: $ready_empty,
       ready_ms: ($ready | median), ready_all_ms: $ready,
       store_bytes_batched: $store_bytes, store_mb_batched: ($store_bytes | mb),
       store_mb_per_m_alerts: ($store_bytes / $batched_alerts * 1e6 | mb),
       db_mb_checkpointed: (if $sqlite.checkpoint_done then $sqlite.db_bytes_checkpointed | mb
                            else null end),
       db_mb_per_m_checkpointed: (if $sqlite.checkpoint_done
                                  then $sqlite.db_bytes_checkpointed / $batched_alerts * 1e6 | mb
                                  else null end),
       db_mb_closed: ($sqlite.db_bytes_closed // null | if . then mb else null end),
       db_mb_per_m_closed: ($sqlite.db_bytes_closed // null
                            | if . then . / $alerts * 1e6 | mb else null end),
       stop_ms: $stop_ms,
       raw: {batch1: $b1, batch2: $b2, single: $s, grouped: $g, rcas: $rcas, redis_batched: $rtb,
             redis_grouped: $rtg, ceiling_grouped_shape: $gshape,
             redis_single: $rts, strace_batched: $stb,
             strace_single: $sts, ceiling_shape: $shape, sqlite_file: $sqlite}}' >"$WORK/run-$store-$n.json"
  jq -c '{store, batched_alerts_per_s, single_rps, single_p99_ms, rss_after_mb, scrape_batched_ms,
          scrape_ms, ready_ms, store_mb_per_m_alerts}' "$WORK/run-$store-$n.json"
}

main() {
  for n in $(seq "$RUNS"); do
    for store in "${STORES[@]}"; do run_once "$n" "$store"; done
  done

  mkdir -p "$BENCH/results"
  local suffix=""
  if [ "$QUICK" = 1 ]; then suffix="-quick"; fi
  OUT="$BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)$suffix.json"
  echo
  echo "postmortem-exporter benchmark: $RUNS run(s) of ${STORES[*]}, $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p')), $WEBHOOKS webhooks x $PER alerts over $SOURCES sources, $RCAS RCAs x $ITEMS items; work folder on $(df -T "$WORK" | awk 'NR == 2 { print $1 " (" $2 ")" }')"
  py report "$OUT" "$WORK"/run-*.json
  echo
  echo "raw results: $OUT (work files: $WORK)"
}

# Read to the end before running: editing this file during a run cannot change the run.
main "$@"; exit
