// Tokenizer oracle: Hugging Face tokenizers (Rust, via @anush008/tokenizers).
// Usage: node tests/oracle/tokenize.mjs VOCAB_DIR CORPUS
// VOCAB_DIR holds tokenizer.json (+ tokenizer_config.json). CORPUS is split
// into items exactly as tests/text/tokenizer_oracle_test.cc does: every line
// (bytes up to '\n'), every window of 8 lines joined with '\n' (plus a final
// '\n'), and the whole file. Each line is decoded as UTF-8 with replacement.
// Prints one JSON object per item: {ids, ids_special, text, text_skip} where
// text/text_skip decode ids_special without/with skipping special tokens.
//
// Like transformers' Llama/Gemma tokenizers, add_bos_token/add_eos_token in
// tokenizer_config.json (when present) rebuild the post-processor.
import fs from 'node:fs';
import path from 'node:path';
import tk from '@anush008/tokenizers';

const { Tokenizer, templateProcessing } = tk;
const [vocabDir, corpusPath] = process.argv.slice(2);
const tokenizer = Tokenizer.fromFile(path.join(vocabDir, 'tokenizer.json'));
const configPath = path.join(vocabDir, 'tokenizer_config.json');

if (fs.existsSync(configPath)) {
  const config = JSON.parse(fs.readFileSync(configPath, 'utf8'));
  const textOf = (token) => (token && typeof token === 'object' ? token.content : token);
  if (typeof config.add_bos_token === 'boolean' || typeof config.add_eos_token === 'boolean') {
    const parts = [];
    const specials = [];
    const bos = textOf(config.bos_token);
    const eos = textOf(config.eos_token);
    if (config.add_bos_token && bos) {
      parts.push(`${bos}:0`);
      specials.push([bos, tokenizer.tokenToId(bos)]);
    }
    parts.push('$A:0');
    if (config.add_eos_token && eos) {
      parts.push(`${eos}:0`);
      specials.push([eos, tokenizer.tokenToId(eos)]);
    }
    tokenizer.setPostProcessor(templateProcessing(parts.join(' '), null, specials));
  }
}

const bytes = fs.readFileSync(corpusPath);
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
const lines = [];
let start = 0;
for (let i = 0; i < bytes.length; ++i) {
  if (bytes[i] === 0x0a) {
    lines.push(bytes.subarray(start, i));
    start = i + 1;
  }
}
if (start < bytes.length) lines.push(bytes.subarray(start));
const items = lines.map((line) => decoder.decode(line));
for (let i = 0; i < lines.length; i += 8) {
  items.push(lines.slice(i, i + 8).map((line) => decoder.decode(line)).join('\n') + '\n');
}
items.push(decoder.decode(bytes));

const out = [];
const chunk = 256;
for (let i = 0; i < items.length; i += chunk) {
  const batch = items.slice(i, i + chunk);
  const raw = await tokenizer.encodeBatch(batch, { addSpecialTokens: false });
  const special = await tokenizer.encodeBatch(batch, { addSpecialTokens: true });
  const ids = raw.map((e) => e.getIds());
  const idsSpecial = special.map((e) => e.getIds());
  const text = await tokenizer.decodeBatch(idsSpecial, false);
  const textSkip = await tokenizer.decodeBatch(idsSpecial, true);
  for (let j = 0; j < batch.length; ++j) {
    out.push(JSON.stringify({ ids: ids[j], ids_special: idsSpecial[j], text: text[j], text_skip: textSkip[j] }));
  }
}
process.stdout.write(out.join('\n') + '\n');
