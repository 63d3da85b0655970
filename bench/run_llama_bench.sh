#!/usr/bin/env bash
# End-to-end speed of loom against llama.cpp's own CPU build on the same files:
# generates (or reuses) random-weight models of real shapes under
# build/bench-models/, builds bench/llama_anchor.cpp against the prebuilt
# libraries of the @node-llama-cpp/linux-x64 npm package (headers from the
# llama.cpp release source node-llama-cpp ships as a git bundle), then runs
# `loom perf` and the anchor alternately, RUNS times each, and prints medians,
# min-max, the loom/llama.cpp ratios and loom's fraction of the decode
# bandwidth roofline: against the stream-copy bandwidth measured before and
# after each model's runs, and (medians of per-run fractions) against copy and
# read probes taken right before each loom run (bench/bandwidth_probe.c: decode
# only reads, and where reads alone get less than a copy, the read figure is
# the ceiling).
#
#   bench/run_llama_bench.sh [BUILD_DIR]        (default build/speed; needs bin/loom)
#   env: LOOM=path/to/loom (default BUILD_DIR/bin/loom)  MODELS="qwen3-0.6b:q4_0 llama-3.2-1b:f16 ..."  RUNS=5  PROMPT=512  GEN=128  THREADS=2
#
# Long: minutes per model. Never part of the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=${1:-build/speed}
LOOM=${LOOM:-$ROOT/$BUILD/bin/loom}
RUNS=${RUNS:-5}
PROMPT=${PROMPT:-512}
GEN=${GEN:-128}
THREADS=${THREADS:-2}
MODELS=${MODELS:-"qwen3-0.6b:f16 qwen3-0.6b:q8_0 qwen3-0.6b:q4_0 llama-3.2-1b:f16 llama-3.2-1b:q8_0 llama-3.2-1b:q4_0"}
MODEL_DIR=$ROOT/build/bench-models
ANCHOR_DIR=$ROOT/build/bench-anchor
LLAMA_SRC=$ROOT/build/llama.cpp-src
LIBS=$ROOT/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64
RESULTS=$ROOT/build/bench-results/$(date +%Y%m%d-%H%M%S).jsonl

[[ -x $LOOM ]] || { echo "no loom binary at $LOOM (build it: ninja -C $BUILD loom)" >&2; exit 1; }
[[ -d $LIBS ]] || { echo "missing $LIBS (npm install at the project root)" >&2; exit 1; }
mkdir -p "$MODEL_DIR" "$ANCHOR_DIR" "$(dirname "$RESULTS")"

# 1. The llama.cpp anchor and the bandwidth probe.
if [[ ! -f $LLAMA_SRC/include/llama.h ]]; then
  git clone -q "$ROOT/node_modules/node-llama-cpp/llama/gitRelease.bundle" "$LLAMA_SRC"
