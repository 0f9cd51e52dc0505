// minidl's engine used from C++, without Python.
//
// Builds small computations, calls backward(), and compares every gradient with the
// derivative worked out by hand; then fits a line by gradient descent. Exits with status 1
// on any mismatch, so CI catches a broken engine.
//
//   cmake -S . -B build/cpp -DMINIDL_BUILD_PYTHON=OFF
//   cmake --build build/cpp --target autograd_demo && build/cpp/autograd_demo
#include <cmath>
#include <cstdio>

#include "minidl/minidl.hpp"

using minidl::DType;
using minidl::Tensor;

namespace {

int mismatches = 0;

void check(const char* what, double got, double want) {
  const bool ok = std::fabs(got - want) <= 1e-9 * (1.0 + std::fabs(want));
  std::printf("  %-14s = %10.6f   by hand: %10.6f   %s\n", what, got, want, ok ? "ok" : "MISMATCH");
  if (!ok) ++mismatches;
}

// Element i (in row-major order) of a float64 tensor, whatever its strides.
double at(const Tensor& t, int64_t i = 0) { return minidl::contiguous(t).data<double>()[i]; }

// A float64 leaf that autograd tracks (like torch.tensor(v, dtype=torch.float64, requires_grad=True)).
Tensor param(const minidl::Shape& shape, double v) {
  Tensor t = minidl::full(shape, v, DType::Float64);
  t.set_requires_grad(true);
  return t;
}

// y = tanh(x) * exp(x) + sigmoid(x): x is used three times, so its gradients add up.
void chain_rule() {
  std::printf("y = tanh(x) * exp(x) + sigmoid(x) at x = 0.5\n");
  Tensor x = param({}, 0.5);
  Tensor y = minidl::tanh(x) * minidl::exp(x) + minidl::sigmoid(x);
  y.backward();

  const double v = 0.5, th = std::tanh(v), e = std::exp(v), s = 1.0 / (1.0 + std::exp(-v));
  check("y", at(y), th * e + s);
  check("dy/dx", at(x.grad()), (1 - th * th) * e + th * e + s * (1 - s));
}

// z = sum(a * b) with a of shape [2, 3] and b of shape [3]: b is broadcast over a's rows,
// so dz/db sums over them (the engine does that reduction, not the op).
void broadcasting() {
  std::printf("z = sum(a * b), a = [[1, 2, 3], [4, 5, 6]], b = [0.5, -1, -2.5]\n");
  Tensor a = minidl::reshape(minidl::arange(1, 7, 1, DType::Float64), {2, 3});
  Tensor b = minidl::arange(0, 3, 1, DType::Float64) * -1.5 + 0.5;
  a.set_requires_grad(true);
  b.set_requires_grad(true);
  Tensor z = minidl::sum(a * b);
  z.backward();

  const double av[2][3] = {{1, 2, 3}, {4, 5, 6}}, bv[3] = {0.5, -1, -2.5};
  check("z", at(z), 1 * 0.5 + 2 * -1 + 3 * -2.5 + 4 * 0.5 + 5 * -1 + 6 * -2.5);
  char name[32];
  for (int i = 0; i < 2; ++i)
    for (int j = 0; j < 3; ++j) {
      std::snprintf(name, sizeof name, "dz/da[%d][%d]", i, j);
      check(name, at(a.grad(), 3 * i + j), bv[j]);  // dz/da[i][j] = b[j]
    }
  for (int j = 0; j < 3; ++j) {
    std::snprintf(name, sizeof name, "dz/db[%d]", j);
    check(name, at(b.grad(), j), av[0][j] + av[1][j]);  // dz/db[j] = a[0][j] + a[1][j]
  }
}

// Fit y = w*x + b to 8 points of y = 3x - 2 by gradient descent on the mean squared error.
void fit_line() {
  std::printf("fitting y = w*x + b to y = 3x - 2\n");
  const Tensor x = minidl::linspace(-1, 1, 8, DType::Float64);
  const Tensor y = 3.0 * x - 2.0;
  Tensor w = param({}, 0.0), b = param({}, 0.0);
  const double lr = 0.25;
  for (int step = 1; step <= 100; ++step) {
    Tensor err = w * x + b - y;
    Tensor loss = minidl::sum(err * err) / 8.0;
    loss.backward();
    {
      minidl::NoGradGuard no_grad;           // the update is not part of the model
      minidl::sub_(w, w.grad(), lr);         // w -= lr * dloss/dw
      minidl::sub_(b, b.grad(), lr);
    }
    w.set_grad(Tensor());                    // backward() accumulates: clear for the next step
    b.set_grad(Tensor());
    if (step == 1 || step % 25 == 0)
      std::printf("  step %3d   loss %.3e   w = %.6f   b = %.6f\n", step, at(loss), at(w), at(b));
  }
  // The loss is quadratic with its minimum at w = 3, b = -2; these steps contract the error
  // by at least 0.79 each, so 100 of them leave it far below the tolerance.
  check("w", at(w), 3.0);
  check("b", at(b), -2.0);
}

}  // namespace

int main() {
  chain_rule();
  broadcasting();
  fit_line();
  if (mismatches) {
    std::printf("%d value(s) differ from the hand-derived ones\n", mismatches);
    return 1;
  }
  std::printf("all gradients match the hand-derived values\n");
  return 0;
}
