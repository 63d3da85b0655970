// Oracle: llama.cpp (through node-llama-cpp's prebuilt CPU build) teacher-forces
// a token sequence and prints, for every position, the top-K next tokens with
// log-probabilities, in the same JSON-lines shape as `loom eval`:
//   {"pos":P,"top":[[id,logprob],...]}
// Several sequences, separated by ';', are evaluated one after another from an
// empty cache; their lines carry "seq" and positions restart at 0.
// Usage: node llama_logprobs.mjs MODEL.gguf TOKENS(comma-separated[;...]) TOP_K [--kv f32|f16] [--flash]
import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const [modelPath, tokenList, topKText, ...flags] = process.argv.slice(2);
if (!modelPath || !tokenList) {
  console.error("usage: llama_logprobs.mjs MODEL.gguf 1,2,3 TOP_K [--kv f32|f16] [--flash]");
  process.exit(2);
}
const topK = Number(topKText ?? 5);
const kvType = flags.includes("--kv") ? flags[flags.indexOf("--kv") + 1].toUpperCase() : "F32";
const sequences = tokenList.split(";").map((list) => list.split(",").map(Number));
const longest = Math.max(...sequences.map((tokens) => tokens.length));

const llama = await getLlama({ gpu: false, build: "never", logLevel: LlamaLogLevel.error });
const model = await llama.loadModel({ modelPath, useMmap: true });
const context = await model.createContext({
  contextSize: Math.max(64, longest + 8),
  batchSize: Math.max(32, longest),
  threads: 2,
  flashAttention: flags.includes("--flash"),
  experimentalKvCacheKeyType: kvType,
  experimentalKvCacheValueType: kvType,
});
const sequence = context.getSequence();
const lines = [];
for (const [index, tokens] of sequences.entries()) {
  await sequence.clearHistory();
  const input = tokens.map((token) => [token, { generateNext: { probabilities: true } }]);
  const results = await sequence.controlledEvaluate(input);
  results.forEach((result, pos) => {
    const top = [];
    for (const [id, probability] of result.next.probabilities) {
      if (top.length >= topK) break;
      top.push([id, Math.log(probability)]);
    }
    lines.push(JSON.stringify(sequences.length > 1 ? { seq: index, pos, top } : { pos, top }));
  });
}
process.stdout.write(lines.join("\n") + "\n");
await context.dispose();
await model.dispose();
await llama.dispose();
