#!/usr/bin/env bash
# Sanitizers and fuzzing; scripts/test.sh (so CI) runs all three steps after the suite:
#   asan  build-asan: everything with ASan+UBSan (gcc, -fno-sanitize-recover=all), the whole suite
#   tsan  build-tsan: the daemon and the concurrent test suites with TSan, the concurrency tests
#   fuzz  build-fuzz: the libFuzzer targets of fuzz/ (clang), each for FUZZ_SECONDS on the seeds
# Usage: scripts/sanitize.sh [asan] [tsan] [fuzz]   (no argument: all three, in that order)
# The tests start redis-server, Alertmanager, Prometheus, ajv...: by hand, run scripts/test.sh
# once first, it installs them. A finding fails the step; reports of child processes (the daemon under e2e
# tests) are collected from the sanitizers' log files, so none goes unnoticed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FUZZ_SECONDS="${FUZZ_SECONDS:-60}"
STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || STEPS=(asan tsan fuzz)
TIMINGS=()

# The asan and tsan builds: -O1 as the sanitizers' documentation advises (reports stay close to
# the source, and it compiles much faster than -O2 on CI's 2 cores), -g1 for file:line in
# stack traces without full debug info.
SANITIZER_BUILD=(-DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
  -DPMX_WERROR=ON)

# configure_and_build <dir> "<targets or empty for all>" <cmake args...>
configure_and_build() {
  local dir="$1" targets="$2"
  shift 2
  cmake -S "$ROOT" -B "$dir" -G Ninja "$@" >/dev/null
  # shellcheck disable=SC2086 # targets is a word list
  cmake --build "$dir" -j "$(nproc)" ${targets:+--target $targets}
}

# fail_on_reports <dir>: prints every sanitizer report written under <dir>; fails if any.
fail_on_reports() {
  local reports
  reports="$(find "$1" -type f -size +0 2>/dev/null | sort)"
  [ -z "$reports" ] && return 0
  for report in $reports; do
    echo "== sanitizer report $report"
    cat "$report"
  done
  echo "!! sanitizer findings: see the reports above ($1)" >&2
  return 1
}

# timed <name> <command...>: runs the step and records its wall time.
timed() {
  local name="$1" start=$SECONDS
  shift
  echo ">> sanitize: $name"
  "$@"
  TIMINGS+=("$name $((SECONDS - start))s")
  echo ">> sanitize: $name done in $((SECONDS - start))s"
}

