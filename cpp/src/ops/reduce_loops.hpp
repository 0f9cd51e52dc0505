// Internal: the loops under every reduction (sum, mean, var, max, ...) and under the ops
// that work along one dim (softmax, log_softmax, max/argmax with a dim).
//
// Reductions. The input's dims are sorted by stride (so a transposed input is read in
// memory order), size-1 dims dropped and neighbours merged; an output offset per dim keeps
// the result in the logical order. Then one of two loops runs:
//   rows:    the innermost dim is reduced (x.sum(-1), x.sum()): each output reduces a row,
//            with 16 independent accumulators so the compiler vectorises the loop;
//   columns: the innermost dim is kept ((N, C) -> (C), the bias gradient): whole rows are
//            combined into a block of outputs at once, vectorised over the outputs.
// The outputs are cut into tasks spread over OpenMP threads; when there are too few tasks
// for that (an all-reduce, (1M, 4) -> (4)), the reduced range is cut into chunks as well,
// whose partial results are combined at the end. Chunking depends on the sizes only, never
// on the thread count, so a result is the same on every machine.
//
// An Op says what is reduced:  A init();  A map(T value, int64_t out_index);  A combine(A, A).
// `combine` must be associative; `map` may read per-output data (var reads the mean).
// Nothing in here may throw (OpenMP regions): callers validate first.
#pragma once
#include <algorithm>
#include <array>
#include <cstdlib>
#include <type_traits>
#include <vector>

#include "loops.hpp"
#include "minidl/parallel.hpp"
#include "minidl/tensor.hpp"

