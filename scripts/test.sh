#!/usr/bin/env bash
# Installs what is missing (build tools, libraries, and the real redis-server, Alertmanager and
# Prometheus the tests start), builds with warnings as errors and runs every test, then the
# sanitizer and fuzzing steps.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

install_missing "${BUILD_PACKAGES[@]}" libgtest-dev libgmock-dev redis-server redis-tools redis-sentinel \
  prometheus-alertmanager prometheus openssl curl
# redis-sentinel's package may start a system Sentinel on 26379; the tests start their own on
# free loopback ports, so it is harmless.
# The benchmark's smoke (ctest -L bench): its load generator and round-trip counter.
install_missing wrk strace jq
# The embedded store's backup test runs the sqlite3 shell, as README's backup command does.
install_missing sqlite3
# The image test (ctest -L image) builds and runs the Dockerfile without Docker: mmdebstrap makes
# the Debian bases, buildah builds and runs the image (scripts/image.sh).
install_missing "${IMAGE_PACKAGES[@]}"
# The Helm chart's checks (tests/helm): Go with Helm's template functions (sprig) and YAML,
# offline from Debian's packages, and yamllint.
install_missing golang-go golang-github-masterminds-sprig-dev golang-gopkg-yaml.v3-dev yamllint
# ajv-cli, the reference JSON Schema validator the schema test compares the C++ loader with,
# and the Kubernetes and prometheus-operator API schemas the chart's objects are checked against.
command -v npm >/dev/null || install_missing nodejs npm
(cd "$ROOT/tools/schema-check" && npm ci --no-audit --no-fund --silent)
# The web UI's browser tests (tests/ui, ctest label ui): Debian's chromium, driven headless by
# playwright-core from tests/ui's lock file (it downloads no browser of its own). A font, so that
# screenshots show text (fonts-dejavu-core usually comes with fontconfig already).
install_missing chromium fonts-dejavu-core
(cd "$ROOT/tests/ui" && npm ci --no-audit --no-fund --silent)
build "$ROOT/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPMX_WERROR=ON
(cd "$ROOT/build" && ctest --output-on-failure --timeout 300 -j 2 "$@")

# Then the whole suite under ASan+UBSan, the concurrency tests under TSan and each fuzz target
# for FUZZ_SECONDS (scripts/sanitize.sh). Skipped when ctest was given arguments (a selection
# of tests, for a quick local run) or with PMX_SKIP_SANITIZE=1; CI sets neither.
if [ $# -eq 0 ] && [ -z "${PMX_SKIP_SANITIZE:-}" ]; then
  "$ROOT/scripts/sanitize.sh"
fi
