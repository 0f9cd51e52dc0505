// Classification losses on a class dim: cross_entropy (fused with log_softmax), nll_loss and
// the multi-class focal loss. Fused kernels with their own backward.
//
// Layout: input (C,), (N, C) or (N, C, d1, ...) is read as M = N * S samples (S = d1 * ...),
// each a line of C logits at stride S; target holds one class index per sample (or, for
// cross_entropy, C probabilities per sample in input's layout). Each sample's loss and its
// gradient row are independent, so both passes run in parallel over samples. Every target
// is checked before any kernel runs.
//
// Notation: z = logits, L = logsumexp(z) = m + lg (max-shifted, so logits of +-1000 stay finite),
// log p_c = z_c - L (computed as (z_c - m) - lg, see Lse), w = class weights (1 without), y = the target class, eps = label smoothing.
#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>

#include <xsimd/xsimd.hpp>

#include "loss_common.hpp"
#include "minidl/creation.hpp"

namespace minidl::nn {

using detail::check_reduction;
using detail::contiguous_as;
using detail::save;

namespace {

struct Layout {
  int64_t N = 1, C = 0, S = 1;
  Shape sample_shape;  // the target's shape, and the shape of reduction='none'
  int64_t M() const { return N * S; }
  int64_t base(int64_t m) const { return (m / S) * C * S + m % S; }  // offset of sample m's class 0
};

Layout class_layout(const char* fn, const Tensor& input) {
  MINIDL_CHECK(input.dim() >= 1, ValueError, fn,
               ": input must have shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor");
  Layout L;
  if (input.dim() == 1) {
    L.C = input.shape()[0];
    return L;
  }
  L.N = input.shape()[0];
  L.C = input.shape()[1];
  L.sample_shape = {L.N};
  for (int64_t i = 2; i < input.dim(); ++i) {
    L.S *= input.shape()[i];
    L.sample_shape.push_back(input.shape()[i]);
  }
  return L;
}

void check_index_target(const char* fn, const Tensor& input, const Tensor& target, const Layout& L) {
  MINIDL_CHECK(target.defined(), ValueError, fn, ": target is undefined");
  MINIDL_CHECK(target.dtype() == DType::Int64, TypeError, fn, ": target must hold int64 class indices",
               std::string(fn) == "cross_entropy" ? " (or float class probabilities of the input's shape)" : "",
               ", got a ", dtype_name(target.dtype()), " tensor of shape ", shape_str(target.shape()),
               " for input of shape ", shape_str(input.shape()));
  MINIDL_CHECK(target.shape() == L.sample_shape, ValueError, fn, ": expected target of shape ",
               shape_str(L.sample_shape), " (the input's shape without the class dim) for input of shape ",
               shape_str(input.shape()), ", got target of shape ", shape_str(target.shape()));
}

// Per-class weights (C,) as contiguous dtype d, or undefined.
Tensor class_weights(const char* fn, const Tensor& weight, int64_t C, DType d, const char* what = "weight") {
  if (!weight.defined()) return Tensor();
  MINIDL_CHECK(weight.dim() == 1 && weight.shape()[0] == C, ValueError, fn, ": ", what, " must have shape [", C,
               "] (one value per class), got ", shape_str(weight.shape()));
  return contiguous_as(weight, d);
}

// Every class index in [0, C) or equal to ignore_index (IndexError naming the first bad one).
// Returns the sum of w[y] over the samples not ignored: 'mean's denominator (their count without weights).
template <class T>
double check_classes(const char* fn, const int64_t* t, int64_t M, int64_t C, const T* w,
                     std::optional<int64_t> ignore) {
  double W = 0;
  for (int64_t m = 0; m < M; ++m) {
    const int64_t k = t[m];
    if (ignore && k == *ignore) continue;
    if (k < 0 || k >= C)
      throw IndexError(str(fn, ": target class index ", k, " (sample ", m, ") is out of range for ", C,
                           " classes; valid indices are 0 to ", C - 1,
                           ignore ? str(" (or ignore_index=", *ignore, ")") : std::string()));
    W += w ? static_cast<double>(w[k]) : 1.0;
  }
  return W;
}

// ---- one line of C values at stride S; S = 1 (rows of (N, C)) runs on xsimd ----

template <class T>
T line_max(const T* z, int64_t C, int64_t S) {
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t c = 0; c < C; ++c) m = z[c * S] > m ? z[c * S] : m;
  return m;
}

// A line's logsumexp L = m + lg, m = max(z), lg = log(sum(exp(z - m))), kept as its two parts:
// log p_c = (z_c - m) - lg stays accurate in float32 for logits of 1000, where m + lg would
// round to m's spacing (6e-5). Saved per sample for the backward pass as the pair (m, lg).
template <class T>
struct Lse {
  T m, lg;
  T logp(T z) const { return (z - m) - lg; }
};

template <class T>
Lse<T> line_lse(const T* z, int64_t C, int64_t S) {
  const T m = line_max(z, C, S);
  if (!std::isfinite(m)) return {m, T(0)};
  double s = 0;
  int64_t c = 0;
  if (S == 1) {
    using B = xsimd::batch<T>;
    constexpr int64_t W = B::size;
    B acc(T(0));
    const B bm(m);
    for (; c + W <= C; c += W) acc += xsimd::exp(xsimd::load_unaligned(z + c) - bm);
    // The tail (all of a 10-class row under AVX-512's 16 lanes) in one more vector, padded
    // with -inf (exp gives 0): scalar expf costs 5-30 ns an element here.
    alignas(64) T lanes[W];
    if (c < C) {
      std::fill(lanes, lanes + W, -std::numeric_limits<T>::infinity());
      std::copy(z + c, z + C, lanes);
      acc += xsimd::exp(xsimd::load_aligned(lanes) - bm);
      c = C;
    }
    s = xsimd::hadd(acc);  // a tree sum: 16 dependent double adds cost more than the exps
  }
  for (; c < C; ++c) s += std::exp(z[c * S] - m);
  return {m, std::log(static_cast<T>(s))};  // s is in [1, C]: T's own log is accurate enough
}

template <class T> void put(T* buf, int64_t m, Lse<T> v) { buf[2 * m] = v.m, buf[2 * m + 1] = v.lg; }
template <class T> Lse<T> get(const T* buf, int64_t m) { return {buf[2 * m], buf[2 * m + 1]}; }

// out[c * S] = exp(log p_c): the softmax line, given its logsumexp.
template <class T>
void line_softmax(const T* z, int64_t C, int64_t S, Lse<T> L, T* out) {
  int64_t c = 0;
  if (S == 1) {
    using B = xsimd::batch<T>;
    constexpr int64_t W = B::size;
    const B bm(L.m), bl(L.lg);
    for (; c + W <= C; c += W)
      xsimd::store_unaligned(out + c, xsimd::exp((xsimd::load_unaligned(z + c) - bm) - bl));
    if (c < C) {  // the tail in one padded vector, as in line_lse
      alignas(64) T lanes[W] = {};
      std::copy(z + c, z + C, lanes);
      xsimd::store_aligned(lanes, xsimd::exp((xsimd::load_aligned(lanes) - bm) - bl));
      std::copy(lanes, lanes + (C - c), out + c);
      c = C;
    }
  }
  for (; c < C; ++c) out[c * S] = std::exp(L.logp(z[c * S]));
}

// ---- rows shorter than one SIMD vector (2 to 15 classes in 16 float lanes), many at a time ----
// Per row, line_lse paid for a padded vector, a horizontal sum and a scalar log (~25 ns a row,
// as much as the rest of the loss). Here a block of rows is shifted by its maxima into one
// buffer, exponentiated a whole vector at a time, summed per row, and the logs taken in vectors.
// Rows of (N, C) with S = 1 only: row m starts at z + m * C.
template <class T>
bool short_rows(int64_t C, int64_t S) { return S == 1 && C < static_cast<int64_t>(xsimd::batch<T>::size); }

// exp of p[0, n) in place, the last partial vector padded (with -inf: exp gives 0).
template <class T>
void exp_in_place(T* p, int64_t n) {
  using B = xsimd::batch<T>;
  constexpr int64_t W = B::size;
  int64_t i = 0;
  for (; i + W <= n; i += W) xsimd::exp(B::load_unaligned(p + i)).store_unaligned(p + i);
  if (i < n) {
    alignas(64) T lanes[W];
    std::fill(lanes, lanes + W, -std::numeric_limits<T>::infinity());
    std::copy(p + i, p + n, lanes);
    xsimd::exp(B::load_aligned(lanes)).store_aligned(lanes);
    std::copy(lanes, lanes + (n - i), p + i);
  }
}

// pL[2m], pL[2m+1] = the (m, lg) of line_lse for rows [m0, m1).
template <class T>
void short_rows_lse(const T* z, int64_t C, int64_t m0, int64_t m1, T* pL) {
  using B = xsimd::batch<T>;
  constexpr int64_t W = B::size, R = 64;  // R rows per block: R * C < R * W values
  alignas(64) T buf[R * W];
  alignas(64) T sums[R];
  for (int64_t r0 = m0; r0 < m1; r0 += R) {
    const int64_t n = std::min(R, m1 - r0);
    for (int64_t r = 0; r < n; ++r) {
      const T* zr = z + (r0 + r) * C;
      const T m = line_max(zr, C, int64_t(1));
      pL[2 * (r0 + r)] = m;
      for (int64_t c = 0; c < C; ++c)  // a row whose max is +-inf gets lg = 0 below, as in line_lse
        buf[r * C + c] = std::isfinite(m) ? zr[c] - m : -std::numeric_limits<T>::infinity();
    }
    exp_in_place(buf, n * C);
    std::fill(sums, sums + R, T(1));
    for (int64_t r = 0; r < n; ++r) {
      T a = 0;
      for (int64_t c = 0; c < C; ++c) a += buf[r * C + c];
      sums[r] = a;
    }
    for (int64_t r = 0; r < R; r += W) xsimd::log(B::load_aligned(sums + r)).store_aligned(sums + r);
    for (int64_t r = 0; r < n; ++r) pL[2 * (r0 + r) + 1] = std::isfinite(pL[2 * (r0 + r)]) ? sums[r] : T(0);
  }
}

// out rows [m0, m1) = softmax of z's rows, given their logsumexps (as line_softmax).
template <class T>
void short_rows_softmax(const T* z, int64_t C, int64_t m0, int64_t m1, const T* pL, T* out) {
  for (int64_t m = m0; m < m1; ++m) {
    const Lse<T> L = get(pL, m);
    for (int64_t c = 0; c < C; ++c) out[m * C + c] = L.logp(z[m * C + c]);
  }
  exp_in_place(out + m0 * C, (m1 - m0) * C);
}

int64_t sample_grain(int64_t C) { return std::max<int64_t>(1, kParallelGrain / std::max<int64_t>(8 * C, 1)); }

// The finished loss from per-sample values `l` (sample_shape): 'none' gives l, 'sum' its sum,
// 'mean' its sum / denom.
Tensor finish(const Tensor& l, Reduction r, double denom) {
  if (r == Reduction::None) return l;
  const double s = dispatch_floating(l.dtype(), "loss", [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* p = l.data<T>();
    return detail::block_sum(l.numel(), 1, [&](int64_t i0, int64_t i1) {
      double a = 0;
      for (int64_t i = i0; i < i1; ++i) a += static_cast<double>(p[i]);
      return a;
    });
  });
  return scalar_tensor(r == Reduction::Mean ? s / denom : s, l.dtype());
}

// The upstream gradient of sample m: g[m] ('none'), or g / denom ('mean') or g ('sum') for all.
template <class T>
struct SampleGrad {
  const T* g = nullptr;
  T scalar = 0;
  T operator[](int64_t m) const { return g ? g[m] : scalar; }
};

template <class T>
SampleGrad<T> sample_grad(const Tensor& gc, Reduction r, double denom) {
  SampleGrad<T> sg;
  if (r == Reduction::None) sg.g = gc.data<T>();
  else sg.scalar = static_cast<T>(static_cast<double>(*gc.data<T>()) / (r == Reduction::Mean ? denom : 1.0));
  return sg;
}

// ---- cross-entropy with class indices ----
// l = (1 - eps) w_y (L - z_y) + (eps / C) sum_c w_c (L - z_c)   (0 for an ignored sample)
// dl/dz_c = (1 - eps) w_y (p_c - [c = y]) + (eps / C) (p_c sum_k w_k - w_c)
//         = K p_c - (eps / C) w_c - (1 - eps) w_y [c = y],   K = (1 - eps) w_y + (eps / C) sum_k w_k
// 'mean' divides by sum of w_y over the samples not ignored (PyTorch's rule).
Tensor cross_entropy_index(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                           Reduction r, double eps) {
  const char* fn = "cross_entropy";
  const DType d = input.dtype();
  const Layout L = class_layout(fn, input);
  check_index_target(fn, input, target, L);
  const Tensor xc = contiguous_as(input, d), tc = contiguous_as(target, DType::Int64);
  const Tensor wc = class_weights(fn, weight, L.C, d);
  const int64_t M = L.M(), C = L.C, S = L.S;
  Tensor loss = Tensor::empty(L.sample_shape, d), lse = Tensor::empty({L.M(), 2}, d);
  double denom = 0, wall = static_cast<double>(C);
  dispatch_floating(d, fn, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* w = wc.defined() ? wc.data<T>() : nullptr;
    const int64_t* t = tc.data<int64_t>();
    denom = check_classes<T>(fn, t, M, C, w, ignore_index);
    if (w) {
      wall = 0;
      for (int64_t c = 0; c < C; ++c) wall += w[c];
    }
    const T* z = xc.data<T>();
    T* pl = loss.data<T>();
    T* pL = lse.data<T>();
    const bool batched = short_rows<T>(C, S);
    parallel_for(M, sample_grain(C), [&](int64_t m0, int64_t m1) {
      if (batched) short_rows_lse(z, C, m0, m1, pL);
      for (int64_t m = m0; m < m1; ++m) {
        const int64_t y = t[m];
        if (y == ignore_index) {
          pl[m] = 0;
          put(pL, m, Lse<T>{T(0), T(0)});
          continue;
        }
        const T* zr = z + L.base(m);
        const Lse<T> lz = batched ? get(pL, m) : line_lse(zr, C, S);
        put(pL, m, lz);
        double l = -(1 - eps) * (w ? w[y] : T(1)) * static_cast<double>(lz.logp(zr[y * S]));
        if (eps > 0) {
          double sm = 0;
          for (int64_t c = 0; c < C; ++c) sm -= (w ? w[c] : T(1)) * static_cast<double>(lz.logp(zr[c * S]));
          l += eps / C * sm;
        }
        pl[m] = static_cast<T>(l);
      }
    });
  });
  Tensor out = finish(loss, r, denom);
  if (any_requires_grad({&input}))
    record("CrossEntropyLossBackward0", {input}, out,
           [sx = save(xc), st = save(tc), sw = save(wc), sL = save(lse), L, r, denom, wall, eps, ignore_index, d](
               const Tensor& g, const Node&) -> Grads {
             const Tensor xv = sx.get(), tv = st.get(), wv = sw.get(), Lv = sL.get();
             const Tensor gc = contiguous_as(g, d);
             Tensor dx = Tensor::empty(xv.shape(), d);
             dispatch_floating(d, "cross_entropy backward", [&](auto tag) {
               using T = typename decltype(tag)::type;
               const T* z = xv.data<T>();
               const int64_t* t = tv.data<int64_t>();
               const T* w = wv.defined() ? wv.data<T>() : nullptr;
               const T* pL = Lv.data<T>();
               T* pd = dx.data<T>();
               const auto gm = sample_grad<T>(gc, r, denom);
               const int64_t C = L.C, S = L.S;
               const T se = static_cast<T>(eps / C);
               const bool batched = short_rows<T>(C, S);
               parallel_for(L.M(), sample_grain(C), [&](int64_t m0, int64_t m1) {
                 if (batched) short_rows_softmax(z, C, m0, m1, pL, pd);
                 for (int64_t m = m0; m < m1; ++m) {
                   const int64_t y = t[m];
                   T* dr = pd + L.base(m);
                   if (y == ignore_index) {
                     for (int64_t c = 0; c < C; ++c) dr[c * S] = 0;
                     continue;
                   }
                   const T a = gm[m], wy = w ? w[y] : T(1);
                   const T K = static_cast<T>((1 - eps) * wy + eps / C * wall);
                   if (!batched) line_softmax(z + L.base(m), C, S, get(pL, m), dr);
                   for (int64_t c = 0; c < C; ++c) dr[c * S] = a * (K * dr[c * S] - se * (w ? w[c] : T(1)));
                   dr[y * S] -= a * static_cast<T>((1 - eps) * wy);
                 }
               });
             });
             return {dx};
           });
  return out;
}

