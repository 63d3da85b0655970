// The generation routes: validate the body, render and tokenize the prompt
// (errors here are plain HTTP errors), then run the generation either into one
// JSON response or into an SSE stream (errors there are stream events).
#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>

#include "chat/message.h"
#include "server/api_error.h"
#include "server/chat_writer.h"
#include "server/effort_generation.h"
#include "server/responses_writer.h"
#include "server/route_context.h"

namespace loom::server {
namespace {

using nlohmann::json;

// Counts a generation request from its arrival until its response is fully
// written (a stream's body outlives the handler), for graceful shutdown.
class InFlight {
 public:
  explicit InFlight(std::atomic<int64_t>& count) : count_(count) { ++count_; }
  ~InFlight() { --count_; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::atomic<int64_t>& count_;
};

struct PendingGeneration {
  std::shared_ptr<InFlight> in_flight;
  KeyAccount* account = nullptr;
  GenerationRequest request;
  PreparedPrompt prompt;
  ResponseIdentity identity;
};

Status shutting_down() {
  return Status(StatusCode::kUnavailable, "The server is shutting down; the generation was cancelled. Retry the request.");
}

void count_usage(const RouteContext& context, KeyAccount& account, const Usage& usage) {
  context.counters.prompt_tokens += usage.prompt_tokens;
  context.counters.completion_tokens += usage.completion_tokens;
  context.counters.cached_tokens += usage.cached_tokens;
  context.counters.cost_nano_usd += std::llround(usage.cost_usd * 1e9);
  account.record_usage(usage, KeyAccount::Clock::now());
}

Result<GenerationOutcome> generate(const RouteContext& context, const PendingGeneration& pending, const EventCallback& on_events) {
  context.counters.active++;
  const auto start = std::chrono::steady_clock::now();
  Result<GenerationOutcome> outcome =
      generate_at_effort(context.model, context.backend, pending.request, pending.prompt, pending.identity.id,
                         context.options.prices, on_events, context.stopping);
  // Every auto decision goes to the log with its reasons (one line).
  if (outcome.ok() && pending.request.effort == reasoning::Effort::kAuto) {
    std::fprintf(stderr, "loom serve: %s reasoning_effort %s\n", pending.identity.id.c_str(),
                 outcome->effort.to_string().c_str());
  }
  context.counters.generation_micros +=
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start).count();
  context.counters.active--;
  if (outcome.ok()) count_usage(context, *pending.account, outcome->usage);
  else context.counters.errors++;
  return outcome;
}

Result<std::shared_ptr<PendingGeneration>> prepare(const RouteContext& context, Api api, const std::string& body) {
  const json parsed = TRY(parse_body(body));
  auto pending = std::make_shared<PendingGeneration>();
  pending->request = api == Api::kChatCompletions ? TRY(parse_chat_request(parsed, context.options.limits))
                                                  : TRY(parse_responses_request(parsed, context.options.limits));
  TRY(context.model.check_model(pending->request.model));
  pending->identity.id = random_id(api == Api::kChatCompletions ? "chatcmpl-" : "resp_");
  pending->identity.created = std::chrono::duration_cast<std::chrono::seconds>(
                                  std::chrono::system_clock::now().time_since_epoch()).count();
  pending->identity.model = pending->request.model;
  pending->prompt = TRY(context.model.prepare(pending->request, pending->identity.id));
  return pending;
}

void send_json(httplib::Response& response, const json& body) {
  response.set_content(chat::dump_json(body), "application/json");
}

// x-loom-reasoning-effort: the effort used, when the request gave one.
void set_effort_header(httplib::Response& response, const std::optional<reasoning::Effort>& effort) {
  if (effort) response.set_header("x-loom-reasoning-effort", std::string(reasoning::effort_name(*effort)));
}

void stream_chat(const RouteContext& context, std::shared_ptr<PendingGeneration> pending, httplib::DataSink& sink) {
  ChatStreamWriter writer(pending->identity, pending->request.include_usage);
  const auto write = [&](const std::vector<std::string>& frames) {
    for (const std::string& frame : frames)
      if (!sink.is_writable() || !sink.write(frame.data(), frame.size())) return false;
    return true;
  };
  if (!write(writer.start())) return;
  Result<GenerationOutcome> outcome =
      generate(context, *pending, [&](const std::vector<chat::ParseEvent>& events, std::span<const TokenLogprob> logprobs) {
        return write(writer.events(events, logprobs));
      });
  if (!outcome.ok()) {
    write(writer.error(api_error_json(api_error_from_status(outcome.status()))));
    return;
  }
  if (outcome->finish != FinishReason::kCancelled) write(writer.finish(*outcome));
  else if (context.stopping.load()) write(writer.error(api_error_json(api_error_from_status(shutting_down()))));
}

void stream_responses(const RouteContext& context, std::shared_ptr<PendingGeneration> pending, httplib::DataSink& sink) {
  ResponsesStreamWriter writer(pending->identity, pending->request);
  const auto write = [&](const std::vector<std::string>& frames) {
    for (const std::string& frame : frames)
      if (!sink.is_writable() || !sink.write(frame.data(), frame.size())) return false;
    return true;
  };
  if (!write(writer.start())) return;
  Result<GenerationOutcome> outcome =
      generate(context, *pending, [&](const std::vector<chat::ParseEvent>& events, std::span<const TokenLogprob> logprobs) {
        return write(writer.events(events, logprobs));
      });
  if (!outcome.ok()) {
    const ApiError error = api_error_from_status(outcome.status());
    write(writer.failed(error.code.empty() ? error.type : error.code, error.message));
    return;
  }
  if (outcome->finish != FinishReason::kCancelled) write(writer.finish(*outcome));
  else if (context.stopping.load()) write(writer.failed("server_error", shutting_down().message()));
}

// Checks that come before the body is read: shutdown, the key's body size and
// requests per minute.
Status admit(const RouteContext& context, const httplib::Request& request, KeyAccount*& account,
             httplib::Response& response, bool& rate_limited) {
  if (context.draining.load()) return shutting_down();
  account = TRY(context.keys.authenticate(request.get_header_value("Authorization")));
  const size_t max_body = account->limits().max_body_bytes;
  if (max_body > 0 && request.body.size() > max_body)
    return invalid_argument("[request_too_large] The request body is ", request.body.size(), " bytes; key '", account->name(),
                            "' may send at most ", max_body, ".");
  if (const std::optional<RateLimited> limited = account->admit_request(KeyAccount::Clock::now())) {
    send_rate_limited(response, *limited);
    rate_limited = true;
  }
  return {};
}

}  // namespace

void handle_generation(const RouteContext& context, Api api, const httplib::Request& request, httplib::Response& response) {
  context.counters.requests++;
  auto in_flight = std::make_shared<InFlight>(context.counters.in_flight);
  KeyAccount* account = nullptr;
  bool rate_limited = false;
  if (Status status = admit(context, request, account, response, rate_limited); !status.ok() || rate_limited) {
    context.counters.errors++;
    if (!rate_limited) send_error(response, status);
    return;
  }
  Result<std::shared_ptr<PendingGeneration>> prepared = prepare(context, api, request.body);
  if (!prepared.ok()) {
    context.counters.errors++;
    send_error(response, prepared.status());
    return;
  }
  std::shared_ptr<PendingGeneration> pending = std::move(*prepared);
  pending->in_flight = std::move(in_flight);
  pending->account = account;
  const auto prompt_tokens = static_cast<int64_t>(pending->prompt.ids.size());
  if (const std::optional<RateLimited> limited = account->admit_prompt(prompt_tokens, KeyAccount::Clock::now())) {
    context.counters.errors++;
    send_rate_limited(response, *limited);
    return;
  }
  if (pending->request.stream) {
    response.set_header("Cache-Control", "no-cache");
    // Headers go out before generation: auto's final effort (escalation) is in
    // the last event instead.
    if (!pending->prompt.route && pending->prompt.effort) set_effort_header(response, pending->prompt.effort->effective);
    response.set_chunked_content_provider("text/event-stream", [&context, api, pending](size_t, httplib::DataSink& sink) {
      if (api == Api::kChatCompletions) stream_chat(context, pending, sink);
      else stream_responses(context, pending, sink);
      sink.done();
      return true;
    });
    return;
  }
  const auto ignore_events = [](const std::vector<chat::ParseEvent>&, std::span<const TokenLogprob>) { return true; };
  Result<GenerationOutcome> outcome = generate(context, *pending, ignore_events);
  if (!outcome.ok()) {
    send_error(response, outcome.status());
    return;
  }
  if (outcome->finish == FinishReason::kCancelled && context.stopping.load()) {
    send_error(response, shutting_down());
    return;
  }
  set_effort_header(response, outcome->effort.used);
  if (api == Api::kChatCompletions) {
    send_json(response, chat_completion_json(pending->identity, *outcome));
    return;
  }
  json items = response_output_items(pending->identity, pending->request, outcome->output, outcome->logprobs);
  json body = response_json(pending->identity, pending->request, "completed", std::move(items), &*outcome);
  if (outcome->finish == FinishReason::kLength) {
    body["status"] = "incomplete";
    body["incomplete_details"] = {{"reason", "max_output_tokens"}};
  }
  send_json(response, body);
}

}  // namespace loom::server
