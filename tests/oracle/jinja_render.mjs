// Renders Jinja templates with @huggingface/jinja, the reference engine for
// loom's chat templates. Usage: node jinja_render.mjs REQUEST.json
// REQUEST: {"template": "...", "now": "2024-07-26T10:30:00Z"?, "contexts": [{...}, ...]}
// or {"cases": [{"template": "...", "context": {...}}, ...]} (one template each).
// Prints a JSON array with {"output": "..."} or {"error": "..."} per context.
import { readFileSync } from "node:fs";
import { Environment, Interpreter, parse, tokenize } from "@huggingface/jinja";

const request = JSON.parse(readFileSync(process.argv[2], "utf8"));

const kMonths = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                 "November", "December"];
const kDays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
const pad = (n, width = 2, fill = "0") => String(n).padStart(width, fill);

// C-locale strftime on a UTC date, for the fixed clock the tests inject.
function strftime(date, format) {
  return format.replace(/%[a-zA-Z%]/g, (token) => {
    switch (token) {
      case "%Y": return String(date.getUTCFullYear());
      case "%y": return pad(date.getUTCFullYear() % 100);
      case "%m": return pad(date.getUTCMonth() + 1);
      case "%d": return pad(date.getUTCDate());
      case "%e": return pad(date.getUTCDate(), 2, " ");
      case "%b": return kMonths[date.getUTCMonth()].slice(0, 3);
      case "%B": return kMonths[date.getUTCMonth()];
      case "%a": return kDays[date.getUTCDay()].slice(0, 3);
      case "%A": return kDays[date.getUTCDay()];
      case "%H": return pad(date.getUTCHours());
      case "%I": return pad(((date.getUTCHours() + 11) % 12) + 1);
      case "%p": return date.getUTCHours() < 12 ? "AM" : "PM";
      case "%M": return pad(date.getUTCMinutes());
      case "%S": return pad(date.getUTCSeconds());
      case "%%": return "%";
      default: return token;
    }
  });
}

function render(program, context, now) {
  const env = new Environment();
  env.set("false", false);
  env.set("true", true);
  env.set("none", null);
  env.set("True", true);
  env.set("False", false);
  env.set("None", null);
  env.set("raise_exception", (message) => {
    throw new Error(message);
  });
  env.set("range", (start, stop, step = 1) => {
    if (stop === undefined) [start, stop] = [0, start];
    const out = [];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
    return out;
  });
  env.set("strftime_now", (format) => strftime(now ? new Date(now) : new Date(), format));
  for (const [key, value] of Object.entries(context)) env.set(key, value);
  return new Interpreter(env).run(program).value;
}

function renderAll(template, contexts, now) {
  let program;
  try {
    program = parse(tokenize(template, { lstrip_blocks: true, trim_blocks: true }));
  } catch (error) {
    return contexts.map(() => ({ error: String(error.message) }));
  }
  return contexts.map((context) => {
    try {
      return { output: render(program, context, now) };
    } catch (error) {
      return { error: String(error.message) };
    }
  });
}

let results;
if (request.cases) {
  results = request.cases.map((c) => renderAll(c.template, [c.context ?? {}], request.now)[0]);
} else {
  results = renderAll(request.template, request.contexts, request.now);
}
process.stdout.write(JSON.stringify(results));
