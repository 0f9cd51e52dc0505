// minidl._C._nn: the loss kernels (minidl::nn, src/nn/loss_*.cpp). Thin: reduction strings
// become the enum here (ValueError listing the valid ones); None becomes an undefined
// Tensor. python/minidl/nn/_functional_losses.py adapts these to PyTorch's signatures.
#include <string>

#include "common.hpp"
#include "minidl/nn/losses.hpp"

namespace minidl::bind {

namespace {

using nn::Reduction;

Tensor opt(const std::optional<Tensor>& t) { return t ? *t : Tensor(); }
Reduction red(const std::string& s) { return nn::reduction_from_string(s); }

}  // namespace

void bind_nn_losses(py::module_& m) {
  using OT = std::optional<Tensor>;
  const auto none = py::none();

  m.def("mse_loss", [](const Tensor& x, const Tensor& y, const std::string& reduction, const OT& weight) {
    const Reduction r = red(reduction);
    MaybeRelease g(x.numel());
    return nn::mse_loss(x, y, r, opt(weight));
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("weight") = none);

  m.def("l1_loss", [](const Tensor& x, const Tensor& y, const std::string& reduction, const OT& weight) {
    const Reduction r = red(reduction);
    MaybeRelease g(x.numel());
    return nn::l1_loss(x, y, r, opt(weight));
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("weight") = none);

  m.def("huber_loss", [](const Tensor& x, const Tensor& y, const std::string& reduction, double delta,
                         const OT& weight) {
    const Reduction r = red(reduction);
    MaybeRelease g(x.numel());
    return nn::huber_loss(x, y, r, delta, opt(weight));
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("delta") = 1.0,
     py::arg("weight") = none);

  m.def("smooth_l1_loss", [](const Tensor& x, const Tensor& y, const std::string& reduction, double beta) {
    const Reduction r = red(reduction);
    MaybeRelease g(x.numel());
    return nn::smooth_l1_loss(x, y, r, beta);
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("beta") = 1.0);

  m.def("kl_div", [](const Tensor& x, const Tensor& y, const std::string& reduction, bool log_target) {
    const Reduction r = nn::reduction_from_string(reduction, /*allow_batchmean=*/true);
    MaybeRelease g(x.numel());
    return nn::kl_div(x, y, r, log_target);
  }, py::arg("input"), py::arg("target"), py::arg("reduction") = "mean", py::arg("log_target") = false);

  m.def("binary_cross_entropy", [](const Tensor& x, const Tensor& y, const OT& weight, const std::string& reduction) {
    const Reduction r = red(reduction);
    MaybeRelease g(x.numel());
    return nn::binary_cross_entropy(x, y, opt(weight), r);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = none, py::arg("reduction") = "mean");

  m.def("binary_cross_entropy_with_logits", [](const Tensor& x, const Tensor& y, const OT& weight,
                                               const std::string& reduction, const OT& pos_weight) {
    const Reduction r = red(reduction);
    MaybeRelease g(x.numel());
    return nn::binary_cross_entropy_with_logits(x, y, opt(weight), r, opt(pos_weight));
  }, py::arg("input"), py::arg("target"), py::arg("weight") = none, py::arg("reduction") = "mean",
     py::arg("pos_weight") = none);

  m.def("sigmoid_focal_loss", [](const Tensor& x, const Tensor& y, double alpha, double gamma,
                                 const std::string& reduction) {
    const Reduction r = red(reduction);
    MaybeRelease g(x.numel());
    return nn::sigmoid_focal_loss(x, y, alpha, gamma, r);
  }, py::arg("inputs"), py::arg("targets"), py::arg("alpha") = 0.25, py::arg("gamma") = 2.0,
     py::arg("reduction") = "none");

  m.def("cross_entropy", [](const Tensor& x, const Tensor& y, const OT& weight, int64_t ignore_index,
                            const std::string& reduction, double label_smoothing) {
    const Reduction r = red(reduction);
    MaybeRelease g(x.numel());
    return nn::cross_entropy(x, y, opt(weight), ignore_index, r, label_smoothing);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = none, py::arg("ignore_index") = -100,
     py::arg("reduction") = "mean", py::arg("label_smoothing") = 0.0);

  m.def("nll_loss", [](const Tensor& x, const Tensor& y, const OT& weight, int64_t ignore_index,
                       const std::string& reduction) {
    const Reduction r = red(reduction);
    MaybeRelease g(x.numel());
    return nn::nll_loss(x, y, opt(weight), ignore_index, r);
  }, py::arg("input"), py::arg("target"), py::arg("weight") = none, py::arg("ignore_index") = -100,
     py::arg("reduction") = "mean");

  m.def("focal_loss", [](const Tensor& x, const Tensor& y, double gamma, const OT& alpha,
                         const std::string& reduction) {
    const Reduction r = red(reduction);
    MaybeRelease g(x.numel());
    return nn::focal_loss(x, y, gamma, opt(alpha), r);
  }, py::arg("input"), py::arg("target"), py::arg("gamma") = 2.0, py::arg("alpha") = none,
     py::arg("reduction") = "mean");

  m.def("multi_margin_loss", [](const Tensor& x, const Tensor& y, int64_t p, double margin, const OT& weight,
                                const std::string& reduction) {
    const Reduction r = red(reduction);
    MaybeRelease g(x.numel());
    return nn::multi_margin_loss(x, y, p, margin, opt(weight), r);
  }, py::arg("input"), py::arg("target"), py::arg("p") = 1, py::arg("margin") = 1.0, py::arg("weight") = none,
     py::arg("reduction") = "mean");

  m.def("triplet_margin_loss", [](const Tensor& a, const Tensor& p, const Tensor& n, double margin, double norm,
                                  double eps, bool swap, const std::string& reduction) {
    const Reduction r = red(reduction);
    MaybeRelease g(a.numel());
    return nn::triplet_margin_loss(a, p, n, margin, norm, eps, swap, r);
  }, py::arg("anchor"), py::arg("positive"), py::arg("negative"), py::arg("margin") = 1.0, py::arg("p") = 2.0,
     py::arg("eps") = 1e-6, py::arg("swap") = false, py::arg("reduction") = "mean");

  m.def("contrastive_loss", [](const Tensor& x1, const Tensor& x2, const Tensor& label, double margin,
                               const std::string& reduction) {
    const Reduction r = red(reduction);
    MaybeRelease g(x1.numel());
    return nn::contrastive_loss(x1, x2, label, margin, r);
  }, py::arg("x1"), py::arg("x2"), py::arg("label"), py::arg("margin") = 1.0, py::arg("reduction") = "mean");
}

}  // namespace minidl::bind
