// minidl._C._nn: layer and activation kernels (minidl::nn, src/nn/). Thin: the wrappers in
// python/minidl/nn/_functional_layers.py give them PyTorch's signatures and the docstrings.
// None for an optional tensor becomes an undefined Tensor.
#include "common.hpp"

namespace minidl::bind {

namespace {

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }

// f(x, args...) with the GIL released on big inputs.
template <class... A>
using Kernel = Tensor (*)(const Tensor&, A...);

template <class... A>
auto unary(Kernel<A...> f) {
  return [f](const Tensor& x, A... args) {
    MaybeRelease g(x.numel());
    return f(x, args...);
  };
}

}  // namespace

void bind_nn_layers(py::module_& m) {
  m.def(
      "linear",
      [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b) {
        MaybeRelease g(x.numel() + w.numel());
        return minidl::nn::linear(x, w, opt(b));
      },
      py::arg("input"), py::arg("weight"), py::arg("bias") = py::none(), "y = x W^T + b");

  m.def("leaky_relu", unary<double>(&minidl::nn::leaky_relu), py::arg("input"), py::arg("negative_slope") = 0.01);
  m.def("elu", unary<double>(&minidl::nn::elu), py::arg("input"), py::arg("alpha") = 1.0);
  m.def(
      "prelu",
      [](const Tensor& x, const Tensor& w) {
        MaybeRelease g(x.numel());
        return minidl::nn::prelu(x, w);
      },
      py::arg("input"), py::arg("weight"));
  m.def("silu", unary<>(&minidl::nn::silu), py::arg("input"));
  m.def("gelu", unary<const std::string&>(&minidl::nn::gelu), py::arg("input"), py::arg("approximate") = "none");
  m.def("softplus", unary<double, double>(&minidl::nn::softplus), py::arg("input"), py::arg("beta") = 1.0,
        py::arg("threshold") = 20.0);
  m.def("hardtanh", unary<double, double>(&minidl::nn::hardtanh), py::arg("input"), py::arg("min_val") = -1.0,
        py::arg("max_val") = 1.0);
  m.def("step", unary<>(&minidl::nn::step), py::arg("input"));
  m.def("sign", unary<>(&minidl::nn::sign), py::arg("input"));

  m.def("dropout", unary<double, bool>(&minidl::nn::dropout), py::arg("input"), py::arg("p") = 0.5,
        py::arg("training") = true);

  m.def(
      "batch_norm",
      [](const Tensor& x, const std::optional<Tensor>& running_mean, const std::optional<Tensor>& running_var,
         const std::optional<Tensor>& weight, const std::optional<Tensor>& bias, bool training, double momentum,
         double eps) {
        MaybeRelease g(x.numel());
        return minidl::nn::batch_norm(x, opt(running_mean), opt(running_var), opt(weight), opt(bias), training,
                                      momentum, eps);
      },
      py::arg("input"), py::arg("running_mean"), py::arg("running_var"), py::arg("weight") = py::none(),
      py::arg("bias") = py::none(), py::arg("training") = false, py::arg("momentum") = 0.1, py::arg("eps") = 1e-5);
  m.def(
      "layer_norm",
      [](const Tensor& x, py::handle normalized_shape, const std::optional<Tensor>& weight,
         const std::optional<Tensor>& bias, double eps) {
        const Shape ns = parse_shape_obj(normalized_shape, "layer_norm(): normalized_shape");
        MaybeRelease g(x.numel());
        return minidl::nn::layer_norm(x, ns, opt(weight), opt(bias), eps);
      },
      py::arg("input"), py::arg("normalized_shape"), py::arg("weight") = py::none(), py::arg("bias") = py::none(),
      py::arg("eps") = 1e-5);
}

}  // namespace minidl::bind
