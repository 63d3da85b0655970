// Validates generated texts against JSON Schemas with ajv (an independent validator).
// Usage: node tests/oracle/validate_json.mjs CASES.json
//   CASES.json: [{"name", "schema", "bfcl": bool, "outputs": [raw generated text, ...]}, ...]
//   bfcl: normalise Berkeley Function Calling Leaderboard types first
//         (dict -> object, float -> number, tuple -> array, any -> no type; drop "optional").
// Prints [{"name", "total", "invalid_json", "invalid", "failures": [first few {index, text, error}]}, ...].
import { readFileSync } from "node:fs";
import Ajv2020 from "ajv/dist/2020.js";

const cases = JSON.parse(readFileSync(process.argv[2], "utf8"));

function normaliseBfcl(node) {
  if (Array.isArray(node)) return node.map(normaliseBfcl);
  if (node === null || typeof node !== "object") return node;
  const out = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === "optional") continue;
    if (key === "properties" || key === "$defs" || key === "definitions") {
      out[key] = Object.fromEntries(Object.entries(value).map(([name, sub]) => [name, normaliseBfcl(sub)]));
    } else if (key === "type") {
      const map = { dict: "object", float: "number", tuple: "array" };
      if (value === "any") continue;
      out.type = map[value] ?? value;
    } else if (typeof value === "object") {
      out[key] = normaliseBfcl(value);
    } else {
      out[key] = value;
    }
  }
  return out;
}
// String formats, defined here independently of the grammar compiler.
const daysIn = (year, month) => [31, year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1];
function isDate(text) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return false;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  return month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
}
function isTime(text) {
  const m = /^(\d{2}):(\d{2}):(\d{2})(\.\d+)?(z|[+-](\d{2}):(\d{2}))$/i.exec(text);
  if (!m) return false;
  const ok = Number(m[1]) < 24 && Number(m[2]) < 60 && Number(m[3]) < 60;
  return ok && (m[6] === undefined || (Number(m[6]) < 24 && Number(m[7]) < 60));
}
const formats = {
  date: isDate,
  time: isTime,
  "date-time": (text) => {
    const at = text.search(/[tT ]/);
    return at > 0 && isDate(text.slice(0, at)) && isTime(text.slice(at + 1));
  },
  uuid: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i,
  email: /^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/i,
  ipv4: /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/,
};

function check({ name, schema, bfcl, outputs }) {
  if (bfcl) schema = normaliseBfcl(schema);
  delete schema.$schema;
  const ajv = new Ajv2020({ strict: false, allErrors: false, formats });
  const validate = ajv.compile(schema);
  const result = { name, total: outputs.length, invalid_json: 0, invalid: 0, failures: [] };
  outputs.forEach((text, index) => {
    let value;
    try {
      value = JSON.parse(text);
    } catch (error) {
      result.invalid_json++;
      if (result.failures.length < 5) result.failures.push({ index, text, error: String(error) });
      return;
    }
    if (!validate(value)) {
      result.invalid++;
      if (result.failures.length < 5) result.failures.push({ index, text, error: ajv.errorsText(validate.errors) });
    }
  });
  return result;
}

console.log(JSON.stringify(cases.map(check)));
