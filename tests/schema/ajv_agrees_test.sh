#!/usr/bin/env bash
# CTest schema.ajv_agrees: schema/rca.schema.json, as checked by ajv (the reference validator,
# pinned in tools/schema-check), and pmx::load_rca, as run by rca-check, reach the same verdict
# on every document in schema/examples and on every case of tests/schema/format_cases.json.
# The examples must also land where their folder says (valid/ or invalid/), and the schema must
# compile in ajv's strict mode. A missing ajv is a failure, not a skip: scripts/test.sh installs
# it with `npm ci` in tools/schema-check.
#
# usage: ajv_agrees_test.sh SOURCE_DIR RCA_CHECK
set -euo pipefail

root=$1
rca_check=$2
ajv="$root/tools/schema-check/node_modules/.bin/ajv"
schema="$root/schema/rca.schema.json"
ajv_flags=(--spec=draft2020 -c ajv-formats --strict=true -s "$schema")
failures=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

if [ ! -x "$ajv" ] || ! command -v node >/dev/null; then
  echo "FAIL: ajv is not installed ($ajv) or node is missing;"
  echo "      run: (cd $root/tools/schema-check && npm ci)"
  exit 1
fi

echo ">> every property of the schema is described"
node "$root/tests/schema/check_descriptions.js" "$schema" || fail "undescribed properties"

echo ">> ajv compile --strict=true $schema"
"$ajv" compile "${ajv_flags[@]}" || fail "the schema does not compile in ajv's strict mode"

# verdicts VAR CMD... : runs CMD (which prints "FILE valid" or "FILE invalid" per file, on
# stdout or stderr) and stores FILE -> valid|invalid in the associative array VAR. Exit codes
# other than 0 (all valid) and 1 (some invalid) mean the tool itself failed.
verdicts() {
  local -n into=$1
  shift
  local output status=0
  output=$("$@" 2>&1) || status=$?
  if [ "$status" -gt 1 ]; then
    fail "$1 exited with $status:"
    echo "$output" | head -20
    return
  fi
  while IFS= read -r line; do
    case "$line" in
      *" valid") into["${line% valid}"]=valid ;;
      *" invalid") into["${line% invalid}"]=invalid ;;
    esac
  done <<<"$output"
}

# compare LABEL FILE... : both tools on all FILEs; LABEL names each file's origin in reports.
declare -A ajv_says cpp_says
compare() {
  local files=("$@") data_args=()
  for f in "${files[@]}"; do data_args+=(-d "$f"); done
  verdicts ajv_says "$ajv" validate "${ajv_flags[@]}" --errors=line "${data_args[@]}"
  verdicts cpp_says "$rca_check" "${files[@]}"
  for f in "${files[@]}"; do
    local a=${ajv_says[$f]:-none} c=${cpp_says[$f]:-none}
    if [ "$a" = none ] || [ "$c" = none ]; then
      fail "no verdict for $f (ajv: $a, load_rca: $c)"
    elif [ "$a" != "$c" ]; then
      fail "ajv says $a, load_rca says $c: $f ${describe[$f]:-}"
      if [ "$failures" -le 5 ]; then  # why, for the first few (each costs a node start)
        "$ajv" validate "${ajv_flags[@]}" --errors=text -d "$f" 2>&1 | sed 's/^/    ajv: /' || true
        "$rca_check" "$f" 2>&1 | sed 's/^/    load_rca: /' || true
      fi
    fi
  done
}
declare -A describe

# 1. The examples: both tools agree, and with the folder.
shopt -s nullglob
valid=("$root"/schema/examples/valid/*.json)
invalid=("$root"/schema/examples/invalid/*.json)
[ ${#valid[@]} -ge 4 ] || fail "expected at least 4 examples in schema/examples/valid"
[ ${#invalid[@]} -ge 10 ] || fail "expected at least 10 examples in schema/examples/invalid"
echo ">> ${#valid[@]} valid and ${#invalid[@]} invalid examples"
compare "${valid[@]}" "${invalid[@]}"
for f in "${valid[@]}"; do
  [ "${ajv_says[$f]:-}" = valid ] || fail "ajv rejects a valid example: $f"
  [ "${cpp_says[$f]:-}" = valid ] || fail "load_rca rejects a valid example: $f"
done
for f in "${invalid[@]}"; do
  [ "${ajv_says[$f]:-}" = invalid ] || fail "ajv accepts an invalid example: $f"
  [ "${cpp_says[$f]:-}" = invalid ] || fail "load_rca accepts an invalid example: $f"
done

# 2. The format and keyword edge cases: both tools agree (either way).
cases_dir=$(mktemp -d)
trap 'rm -rf "$cases_dir"' EXIT
manifest=$(node "$root/tests/schema/write_format_cases.js" "$root/tests/schema/format_cases.json" "$cases_dir")
cases=()
while IFS=$'\t' read -r file pointer value; do
  cases+=("$file")
  describe[$file]="($pointer = $value)"
done <<<"$manifest"
echo ">> ${#cases[@]} format cases"
compare "${cases[@]}"
accepted=0
for f in "${cases[@]}"; do [ "${ajv_says[$f]:-}" = valid ] && accepted=$((accepted + 1)); done
echo ">> ajv accepts $accepted of the ${#cases[@]} format cases"

if [ "$failures" -gt 0 ]; then
  echo "$failures failure(s)"
  exit 1
fi
echo "ajv and load_rca agree"
