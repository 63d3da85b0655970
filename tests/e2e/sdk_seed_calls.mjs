// The seed calls of the official openai SDK against a running `loom serve`:
// node tests/e2e/sdk_seed_calls.mjs BASE_URL openai6|openai7
// Prints one JSON object with what user code got back; exits 1 on any client
// error or missing field. The replay script is tests/e2e/sdk_script.json.
const [baseURL, sdk] = process.argv.slice(2);
const { default: OpenAI } = await import(sdk);
const client = new OpenAI({ apiKey: "sk-loom-test", baseURL, maxRetries: 0 });
const results = {};
const problems = [];
const expect = (condition, what) => { if (!condition) problems.push(what); };

const messages = [
  { role: "system", content: "You are terse." },
  { role: "user", content: "What is 2 + 2?" },
];
for (const effort of ["medium", "high"]) {
  const completion = await client.chat.completions.create({ model: "gpt-5.5", messages, reasoning_effort: effort });
  const message = completion.choices[0].message;
  results[`chat_${effort}`] = { content: message.content, reasoning_content: message.reasoning_content,
                                reasoning_tokens: completion.usage.completion_tokens_details.reasoning_tokens };
  expect(message.content === "2 + 2 = 4.", `chat_${effort} content`);
  expect(typeof message.reasoning_content === "string" && message.reasoning_content.length > 0, `chat_${effort} reasoning`);
  expect(completion.usage.completion_tokens_details.reasoning_tokens > 0, `chat_${effort} reasoning_tokens`);
}

const tools = [
  { type: "function", function: { name: "get_weather", description: "Weather in a city",
    parameters: { type: "object", properties: { city: { type: "string" } }, required: ["city"] } } },
  { type: "function", function: { name: "get_time", description: "Time in a timezone",
    parameters: { type: "object", properties: { timezone: { type: "string" } }, required: ["timezone"] } } },
];
const toolMessages = [{ role: "user", content: "Weather and time in Paris?" }];
const first = await client.chat.completions.create({ model: "gpt-5.5", messages: toolMessages, tools,
                                                     tool_choice: "auto", parallel_tool_calls: true });
const calls = first.choices[0].message.tool_calls ?? [];
results.parallel_tools = calls.map((call) => ({ name: call.function.name, arguments: JSON.parse(call.function.arguments) }));
expect(first.choices[0].finish_reason === "tool_calls", "parallel finish_reason");
expect(calls.length === 2 && calls[0].function.name === "get_weather" && calls[1].function.name === "get_time", "two calls");
const followup = await client.chat.completions.create({
  model: "gpt-5.5", tools,
  messages: [...toolMessages, first.choices[0].message,
             { role: "tool", tool_call_id: calls[0]?.id, content: "sunny, 18C" },
             { role: "tool", tool_call_id: calls[1]?.id, content: "14:05" }],
});
results.followup = followup.choices[0].message.content;
expect(results.followup === "It is sunny and 18°C in Paris; the time is 14:05.", "followup content");

const stream = await client.chat.completions.create({ model: "gpt-5.5", messages, stream: true,
                                                      stream_options: { include_usage: true }, reasoning_effort: "low" });
let streamed = "", usage = null;
for await (const chunk of stream) {
  streamed += chunk.choices[0]?.delta?.content ?? "";
  if (chunk.usage) usage = chunk.usage;
}
results.stream = { content: streamed, total_tokens: usage?.total_tokens };
expect(streamed === "2 + 2 = 4." && usage && usage.total_tokens > 0, "stream content and usage");

const helper = client.chat.completions.stream({ model: "gpt-5.5", messages });
const final = await helper.finalChatCompletion();
results.stream_helper = final.choices[0].message.content;
expect(results.stream_helper === "2 + 2 = 4.", "stream helper content");

const response = await client.responses.create({ model: "gpt-5.5", input: "What is loom?", reasoning: { effort: "low" } });
results.responses = { output_text: response.output_text, reasoning_tokens: response.usage.output_tokens_details.reasoning_tokens };
expect(response.output_text === "Loom is an OpenAI-compatible server.", "responses output_text");

const events = await client.responses.create({ model: "gpt-5.5", input: "What is loom?", stream: true });
let deltas = "", completed = null;
for await (const event of events) {
  if (event.type === "response.output_text.delta") deltas += event.delta;
  if (event.type === "response.completed") completed = event.response;
}
results.responses_stream = { deltas, status: completed?.status };
expect(deltas === "Loom is an OpenAI-compatible server." && completed?.status === "completed", "responses stream");

const responseStream = client.responses.stream({ model: "gpt-5.5", input: "What is loom?" });
const finalResponse = await responseStream.finalResponse();
results.responses_helper = finalResponse.output_text;
expect(finalResponse.output_text === "Loom is an OpenAI-compatible server.", "responses.stream finalResponse");

const models = [];
for await (const model of client.models.list()) models.push(model.id);
results.models = models;
expect(models.length === 1, "models.list");

console.log(JSON.stringify({ results, problems }));
process.exit(problems.length === 0 ? 0 : 1);
