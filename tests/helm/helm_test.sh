#!/usr/bin/env bash
# CTest label helm: the chart in helm/postmortem-exporter, checked without a helm binary.
#
#   helm_test.sh build    SOURCE_DIR BUILD_DIR          builds the renderer (tests/helm/render)
#   helm_test.sh scenario SOURCE_DIR BUILD_DIR DAEMON NAME
#                           the renderer's checks of tests/helm/scenarios/NAME.yaml: the merged
#                           values against values.schema.json (ajv), render, every object against
#                           the Kubernetes and prometheus-operator API schemas (validate-k8s.js),
#                           static checks, the real daemon with the rendered container
#   helm_test.sh k8s-invalid SOURCE_DIR                 validate-k8s.js must reject each manifest of
#                           tests/helm/k8s-invalid, saying each `# expect:` line of the file
#   helm_test.sh yamllint SOURCE_DIR                    yamllint on the static YAML
#
# Missing tools are failures, never skips: scripts/test.sh installs golang-go,
# golang-github-masterminds-sprig-dev, golang-gopkg-yaml.v3-dev, yamllint, node and the packages
# of tools/schema-check (ajv, kubernetes-models).
set -euo pipefail

mode=$1
root=$2

# validate-k8s.js needs node and the API schemas of tools/schema-check.
need_k8s_schemas() {
  command -v node >/dev/null || { echo "FAIL: node is missing (apt-get install nodejs)"; exit 1; }
  [ -d "$root/tools/schema-check/node_modules/kubernetes-models" ] ||
    { echo "FAIL: kubernetes-models missing; run (cd $root/tools/schema-check && npm ci)"; exit 1; }
}

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
  need_k8s_schemas
  "$renderer" check -chart "$chart" -scenario "$scenario" -expect "$root/tests/helm/expectations.yaml" \
    -daemon "$daemon" -repo "$root" -ajv "$ajv"
  ;;
k8s-invalid)
  need_k8s_schemas
  failed=0
  for fixture in "$root"/tests/helm/k8s-invalid/*.yaml; do
    name=$(basename "$fixture")
    out=$(node "$root/tools/schema-check/validate-k8s.js" "$fixture" 2>&1) && rc=0 || rc=$?
    problems=()
    [ "$rc" -eq 1 ] || problems+=("exit code $rc, want 1 (rejected)")
    while IFS= read -r want; do
      grep -qF -- "$want" <<<"$out" || problems+=("the output does not say: $want")
    done < <(sed -n 's/^# expect: //p' "$fixture")
    [ -n "$(sed -n 's/^# expect: //p' "$fixture")" ] || problems+=("no '# expect:' line in the fixture")
    if [ ${#problems[@]} -eq 0 ]; then
      echo "ok   $name rejected"
    else
      failed=1
      echo "FAIL $name"
      printf '       %s\n' "${problems[@]}"
      echo "$out" | sed 's/^/       | /'
    fi
  done
  exit $failed
  ;;
yamllint)
  command -v yamllint >/dev/null || { echo "FAIL: yamllint is missing (apt-get install yamllint)"; exit 1; }
  cd "$root"
  # Templates are not YAML before rendering: only the static files.
  yamllint --strict -c .yamllint helm/postmortem-exporter/Chart.yaml helm/postmortem-exporter/values.yaml \
    tests/helm/scenarios tests/helm/expectations.yaml tests/helm/k8s-invalid monitoring/prometheus
  echo "yamllint: clean"
  ;;
*)
  echo "usage: $0 build|scenario|k8s-invalid|yamllint ..." >&2
  exit 2
  ;;
esac
