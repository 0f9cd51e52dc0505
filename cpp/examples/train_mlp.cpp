// Training a neural network with minidl's engine from C++ alone, without Python.
//
// A 2-layer MLP learns to tell two interleaved spirals apart: no straight line separates
// them, so it has to learn a curved boundary through its hidden layer. Exits with status 1
// if the final training accuracy is below 90%, so CI catches a broken forward or backward.
//
//   cmake -S . -B build/cpp -DMINIDL_BUILD_PYTHON=OFF
//   cmake --build build/cpp --target train_mlp && build/cpp/train_mlp
#include <cmath>
#include <cstdio>

#include "minidl/minidl.hpp"

using minidl::DType;
using minidl::Tensor;

namespace {

constexpr double kPi = 3.14159265358979323846;

// n points of spiral arm `label` (0 or 1): radius grows with t while the angle makes one
// full turn; arm 1 is arm 0 rotated by half a turn. Gaussian noise blurs the arms a little.
Tensor spiral_arm(int64_t n, int label) {
  const Tensor t = minidl::rand({n, 1});
  const Tensor angle = t * (2.0 * kPi) + label * kPi;
  const Tensor points = minidl::cat({t * minidl::cos(angle), t * minidl::sin(angle)}, 1);
  return points + minidl::randn({n, 2}) * 0.02;
}

// A leaf the optimiser updates, drawn U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as nn.Linear does:
// the bound keeps every unit's initial pre-activation of the same order whatever fan_in is.
Tensor parameter(const minidl::Shape& shape, int64_t fan_in) {
  Tensor p = Tensor::empty(shape);
  const double bound = 1.0 / std::sqrt(static_cast<double>(fan_in));
  minidl::uniform_(p, -bound, bound);
  p.set_requires_grad(true);  // after the initialisation: in-place writes on such leaves are refused
  return p;
}

double item(const Tensor& t) { return minidl::to_dtype(t, DType::Float64).data<double>()[0]; }

}  // namespace

int main() {
  minidl::manual_seed(0);  // the same data, weights and result on every run

  const int64_t per_class = 200, hidden = 64;
  const Tensor x = minidl::cat({spiral_arm(per_class, 0), spiral_arm(per_class, 1)}, 0);  // (400, 2)
  const Tensor y = minidl::cat({minidl::full({per_class}, 0, DType::Int64),                   // (400,)
                                minidl::full({per_class}, 1, DType::Int64)}, 0);

  // Weights are (out, in), PyTorch's layout: linear computes x W^T + b.
  Tensor w1 = parameter({hidden, 2}, 2), b1 = parameter({hidden}, 2);
  Tensor w2 = parameter({2, hidden}, hidden), b2 = parameter({2}, hidden);

  // Plain gradient descent, w -= lr * dL/dw, with the same optimizer class PyTorch users know
  // (minidl::optim also has Adam, RMSprop, ...; SGDOptions(lr).momentum(0.9) adds momentum).
  minidl::optim::SGD optimizer({w1, b1, w2, b2}, minidl::optim::SGDOptions(/*lr=*/1.0));
  const int steps = 500;
  for (int step = 1; step <= steps; ++step) {
    // Full batch: every step sees all 400 points, so the loss goes down smoothly.
    const Tensor logits = minidl::nn::linear(minidl::relu(minidl::nn::linear(x, w1, b1)), w2, b2);
    const Tensor loss = minidl::nn::cross_entropy(logits, y);  // mean over the batch
    // backward() adds into .grad: clear it first, or the step would use the sum of all gradients.
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();  // updates in place, outside the autograd graph
    if (step == 1 || step % 100 == 0) std::printf("step %4d   loss %.4f\n", step, item(loss));
  }

  minidl::NoGradGuard no_grad;  // evaluation needs no graph
  const Tensor logits = minidl::nn::linear(minidl::relu(minidl::nn::linear(x, w1, b1)), w2, b2);
  const Tensor correct = minidl::eq(minidl::argmax(logits, 1), y);
  const double accuracy = item(minidl::mean(minidl::to_dtype(correct, DType::Float32)));
  std::printf("training accuracy: %.1f%% (%lld points)\n", 100.0 * accuracy, static_cast<long long>(y.numel()));

  // A correct engine reaches 96.7-99.5% here for every seed from 0 to 19; the best straight
  // line through the spirals gets 50-57% (the same net without its ReLU). 90% leaves a wide
  // margin both ways, so only a real regression (e.g. a wrong gradient) fails this check.
  if (accuracy < 0.90) {
    std::printf("FAILED: accuracy below 90%%\n");
    return 1;
  }
  return 0;
}
