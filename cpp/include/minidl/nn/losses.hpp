// Loss kernels of minidl::nn (forward + gradient formulas in src/nn/loss_*.cpp).
//
// Semantics are PyTorch's (torch.nn.functional.<name>), with two deliberate differences:
// an input and target of different shapes raise ValueError naming both shapes (PyTorch
// broadcasts them with a warning, which hides the classic (N, 1) vs (N,) bug), and the
// weights of the class-index losses (cross_entropy, nll_loss, focal_loss, multi_margin_loss)
// receive no gradient (as in PyTorch, where their backward is not implemented).
// An undefined Tensor() stands for an absent optional tensor (Python's None).
#pragma once
#include <string>

#include "minidl/tensor.hpp"

namespace minidl::nn {

// How a loss reduces its per-element (per-sample) values. BatchMean (sum / input.size(0))
// is kl_div's only; the other losses raise ValueError for it.
enum class Reduction { None, Mean, Sum, BatchMean };

// "none" / "mean" / "sum" (and "batchmean" when allowed) -> Reduction; anything else
// raises ValueError listing the valid strings.
Reduction reduction_from_string(const std::string& s, bool allow_batchmean = false);
const char* reduction_name(Reduction r);

// ---- regression (loss_regression.cpp) ----
// weight (input's shape) as in PyTorch: 'mean' divides by sum(weight) for mse/l1, by numel for huber.
Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction r = Reduction::Mean,
                const Tensor& weight = Tensor());
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction r = Reduction::Mean,
               const Tensor& weight = Tensor());
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction r = Reduction::Mean, double delta = 1.0,
                  const Tensor& weight = Tensor());
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction r = Reduction::Mean, double beta = 1.0);
// input: log-probabilities; target: probabilities (log-probabilities with log_target).
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction r = Reduction::Mean, bool log_target = false);

// ---- binary (loss_binary.cpp) ----
// input: probabilities in [0, 1]; weight broadcasts to input's shape.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            Reduction r = Reduction::Mean);
// input: logits; pos_weight broadcasts to input's shape (one per class along the last dim).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                                        Reduction r = Reduction::Mean, const Tensor& pos_weight = Tensor());
// torchvision.ops.sigmoid_focal_loss (alpha < 0: no alpha weighting); default reduction 'none'.
Tensor sigmoid_focal_loss(const Tensor& inputs, const Tensor& targets, double alpha = 0.25, double gamma = 2.0,
                          Reduction r = Reduction::None);

// ---- classification on logits / log-probabilities (loss_classification.cpp) ----
// input (C,), (N, C) or (N, C, d1, ...); target int64 class indices of shape (), (N) or (N, d1, ...),
// or (cross_entropy only) float class probabilities of input's shape.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                     int64_t ignore_index = -100, Reduction r = Reduction::Mean, double label_smoothing = 0.0);
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                int64_t ignore_index = -100, Reduction r = Reduction::Mean);
// Multi-class focal loss on logits: -alpha[y] (1 - p_y)^gamma log p_y; alpha: (C,) or undefined (1).
Tensor focal_loss(const Tensor& input, const Tensor& target, double gamma = 2.0, const Tensor& alpha = Tensor(),
                  Reduction r = Reduction::Mean);

// ---- margins and distances (loss_margin.cpp) ----
Tensor multi_margin_loss(const Tensor& input, const Tensor& target, int64_t p = 1, double margin = 1.0,
                         const Tensor& weight = Tensor(), Reduction r = Reduction::Mean);
// ||x1 - x2 + eps||_p over the last dim (PyTorch's pairwise_distance).
Tensor pairwise_distance(const Tensor& x1, const Tensor& x2, double p = 2.0, double eps = 1e-6, bool keepdim = false);
Tensor triplet_margin_loss(const Tensor& anchor, const Tensor& positive, const Tensor& negative, double margin = 1.0,
                           double p = 2.0, double eps = 1e-6, bool swap = false, Reduction r = Reduction::Mean);
// Note 004 eq. (28): label 1 = similar (1/2 d^2), label 0 = dissimilar (1/2 max(0, margin - d)^2).
Tensor contrastive_loss(const Tensor& x1, const Tensor& x2, const Tensor& label, double margin = 1.0,
                        Reduction r = Reduction::Mean);

}  // namespace minidl::nn
