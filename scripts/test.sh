#!/usr/bin/env bash
# Every test: installs what is missing and builds (scripts/setup.sh), then
#   1. unit and end-to-end tests on the release build (DPDK pcap and af_packet vdevs),
#   2. the unit tests again under AddressSanitizer and UndefinedBehaviorSanitizer,
#   3. each libFuzzer target for a bounded time (FUZZ_SECONDS, default 30).
# Ends with one line "tests: N passed, M failed"; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh || exit 1

passed=0 failed=0
count() {  # count <meson build dir>: adds its test results
  local log="$1/meson-logs/testlog.json"
  [ -f "$log" ] || return
  local p f
  p=$(grep -c '"result": "OK"' "$log" || true)
  f=$(grep -c -E '"result": "(FAIL|TIMEOUT|ERROR|UNEXPECTEDPASS)"' "$log" || true)
  passed=$((passed + p)) failed=$((failed + f))
}

echo "== unit and end-to-end tests"
meson test -C build --print-errorlogs --num-processes 2
count build

echo "== unit tests under ASan + UBSan"
[ -f build-asan/build.ninja ] || meson setup build-asan --buildtype=debugoptimized \
  -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
if ninja -C build-asan $(cd build-asan && meson introspect --targets | python3 -c \
     'import json,sys; print(" ".join(t["filename"][0].split("build-asan/")[-1] for t in json.load(sys.stdin) if t["name"].startswith("test_") and t["name"] != "test_e2e"))') >/dev/null; then
  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 meson test -C build-asan --suite unit --print-errorlogs --no-rebuild
  count build-asan
else
  echo "sanitizer build failed"; failed=$((failed + 1))
fi

echo "== libFuzzer targets, ${FUZZ_SECONDS:-30} s each"
[ -f build-fuzz/build.ninja ] || CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true --buildtype=debugoptimized >/dev/null
for src in tests/fuzz/fuzz_*.cpp; do
  name=$(basename "$src" .cpp)
  mkdir -p out/fuzz-corpus/"$name"
  if ninja -C build-fuzz "tests/$name" >/dev/null &&
     build-fuzz/tests/"$name" -max_total_time="${FUZZ_SECONDS:-30}" -print_final_stats=1 \
       out/fuzz-corpus/"$name" > "out/$name.log" 2>&1; then
    echo "$name: no findings ($(grep -o 'stat::number_of_executed_units: [0-9]*' "out/$name.log" | tail -1 || true))"
    passed=$((passed + 1))
  else
    echo "$name: FAILED"; tail -40 "out/$name.log"; failed=$((failed + 1))
  fi
done

echo "tests: $passed passed, $failed failed"
[ "$failed" = 0 ]
