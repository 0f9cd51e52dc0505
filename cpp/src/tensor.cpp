#include "minidl/tensor.hpp"

#include <atomic>
#include <sstream>

#include "minidl/autograd/engine.hpp"
#include "minidl/autograd/node.hpp"
#include "minidl/error.hpp"

namespace minidl {

namespace {
std::atomic<int64_t> g_live_impls{0};
}

TensorImpl::TensorImpl() { g_live_impls.fetch_add(1, std::memory_order_relaxed); }

TensorImpl::~TensorImpl() {
  release_node(std::move(grad_fn));
  g_live_impls.fetch_sub(1, std::memory_order_relaxed);
}

int64_t TensorImpl::live_count() { return g_live_impls.load(); }

Tensor Tensor::empty(const Shape& shape, DType dtype) {
  int64_t nbytes = static_cast<int64_t>(itemsize(dtype));
  for (int64_t d : shape) {
    MINIDL_CHECK(d >= 0, ValueError, "negative dimension in shape ", shape_str(shape));
    // A product that wraps around would allocate a few bytes for a huge shape.
    MINIDL_CHECK(!__builtin_mul_overflow(nbytes, d, &nbytes), ValueError, "shape ", shape_str(shape),
                 " has too many elements to allocate");
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::make_shared<Storage>(static_cast<size_t>(numel_of(shape)) * itemsize(dtype));
  impl->dtype = dtype;
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  return Tensor(std::move(impl));
}

Tensor Tensor::make_view(std::shared_ptr<Storage> storage, DType dtype, Shape shape, Strides strides,
                         int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->dtype = dtype;
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  return Tensor(std::move(impl));
}

int64_t Tensor::size(int64_t d) const { return impl_->shape[wrap_dim(d, dim())]; }

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  const auto& sh = impl_->shape;
  const auto& st = impl_->strides;
  for (int64_t d : sh)
    if (d == 0) return true;  // no elements, no layout (as PyTorch; NumPy gives empty arrays 0 strides)
  for (size_t i = sh.size(); i-- > 0;) {
    if (sh[i] == 1) continue;  // the stride of a size-1 dim never matters
    if (st[i] != expected) return false;
    expected *= sh[i];
  }
  return true;
}

Tensor& Tensor::set_requires_grad(bool r) {
  if (r) {
    MINIDL_CHECK(is_floating(dtype()), Error,
                 "only tensors of floating point dtype can require gradients, got ", dtype_name(dtype()));
  } else {
    MINIDL_CHECK(is_leaf(), Error,
                 "you can only change requires_grad flags of leaf variables; use detach() to get a tensor "
                 "that does not require grad from a non-leaf (made by ", impl_->grad_fn->name(), ")");
  }
  impl_->requires_grad = r;
  return *this;
}

void Tensor::set_grad(const Tensor& g) {
  if (g.defined()) {
    MINIDL_CHECK(g.shape() == shape(), ValueError, "assigned grad has shape ", shape_str(g.shape()),
                 " but the tensor has shape ", shape_str(shape()));
    MINIDL_CHECK(g.dtype() == dtype(), TypeError, "assigned grad has dtype ", dtype_name(g.dtype()),
                 " but the tensor has dtype ", dtype_name(dtype()));
  }
  impl_->grad = g.impl_ptr();
}

void Tensor::retain_grad() {
  MINIDL_CHECK(requires_grad(), Error, "can't retain_grad on a tensor that has requires_grad=False");
  if (is_leaf()) return;  // leaves keep their grad anyway
  impl_->retains_grad = true;
  impl_->grad_fn->retained = impl_;
}

Tensor Tensor::detach() const {
  Tensor out = make_view(impl_->storage, dtype(), shape(), strides(), offset());
  return out;
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  run_backward({*this}, {gradient}, retain_graph);
}

std::string Tensor::to_string() const {
  std::ostringstream os;
  os << "tensor(shape=" << shape_str(shape()) << ", dtype=" << dtype_name(dtype());
  if (grad_fn()) os << ", grad_fn=<" << grad_fn()->name() << ">";
  else if (requires_grad()) os << ", requires_grad=True";
  os << ")";
  return os.str();
}

}  // namespace minidl
