#!/usr/bin/env bash
# The benchmark of BENCHMARKS.md, in one command:
#
#   ./bench/run.sh [--quick] [--runs N] [--binary PATH] [--max-seconds S]
#
# Installs what is missing (wrk, redis-server, redis-tools, curl, jq, python3), builds the Release
# daemon in build-release/ (unless --binary names one), then N times (default 5; --quick: once,
# small sizes, < 60 s): starts a redis-server without persistence on a free loopback port and the
# daemon on it, measures every figure of BENCHMARKS.md, and stops both. Prints the table of
# medians and writes every run to bench/results/<UTC date>.json.
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
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) QUICK=1; RUNS=1 ;;
    --runs) RUNS="$2"; shift ;;
    --binary) BIN="$2"; shift ;;
    --max-seconds) MAX_S="$2"; shift ;;
    *) echo "usage: $0 [--quick] [--runs N] [--binary PATH] [--max-seconds S]" >&2; exit 2 ;;
  esac
  shift
done

# Sizes (the issue's), and --quick's.
if [ "$QUICK" = 1 ]; then
  WEBHOOKS=100 PER=100 SOURCES=1000 SINGLE_S=2 RCAS=20 ITEMS=100 SCRAPES=5 CEIL_N=20000 READY_N=2
else
  WEBHOOKS=10000 PER=100 SOURCES=10000 SINGLE_S=10 RCAS=500 ITEMS=100 SCRAPES=20 CEIL_N=200000 READY_N=5
fi
BATCH_CONNS="${BENCH_BATCH_CONNECTIONS:-8}"  # wrk -t2; Alertmanager itself sends few at once
SINGLE_CONNS=16

install_missing wrk redis-server redis-tools curl jq python3 strace
if [ -z "$BIN" ]; then
  install_missing "${BUILD_PACKAGES[@]}"
  build "$ROOT/build-release" -DCMAKE_BUILD_TYPE=Release -DPMX_BUILD_TESTS=OFF
  BIN="$ROOT/build-release/postmortem-exporter"
fi
[ -x "$BIN" ] || { echo "no daemon binary at $BIN" >&2; exit 1; }

