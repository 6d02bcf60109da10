#!/usr/bin/env bash
# CTest label helm: the chart in helm/postmortem-exporter, checked without a helm binary.
#
#   helm_test.sh build    SOURCE_DIR BUILD_DIR          builds the renderer (tests/helm/render)
#   helm_test.sh scenario SOURCE_DIR BUILD_DIR DAEMON NAME
#                           the renderer's checks of tests/helm/scenarios/NAME.yaml: the merged
#                           values against values.schema.json (ajv), render, static checks,
#                           the real daemon with the rendered container
#   helm_test.sh yamllint SOURCE_DIR                    yamllint on the static YAML
#
# Missing tools are failures, never skips: scripts/test.sh installs golang-go,
# golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v3-dev, yamllint and ajv.
set -euo pipefail

mode=$1
root=$2

case "$mode" in
build)
  build_dir=$3
  command -v go >/dev/null || { echo "FAIL: go is missing (apt-get install golang-go)"; exit 1; }
  # Debian's Go packages, offline, in GOPATH mode; the build cache stays in the build folder.
  cd "$root/tests/helm/render"
  GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$build_dir/go-cache" GOFLAGS= \
    go build -o "$build_dir/helm-render" .
  GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE="$build_dir/go-cache" go vet .
  echo "built $build_dir/helm-render"
  ;;
scenario)
  build_dir=$3 daemon=$4 name=$5
  renderer="$build_dir/helm-render"
  chart="$root/helm/postmortem-exporter"
  scenario="$root/tests/helm/scenarios/$name.yaml"
  ajv="$root/tools/schema-check/node_modules/.bin/ajv"
  [ -x "$ajv" ] || { echo "FAIL: ajv missing; run (cd $root/tools/schema-check && npm ci)"; exit 1; }
  "$renderer" check -chart "$chart" -scenario "$scenario" -expect "$root/tests/helm/expectations.yaml" \
    -daemon "$daemon" -repo "$root" -ajv "$ajv"
  ;;
yamllint)
  command -v yamllint >/dev/null || { echo "FAIL: yamllint is missing (apt-get install yamllint)"; exit 1; }
  cd "$root"
  # Templates are not YAML before rendering: only the static files.
  yamllint --strict -c .yamllint helm/postmortem-exporter/Chart.yaml helm/postmortem-exporter/values.yaml \
    tests/helm/scenarios tests/helm/expectations.yaml monitoring/prometheus
  echo "yamllint: clean"
  ;;
*)
  echo "usage: $0 build|scenario|yamllint ..." >&2
  exit 2
  ;;
esac
