// Reverse-mode differentiation over the graph of Nodes.
//
// 1. Walk the graph from the outputs (iteratively: deep chains would overflow a
//    recursive walk) and count, for each node, how many edges point into it.
// 2. Process nodes in topological order: a node runs once every path into it has
//    delivered its gradient, so a tensor used many times gets the sum of all paths.
// 3. Each input gradient is reduced to the input's shape and dtype *here*, in one place,
//    so individual backward formulas may return broadcast-shaped gradients.
#include "minidl/autograd/engine.hpp"

#include <limits>
#include <mutex>
#include <string>
#include <unordered_map>

#include "minidl/autograd/node.hpp"
#include "minidl/creation.hpp"
#include "minidl/error.hpp"
#include "minidl/grad_mode.hpp"
#include "minidl/ops/elementwise.hpp"
#include "minidl/ops/reduce.hpp"

namespace minidl {

namespace {

// The central broadcast reduction: sum over broadcast dims, cast to the input's dtype.
Tensor reduce_to_input(const Tensor& g, const InputEdge& edge, const Node& node) {
  Tensor out = g;
  if (out.shape() != edge.shape) out = sum_to(out, edge.shape);
  if (out.dtype() != edge.dtype) out = to_dtype(out, edge.dtype);
  if (out.shape() != edge.shape)
    throw Error(str("internal error in ", node.name(), ": gradient of shape ", shape_str(g.shape()),
                    " does not reduce to the input's shape ", shape_str(edge.shape)));
  return out;
}

bool any_true(const Tensor& mask) { return *to_dtype(any(mask), DType::Bool).data<bool>(); }

std::string with_trace(const char* what, const Node& n) {
  if (n.anomaly_trace.empty()) return what;
  return str(what, "\n\nError detected in ", n.name(), ". Traceback of the forward call that made it:\n",
             n.anomaly_trace);
}

// Anomaly mode: the first NaN or Inf among the gradients a node returned, in PyTorch's words
// ("Function 'LogBackward0' returned nan values in its 0th output."; PyTorch checks NaN only).
void check_anomalies(const Node& n, const Grads& grads) {
  for (size_t i = 0; i < grads.size(); ++i) {
    const Tensor& g = grads[i];
    if (!g.defined() || !is_floating(g.dtype()) || g.numel() == 0) continue;
    const char* what = nullptr;
    if (any_true(ne(g, g)))
      what = "nan";
    else if (any_true(eq(abs(g), scalar_tensor(std::numeric_limits<double>::infinity(), g.dtype()))))
      what = "inf";
    if (what)
      throw Error(with_trace(str("Function '", n.name(), "' returned ", what, " values in its ", i, "th output.").c_str(), n));
  }
}

// Runs a node's backward formula. In anomaly mode an error it raises also says where the
// node's forward op ran.
Grads apply_node(Node& n, const Tensor& g) {
  if (n.anomaly_trace.empty()) return n.apply(g);
  try {
    return n.apply(g);
  } catch (const ValueError& e) {
    throw ValueError(with_trace(e.what(), n));
  } catch (const TypeError& e) {
    throw TypeError(with_trace(e.what(), n));
  } catch (const IndexError& e) {
    throw IndexError(with_trace(e.what(), n));
  } catch (const Error& e) {
    throw Error(with_trace(e.what(), n));
  }
}

void accumulate(Tensor& buffer, Tensor g) {
  if (!buffer.defined())
    buffer = std::move(g);
  else
    buffer = add(buffer, g);
}

struct Roots {
  std::vector<std::shared_ptr<Node>> nodes;
  std::vector<Tensor> grads;
};

Roots prepare_roots(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs) {
  MINIDL_CHECK(grad_outputs.empty() || grad_outputs.size() == outputs.size(), ValueError, "got ",
               outputs.size(), " outputs but ", grad_outputs.size(), " gradients");
  Roots r;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const Tensor& out = outputs[i];
    MINIDL_CHECK(out.defined() && out.requires_grad(), Error, "element ", i,
                 " of tensors does not require grad and does not have a grad_fn (did you forget "
                 "requires_grad=True, or compute it under no_grad?)");
    Tensor g = i < grad_outputs.size() ? grad_outputs[i] : Tensor();
    if (!g.defined()) {
      MINIDL_CHECK(out.numel() == 1, Error,
                   "grad can be implicitly created only for scalar outputs, but the output has shape ",
                   shape_str(out.shape()), "; pass gradient= a tensor of that shape");
      g = ones(out.shape(), out.dtype());
    } else {
      MINIDL_CHECK(g.shape() == out.shape(), Error, "Mismatch in shape: gradient has shape ",
                   shape_str(g.shape()), " but the output has shape ", shape_str(out.shape()));
      if (g.dtype() != out.dtype()) g = to_dtype(g, out.dtype());
    }
    r.nodes.push_back(gradient_edge(out));
    r.grads.push_back(g);
  }
  return r;
}

// Runs the backward pass. Captures the gradient arriving at each node of `capture`.
void execute(const Roots& roots, bool retain_graph, bool accumulate_into_leaves,
             std::unordered_map<Node*, Tensor>* captured) {
  NoGradGuard no_grad;  // backward formulas are not themselves recorded

  // 1. number the nodes and count, for each, the edges into it, by an explicit-stack walk.
  //    One hash lookup per edge; everything after is indexed by the node's number (an MLP's
  //    graph has a dozen nodes, and four hash tables per backward were a visible share of a step).
  std::unordered_map<Node*, int> index;
  std::vector<Node*> nodes;
  std::vector<int> deps;
  auto number = [&](Node* n) {
    auto [it, fresh] = index.try_emplace(n, static_cast<int>(nodes.size()));
    if (fresh) {
      nodes.push_back(n);
      deps.push_back(0);
    }
    return std::pair<int, bool>(it->second, fresh);
  };
  index.reserve(32);
  std::vector<Node*> stack;
  for (const auto& n : roots.nodes)
    if (number(n.get()).second) stack.push_back(n.get());
  while (!stack.empty()) {
    Node* n = stack.back();
    stack.pop_back();
    for (const auto& e : n->next_edges()) {
      if (!e.fn) continue;
      auto [i, fresh] = number(e.fn.get());
      ++deps[i];
      if (fresh) stack.push_back(e.fn.get());
    }
  }

  // 2. seed the roots, then run nodes as they become ready
  std::vector<Tensor> buffers(nodes.size());
  for (size_t i = 0; i < roots.nodes.size(); ++i) accumulate(buffers[index[roots.nodes[i].get()]], roots.grads[i]);
  std::vector<int> ready;
  std::vector<char> queued(nodes.size(), 0);
  for (const auto& n : roots.nodes) {
    const int i = index[n.get()];
    if (deps[i] == 0 && !queued[i]) {
      queued[i] = 1;
      ready.push_back(i);
    }
  }

  while (!ready.empty()) {
    const int ni = ready.back();
    ready.pop_back();
    Node* n = nodes[ni];
    Tensor g = std::move(buffers[ni]);

    Grads input_grads;
    if (g.defined()) {
      // retain_grad(): the non-leaf's gradient (only backward() writes .grad; autograd.grad does not)
      if (auto kept = accumulate_into_leaves ? n->retained.lock() : nullptr) {
        static std::mutex mu;  // two threads may run backward through this node at once
        std::lock_guard<std::mutex> lock(mu);
        if (!kept->grad) kept->grad = clone(g).impl_ptr();
        else kept->grad = add(Tensor(kept->grad), g).impl_ptr();
      }
      if (captured && captured->count(n)) (*captured)[n] = g;
      const bool is_leaf_sink = dynamic_cast<AccumulateGrad*>(n) != nullptr;
      if (!is_leaf_sink || accumulate_into_leaves) {
        input_grads = apply_node(*n, g);
        if (AnomalyMode::enabled() && AnomalyMode::check_nan()) check_anomalies(*n, input_grads);
      }
    }

    const auto& edges = n->next_edges();
    for (size_t i = 0; i < edges.size(); ++i) {
      Node* next = edges[i].fn.get();
      if (!next) continue;
      const int j = index.find(next)->second;
      if (i < input_grads.size() && input_grads[i].defined())
        accumulate(buffers[j], reduce_to_input(input_grads[i], edges[i], *n));
      if (--deps[j] == 0) ready.push_back(j);
    }
    if (!retain_graph) n->release();
  }
}

}  // namespace

