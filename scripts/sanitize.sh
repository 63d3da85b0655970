#!/usr/bin/env bash
# Sanitizer pass: builds the `asan` preset (ASan + UBSan, Debug) and runs the
# tests under it, then builds the `fuzz` preset and runs every libFuzzer target
# (build/fuzz/fuzz/*_fuzz) for a bounded time from a generated seed corpus.
# Exits nonzero on any test failure or fuzzer finding.
#
# Environment:
#   LOOM_SANITIZE_TESTS    ctest -R regex: run only matching tests (default: all)
#   LOOM_SANITIZE_LABELS   ctest -L regex over labels (= source folders), e.g. "model|base"
#   LOOM_SANITIZE_EXCLUDE  ctest -E regex of tests to skip (default: the differential tests
#                          against the node oracles, which prove numerics in the dev build
#                          and would only re-prove them slowly here)
#   LOOM_SANITIZE_TARGETS  space-separated asan build targets (default: all); pair it with
#                          LOOM_SANITIZE_LABELS, since tests of unbuilt binaries fail
#   LOOM_FUZZ_SECONDS      total fuzzing time, split evenly across targets (default: 60)
#   LOOM_JOBS              build and test parallelism (default: 2)
#   LOOM_SKIP_ASAN=1, LOOM_SKIP_FUZZ=1  skip one half
# Conventions for fuzz targets: <name>_fuzz is the fuzzer; an executable <name>_seed
# in the same folder, if any, writes seed inputs into the directory it is given;
# fuzz/<name>.dict, if present, is passed as the libFuzzer dictionary.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=${LOOM_JOBS:-2}

run_asan() {
  echo "== asan: configure and build"
  cmake --preset asan >/dev/null || return 1
  local build_args=(--preset asan -j "$jobs")
  local target
  for target in ${LOOM_SANITIZE_TARGETS:-}; do build_args+=(--target "$target"); done
  cmake --build "${build_args[@]}" || return 1

  echo "== asan: tests"
  local test_args=(--preset asan -j "$jobs")
  if [[ -n "${LOOM_SANITIZE_TESTS:-}" ]]; then test_args+=(-R "$LOOM_SANITIZE_TESTS"); fi
  if [[ -n "${LOOM_SANITIZE_LABELS:-}" ]]; then test_args+=(-L "$LOOM_SANITIZE_LABELS"); fi
  local exclude=${LOOM_SANITIZE_EXCLUDE-LlamaCppDiff|TokenizerOracleTest|ThousandRandomGenerations|TestModelVocabulary}
  if [[ -n "$exclude" ]]; then test_args+=(-E "$exclude"); fi
  ASAN_OPTIONS="abort_on_error=1:detect_stack_use_after_return=1:${ASAN_OPTIONS:-}" \
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:${UBSAN_OPTIONS:-}" \
    ctest "${test_args[@]}" || return 1
}

run_fuzz() {
  echo "== fuzz: configure and build"
  cmake --preset fuzz >/dev/null || return 1
  cmake --build --preset fuzz -j "$jobs" --target fuzz_targets || return 1

  local bin=build/fuzz/fuzz
  local targets=()
  mapfile -t targets < <(find "$bin" -maxdepth 1 -type f -name '*_fuzz' -perm -u+x | sort)
  if (( ${#targets[@]} == 0 )); then
    echo "no fuzz targets found in $bin" >&2
    return 1
  fi
  local budget=${LOOM_FUZZ_SECONDS:-60}
  local seconds=$(( budget / ${#targets[@]} ))
  (( seconds >= 1 )) || seconds=1

  local failed=0 target name seeds corpus artifacts log
  for target in "${targets[@]}"; do
    name=$(basename "$target" _fuzz)
    seeds=build/fuzz/seeds/$name
    corpus=build/fuzz/corpus/$name        # kept between runs, so coverage accumulates
    artifacts=build/fuzz/artifacts/$name  # crash-*, leak-*, timeout-*, oom-* inputs
    log=build/fuzz/$name.log
    rm -rf "$seeds" "$artifacts"
    mkdir -p "$seeds" "$corpus" "$artifacts"
    if [[ -x "$bin/${name}_seed" ]]; then "$bin/${name}_seed" "$seeds" || return 1; fi

    local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=8192
                -print_final_stats=1 -artifact_prefix="$artifacts/")
    if [[ -f "fuzz/$name.dict" ]]; then args+=(-dict="fuzz/$name.dict"); fi
    echo "== fuzz: ${name}_fuzz for ${seconds}s"
    if "$target" "${args[@]}" "$corpus" "$seeds" >"$log" 2>&1 && [[ -z "$(ls -A "$artifacts")" ]]; then
      grep -E '^stat::number_of_executed_units' "$log" | sed "s/^/   ${name}: /" || true
    else
      failed=1
      echo "!! ${name}_fuzz found a problem; inputs in $artifacts, log $log:" >&2
      tail -n 60 "$log" >&2
    fi
  done
  return "$failed"
}

# Each half returns its own status (set -e does not apply inside a function run
# under ||), so a failure in one still lets the other run and report.
status=0
if [[ "${LOOM_SKIP_ASAN:-0}" != 1 ]]; then run_asan || status=1; fi
if [[ "${LOOM_SKIP_FUZZ:-0}" != 1 ]]; then run_fuzz || status=1; fi
if (( status != 0 )); then echo "sanitize: FAILED" >&2; else echo "sanitize: ok"; fi
exit "$status"
