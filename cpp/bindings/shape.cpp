// Shape ops: view, reshape, transpose, permute, squeeze, expand, ... as Tensor methods and
// minidl functions, with PyTorch's signatures; cat / stack / split / chunk.
#include <algorithm>

#include "common.hpp"

namespace minidl::bind {

namespace {

py::tuple to_tuple(const std::vector<Tensor>& ts) {
  py::tuple out(ts.size());
  for (size_t i = 0; i < ts.size(); ++i) out[i] = py::cast(ts[i]);
  return out;
}

// cat([a, b]) / stack((a, b)): a sequence of Tensors; TypeError names the first bad item.
std::vector<Tensor> tensor_list(py::handle h, const char* fn) {
  if (py::isinstance<Tensor>(h) || !py::isinstance<py::sequence>(h) || py::isinstance<py::str>(h))
    throw TypeError(str(fn, "(): expected a sequence (list or tuple) of Tensors, got ",
                        py::str(py::type::of(h).attr("__name__")).cast<std::string>()));
  std::vector<Tensor> out;
  size_t i = 0;
  for (py::handle item : h) {
    if (!py::isinstance<Tensor>(item))
      throw TypeError(str(fn, "(): expected a sequence of Tensors, but element ", i, " is ",
                          py::str(py::type::of(item).attr("__name__")).cast<std::string>()));
    out.push_back(item.cast<Tensor>());
    ++i;
  }
  return out;
}

// squeeze(dim=None | int | tuple of ints); dims that are not of size 1 are left alone.
Tensor squeeze_any(const Tensor& x, py::handle dim) {
  if (dim.is_none()) return squeeze(x);
  if (py::isinstance<py::int_>(dim)) return squeeze(x, dim.cast<int64_t>());
  std::vector<int64_t> dims = parse_dims(dim);
  for (int64_t& d : dims) d = wrap_dim(d, x.dim());
  std::sort(dims.rbegin(), dims.rend());  // from the last, so earlier dims keep their numbers
  MINIDL_CHECK(std::adjacent_find(dims.begin(), dims.end()) == dims.end(), ValueError, "squeeze: dim ",
               py::repr(dim).cast<std::string>(), " names a dimension more than once");
  Tensor y = x;
  for (int64_t d : dims) y = squeeze(y, d);
  return y.is_same(x) ? view(x, x.shape()) : y;
}

// split(int) or split([sizes])
py::tuple split_any(const Tensor& x, py::handle size_or_sections, int64_t dim) {
  if (py::isinstance<py::int_>(size_or_sections)) return to_tuple(split(x, size_or_sections.cast<int64_t>(), dim));
  return to_tuple(split_sizes(x, parse_shape_obj(size_or_sections, "split"), dim));
}

py::tuple unbind(const Tensor& x, int64_t dim) {
  MINIDL_CHECK(x.dim() > 0, ValueError, "unbind: dimension specified as ", dim, " but tensor has no dimensions");
  const int64_t d = wrap_dim(dim, x.dim());
  std::vector<Tensor> out;
  for (int64_t i = 0; i < x.shape()[d]; ++i) out.push_back(select(x, d, i));
  return to_tuple(out);
}

// narrow(dim, start, length) = x[..., start:start+length, ...] (a view)
Tensor narrow(const Tensor& x, int64_t dim, int64_t start, int64_t length) {
  MINIDL_CHECK(x.dim() > 0, IndexError, "narrow() cannot be applied to a 0-dim tensor");
  const int64_t d = wrap_dim(dim, x.dim()), n = x.shape()[d];
  MINIDL_CHECK(start >= -n && start <= n, IndexError, "narrow(): start ", start, " is out of range for dimension ",
               d, " with size ", n);
  const int64_t s = start < 0 ? start + n : start;
  MINIDL_CHECK(length >= 0 && length <= n - s, ValueError, "narrow(): start (", s, ") + length (", length,
               ") exceeds dimension size (", n, ") of dimension ", d);
  return slice(x, d, s, s + length, 1);
}

}  // namespace

void bind_shape(py::module_& m) {
  auto& c = tensor_class();
  c.def("view", [](const Tensor& x, py::args shape) { return view(x, parse_shape(shape, "view")); },
        "A tensor of another shape sharing this one's memory (-1: inferred). RuntimeError when the strides "
        "make that impossible; reshape() copies then.")
      .def("reshape", [](const Tensor& x, py::args shape) { return reshape(x, parse_shape(shape, "reshape")); },
           "Like view(), but copies when the memory layout requires it.")
      .def("view_as", [](const Tensor& x, const Tensor& other) { return view(x, other.shape()); }, py::arg("other"))
      .def("reshape_as", [](const Tensor& x, const Tensor& other) { return reshape(x, other.shape()); }, py::arg("other"))
      .def("transpose", &transpose, py::arg("dim0"), py::arg("dim1"), "Swap two dims (a view).")
      .def("swapaxes", &transpose, py::arg("axis0"), py::arg("axis1"))
      .def("swapdims", &transpose, py::arg("dim0"), py::arg("dim1"))
      .def("permute", [](const Tensor& x, py::args dims) { return permute(x, parse_shape(dims, "permute")); },
           "Reorder the dims: y.shape[i] = x.shape[dims[i]] (a view).")
      .def("t", &t, "Transpose a 2-D tensor (0-D and 1-D come back unchanged).")
      .def_property_readonly("T", &numpy_T, "All dims reversed, as NumPy's .T (a view).")
      .def_property_readonly("mT", &mT, "The last two dims swapped: a batch of transposed matrices (a view).")
      .def("squeeze", &squeeze_any, py::arg("dim") = py::none(),
           "Remove dims of size 1 (all of them, or those named by dim) (a view).")
      .def("unsqueeze", &unsqueeze, py::arg("dim"), "Insert a dim of size 1 at position dim (a view).")
      .def("expand", [](const Tensor& x, py::args sizes) { return expand(x, parse_shape(sizes, "expand")); },
           "Broadcast size-1 dims to the given sizes without copying (-1 keeps a size).")
      .def("expand_as", [](const Tensor& x, const Tensor& other) { return expand(x, other.shape()); }, py::arg("other"))
      .def("broadcast_to", [](const Tensor& x, py::handle size) { return expand(x, parse_shape_obj(size, "broadcast_to")); },
           py::arg("size"))
      .def("flatten", &flatten, py::arg("start_dim") = 0, py::arg("end_dim") = -1,
           "Merge dims start_dim..end_dim into one (a view when the layout allows, else a copy).")
      .def("contiguous", &contiguous, "This tensor if its memory is row-major and dense, else a contiguous copy.")
      .def("narrow", &narrow, py::arg("dim"), py::arg("start"), py::arg("length"))
      .def("select", [](const Tensor& x, int64_t dim, int64_t index) { return select(x, dim, index); },
           py::arg("dim"), py::arg("index"), "x[..., index, ...] along dim, removing it (a view).")
      .def("split", &split_any, py::arg("split_size"), py::arg("dim") = 0,
           "Views of consecutive pieces along dim: of split_size each (the last may be shorter), or of the given sizes.")
      .def("chunk", [](const Tensor& x, int64_t chunks, int64_t dim) { return to_tuple(chunk(x, chunks, dim)); },
           py::arg("chunks"), py::arg("dim") = 0)
      .def("unbind", &unbind, py::arg("dim") = 0);

  m.def("reshape", [](const Tensor& x, py::handle shape) { return reshape(x, parse_shape_obj(shape, "reshape")); },
        py::arg("input"), py::arg("shape"));
  m.def("transpose", &transpose, py::arg("input"), py::arg("dim0"), py::arg("dim1"));
  m.def("swapaxes", &transpose, py::arg("input"), py::arg("axis0"), py::arg("axis1"));
  m.def("swapdims", &transpose, py::arg("input"), py::arg("dim0"), py::arg("dim1"));
  m.def("permute", [](const Tensor& x, py::handle dims) { return permute(x, parse_shape_obj(dims, "permute")); },
        py::arg("input"), py::arg("dims"));
  m.def("t", &t, py::arg("input"));
  m.def("squeeze", &squeeze_any, py::arg("input"), py::arg("dim") = py::none());
  m.def("unsqueeze", &unsqueeze, py::arg("input"), py::arg("dim"));
  m.def("flatten", &flatten, py::arg("input"), py::arg("start_dim") = 0, py::arg("end_dim") = -1);
  m.def("broadcast_to", [](const Tensor& x, py::handle size) { return expand(x, parse_shape_obj(size, "broadcast_to")); },
        py::arg("input"), py::arg("size"));
  m.def("narrow", &narrow, py::arg("input"), py::arg("dim"), py::arg("start"), py::arg("length"));
  m.def("select", [](const Tensor& x, int64_t dim, int64_t index) { return select(x, dim, index); },
        py::arg("input"), py::arg("dim"), py::arg("index"));
  m.def("split", &split_any, py::arg("tensor"), py::arg("split_size_or_sections"), py::arg("dim") = 0);
  m.def("chunk", [](const Tensor& x, int64_t chunks, int64_t dim) { return to_tuple(chunk(x, chunks, dim)); },
        py::arg("input"), py::arg("chunks"), py::arg("dim") = 0);
  m.def("unbind", &unbind, py::arg("input"), py::arg("dim") = 0);

  const char* cat_doc =
      "Join tensors along an existing dim. Shapes must match except along dim; the dtype promotes over all "
      "inputs. Gradient: each input gets its slice of the output's gradient.";
  m.def("cat", [](py::handle ts, int64_t dim) { return cat(tensor_list(ts, "cat"), dim); }, py::arg("tensors"),
        py::arg("dim") = 0, cat_doc);
  m.def("concat", [](py::handle ts, int64_t dim) { return cat(tensor_list(ts, "concat"), dim); }, py::arg("tensors"),
        py::arg("dim") = 0, cat_doc);
  m.def("stack", [](py::handle ts, int64_t dim) { return stack(tensor_list(ts, "stack"), dim); }, py::arg("tensors"),
        py::arg("dim") = 0, "Join equal-shaped tensors along a new dim. Gradient: input i gets g.select(dim, i).");
}

}  // namespace minidl::bind