// ---- cross-entropy with class probabilities (soft or one-hot targets) ----
// t'_c = (1 - eps) t_c + eps / C
// l = -sum_c w_c t'_c log p_c
// dl/dz_c = p_c sum_k w_k t'_k - w_c t'_c    (= softmax - t for unweighted targets summing to 1)
// dl/dt_c = -(1 - eps) w_c log p_c
// 'mean' divides by the number of samples M (PyTorch's rule for probability targets).
Tensor cross_entropy_probs(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r,
                           double eps) {
  const char* fn = "cross_entropy";
  const DType d = input.dtype();
  const Layout L = class_layout(fn, input);
  const Tensor xc = contiguous_as(input, d), tc = contiguous_as(target, d);
  const Tensor wc = class_weights(fn, weight, L.C, d);
  const int64_t M = L.M(), C = L.C, S = L.S;
  Tensor loss = Tensor::empty(L.sample_shape, d), lse = Tensor::empty({L.M(), 2}, d);
  dispatch_floating(d, fn, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* w = wc.defined() ? wc.data<T>() : nullptr;
    const T* z = xc.data<T>();
    const T* tp = tc.data<T>();
    T* pl = loss.data<T>();
    T* pL = lse.data<T>();
    parallel_for(M, sample_grain(C), [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) {
        const T* zr = z + L.base(m);
        const T* tr = tp + L.base(m);
        const Lse<T> lz = line_lse(zr, C, S);
        put(pL, m, lz);
        double l = 0;
        for (int64_t c = 0; c < C; ++c) {
          const double ts = (1 - eps) * tr[c * S] + eps / C;
          l -= (w ? w[c] : T(1)) * ts * static_cast<double>(lz.logp(zr[c * S]));
        }
        pl[m] = static_cast<T>(l);
      }
    });
  });
  const double denom = static_cast<double>(M);
  Tensor out = finish(loss, r, denom);
  if (any_requires_grad({&input, &target}))
    record("CrossEntropyLossBackward0", {input, target}, out,
           [sx = save(xc), st = save(tc), sw = save(wc), sL = save(lse), L, r, denom, eps, d](
               const Tensor& g, const Node& node) -> Grads {
             const Tensor xv = sx.get(), tv = st.get(), wv = sw.get(), Lv = sL.get();
             const Tensor gc = contiguous_as(g, d);
             const bool need_x = node.needs_input_grad(0), need_t = node.needs_input_grad(1);
             Tensor dx = need_x ? Tensor::empty(xv.shape(), d) : Tensor();
             Tensor dt = need_t ? Tensor::empty(xv.shape(), d) : Tensor();
             dispatch_floating(d, "cross_entropy backward", [&](auto tag) {
               using T = typename decltype(tag)::type;
               const T* z = xv.data<T>();
               const T* tp = tv.data<T>();
               const T* w = wv.defined() ? wv.data<T>() : nullptr;
               const T* pL = Lv.data<T>();
               T* pdx = need_x ? dx.data<T>() : nullptr;
               T* pdt = need_t ? dt.data<T>() : nullptr;
               const auto gm = sample_grad<T>(gc, r, denom);
               const int64_t C = L.C, S = L.S;
               parallel_for(L.M(), sample_grain(C), [&](int64_t m0, int64_t m1) {
                 for (int64_t m = m0; m < m1; ++m) {
                   const int64_t b = L.base(m);
                   const T* zr = z + b;
                   const T* tr = tp + b;
                   const T a = gm[m];
                   if (pdx) {
                     T* dr = pdx + b;
                     double K = 0;
                     for (int64_t c = 0; c < C; ++c) K += (w ? w[c] : T(1)) * ((1 - eps) * tr[c * S] + eps / C);
                     line_softmax(zr, C, S, get(pL, m), dr);
                     for (int64_t c = 0; c < C; ++c) {
                       const T ts = static_cast<T>((1 - eps) * tr[c * S] + eps / C);
                       dr[c * S] = a * (static_cast<T>(K) * dr[c * S] - (w ? w[c] : T(1)) * ts);
                     }
                   }
                   if (pdt)
                     for (int64_t c = 0; c < C; ++c)
                       pdt[b + c * S] = -a * static_cast<T>(1 - eps) * (w ? w[c] : T(1)) * get(pL, m).logp(zr[c * S]);
                 }
               });
             });
             return {dx, dt};
           });
  return out;
}

}  // namespace

