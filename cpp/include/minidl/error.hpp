// minidl's exceptions. One hierarchy, mapped once onto Python's exceptions in the bindings:
//   ValueError -> ValueError, TypeError -> TypeError, IndexError -> IndexError,
//   Error (autograd misuse and everything else) -> RuntimeError.
#pragma once
#include <sstream>
#include <stdexcept>
#include <string>

namespace minidl {

struct Error : std::runtime_error { using std::runtime_error::runtime_error; };
struct ValueError : Error { using Error::Error; };
struct TypeError : Error { using Error::Error; };
struct IndexError : Error { using Error::Error; };

namespace detail {
inline void append(std::ostringstream&) {}
template <class T, class... Rest>
void append(std::ostringstream& os, const T& v, const Rest&... rest) { os << v; append(os, rest...); }
}  // namespace detail

// str("shape ", s, " is bad") builds a message from anything printable.
template <class... Args>
std::string str(const Args&... args) {
  std::ostringstream os;
  detail::append(os, args...);
  return os.str();
}

}  // namespace minidl

// MINIDL_CHECK(cond, ValueError, "message parts", ...): throw unless cond holds.
#define MINIDL_CHECK(cond, Kind, ...) \
  do { if (!(cond)) throw ::minidl::Kind(::minidl::str(__VA_ARGS__)); } while (0)
