#include "minidl/autograd/node.hpp"

#include <atomic>
#include <mutex>

#include "minidl/error.hpp"
#include "minidl/grad_mode.hpp"
#include "minidl/ops/elementwise.hpp"

namespace minidl {

namespace {
std::atomic<int64_t> g_live_nodes{0};
std::atomic<uint64_t> g_next_seq{0};
// Backward passes run without the GIL, so two threads may accumulate into one leaf's .grad
// (or make its AccumulateGrad node) at the same time; these are rare and short, one lock will do.
std::mutex g_leaf_mu;
}  // namespace

Node::Node() : seq_(g_next_seq.fetch_add(1, std::memory_order_relaxed)) {
  g_live_nodes.fetch_add(1, std::memory_order_relaxed);
}

Node::~Node() {
  for (auto& e : edges_) release_node(std::move(e.fn));
  g_live_nodes.fetch_sub(1, std::memory_order_relaxed);
}

int64_t Node::live_count() { return g_live_nodes.load(); }

void release_node(std::shared_ptr<Node>&& node) {
  // Destroying the last reference to a node destroys its edges, which may destroy the
  // next node, and so on down a chain as long as the network is deep. Instead of letting
  // the destructors recurse, the outermost call drains a thread-local work list.
  thread_local std::vector<std::shared_ptr<Node>> pending;
  thread_local bool draining = false;
  if (!node) return;
  if (node.use_count() > 1) {
    node.reset();
    return;
  }
  pending.push_back(std::move(node));
  if (draining) return;
  draining = true;
  while (!pending.empty()) {
    std::shared_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    n.reset();  // may push this node's children onto `pending`
  }
  draining = false;
}

// ---- saved tensors ----

SavedTensor::SavedTensor(const Tensor& t) : data_(t.detach()), version_(t.version()) {}

Tensor SavedTensor::get() const {
  if (data_.defined() && data_.version() != version_)
    throw Error(str("one of the variables needed for gradient computation has been modified by an inplace "
                    "operation: [", dtype_name(data_.dtype()), " ", shape_str(data_.shape()), "] is at version ",
                    data_.version(), "; expected version ", version_,
                    " instead. Hint: the tensor was changed in place (e.g. add_, mul_, x[...] = ...) after it "
                    "was used; use an out-of-place op (x = x + y) or clone() it first."));
  return data_;
}

// ---- nodes ----

Grads FunctionNode::apply(const Tensor& grad_output) {
  if (!fn_)
    throw Error(str("Trying to backward through the graph a second time (or directly access saved tensors "
                    "after they have already been freed), at ", name_,
                    ". Saved intermediate values of the graph are freed when you call .backward() or "
                    "autograd.grad(). Specify retain_graph=True if you need to backward through the graph a "
                    "second time."));
  return fn_(grad_output, *this);
}

Grads AccumulateGrad::apply(const Tensor& g) {
  std::lock_guard<std::mutex> lock(g_leaf_mu);
  // g is the gradient of the whole backward pass for this leaf (the engine summed all paths).
  if (!leaf_->grad) {
    // Keep g itself when nobody else holds it; otherwise a private copy, so that a later
    // in-place update of .grad (optimizer.zero_grad, grad.add_) cannot change another tensor.
    const bool private_buffer = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 && g.is_contiguous();
    leaf_->grad = private_buffer ? g.impl_ptr() : clone(g).impl_ptr();
  } else {
    Tensor acc(leaf_->grad);
    add_(acc, g);  // PyTorch accumulates in place, so a held reference to .grad sees the sum
  }
  return {};
}

// ---- recording ----

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  if (!GradMode::enabled()) return false;
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

bool any_requires_grad(const std::vector<Tensor>& inputs) {
  if (!GradMode::enabled()) return false;
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

std::shared_ptr<Node> gradient_edge(const Tensor& t) {
  if (!t.defined()) return nullptr;
  if (t.grad_fn()) return t.grad_fn();
  if (!t.impl()->requires_grad) return nullptr;
  std::lock_guard<std::mutex> lock(g_leaf_mu);
  std::shared_ptr<Node> acc = t.impl()->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
    t.impl()->grad_accumulator = acc;
  }
  return acc;
}

void record(const char* name, const std::vector<Tensor>& inputs, Tensor& out, BackwardFn fn) {
  auto node = std::make_shared<FunctionNode>(name, std::move(fn));
  if (AnomalyMode::enabled()) node->anomaly_trace = AnomalyMode::context();
  auto& edges = node->mutable_edges();
  edges.reserve(inputs.size());
  for (const Tensor& in : inputs) {
    if (in.defined() && in.requires_grad())
      edges.push_back({gradient_edge(in), in.shape(), in.dtype()});
    else
      edges.push_back({nullptr, {}, DType::Float32});
  }
  // Edges are read before this assignment, so an in-place op (out == an input) links to
  // the input's previous history, as it must.
  out.impl()->grad_fn = std::move(node);
}

}  // namespace minidl
