// colorize — errors as values.
//
// Every fallible function of the core returns a Status or a Result<T>; the core never
// throws across its public API (it is compiled into WebAssembly, where exceptions are
// expensive and must not cross the Embind boundary). Messages are written for the person
// who gave us the file: what is wrong, in plain words, with the numbers that matter.
#pragma once

#include <string>
#include <utility>
#include <optional>
#include <cassert>

namespace colorize {

// Stable error codes. The CLI maps them to exit codes and the web app to messages; add new
// codes at the end only.
enum class ErrorCode : int {
  kOk = 0,
  kEmptyInput,       // zero bytes were given
  kNotAnImage,       // the bytes are not any image format we know
  kTruncated,        // a known format, but the data ends early
  kUnsupported,      // a known format with a feature we do not read (e.g. CMYK JPEG)
  kTooLarge,         // width*height above the configured pixel limit (checked before allocating)
  kZeroSize,         // width or height is 0
  kInvalidArgument,  // the caller passed something out of contract (sizes, ranges)
  kIo,               // reading or writing a file failed (native front ends only)
  kNoBackend,        // no inference backend can run this model in this build
  kOutOfMemory,      // an allocation failed
  kInternal,         // a bug: a broken invariant of ours
  kCorruptModel,     // a model file that cannot be parsed or validated
};

// Short lower-case name of a code, e.g. "too large". Never null.
const char* error_code_name(ErrorCode code);

class Status {
 public:
  Status() = default;  // success
  Status(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }

  bool ok() const { return code_ == ErrorCode::kOk; }
  ErrorCode code() const { return code_; }
  // The human-readable detail; empty on success.
  const std::string& message() const { return message_; }
  // "<code name>: <message>", or "ok".
  std::string to_string() const;

 private:
  ErrorCode code_ = ErrorCode::kOk;
  std::string message_;
};

// Either a value or an error Status (never both). Access value() only when ok().
template <typename T>
class Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) { assert(!status_.ok()); }  // NOLINT
  Result(ErrorCode code, std::string message) : status_(code, std::move(message)) {}

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }

  T& value() & { assert(ok()); return *value_; }
  const T& value() const& { assert(ok()); return *value_; }
  T&& value() && { assert(ok()); return std::move(*value_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::optional<T> value_;
  Status status_;
};

}  // namespace colorize
