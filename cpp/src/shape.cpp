#include "minidl/shape.hpp"

#include <sstream>

#include "minidl/error.hpp"

namespace minidl {

std::string shape_str(const Shape& s) {
  std::ostringstream os;
  os << '[';
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  os << ']';
  return os.str();
}

int64_t numel_of(const Shape& s) {
  int64_t n = 1;
  // A product that wraps around (reshape(2**63 - 1, 2**63 - 1) "has" 1 element) would let a
  // view claim memory it does not have.
  for (int64_t d : s)
    if (__builtin_mul_overflow(n, d, &n))
      throw ValueError(str("shape ", shape_str(s), " has more elements than an int64 can count"));
  return n;
}

Strides contiguous_strides(const Shape& s) {
  Strides st(s.size());
  int64_t acc = 1;
  for (size_t i = s.size(); i-- > 0;) {
    st[i] = acc;
    acc *= std::max<int64_t>(s[i], 1);
  }
  return st;
}

int64_t wrap_dim(int64_t dim, int64_t ndim) {
  const int64_t n = std::max<int64_t>(ndim, 1);  // a 0-d tensor accepts dim 0 and -1, as in PyTorch
  if (dim < -n || dim >= n)
    throw IndexError(str("Dimension out of range (expected to be in range of [", -n, ", ", n - 1, "], but got ", dim, ")"));
  return dim < 0 ? dim + n : dim;
}

int64_t wrap_dim_inclusive(int64_t dim, int64_t ndim) {
  if (dim < -(ndim + 1) || dim > ndim)
    throw IndexError(str("Dimension out of range (expected to be in range of [", -(ndim + 1), ", ", ndim, "], but got ", dim, ")"));
  return dim < 0 ? dim + ndim + 1 : dim;
}

Shape broadcast_shapes(const Shape& a, const Shape& b) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    if (da != db && da != 1 && db != 1)
      throw ValueError(str("shapes ", shape_str(a), " and ", shape_str(b), " cannot be broadcast together (dim ", i,
                           ": ", da, " vs ", db, ")"));
    out[i] = da == 1 ? db : da;
  }
  return out;
}

Strides broadcast_strides(const Shape& shape, const Strides& strides, const Shape& target) {
  Strides out(target.size(), 0);
  const size_t lead = target.size() - shape.size();
  for (size_t i = 0; i < shape.size(); ++i) out[lead + i] = shape[i] == 1 ? 0 : strides[i];
  return out;
}

}  // namespace minidl
