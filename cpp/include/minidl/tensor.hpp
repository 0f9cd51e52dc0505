// Tensor = storage + dtype + shape + strides + offset + autograd metadata.
//
// `TensorImpl` holds the state; `Tensor` is a cheap handle (a shared_ptr) passed by value
// the way PyTorch passes at::Tensor. Views (reshape, transpose, slicing...) are new
// TensorImpls that share the Storage, so writing through one is seen by the others.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "minidl/dtype.hpp"
#include "minidl/shape.hpp"
#include "minidl/storage.hpp"

namespace minidl {

class Node;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  DType dtype = kDefaultFloat;
  Shape shape;
  Strides strides;
  int64_t offset = 0;  // in elements

  // ---- autograd ----
  bool requires_grad = false;           // set on leaves by the user
  std::shared_ptr<Node> grad_fn;        // the op that made this tensor (null for leaves)
  std::shared_ptr<TensorImpl> grad;     // .grad, filled by backward on leaves (and retain_grad)
  std::weak_ptr<Node> grad_accumulator; // the AccumulateGrad node of a leaf, made on demand
  bool retains_grad = false;
  bool is_view = false;                 // made by a view op from a tensor autograd tracks

  ~TensorImpl();  // releases long grad_fn chains without recursion (see autograd/node.cpp)
  static int64_t live_count();  // live TensorImpls, for leak tests
  TensorImpl();
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // A new contiguous tensor with uninitialised memory.
  static Tensor empty(const Shape& shape, DType dtype = kDefaultFloat);
  // A view of `storage` (no copy).
  static Tensor make_view(std::shared_ptr<Storage> storage, DType dtype, Shape shape, Strides strides,
                          int64_t offset);

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  DType dtype() const { return impl_->dtype; }
  const Shape& shape() const { return impl_->shape; }
  const Strides& strides() const { return impl_->strides; }
  int64_t offset() const { return impl_->offset; }
  int64_t dim() const { return static_cast<int64_t>(impl_->shape.size()); }
  int64_t size(int64_t d) const;  // d may be negative
  int64_t numel() const { return numel_of(impl_->shape); }
  bool is_contiguous() const;
  const std::shared_ptr<Storage>& storage() const { return impl_->storage; }
  uint64_t version() const { return impl_->storage->version(); }

  template <class T> T* data() const { return static_cast<T*>(impl_->storage->data()) + impl_->offset; }
  void* raw_data() const { return static_cast<char*>(impl_->storage->data()) + impl_->offset * itemsize(dtype()); }

  // ---- autograd ----
  bool requires_grad() const { return impl_->requires_grad || impl_->grad_fn != nullptr; }
  Tensor& set_requires_grad(bool r);  // requires_grad_(); only on leaves, only floating dtypes
  bool is_leaf() const { return impl_->grad_fn == nullptr; }
  const std::shared_ptr<Node>& grad_fn() const { return impl_->grad_fn; }
  Tensor grad() const { return Tensor(impl_->grad); }
  void set_grad(const Tensor& g);
  void retain_grad();
  bool retains_grad() const { return impl_->retains_grad; }
  // A tensor sharing this one's data but cut from the graph.
  Tensor detach() const;
  // backward(): seeds with ones for a scalar; `gradient` for anything else.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false) const;

  // "tensor([[1, 2], [3, 4]], dtype=float32)"-style summary for C++ users.
  std::string to_string() const;

  // The same impl? (identity, not value equality)
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

}  // namespace minidl
