// Result<T>: a value or an Error, the way every Hoso library reports failure
// across its API (no exceptions cross a public boundary, nothing is printed).
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace hoso {

enum class ErrorCode {
  kInvalidArgument,  // the caller's input is wrong (bad file, bad field, bad value)
  kNotFound,
  kAlreadyExists,
  kPermissionDenied,    // an actor may not take this action
  kFailedPrecondition,  // state does not allow the action
  kVersionMismatch,     // pack, store or file written by another version
  kIo,                  // disk full, I/O error, database busy
  kInternal,
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // says what went wrong, where, and what to do
};

inline Error make_error(ErrorCode code, std::string message) {
  return Error{code, std::move(message)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T v) : v_(std::move(v)) {}      // NOLINT(google-explicit-constructor)
  Result(Error e) : v_(std::move(e)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error)
      : err_(std::move(error)), ok_(false) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return err_; }

 private:
  Error err_;
  bool ok_ = true;
};

}  // namespace hoso