WORK="$(mktemp -d /tmp/pmx-bench.XXXXXX)"
REDIS_PID="" DAEMON_PID=""
cleanup() {
  [ -n "$DAEMON_PID" ] && kill "$DAEMON_PID" 2>/dev/null || true
  [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null || true
  wait 2>/dev/null || true
}
trap cleanup EXIT
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$WORK/token"

py() { python3 "$BENCH/bench.py" "$@"; }
fail() { echo "bench: FAILED: $*" >&2; exit 1; }
rss_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f", kb / 1024 }'; }

# wrk_json <out> <wrk args...>: runs wrk, keeps its BENCH_JSON line, fails on any non-2xx/error.
wrk_json() {
  local out="$1"
  shift
  wrk "$@" >"$out.log" 2>&1 || fail "wrk: $(tail -3 "$out.log")"
  grep '^BENCH_JSON ' "$out.log" | sed 's/^BENCH_JSON //' >"$out"
  [ -s "$out" ] || fail "wrk printed no result: $(tail -3 "$out.log")"
  local bad
  bad="$(jq '.non2xx + .errors' "$out")"
  [ "$bad" = 0 ] || fail "$bad requests not answered 2xx (see $out.log)"
}

# webhooks <out> <threads> <connections> <count (0: for -d)> <first alert> <per> <duration>
webhooks() {
  wrk_json "$1" -t"$2" -c"$3" -d"$7" --timeout 10s -s "$BENCH/webhook.lua" \
    "http://127.0.0.1:$DPORT/api/v1/webhook" -- "$WORK/token" "$2" "$4" "$5" "$6" "$SOURCES" "$1.done"
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

run_once() {
  local n="$1" dir="$WORK/run-$n"
  mkdir -p "$dir"
  local load
  load="$(cut -d' ' -f1 /proc/loadavg)"
  echo ">> run $n/$RUNS (load average $load)"

  RPORT="$(py free-port)"
  redis-server --port "$RPORT" --bind 127.0.0.1 --save "" --appendonly no --dir "$dir" \
    --logfile "$dir/redis.log" &
  REDIS_PID=$!
  local rc=(redis-cli -p "$RPORT")
  for _ in $(seq 100); do "${rc[@]}" ping >/dev/null 2>&1 && break; sleep 0.05; done

  DPORT="$(py free-port)"
  local daemon=("$BIN" --web.listen-address="127.0.0.1:$DPORT" --redis.url="redis://127.0.0.1:$RPORT"
    --web.auth-token-file="$WORK/token")
  read -r DAEMON_PID _ < <(py start "$DPORT" "$dir/daemon.log" "${daemon[@]}")
  sleep 1
  local rss_idle
  rss_idle="$(rss_kb "$DAEMON_PID" VmRSS)"

  # Batched ingest: two halves timed; between them, 2 webhooks (one connection) under MONITOR
  # (the ceiling's sample of the daemon's commits at mid-run, when each source's incident holds
  # half its alerts) and strace (the round trips).
  local half1=$((WEBHOOKS / 2 - 2)) half2=$((WEBHOOKS / 2))
  webhooks "$dir/batch1.json" 2 "$BATCH_CONNS" "$half1" 0 "$PER" "${MAX_S}s"
  local sent1
  sent1="$(jq ".occurrences / $PER | floor" "$dir/batch1.json")"
  "${rc[@]}" monitor >"$dir/monitor.txt" &
  local mon=$!
  traced "$dir/strace-batch.txt" webhooks "$dir/sample.json" 1 1 2 $((half1 * PER)) "$PER" 60s
  kill "$mon"
  wait "$mon" 2>/dev/null || true
  rt_strace "$dir/strace-batch.txt" 2 >"$dir/rt-batch-strace.json"
  "${rc[@]}" info all >"$dir/info-b0.txt"
  local cpu_b0 cpu_b1 cpu_s0 cpu_s1
  cpu_b0="$(cpu_us "$DAEMON_PID")"
  webhooks "$dir/batch2.json" 2 "$BATCH_CONNS" "$half2" $(((half1 + 2) * PER)) "$PER" "${MAX_S}s"
  cpu_b1="$(cpu_us "$DAEMON_PID")"
  "${rc[@]}" info all >"$dir/info-b1.txt"
  local rss_after hwm_after sent2
  rss_after="$(rss_kb "$DAEMON_PID" VmRSS)"
  hwm_after="$(rss_kb "$DAEMON_PID" VmHWM)"
  sent2="$(jq ".occurrences / $PER | floor" "$dir/batch2.json")"
  py redis-delta "$dir/info-b0.txt" "$dir/info-b1.txt" "$sent2" $((sent2 * PER)) >"$dir/rt-batch.json"
  # Alerts answered 200 so far. The alert numbers of each phase start where the previous
  # phase's planned range ends, so a capped phase leaves a gap, never a repeat.
  local alerts_done capped=0
  alerts_done="$(jq -s 'map(.occurrences) | add' "$dir/batch1.json" "$dir/sample.json" "$dir/batch2.json")"
  [ "$sent1" -lt "$half1" ] && capped=$((capped + 1))
  [ "$sent2" -lt "$half2" ] && capped=$((capped + 1))

  # Single-alert webhooks: 20 on one connection under strace (round trips), then 16 keep-alive
  # connections for a fixed time.
  traced "$dir/strace-single.txt" webhooks "$dir/single-sample.json" 1 1 20 $((WEBHOOKS * PER)) 1 60s
  rt_strace "$dir/strace-single.txt" 20 >"$dir/rt-single-strace.json"
  alerts_done=$((alerts_done + $(jq .occurrences "$dir/single-sample.json")))
  "${rc[@]}" info all >"$dir/info-s0.txt"
  cpu_s0="$(cpu_us "$DAEMON_PID")"
  webhooks "$dir/single.json" 2 "$SINGLE_CONNS" 0 $((WEBHOOKS * PER + 20)) 1 "${SINGLE_S}s"
  cpu_s1="$(cpu_us "$DAEMON_PID")"
  "${rc[@]}" info all >"$dir/info-s1.txt"
  local single_n
  single_n="$(jq .occurrences "$dir/single.json")"
  py redis-delta "$dir/info-s0.txt" "$dir/info-s1.txt" "$single_n" "$single_n" >"$dir/rt-single.json"
  alerts_done=$((alerts_done + single_n))

  # RCAs with action items through the API, then the scrape.
  wrk_json "$dir/rcas.json" -t1 -c1 -d600s -s "$BENCH/rcas.lua" "http://127.0.0.1:$DPORT" -- \
    "$WORK/token" "$RCAS" "$ITEMS"
  local sources items
  sources="$("${rc[@]}" zcard pm:v1:sources:seen)"
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
  : >"$dir/scrape.txt"
  for _ in $(seq "$SCRAPES"); do
    curl -s -o /dev/null -w '%{http_code} %{time_total}\n' "http://127.0.0.1:$DPORT/metrics" \
      >>"$dir/scrape.txt"
  done
  awk '$1 != 200 { bad = 1 } END { exit bad }' "$dir/scrape.txt" || fail "a scrape was not 200"
  local scrape_ms rss_rcas
  scrape_ms="$(awk '{ print $2 * 1000 }' "$dir/scrape.txt" | sort -n |
    awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }')"
  rss_rcas="$(rss_kb "$DAEMON_PID" VmRSS)"

  kill -TERM "$DAEMON_PID"
  while kill -0 "$DAEMON_PID" 2>/dev/null; do sleep 0.05; done
  DAEMON_PID=""

  # The ceiling: the daemon's commit, as sampled, from redis-benchmark, pipelined.
  py ceiling-prep "$dir/monitor.txt" "$dir/ceiling.args" "$dir/ceiling.seed" >"$dir/ceiling-shape.json"
  local seed args
  mapfile -d '' seed <"$dir/ceiling.seed"
  "${rc[@]}" eval "for i = 0, 9999 do redis.call('SET', string.format(ARGV[1], i), ARGV[2]) end" \
    0 "${seed[0]}" "${seed[1]}" >/dev/null
  mapfile -d '' args <"$dir/ceiling.args"
  "${rc[@]}" info commandstats >"$dir/ceiling-info0.txt"
  redis-benchmark -h 127.0.0.1 -p "$RPORT" -n "$CEIL_N" -P 32 -c 4 -r 10000 --csv "${args[@]}" \
    >"$dir/ceiling.csv" 2>&1 || fail "redis-benchmark: $(tail -2 "$dir/ceiling.csv")"
  "${rc[@]}" info commandstats >"$dir/ceiling-info1.txt"
  # Every call must have written (1), not lost the compare-and-set (0).
  py ceiling-check "$dir/ceiling-info0.txt" "$dir/ceiling-info1.txt" || fail "the ceiling did not write"
  local evalsha_rps
  # The test's name holds the whole command, quotes and commas included: count from the end.
  evalsha_rps="$(awk -F'","' 'NR == 2 { print $(NF - 6) }' "$dir/ceiling.csv")"
  # And the seeded states still hold the sampled document: the calls wrote what was sampled.
  [ "$("${rc[@]}" eval "return redis.call('GET', string.format(ARGV[1], 7))" 0 "${seed[0]}")" = \
    "${seed[1]}" ] || fail "the ceiling's state changed: its calls did not run as sampled"

  # Start to ready, with Redis holding this run's data.
  local ready
  ready="$(py ready "$READY_N" "$DPORT" "$dir/daemon-ready.log" "${daemon[@]}")"

  kill "$REDIS_PID"
  wait "$REDIS_PID" 2>/dev/null || true
  REDIS_PID=""

  jq -n --argjson b1 "$(cat "$dir/batch1.json")" --argjson b2 "$(cat "$dir/batch2.json")" \
    --argjson s "$(cat "$dir/single.json")" --argjson sample "$(cat "$dir/sample.json")" --argjson rtb "$(cat "$dir/rt-batch.json")" \
    --argjson rts "$(cat "$dir/rt-single.json")" --argjson stb "$(cat "$dir/rt-batch-strace.json")" \
    --argjson sts "$(cat "$dir/rt-single-strace.json")" --argjson batched_alerts "$(jq -s 'map(.occurrences) | add' "$dir/batch1.json" "$dir/batch2.json")" --argjson rcas "$(cat "$dir/rcas.json")" \
    --argjson shape "$(cat "$dir/ceiling-shape.json")" --argjson ready "$ready" \
    --argjson load "$load" --argjson capped "$capped" \
    --argjson rss_idle "$rss_idle" --argjson rss_after "$rss_after" --argjson hwm "$hwm_after" \
    --argjson rss_rcas "$rss_rcas" --argjson scrape "$scrape_ms" --argjson ceil "$evalsha_rps" \
    --argjson alerts "$alerts_done" --argjson cpu_batched "$((cpu_b1 - cpu_b0))" \
    --argjson cpu_single "$((cpu_s1 - cpu_s0))" --argjson per "$PER" '
    def median: sort | if length % 2 == 1 then .[length / 2 | floor]
                       else (.[length / 2 - 1] + .[length / 2]) / 2 end;
    ($batched_alerts / (($b1.duration_us + $b2.duration_us) / 1e6)) as $rate
    | ($ceil * $rtb.alerts_per_evalsha) as $ceiling
    | {load_average: $load, capped_halves: $capped, alerts: ($batched_alerts + $sample.occurrences), alerts_total: $alerts,
       batched_alerts_per_s: $rate, batched_p99_ms: ($b2.p99_us / 1000),
       ceiling_evalsha_per_s: $ceil, ceiling_alerts_per_s: $ceiling,
       batched_ratio: ($rate / $ceiling),
       single_rps: ($s.requests / ($s.duration_us / 1e6)), single_p50_ms: ($s.p50_us / 1000),
       single_p99_ms: ($s.p99_us / 1000),
       rt_batched: $stb.round_trips_per_webhook, rt_single: $sts.round_trips_per_webhook,
       evalsha_batched: $rtb.evalsha_per_webhook, alerts_per_evalsha: $rtb.alerts_per_evalsha,
       cpu_single_daemon_us: ($cpu_single / $s.requests),
       cpu_single_redis_us: $rts.cpu_us_per_webhook,
       cpu_batched_daemon_us: ($cpu_batched / ($b2.occurrences / $per)),
       cpu_batched_redis_us: $rtb.cpu_us_per_webhook,
       rss_idle_mb: ($rss_idle / 1024), rss_after_mb: ($rss_after / 1024),
       hwm_after_mb: ($hwm / 1024), rss_after_rcas_mb: ($rss_rcas / 1024),
       scrape_ms: $scrape, ready_ms: ($ready | median), ready_all_ms: $ready,
       raw: {batch1: $b1, batch2: $b2, single: $s, rcas: $rcas, redis_batched: $rtb,
             redis_single: $rts, strace_batched: $stb,
             strace_single: $sts, ceiling_shape: $shape}}' >"$WORK/run-$n.json"
  jq -c '{batched_alerts_per_s, ceiling_alerts_per_s, single_rps, single_p99_ms, rt_batched,
          rss_after_mb, scrape_ms, ready_ms}' "$WORK/run-$n.json"
}

main() {
  for n in $(seq "$RUNS"); do run_once "$n"; done

  mkdir -p "$BENCH/results"
  local suffix=""
  if [ "$QUICK" = 1 ]; then suffix="-quick"; fi
  OUT="$BENCH/results/$(date -u +%Y%m%dT%H%M%SZ)$suffix.json"
  echo
  echo "postmortem-exporter benchmark: $RUNS run(s), $(nproc) CPUs ($(lscpu | sed -n 's/^Model name: *//p')), $WEBHOOKS webhooks x $PER alerts over $SOURCES sources, $RCAS RCAs x $ITEMS items"
  py report "$OUT" "$WORK"/run-*.json
  echo
  echo "raw results: $OUT (work files: $WORK)"
}

# Read to the end before running: editing this file during a run cannot change the run.
main "$@"; exit
