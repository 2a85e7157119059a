#!/usr/bin/env bash
# The whole test suite: set up, build, run every test through ctest, then the sanitizer build of the
# LibTorch-free libraries and the fuzzers. Prints how long each part took.
#   scripts/test.sh            everything
#   FUZZ_SECONDS=10 scripts/test.sh   shorter fuzzing
set -uo pipefail
cd "$(dirname "$0")/.."
declare -a parts=()
status=0
t_all=$SECONDS

part() {  # part NAME COMMAND...: run, time, remember the result
  local name=$1; shift
  local t0=$SECONDS
  echo "=== $name" >&2
  if "$@"; then parts+=("$(printf '%-28s %5ds  ok' "$name" $((SECONDS - t0)))")
  else parts+=("$(printf '%-28s %5ds  FAILED' "$name" $((SECONDS - t0)))"); status=1; fi
}

asan_tests() {
  export CCACHE_SLOPPINESS=pch_defines,time_macros
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DZERORL_WITH_TORCH=OFF \
    -DZERORL_SANITIZE=ON >/dev/null && cmake --build build-asan -j"$(nproc)" &&
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j"$(nproc)")
}

part "setup (apt-get)" bash scripts/setup.sh || exit 1
part "build (Release)" bash scripts/build.sh
if [ $status -ne 0 ]; then echo "build failed" >&2; exit 1; fi
part "ctest (all tests)" bash -c 'cd build && ctest --output-on-failure -j2 --timeout 900'
part "asan+ubsan (no LibTorch)" asan_tests
if [ -f scripts/fuzz.sh ]; then part "fuzz" bash scripts/fuzz.sh "${FUZZ_SECONDS:-60}"; fi

echo
echo "== time per part"
printf '%s\n' "${parts[@]}"
printf '%-28s %5ds\n' "total" $((SECONDS - t_all))
exit $status
