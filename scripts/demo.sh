#!/usr/bin/env bash
# Builds a release loom and shows it running a model end to end: a random-weight
# Qwen3-shaped model written by `loom make-test-model`, inspected with
# `loom info` and run with `loom run`.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target loom
loom=build/release/bin/loom
model=build/release/demo-qwen3-tiny-q8_0.gguf
[[ -f $model ]] || "$loom" make-test-model --arch qwen3 --shape tiny --type q8_0 --seed 1 --out "$model"
"$loom" info "$model"
echo
"$loom" run "$model" "Once upon a time" --max-tokens 32 --seed 1
