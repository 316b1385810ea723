#!/usr/bin/env bash
# Every test: installs what is missing and builds (scripts/setup.sh), then
#   1. end-to-end tests of the release binaries (DPDK pcap and af_packet vdevs),
#      and the generator's and TLS-path tests on generated traffic;
#   2. the unit tests, built with clang under AddressSanitizer and
#      UndefinedBehaviorSanitizer, in the same build as
#   3. each libFuzzer target, run for a bounded time (FUZZ_SECONDS, default 20).
# Ends with one line "tests: N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1
mkdir -p out

passed=0 failed=0
count() {  # count <meson build dir>: adds its test results
  local log="$1/meson-logs/testlog.json"
  [ -f "$log" ] || return
  local p f
  p=$(grep -c '"result": "OK"' "$log" || true)
  f=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
  passed=$((passed + p)) failed=$((failed + f))
}
# The targets of the tests of one suite in a build dir.
targets_of() {
  meson introspect --tests "$1" | python3 -c '
import json, os, sys
build, suite = os.path.abspath(sys.argv[1]), sys.argv[2]
for t in json.load(sys.stdin):
    if any(s.endswith(":" + suite) or s == suite for s in t["suite"]):
        print(os.path.relpath(t["cmd"][0], build))' "$1" "$2"
}

echo "== end-to-end, generator and TLS-path tests (release build)"
if ninja -C build $(targets_of build e2e) $(targets_of build gen) >/dev/null; then
  meson test -C build --no-rebuild --suite e2e --suite gen --print-errorlogs --num-processes 2
  count build
else
  echo "release build of the tests failed"; failed=$((failed + 1))
fi

echo "== unit tests under ASan + UBSan (clang), and the fuzz targets"
[ -f build-san/build.ninja ] || CC=clang CXX=clang++ meson setup build-san --buildtype=debugoptimized \
  -Db_sanitize=address,undefined -Db_lundef=false -Dfuzz=true >/dev/null
fuzzers=()
for src in tests/fuzz/fuzz_*.cpp; do fuzzers+=("tests/$(basename "$src" .cpp)"); done
if ninja -C build-san $(targets_of build-san unit) "${fuzzers[@]}" >/dev/null; then
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:suppressions=$PWD/tests/ubsan.supp ASAN_OPTIONS=detect_leaks=1 \
    meson test -C build-san --no-rebuild --suite unit --print-errorlogs --num-processes 2
  count build-san
  for f in "${fuzzers[@]}"; do
    name=$(basename "$f")
    mkdir -p "out/fuzz-corpus/$name"
    if build-san/"$f" -max_total_time="${FUZZ_SECONDS:-20}" -print_final_stats=1 "out/fuzz-corpus/$name" \
         > "out/$name.log" 2>&1; then
      echo "$name: no findings ($(grep -o 'stat::number_of_executed_units: [0-9]*' "out/$name.log" | tail -1 || true))"
      passed=$((passed + 1))
    else
      echo "$name: FAILED"; tail -40 "out/$name.log"; failed=$((failed + 1))
    fi
  done
else
  echo "sanitizer build failed"; failed=$((failed + 1))
fi

echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
