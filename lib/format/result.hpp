// A minimal expected<T, Error> for the format library: the reader reports a
// damaged or foreign file as a value, never by crashing or throwing.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace oxpack::format {

enum class ErrorCode {
    Io,           // the file could not be opened, read, mapped or written
    NotABlob,     // wrong magic: not an .oxr file at all
    Unsupported,  // a format version or required feature this reader does not know
    Corrupt,      // structure or checksum damage
    NotFound,     // no such entry
    Invalid,      // the caller's input is unusable (writer side)
};

struct Error {
    ErrorCode code;
    std::string message;  // names the file and the problem
};

template <typename T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::move(value)) {}
    Result(Error error) : v_(std::move(error)) {}

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

struct Ok {};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : err_(std::move(error)), ok_(false) {}
    bool ok() const { return ok_; }
    explicit operator bool() const { return ok_; }
    const Error& error() const { return err_; }

private:
    Error err_{ErrorCode::Io, {}};
    bool ok_ = true;
};

}  // namespace oxpack::format