namespace minidl::rloops {

struct RDim {
  int64_t size, in, out;  // size, input stride, output stride (0 for reduced dims)
};

struct ReducePlan {
  std::vector<RDim> kept, red;  // outer -> inner, after sorting and merging
  bool rows = false;            // innermost dim reduced (rows) or kept (columns)
  int64_t n_out = 1, n_red = 1;
};

inline ReducePlan make_plan(const Tensor& x, const std::vector<bool>& mask) {
  const int64_t nd = x.dim();
  ReducePlan p;
  Strides ostr(nd, 0);
  for (int64_t d = nd - 1, run = 1; d >= 0; --d)
    if (!mask[d]) {
      ostr[d] = run;
      run *= x.shape()[d];
    }
  struct D { int64_t size, in, out; bool red; };
  std::vector<D> ds;
  for (int64_t d = 0; d < nd; ++d) {
    (mask[d] ? p.n_red : p.n_out) *= x.shape()[d];
    if (x.shape()[d] != 1) ds.push_back({x.shape()[d], x.strides()[d], ostr[d], static_cast<bool>(mask[d])});
  }
  std::stable_sort(ds.begin(), ds.end(), [](const D& a, const D& b) { return std::llabs(a.in) > std::llabs(b.in); });
  std::vector<D> m;
  for (const D& d : ds) {
    if (!m.empty() && m.back().red == d.red && m.back().in == d.in * d.size && m.back().out == d.out * d.size) {
      m.back().size *= d.size;
      m.back().in = d.in;
      m.back().out = d.out;
    } else {
      m.push_back(d);
    }
  }
  for (const D& d : m) (d.red ? p.red : p.kept).push_back({d.size, d.in, d.out});
  p.rows = !m.empty() && m.back().red;
  if (!p.rows && p.kept.empty()) p.kept.push_back({1, 0, 0});  // a single element
  return p;
}

// Walks a multi-index over `dims`, tracking the input and output offsets.
struct Odometer {
  const RDim* dims;
  int64_t n;
  std::vector<int64_t> idx;
  int64_t in = 0, out = 0;
  Odometer(const RDim* d, int64_t nd) : dims(d), n(nd), idx(nd, 0) {}
  void seek(int64_t q) {
    in = out = 0;
    for (int64_t d = n - 1; d >= 0; --d) {
      idx[d] = q % dims[d].size;
      q /= dims[d].size;
      in += idx[d] * dims[d].in;
      out += idx[d] * dims[d].out;
    }
  }
  void next() {
    for (int64_t d = n - 1; d >= 0; --d) {
      ++idx[d];
      in += dims[d].in;
      out += dims[d].out;
      if (idx[d] < dims[d].size) return;
      in -= dims[d].in * dims[d].size;
      out -= dims[d].out * dims[d].size;
      idx[d] = 0;
    }
  }
};

// op-reduce n elements p[0], p[s], ... into one accumulator. Blocks of 4096 keep float
// sums accurate (a sum of block sums); 32 independent lanes let GCC's loop vectoriser
// handle any op (with 16 it unrolls the lane loop first and then fails on max's NaN test).
template <class T, class Op>
typename Op::A reduce_row(const T* p, int64_t n, int64_t s, const Op& op, int64_t o) {
  using A = typename Op::A;
  constexpr int L = 32;
  A total = op.init();
  for (int64_t b = 0; b < n; b += 4096) {
    const int64_t e = std::min(n, b + 4096);
    A lane[L];
    for (int k = 0; k < L; ++k) lane[k] = op.init();
    int64_t i = b;
    if (s == 1) {
      for (; i + L <= e; i += L)
        for (int k = 0; k < L; ++k) lane[k] = op.combine(lane[k], op.map(p[i + k], o));
    } else {
      for (; i + L <= e; i += L)
        for (int k = 0; k < L; ++k) lane[k] = op.combine(lane[k], op.map(p[(i + k) * s], o));
    }
    for (; i < e; ++i) lane[0] = op.combine(lane[0], op.map(p[i * s], o));
    for (int w = L / 2; w > 0; w /= 2)
      for (int k = 0; k < w; ++k) lane[k] = op.combine(lane[k], lane[k + w]);
    total = op.combine(total, lane[0]);
  }
  return total;
}

// acc[j] = op(acc[j], row[j * s]) for j < n: one input row into a block of outputs.
template <class T, class Op>
void reduce_into_block(typename Op::A* acc, const T* row, int64_t n, int64_t s, const Op& op, int64_t o, int64_t os) {
  if (s == 1 && os == 1) {
    for (int64_t j = 0; j < n; ++j) acc[j] = op.combine(acc[j], op.map(row[j], o + j));
  } else {
    for (int64_t j = 0; j < n; ++j) acc[j] = op.combine(acc[j], op.map(row[j * s], o + j * os));
  }
}

// An Op with `static constexpr bool kPlainSum = true` is a plain sum (map = cast to A, combine = +).
template <class Op, class = void> struct is_plain_sum : std::false_type {};
template <class Op> struct is_plain_sum<Op, std::void_t<decltype(Op::kPlainSum)>> : std::bool_constant<Op::kPlainSum> {};

// The same with four rows a, a + rs, a + 2 rs, a + 3 rs at once: one load and store of the
// accumulators per four rows instead of per row.
template <class T, class Op>
void reduce_into_block4(typename Op::A* acc, const T* a, int64_t rs, int64_t n, int64_t s, const Op& op, int64_t o,
                        int64_t os) {
  using A = typename Op::A;
  const T *b = a + rs, *c = a + 2 * rs, *d = a + 3 * rs;
  if constexpr (is_plain_sum<Op>::value && std::is_floating_point_v<T>) {
    // add four values in T, widen once: float32 sums stay accurate (double beyond 4 terms)
    // at a quarter of the conversions
    if (s == 1) {
      for (int64_t j = 0; j < n; ++j) acc[j] += static_cast<A>((a[j] + b[j]) + (c[j] + d[j]));
      return;
    }
  }
  if (s == 1 && os == 1) {
    for (int64_t j = 0; j < n; ++j)
      acc[j] = op.combine(acc[j], op.combine(op.combine(op.map(a[j], o + j), op.map(b[j], o + j)),
                                             op.combine(op.map(c[j], o + j), op.map(d[j], o + j))));
  } else {
    for (int64_t j = 0; j < n; ++j) {
      const int64_t i = j * s, oj = o + j * os;
      acc[j] = op.combine(acc[j], op.combine(op.combine(op.map(a[i], oj), op.map(b[i], oj)),
                                             op.combine(op.map(c[i], oj), op.map(d[i], oj))));
    }
  }
}

// The reduction of x over the dims where mask is true, as one accumulator per output
// (outputs in row-major order of the kept dims). `work`: cost of one element (1 = an add).
template <class T, class Op>
std::vector<typename Op::A> reduce(const Tensor& x, const std::vector<bool>& mask, const Op& op, int64_t work = 1) {
  using A = typename Op::A;
  const ReducePlan p = make_plan(x, mask);
  std::vector<A> res(p.n_out, op.init());
  if (x.numel() == 0 || p.n_out == 0) return res;
  const T* px = x.data<T>();
  constexpr int64_t kBlock = 512;  // outputs per column task: its accumulators stay in L1

  // Tasks: one output (rows) or a block of outputs along the innermost kept dim (columns).
  const int64_t n_group_dims = static_cast<int64_t>(p.kept.size()) - (p.rows ? 0 : 1);
  const RDim col = p.rows ? RDim{1, 0, 0} : p.kept.back();
  const int64_t blocks = (col.size + kBlock - 1) / kBlock;
  const int64_t tasks = p.n_out / col.size * blocks;
  // Units of the reduced range a chunk covers: elements (rows) or input rows (columns).
  const int64_t units = p.n_red;
  const int64_t total = x.numel() * work;
  int64_t chunks = 1;
  if (tasks < 64 && total >= 2 * kParallelGrain)
    chunks = std::max<int64_t>(1, std::min({64 / tasks, units, total / kParallelGrain}));
  const int64_t jobs = tasks * chunks;
  std::vector<A> partial(chunks > 1 ? chunks * p.n_out : 0, op.init());
  A* dst_all = chunks > 1 ? partial.data() : res.data();

  const int64_t n_red_outer = static_cast<int64_t>(p.red.size()) - (p.rows ? 1 : 0);
  const RDim row = p.rows ? p.red.back() : RDim{1, 0, 0};

  parallel_for(jobs, std::max<int64_t>(1, kParallelGrain * jobs / std::max<int64_t>(total, 1)), [&](int64_t jb, int64_t je) {
    Odometer groups(p.kept.data(), n_group_dims);
    Odometer reds(p.red.data(), n_red_outer);
    A acc[kBlock];
    for (int64_t job = jb; job < je; ++job) {
      const int64_t task = job / chunks, c = job % chunks;
      const int64_t u0 = units * c / chunks, u1 = units * (c + 1) / chunks;
      A* dst = dst_all + c * (chunks > 1 ? p.n_out : 0);
      groups.seek(task / blocks);
      if (p.rows) {
        const T* base = px + groups.in;
        A a = op.init();
        int64_t q = u0 / row.size, r = u0 % row.size, left = u1 - u0;
        reds.seek(q);
        while (left > 0) {
          const int64_t len = std::min(row.size - r, left);
          a = op.combine(a, reduce_row(base + reds.in + r * row.in, len, row.in, op, groups.out));
          left -= len;
          r = 0;
          reds.next();
        }
        dst[groups.out] = a;
      } else {
        const int64_t j0 = (task % blocks) * kBlock, nb = std::min(kBlock, col.size - j0);
        const T* base = px + groups.in + j0 * col.in;
        const int64_t o = groups.out + j0 * col.out;
        for (int64_t j = 0; j < nb; ++j) acc[j] = op.init();
        reds.seek(u0);
        for (int64_t u = u0; u < u1;) {
          // rows along the innermost reduced dim are evenly spaced: take them four at a time
          const int64_t run = p.red.empty() ? 1 : std::min(u1 - u, p.red.back().size - reds.idx.back());
          const int64_t rs = p.red.empty() ? 0 : p.red.back().in;
          const T* r0 = base + reds.in;
          int64_t k = 0;
          for (; k + 4 <= run; k += 4) reduce_into_block4(acc, r0 + k * rs, rs, nb, col.in, op, o, col.out);
          for (; k < run; ++k) reduce_into_block(acc, r0 + k * rs, nb, col.in, op, o, col.out);
          for (k = 0; k < run; ++k) reds.next();
          u += run;
        }
        for (int64_t j = 0; j < nb; ++j) dst[o + j * col.out] = acc[j];
      }
    }
  });
  if (chunks > 1)
    for (int64_t c = 0; c < chunks; ++c)
      for (int64_t o = 0; o < p.n_out; ++o) res[o] = op.combine(res[o], partial[c * p.n_out + o]);
  return res;
}

// ---- along one dim ----

constexpr int64_t kMaxLines = 256;  // along_dim hands a body at most this many lines

// body(off, n, si, R, sr) handles n lines of R elements each: line j of operand k starts
// at off[k] + j * si[k] and steps sr[k]. All operands are described over `shape`.
// Lines are handed out in blocks, so a body may process a block "by columns" when si == 1.
template <size_t K, class Body>
void along_dim(const Shape& shape, int64_t dim, const std::array<Strides, K>& st, int64_t work, const Body& body) {
  if (numel_of(shape) == 0) return;
  const int64_t R = shape[dim];
  std::array<int64_t, K> sr;
  Shape ks;
  std::array<Strides, K> kst;
  for (size_t k = 0; k < K; ++k) sr[k] = st[k][dim];
  for (int64_t d = 0; d < static_cast<int64_t>(shape.size()); ++d) {
    if (d == dim) continue;
    ks.push_back(shape[d]);
    for (size_t k = 0; k < K; ++k) kst[k].push_back(st[k][d]);
  }
  loops::coalesce<K>(ks, kst);
  if (ks.empty()) {
    ks.push_back(1);
    for (size_t k = 0; k < K; ++k) kst[k].push_back(0);
  }
  const int64_t nd = static_cast<int64_t>(ks.size()), inner = ks.back();
  std::array<int64_t, K> si;
  for (size_t k = 0; k < K; ++k) si[k] = kst[k][nd - 1];
  const int64_t per_line = std::max<int64_t>(1, R * work);
  // Lines side by side in memory are walked together (64 at a time: whole cache lines);
  // otherwise a block is just a share of the work.
  const int64_t block = si[0] == 1 && R > 1 ? 64 : std::clamp<int64_t>(16384 / per_line, 8, kMaxLines);
  const int64_t blocks = (inner + block - 1) / block, tasks = numel_of(ks) / inner * blocks;
  parallel_for(tasks, std::max<int64_t>(1, kParallelGrain / (block * per_line)), [&](int64_t tb, int64_t te) {
    for (int64_t t = tb; t < te; ++t) {
      int64_t g = t / blocks;
      const int64_t j0 = (t % blocks) * block;
      std::array<int64_t, K> off{};
      for (int64_t d = nd - 2; d >= 0; --d) {
        const int64_t i = g % ks[d];
        g /= ks[d];
        for (size_t k = 0; k < K; ++k) off[k] += i * kst[k][d];
      }
      for (size_t k = 0; k < K; ++k) off[k] += j0 * si[k];
      body(off, std::min(block, inner - j0), si, R, sr);
    }
  });
}

// Strides that read a tensor of `keep_shape` (x's shape with `dim` of size 1) over x's
// full shape, with the stride of `dim` zero: lines of an along_dim loop all start at 0.
inline Strides line_strides(const Tensor& t, const Shape& full, int64_t dim) {
  Strides s = broadcast_strides(t.shape(), t.strides(), full);
  s[dim] = 0;
  return s;
}

}  // namespace minidl::rloops
