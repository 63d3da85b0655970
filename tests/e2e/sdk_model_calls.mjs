// The seed calls of the official openai SDK against `loom serve MODEL.gguf`
// on a random-weight model: the text is noise, so this checks shapes, token
// accounting, a grammar-forced tool call, a context overflow and a client that
// disconnects mid-stream.  node tests/e2e/sdk_model_calls.mjs BASE_URL openai6|openai7
const [baseURL, sdk] = process.argv.slice(2);
const { default: OpenAI } = await import(sdk);
const client = new OpenAI({ apiKey: "sk-loom-test", baseURL, maxRetries: 0 });
const problems = [];
const results = {};
const expect = (condition, what) => { if (!condition) problems.push(what); };
const messages = [{ role: "system", content: "You are terse." }, { role: "user", content: "What is 2 + 2?" }];

for (const effort of ["medium", "high"]) {
  const completion = await client.chat.completions.create({ model: "tiny", messages, reasoning_effort: effort, max_tokens: 8, seed: 1 });
  expect(completion.choices[0].finish_reason === "length" || completion.choices[0].finish_reason === "stop", `${effort} finish_reason`);
  expect(completion.usage.completion_tokens > 0 && completion.usage.completion_tokens <= 8, `${effort} completion_tokens`);
  expect(completion.usage.prompt_tokens > 0, `${effort} prompt_tokens`);
}

const tools = [{ type: "function", function: { name: "get_weather",
  parameters: { type: "object", properties: { city: { type: "string", enum: ["Paris", "Rome"] } }, required: ["city"],
                additionalProperties: false } } }];
const forced = await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "Weather?" }], tools,
                                                      tool_choice: "required", max_tokens: 200, temperature: 0.7, seed: 3 });
const call = forced.choices[0].message.tool_calls?.[0];
results.forced_call = call?.function;
expect(forced.choices[0].finish_reason === "tool_calls", "required: finish_reason tool_calls");
expect(call?.function?.name === "get_weather", "required: call name");
try {
  expect(["Paris", "Rome"].includes(JSON.parse(call?.function?.arguments ?? "{}").city), "required: arguments match the schema");
} catch { problems.push("required: arguments are not JSON"); }

const stream = await client.chat.completions.create({ model: "tiny", messages, stream: true, max_tokens: 8,
                                                      stream_options: { include_usage: true } });
let usage = null;
for await (const chunk of stream) if (chunk.usage) usage = chunk.usage;
expect(usage && usage.completion_tokens > 0, "stream usage");

const response = await client.responses.create({ model: "tiny", input: "What is loom?", max_output_tokens: 8 });
expect(response.usage.output_tokens > 0 && response.usage.output_tokens <= 8, "responses usage");
const events = await client.responses.create({ model: "tiny", input: "What is loom?", max_output_tokens: 8, stream: true });
let last = null;
for await (const event of events) last = event.type;
expect(last === "response.completed" || last === "response.incomplete", `responses stream ends with ${last}`);
const helper = await client.responses.stream({ model: "tiny", input: "Hi", max_output_tokens: 8 }).finalResponse();
expect(helper.usage.output_tokens > 0, "responses.stream finalResponse");

// A prompt longer than the context: 400 with the numbers.
try {
  await client.chat.completions.create({ model: "tiny", messages: [{ role: "user", content: "word ".repeat(5000) }] });
  problems.push("overflow: no error");
} catch (error) {
  results.overflow = { status: error.status, code: error.code, message: error.message };
  expect(error.status === 400 && error.code === "context_length_exceeded", "overflow: 400 context_length_exceeded");
  expect(/maximum context length is \d+ tokens/.test(error.message), "overflow: message has the numbers");
}

// A client that goes away mid-stream: the server stops generating for it and
// answers the next request at once.
const controller = new AbortController();
const started = Date.now();
try {
  const long = await client.chat.completions.create({ model: "tiny", messages, stream: true, max_tokens: 1800 },
                                                    { signal: controller.signal });
  for await (const chunk of long) { controller.abort(); }
} catch { /* aborted */ }
const after = await client.chat.completions.create({ model: "tiny", messages, max_tokens: 4 });
results.after_cancel_ms = Date.now() - started;
expect(after.usage.completion_tokens > 0, "request after a cancelled stream");
// Generating 1800 tokens takes about 40 s on a 2-core machine; a cancelled
// stream frees the engine at once.
expect(results.after_cancel_ms < 10000, `cancelled stream still held the engine (${results.after_cancel_ms} ms)`);

console.log(JSON.stringify({ results, problems }));
process.exit(problems.length === 0 ? 0 : 1);
