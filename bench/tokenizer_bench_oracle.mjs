// Times Hugging Face's Rust tokenizers on a file, one encode per line, after
// loading. Usage: node bench/tokenizer_bench_oracle.mjs TOKENIZER_JSON FILE
// Prints "<seconds> <bytes>".
import fs from 'node:fs';
import tk from '@anush008/tokenizers';

const [tokenizerPath, filePath] = process.argv.slice(2);
const tokenizer = tk.Tokenizer.fromFile(tokenizerPath);
const text = fs.readFileSync(filePath, 'utf8');
const lines = text.split('\n');
const start = process.hrtime.bigint();
for (let i = 0; i < lines.length; i += 512) {
  await tokenizer.encodeBatch(lines.slice(i, i + 512), { addSpecialTokens: false });
}
const seconds = Number(process.hrtime.bigint() - start) / 1e9;
console.log(`${seconds} ${Buffer.byteLength(text)}`);
