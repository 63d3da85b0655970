// Status and Result<T>: loom's error model. No exceptions cross loom's own
// code; every fallible call returns one of these and callers propagate with TRY.
#pragma once

#include <cstdlib>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace loom {

enum class StatusCode {
  kOk = 0,
  kInvalidArgument,    // the caller's input is malformed (bad flag, bad JSON, bad request)
  kNotFound,           // a named thing (file, key, tensor, model) does not exist
  kOutOfRange,         // a value is outside what is allowed (context length, index)
  kDataLoss,           // a file is truncated or corrupted
  kUnimplemented,      // valid but not supported (architecture, tensor type, keyword)
  kResourceExhausted,  // a limit was reached (memory, rate, template steps)
  kFailedPrecondition, // the system is not in a state to do this
  kPermissionDenied,
  kUnauthenticated,
  kDeadlineExceeded,
  kCancelled,
  kUnavailable,
  kInternal,           // a bug in loom
};

std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(StatusCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status ok_status() { return {}; }

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  const std::string& message() const { return message_; }
  // "code: message", for logs and the command line.
  std::string to_string() const;

  // Lets TRY treat Status and Result<T> alike.
  const Status& status() const& { return *this; }
  Status status() && { return std::move(*this); }

  // Prefix the message with context: "loading x.gguf: " + message.
  Status with_context(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  std::string message_;
};

// Concatenates anything streamable: str_cat("tensor ", name, " has ", n, " dims").
template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream out;
  (out << ... << args);
  return out.str();
}

template <typename... Args>
Status invalid_argument(const Args&... args) { return {StatusCode::kInvalidArgument, str_cat(args...)}; }
template <typename... Args>
Status not_found(const Args&... args) { return {StatusCode::kNotFound, str_cat(args...)}; }
template <typename... Args>
Status out_of_range(const Args&... args) { return {StatusCode::kOutOfRange, str_cat(args...)}; }
template <typename... Args>
Status data_loss(const Args&... args) { return {StatusCode::kDataLoss, str_cat(args...)}; }
template <typename... Args>
Status unimplemented(const Args&... args) { return {StatusCode::kUnimplemented, str_cat(args...)}; }
template <typename... Args>
Status resource_exhausted(const Args&... args) { return {StatusCode::kResourceExhausted, str_cat(args...)}; }
template <typename... Args>
Status failed_precondition(const Args&... args) { return {StatusCode::kFailedPrecondition, str_cat(args...)}; }
template <typename... Args>
Status permission_denied(const Args&... args) { return {StatusCode::kPermissionDenied, str_cat(args...)}; }
template <typename... Args>
Status internal_error(const Args&... args) { return {StatusCode::kInternal, str_cat(args...)}; }

// Result<T>: a T or a non-OK Status, shaped like std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Status status) : state_(std::in_place_index<1>, std::move(status)) {
    if (std::get<1>(state_).ok()) std::abort();  // an OK status carries no value: programmer error
  }

  bool ok() const { return state_.index() == 0; }
  const Status& status() const& {
    static const Status kOk;
    return ok() ? kOk : std::get<1>(state_);
  }
  Status status() && { return ok() ? Status() : std::move(std::get<1>(state_)); }

  T& value() & { check_ok(); return std::get<0>(state_); }
  const T& value() const& { check_ok(); return std::get<0>(state_); }
  T&& value() && { check_ok(); return std::move(std::get<0>(state_)); }

  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? std::get<0>(state_) : std::move(fallback); }

 private:
  void check_ok() const {
    if (!ok()) std::abort();  // reading the value of an error: programmer error
  }
  std::variant<T, Status> state_;
};

namespace detail {
inline void unwrap(Status&&) {}
template <typename T>
T unwrap(Result<T>&& result) { return std::move(result).value(); }
}  // namespace detail

}  // namespace loom

// TRY(expr): evaluates a Status or Result<T>; on error returns the Status from
// the enclosing function, otherwise yields the value (or nothing for Status).
#define TRY(expr)                                              \
  ({                                                           \
    auto&& loom_try_result_ = (expr);                          \
    if (!loom_try_result_.ok())                                \
      return std::move(loom_try_result_).status();             \
    ::loom::detail::unwrap(std::move(loom_try_result_));       \
  })

// CHECK(cond): a programmer error, never reached by user input.
#define CHECK(cond)                                                          \
  do {                                                                       \
    if (!(cond)) ::loom::check_failed(#cond, __FILE__, __LINE__);            \
  } while (0)

namespace loom {
[[noreturn]] void check_failed(const char* condition, const char* file, int line);
}