void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads, bool retain_graph) {
  execute(prepare_roots(roots, grads), retain_graph, /*accumulate_into_leaves=*/true, nullptr);
}

std::vector<Tensor> compute_grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& grad_outputs,
                                 const std::vector<Tensor>& inputs, bool retain_graph, bool allow_unused) {
  Roots roots = prepare_roots(outputs, grad_outputs);
  std::unordered_map<Node*, Tensor> captured;
  std::vector<std::shared_ptr<Node>> targets;
  for (size_t i = 0; i < inputs.size(); ++i) {
    MINIDL_CHECK(inputs[i].defined() && inputs[i].requires_grad(), Error, "input ", i,
                 " of autograd.grad does not require grad");
    targets.push_back(gradient_edge(inputs[i]));
    captured[targets.back().get()] = Tensor();
  }
  execute(roots, retain_graph, /*accumulate_into_leaves=*/false, &captured);
  std::vector<Tensor> result;
  for (size_t i = 0; i < inputs.size(); ++i) {
    Tensor g = captured[targets[i].get()];
    MINIDL_CHECK(g.defined() || allow_unused, Error, "input ", i,
                 " of autograd.grad was not used in computing the outputs; pass allow_unused=True "
                 "to get None for it");
    result.push_back(g);
  }
  return result;
}

}  // namespace minidl