// Cross-entropy of logits z (notes 001, 003; note 004 eq. 26 with softmax fused in):
//   l = -sum_k y_k log softmax(z)_k          dl/dz = softmax(z) - y   (y = one-hot or probabilities)
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index,
                     Reduction r, double label_smoothing) {
  const char* fn = "cross_entropy";
  detail::loss_dtype(fn, input);
  check_reduction(fn, r);
  MINIDL_CHECK(label_smoothing >= 0 && label_smoothing <= 1, ValueError, fn,
               ": label_smoothing must be between 0.0 and 1.0, got ", label_smoothing);
  MINIDL_CHECK(target.defined(), ValueError, fn, ": target is undefined");
  if (is_floating(target.dtype())) {
    MINIDL_CHECK(input.dim() >= 1, ValueError, fn,
                 ": input must have shape (C,), (N, C) or (N, C, d1, ...), got a 0-d tensor");
    MINIDL_CHECK(target.shape() == input.shape(), ValueError, fn,
                 ": a floating-point target holds class probabilities and must have the input's shape ",
                 shape_str(input.shape()), ", got ", shape_str(target.shape()),
                 " (class indices must be an int64 tensor, e.g. target.long())");
    return cross_entropy_probs(input, target, weight, r, label_smoothing);
  }
  return cross_entropy_index(input, target, weight, ignore_index, r, label_smoothing);
}