step_asan() {
  local dir="$ROOT/build-asan" logs="$ROOT/build-asan/sanitizer-logs"
  configure_and_build "$dir" "" "${SANITIZER_BUILD[@]}" -DPMX_SANITIZE=address,undefined
  rm -rf "$logs" && mkdir -p "$logs"
  # Leak checking is on: a leak per request or per reload is exactly what a long-running daemon
  # must not have, and the static objects of spdlog, prometheus-cpp and RE2 stay reachable,
  # which LeakSanitizer does not report. Should a third-party leak show up, suppress that one by
  # name (LSAN_OPTIONS=suppressions=...) rather than turn detection off.
  # docker.runtime_libraries is left out: it checks the release binary's shared libraries
  # against the image's packages, and a sanitized binary links libasan/libubsan besides. So are
  # the chart checks (label helm): they render YAML in Go and run no C++, so a sanitizer has
  # nothing to look at (about 40 s of CI); the normal run has them. And the image test (label
  # image): it builds its own release binary inside the image, minutes that would test nothing
  # sanitized.
  local rc=0
  (cd "$dir" && ASAN_OPTIONS="detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1:log_path=$logs/asan" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan" \
    ctest --output-on-failure --timeout 600 -j 2 -E '^docker\.runtime_libraries$' -LE '^(helm|image)$') || rc=$?
  fail_on_reports "$logs" || rc=1
  return "$rc"
}

# The tests where threads or processes meet: two daemons (or two store clients) on one Redis,
# the HTTP server's worker threads, graceful shutdown, restarts, an outage seen by several
# threads at once.
TSAN_TESTS='Replicas\.|TwoDaemons|Shutdown\.|Restart\.|HttpApiTest\.|KpiTruth|TellsOfAnOutage|Logs\.ARedisOutage|GroupCommit\.|AFailingWebhookInAGroup|ReadsDoNotWaitForACommit|EmbeddedStore\.Sigkill|StoreOpeningTest\.'

step_tsan() {
  local dir="$ROOT/build-tsan" logs="$ROOT/build-tsan/sanitizer-logs"
  configure_and_build "$dir" \
    "postmortem-exporter pmx_e2e_tests pmx_store_tests pmx_receiver_tests pmx_kpi_tests" \
    "${SANITIZER_BUILD[@]}" -DPMX_SANITIZE=thread
  rm -rf "$logs" && mkdir -p "$logs"
  local rc=0
  (cd "$dir" && TSAN_OPTIONS="halt_on_error=0:second_deadlock_stack=1:log_path=$logs/tsan" \
    ctest --output-on-failure --timeout 600 -j 2 -R "$TSAN_TESTS") || rc=$?
  fail_on_reports "$logs" || rc=1
  return "$rc"
}

step_fuzz() {
  install_missing clang libclang-rt-14-dev
  local dir="$ROOT/build-fuzz"
  CC=clang CXX=clang++ configure_and_build "$dir" \
    "webhook_decoder_fuzz rca_loader_fuzz matcher_fuzz request_fuzz" \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g" \
    -DPMX_WERROR=ON -DPMX_FUZZ=ON -DPMX_BUILD_TESTS=OFF
  local work="$dir/fuzz-run"
  rm -rf "$work" && mkdir -p "$work/artifacts" "$work/matcher-seeds"
  # One seed file per line of fuzz/matcher_seeds.txt (the line as is, no newline).
  local n=0
  while IFS= read -r line || [ -n "$line" ]; do
    printf '%s' "$line" >"$work/matcher-seeds/seed-$((n += 1))"
  done <"$ROOT/fuzz/matcher_seeds.txt"

  local failed=0
  # run_fuzzer <target> <dictionary> <seed dirs...>: new inputs go to a scratch corpus first,
  # the seed folders of the repository are only read.
  run_fuzzer() {
    local target="$1" dict="$2"
    shift 2
    mkdir -p "$work/corpus-$target"
    echo ">> fuzz: $target for ${FUZZ_SECONDS}s"
    if ! ASAN_OPTIONS="detect_leaks=1" UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1" \
      "$dir/fuzz/$target" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 \
      -print_final_stats=1 -dict="$ROOT/fuzz/dictionaries/$dict" \
      -artifact_prefix="$work/artifacts/$target-" "$work/corpus-$target" "$@" \
      >"$work/$target.log" 2>&1; then
      tail -n 60 "$work/$target.log"
      echo "!! fuzz: $target found a crash; the input is saved here:" >&2
      ls -1 "$work/artifacts/$target-"* >&2 || true
      failed=1
    else
      grep -E '^(stat::number_of_executed_units|stat::new_units_added|#[0-9]+ +DONE)' \
        "$work/$target.log" || true
    fi
  }
  run_fuzzer webhook_decoder_fuzz json.dict "$ROOT/tests/fixtures/alertmanager-0.25"
  run_fuzzer rca_loader_fuzz json.dict "$ROOT/schema/examples/valid" "$ROOT/schema/examples/invalid" \
    "$ROOT/fuzz/rca_seeds"
  run_fuzzer matcher_fuzz matcher.dict "$work/matcher-seeds"
  run_fuzzer request_fuzz http.dict "$ROOT/fuzz/request_seeds"
  return "$failed"
}

for step in "${STEPS[@]}"; do
  case "$step" in
    asan | tsan | fuzz) timed "$step" "step_$step" ;;
    *) echo "unknown step $step (asan, tsan, fuzz)" >&2 && exit 2 ;;
  esac
done
echo ">> sanitize timings: ${TIMINGS[*]}"
