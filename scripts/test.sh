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

if [[ "${LOOM_SKIP_SANITIZERS:-0}" != 1 ]]; then
  scripts/sanitize.sh
fi
