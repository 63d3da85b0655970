#!/usr/bin/env bash
# Builds loom and runs every test: unit tests, oracle tests against llama.cpp and
# Hugging Face (test dependencies from npm), the sanitizer build and a bounded fuzz run.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)
# Compiler caching that also hits across clones in other folders.
export CCACHE_BASEDIR="$PWD" CCACHE_NOHASHDIR=true

if [[ ! -d node_modules ]] || [[ package-lock.json -nt node_modules ]]; then
  npm ci --no-audit --no-fund --loglevel=error
fi

cmake --preset dev >/dev/null
cmake --build --preset dev -j "$jobs"
ctest --preset dev -j "$jobs"

# ASan/UBSan on the suites of the code that parses untrusted input (GGUF files,
# tokenizer input, templates, JSON Schemas, requests, model output), then a
# bounded fuzzing run of every fuzz target.
if [[ "${LOOM_SKIP_SANITIZERS:-0}" != 1 ]]; then
  LOOM_SANITIZE_TARGETS="${LOOM_SANITIZE_TARGETS-loom_base_tests loom_model_tests loom_text_tests loom_jinja_tests loom_sample_tests loom_chat_tests}" \
  LOOM_SANITIZE_LABELS="${LOOM_SANITIZE_LABELS-^(base|model|text|jinja|sample|chat)$}" \
    scripts/sanitize.sh
fi
