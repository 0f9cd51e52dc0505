// The autograd graph.
//
// Every op that produces a tensor from inputs that require grad attaches a Node to its
// output (`grad_fn`). A Node knows how to turn the gradient of its output into gradients
// of its inputs (the op's backward formula) and has one edge per input, pointing at the
// Node that made that input (or the AccumulateGrad node of a leaf). backward() walks
// these edges in reverse topological order (autograd/engine.hpp).
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "minidl/tensor.hpp"

namespace minidl {

using Grads = std::vector<Tensor>;

// What backward needs to know about an input: where its gradient goes, and the shape
// and dtype the gradient must have (the engine sums broadcast dims and casts centrally).
struct InputEdge {
  std::shared_ptr<Node> fn;  // null: this input does not require grad
  Shape shape;
  DType dtype;
};

class Node {
 public:
  virtual ~Node();
  // "MulBackward", "AccumulateGrad", ...
  virtual std::string name() const = 0;
  // Gradient of the output -> gradients of the inputs (one per edge; undefined = zero).
  virtual Grads apply(const Tensor& grad_output) = 0;
  // Free what the backward formula saved (called after backward unless retain_graph).
  virtual void release() {}

  const std::vector<InputEdge>& next_edges() const { return edges_; }
  std::vector<InputEdge>& mutable_edges() { return edges_; }
  bool needs_input_grad(size_t i) const { return i < edges_.size() && edges_[i].fn != nullptr; }
  uint64_t sequence_nr() const { return seq_; }

  // retain_grad() on a non-leaf: the engine stores the incoming gradient here too.
  std::weak_ptr<TensorImpl> retained;
  // Where the forward op ran (the Python stack), kept only in anomaly mode (grad_mode.hpp).
  std::string anomaly_trace;

  static int64_t live_count();  // live Nodes, for leak tests

 protected:
  Node();

 private:
  std::vector<InputEdge> edges_;
  uint64_t seq_;
};

// A saved tensor: a data-only alias (no graph, so no reference cycle through the output)
// plus the version it had when saved. get() refuses if it was modified in place since.
class SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(const Tensor& t);
  Tensor get() const;
  bool defined() const { return data_.defined(); }

 private:
  Tensor data_;
  uint64_t version_ = 0;
};

// Signature of a backward formula: gradient of the output, and which inputs need one.
using BackwardFn = std::function<Grads(const Tensor& grad_output, const Node& node)>;

// The node most ops use: a name and a backward formula (a lambda capturing SavedTensors).
class FunctionNode final : public Node {
 public:
  FunctionNode(const char* name, BackwardFn fn) : name_(name), fn_(std::move(fn)) {}
  std::string name() const override { return name_; }
  Grads apply(const Tensor& grad_output) override;
  void release() override { fn_ = nullptr; }

 private:
  const char* name_;
  BackwardFn fn_;
};

// Leaf sink: adds the incoming gradient into leaf.grad.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {}
  std::string name() const override { return "AccumulateGrad"; }
  Grads apply(const Tensor& grad_output) override;
  const std::shared_ptr<TensorImpl>& leaf() const { return leaf_; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

// ---- helpers that ops use to record themselves ----

// True when grad mode is on and any input requires grad.
bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
bool any_requires_grad(const std::vector<Tensor>& inputs);

// Attach `out.grad_fn = FunctionNode(name, fn)` with one edge per input.
void record(const char* name, const std::vector<Tensor>& inputs, Tensor& out, BackwardFn fn);

// The edge target of a tensor: its grad_fn, or (for a leaf that requires grad) its
// AccumulateGrad node; null if it does not require grad.
std::shared_ptr<Node> gradient_edge(const Tensor& t);

// Drop a reference to a Node without recursing: destroying a chain of 100,000 nodes
// would otherwise overflow the C++ stack (each destructor destroying the next).
void release_node(std::shared_ptr<Node>&& node);

}  // namespace minidl