fi
cp -u "$LIBS"/*.so "$ANCHOR_DIR"/
if [[ ! -x $ANCHOR_DIR/llama_anchor || bench/llama_anchor.cpp -nt $ANCHOR_DIR/llama_anchor ]]; then
  g++ -O2 -std=c++17 bench/llama_anchor.cpp -I"$LLAMA_SRC/include" -I"$LLAMA_SRC/ggml/include" -L"$ANCHOR_DIR" \
    -l:libllama.v0.4.0.so -l:libggml.v0.4.0.so -l:libggml-base.so -Wl,-rpath,"$ANCHOR_DIR" \
    -o "$ANCHOR_DIR/llama_anchor"
fi
PROBE=$ANCHOR_DIR/bandwidth_probe
if [[ ! -x $PROBE || bench/bandwidth_probe.c -nt $PROBE ]]; then
  gcc -O2 -march=native -pthread bench/bandwidth_probe.c -o "$PROBE"  # runs where it is built
fi

# KV bytes per position (K and V, F16) of each shape: layers * kv_heads * head_dim * 2 * 2.
kv_bytes_per_pos() {
  case $1 in
    qwen3-0.6b) echo $((28 * 8 * 128 * 4)) ;;
    llama-3.2-1b) echo $((16 * 8 * 64 * 4)) ;;
    llama-3.2-3b) echo $((28 * 8 * 128 * 4)) ;;
    llama-3.1-8b) echo $((32 * 8 * 128 * 4)) ;;
    *) echo "unknown shape $1" >&2; exit 1 ;;
  esac
}
arch_of() { case $1 in qwen3-*) echo qwen3 ;; *) echo llama ;; esac; }

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; threads $THREADS; prompt $PROMPT; decode $GEN; $RUNS runs each, interleaved"
echo "results: $RESULTS"
for entry in $MODELS; do
  shape=${entry%%:*}
  type=${entry##*:}
  file=$MODEL_DIR/$shape-$type.gguf
  if [[ ! -f $file ]]; then
    "$LOOM" make-test-model --arch "$(arch_of "$shape")" --shape "$shape" --type "$type" --out "$file" >&2
  fi
  bandwidth=$("$PROBE" copy "$THREADS" 512)
  for run in $(seq "$RUNS"); do
    # The host's bandwidth swings from minute to minute: each loom run gets
    # its own probes, right before it, for its roofline fractions.
    echo "{\"shape\":\"$shape\",\"wtype\":\"$type\",\"run\":$run,\"engine\":\"stream_run\",\"gb_s\":$("$PROBE" copy "$THREADS" 512),\"read_gb_s\":$("$PROBE" read "$THREADS" 512)}" >>"$RESULTS"
    "$LOOM" perf "$file" --prompt-tokens "$PROMPT" --gen-tokens "$GEN" --threads "$THREADS" --repetitions 1 --json |
      sed "s/^{/{\"shape\":\"$shape\",\"wtype\":\"$type\",\"run\":$run,/" >>"$RESULTS"
    "$ANCHOR_DIR/llama_anchor" "$file" --backend-dir "$ANCHOR_DIR" --prompt-tokens "$PROMPT" --gen-tokens "$GEN" \
      --threads "$THREADS" --repetitions 1 |
      sed "s/^{/{\"shape\":\"$shape\",\"wtype\":\"$type\",\"run\":$run,/" >>"$RESULTS"
  done
  bandwidth_after=$("$PROBE" copy "$THREADS" 512)
  echo "{\"shape\":\"$shape\",\"wtype\":\"$type\",\"engine\":\"stream\",\"gb_s\":[$bandwidth,$bandwidth_after],\"file_bytes\":$(stat -c %s "$file"),\"kv_bytes_per_pos\":$(kv_bytes_per_pos "$shape")}" >>"$RESULTS"
done

# 2. Summary: medians (min-max) per engine, ratios, roofline fraction.
python3 - "$RESULTS" "$PROMPT" "$GEN" <<'PY'
import json, statistics, sys
path, prompt, gen = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rows = [json.loads(line) for line in open(path)]
keys = []
for r in rows:
    if (r["shape"], r["wtype"]) not in keys:
        keys.append((r["shape"], r["wtype"]))
def cell(values):
    return f"{statistics.median(values):7.1f} ({min(values):.1f}-{max(values):.1f})"
print("| shape | type | loom prefill | llama.cpp prefill | ratio | loom decode | llama.cpp decode | ratio | stream GB/s | roofline tok/s | loom % roofline | % roofline per run | read GB/s | % read roofline per run | RSS MiB loom / llama.cpp |")
print("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")
for shape, wtype in keys:
    sel = [r for r in rows if r["shape"] == shape and r["wtype"] == wtype]
    loom = [r for r in sel if r["engine"] == "loom"]
    llama = [r for r in sel if r["engine"] == "llama.cpp"]
    stream = [r for r in sel if r["engine"] == "stream"][0]
    if not loom or not llama:
        continue
    lp = [r["prefill_tok_s"] for r in loom]; cp = [r["prefill_tok_s"] for r in llama]
    ld = [r["decode_tok_s"] for r in loom]; cd = [r["decode_tok_s"] for r in llama]
    gbs = statistics.mean(stream["gb_s"])
    mean_pos = prompt + gen / 2
    # The matrices a decode step reads, as loom counts them (an untied token
    # embedding is only looked up); older result files: the file's size.
    weights = loom[0].get("decode_weight_bytes", stream["file_bytes"])
    bytes_per_token = weights + stream["kv_bytes_per_pos"] * mean_pos
    roofline = gbs * 1e9 / bytes_per_token
    # Each loom run against the probes taken right before it.
    def per_run(field):
        probes = {r["run"]: r[field] for r in sel if r["engine"] == "stream_run" and field in r}
        return [r["decode_tok_s"] / (probes[r["run"]] * 1e9 / bytes_per_token) for r in loom if r["run"] in probes]
    def median_percent(fractions):
        return f"{100*statistics.median(fractions):.0f}%" if fractions else "-"
    reads = [r["read_gb_s"] for r in sel if r["engine"] == "stream_run" and "read_gb_s" in r]
    print(f"| {shape} | {wtype} | {cell(lp)} | {cell(cp)} | {statistics.median(lp)/statistics.median(cp):.2f} "
          f"| {cell(ld)} | {cell(cd)} | {statistics.median(ld)/statistics.median(cd):.2f} | {gbs:.1f} "
          f"| {roofline:.1f} | {100*statistics.median(ld)/roofline:.0f}% "
          f"| {median_percent(per_run('gb_s'))} "
          f"| {(f'{statistics.median(reads):.1f}') if reads else '-'} | {median_percent(per_run('read_gb_s'))} "
          f"| {max(r['peak_rss_mib'] for r in loom):.0f} / {max(r['peak_rss_mib'] for r in llama):.0f} |")
PY