// Negative log-likelihood of log-probabilities x:
//   l = -w_y x_y   (0 for an ignored sample)   dl/dx_c = -w_y [c = y]
// 'mean' divides by the sum of w_y over the samples not ignored.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, int64_t ignore_index, Reduction r) {
  const char* fn = "nll_loss";
  const DType d = detail::loss_dtype(fn, input);
  check_reduction(fn, r);
  const Layout L = class_layout(fn, input);
  check_index_target(fn, input, target, L);
  const Tensor xc = contiguous_as(input, d), tc = contiguous_as(target, DType::Int64);
  const Tensor wc = class_weights(fn, weight, L.C, d);
  Tensor loss = Tensor::empty(L.sample_shape, d);
  double denom = 0;
  dispatch_floating(d, fn, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* w = wc.defined() ? wc.data<T>() : nullptr;
    const int64_t* t = tc.data<int64_t>();
    denom = check_classes<T>(fn, t, L.M(), L.C, w, ignore_index);
    const T* x = xc.data<T>();
    T* pl = loss.data<T>();
    parallel_for(L.M(), kParallelGrain, [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) {
        const int64_t y = t[m];
        pl[m] = y == ignore_index ? T(0) : -(w ? w[y] : T(1)) * x[L.base(m) + y * L.S];
      }
    });
  });
  Tensor out = finish(loss, r, denom);
  if (any_requires_grad({&input}))
    record("NllLossBackward0", {input}, out,
           [st = save(tc), sw = save(wc), shape = input.shape(), L, r, denom, ignore_index, d](
               const Tensor& g, const Node&) -> Grads {
             const Tensor tv = st.get(), wv = sw.get();
             const Tensor gc = contiguous_as(g, d);
             Tensor dx = zeros(shape, d);
             dispatch_floating(d, "nll_loss backward", [&](auto tag) {
               using T = typename decltype(tag)::type;
               const int64_t* t = tv.data<int64_t>();
               const T* w = wv.defined() ? wv.data<T>() : nullptr;
               T* pd = dx.data<T>();
               const auto gm = sample_grad<T>(gc, r, denom);
               parallel_for(L.M(), kParallelGrain, [&](int64_t m0, int64_t m1) {
                 for (int64_t m = m0; m < m1; ++m) {
                   const int64_t y = t[m];
                   if (y != ignore_index) pd[L.base(m) + y * L.S] = -gm[m] * (w ? w[y] : T(1));
                 }
               });
             });
             return {dx};
           });
  return out;
}

