#!/usr/bin/env bash
# Builds a release loom and runs its main job on the bundled model
# (models/loom-agent.gguf, trained by loom itself: docs/bundled-model.md): the
# agent, with the model in-process, on a small demo workspace. It thinks
# (effort high), calls shell and calculator in parallel, reads the results and
# answers.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
cmake --preset release >/dev/null
cmake --build --preset release -j "$(nproc)" --target loom
loom=$root/build/release/bin/loom

workspace=$root/build/release/demo-workspace
rm -rf "$workspace"
mkdir -p "$workspace/logs"
printf 'the river was calm\nwe walk to the market\nseven old candles\nbread and water\nthe train is late\n' \
  > "$workspace/notes.txt"
printf 'host=alpha\nport=8080\nthreads=4\nmode=quiet\n' > "$workspace/config.ini"
printf 'opens the window\nsings in the garden\n' > "$workspace/logs/events.log"
printf 'green light on the bridge\n' > "$workspace/logs/status.txt"

cd "$workspace"
"$loom" agent --model "$root/models/loom-agent.gguf" --tools shell,calculator --effort high \
  "How many lines are in notes.txt? What is the port in config.ini? What is 37 * 12?"