// Multi-class focal loss on logits (note 004 eq. 27), with u = log p_y = z_y - L and q = 1 - p_y:
//   l = -alpha_y q^gamma u                     (gamma = 0 and no alpha: cross-entropy)
//   dl/du = -alpha_y [q^gamma - gamma q^(gamma-1) p_y u],   du/dz_c = [c = y] - p_c
// q is computed as -expm1(u), accurate when p_y is close to 1; at q = 0 the gamma term is 0.
// 'mean' divides by the number of samples.
Tensor focal_loss(const Tensor& input, const Tensor& target, double gamma, const Tensor& alpha, Reduction r) {
  const char* fn = "focal_loss";
  const DType d = detail::loss_dtype(fn, input);
  check_reduction(fn, r);
  MINIDL_CHECK(gamma >= 0, ValueError, fn, ": gamma must be non-negative, got ", gamma);
  const Layout L = class_layout(fn, input);
  check_index_target(fn, input, target, L);
  const Tensor xc = contiguous_as(input, d), tc = contiguous_as(target, DType::Int64);
  const Tensor ac = class_weights(fn, alpha, L.C, d, "alpha");
  Tensor loss = Tensor::empty(L.sample_shape, d), lse = Tensor::empty({L.M(), 2}, d);
  dispatch_floating(d, fn, [&](auto tag) {
    using T = typename decltype(tag)::type;
    const T* al = ac.defined() ? ac.data<T>() : nullptr;
    const int64_t* t = tc.data<int64_t>();
    check_classes<T>(fn, t, L.M(), L.C, nullptr, std::nullopt);
    const T* z = xc.data<T>();
    T* pl = loss.data<T>();
    T* pL = lse.data<T>();
    parallel_for(L.M(), sample_grain(L.C), [&](int64_t m0, int64_t m1) {
      for (int64_t m = m0; m < m1; ++m) {
        const int64_t y = t[m];
        const T* zr = z + L.base(m);
        const Lse<T> lz = line_lse(zr, L.C, L.S);
        put(pL, m, lz);
        const T u = lz.logp(zr[y * L.S]), q = -std::expm1(u);
        pl[m] = -(al ? al[y] : T(1)) * std::pow(q, static_cast<T>(gamma)) * u;
      }
    });
  });
  const double denom = static_cast<double>(L.M());
  Tensor out = finish(loss, r, denom);
  if (any_requires_grad({&input}))
    record("FocalLossBackward0", {input}, out,
           [sx = save(xc), st = save(tc), sa = save(ac), sL = save(lse), L, r, denom, gamma, d](
               const Tensor& g, const Node&) -> Grads {
             const Tensor xv = sx.get(), tv = st.get(), av = sa.get(), Lv = sL.get();
             const Tensor gc = contiguous_as(g, d);
             Tensor dx = Tensor::empty(xv.shape(), d);
             dispatch_floating(d, "focal_loss backward", [&](auto tag) {
               using T = typename decltype(tag)::type;
               const T* z = xv.data<T>();
               const int64_t* t = tv.data<int64_t>();
               const T* al = av.defined() ? av.data<T>() : nullptr;
               const T* pL = Lv.data<T>();
               T* pd = dx.data<T>();
               const auto gm = sample_grad<T>(gc, r, denom);
               const T gmm = static_cast<T>(gamma);
               parallel_for(L.M(), sample_grain(L.C), [&](int64_t m0, int64_t m1) {
                 for (int64_t m = m0; m < m1; ++m) {
                   const int64_t y = t[m], S = L.S;
                   const T* zr = z + L.base(m);
                   T* dr = pd + L.base(m);
                   const Lse<T> lz = get(pL, m);
                   const T u = lz.logp(zr[y * S]), q = -std::expm1(u), p = std::exp(u);
                   const T qg = std::pow(q, gmm);
                   const T dqg = (gamma == 0 || q <= 0) ? T(0) : gmm * std::pow(q, gmm - 1);
                   const T du = -(al ? al[y] : T(1)) * (qg - dqg * p * u);  // dl/du
                   const T a = gm[m] * du;
                   line_softmax(zr, L.C, S, lz, dr);
                   for (int64_t c = 0; c < L.C; ++c) dr[c * S] *= -a;
                   dr[y * S] += a;
                 }
               });
             });
             return {dx};
           });
  return out;
}

}  // namespace minidl::nn
