// Autograd from Python: grad_fn nodes, grad mode, backward, autograd.grad.
#include "common.hpp"

namespace minidl::bind {

namespace {
// A tensor, None (undefined) or a TypeError naming what was passed instead.
Tensor tensor_or_none(py::handle h, const char* what) {
  if (h.is_none()) return Tensor();
  if (!py::isinstance<Tensor>(h))
    throw TypeError(str(what, " must be a Tensor or None, got ", py::str(py::type::of(h).attr("__name__")).cast<std::string>()));
  return h.cast<Tensor>();
}

// Anomaly mode's record of where a forward op ran: the Python stack, as traceback prints it.
// Ops may record their node with the GIL released (MaybeRelease), so take it back first.
std::string python_stack() {
  py::gil_scoped_acquire gil;
  try {
    std::string out;
    for (py::handle line : py::module_::import("traceback").attr("format_stack")()) out += line.cast<std::string>();
    return out;
  } catch (py::error_already_set&) {
    return "";  // no stack (e.g. while the interpreter shuts down): the error message goes without it
  }
}

std::vector<Tensor> tensors_of(py::handle h, const char* what) {
  if (py::isinstance<Tensor>(h)) return {h.cast<Tensor>()};
  if (!py::isinstance<py::iterable>(h)) return {tensor_or_none(h, what)};
  std::vector<Tensor> out;
  for (py::handle x : h) out.push_back(tensor_or_none(x, what));
  return out;
}
}  // namespace

void bind_autograd(py::module_& m) {
  py::class_<Node, std::shared_ptr<Node>>(m, "Node", "A node of the autograd graph: the backward of one op.")
      .def("name", &Node::name)
      .def_property_readonly("next_functions", [](const Node& n) {
            // ((node or None, 0), ...) one per input, like PyTorch
            py::tuple t(n.next_edges().size());
            for (size_t i = 0; i < n.next_edges().size(); ++i) {
              const auto& e = n.next_edges()[i];
              t[i] = py::make_tuple(e.fn ? py::cast(e.fn) : py::none(), 0);
            }
            return t;
          })
      .def_property_readonly("variable", [](const Node& n) -> py::object {
            if (auto* acc = dynamic_cast<const AccumulateGrad*>(&n)) return py::cast(Tensor(acc->leaf()));
            throw py::attribute_error("only AccumulateGrad nodes have .variable");
          })
      .def_property_readonly("_sequence_nr", &Node::sequence_nr)
      .def("__repr__", [](const Node& n) {
            return "<" + n.name() + " object at " + str(static_cast<const void*>(&n)) + ">";
          });

  m.def("is_grad_enabled", &GradMode::enabled);
  m.def("_set_grad_enabled", &GradMode::set_enabled);

  AnomalyMode::set_context_provider(&python_stack);
  m.def("_set_detect_anomaly", [](bool enabled, bool check_nan) { AnomalyMode::set_enabled(enabled, check_nan); },
        py::arg("enabled"), py::arg("check_nan") = true);
  m.def("_is_anomaly_enabled", &AnomalyMode::enabled);
  m.def("_is_anomaly_check_nan_enabled", &AnomalyMode::check_nan);

  m.def("_run_backward", [](py::handle tensors, py::handle grads, bool retain_graph) {
        auto ts = tensors_of(tensors, "backward(): tensors");
        auto gs = grads.is_none() ? std::vector<Tensor>() : tensors_of(grads, "backward(): grad_tensors");
        py::gil_scoped_release release;
        run_backward(ts, gs, retain_graph);
      }, py::arg("tensors"), py::arg("grad_tensors"), py::arg("retain_graph"));

  m.def("_grad", [](py::handle outputs, py::handle inputs, py::handle grad_outputs, bool retain_graph, bool allow_unused) {
        auto outs = tensors_of(outputs, "grad(): outputs");
        auto ins = tensors_of(inputs, "grad(): inputs");
        auto gouts = grad_outputs.is_none() ? std::vector<Tensor>() : tensors_of(grad_outputs, "grad(): grad_outputs");
        std::vector<Tensor> res;
        {
          py::gil_scoped_release release;
          res = compute_grad(outs, gouts, ins, retain_graph, allow_unused);
        }
        py::tuple t(res.size());
        for (size_t i = 0; i < res.size(); ++i) t[i] = res[i].defined() ? py::cast(res[i]) : py::none();
        return t;
      });

  m.def("_live_counts", [] {
        return py::dict(py::arg("tensors") = TensorImpl::live_count(), py::arg("storages") = Storage::live_count(),
                        py::arg("nodes") = Node::live_count());
      }, "Live TensorImpls, Storages and autograd Nodes (for leak tests).");

  m.def("set_num_threads", &set_num_threads, py::arg("n"),
        "Threads for minidl's kernels and OpenBLAS (the same number for both).");
  m.def("get_num_threads", &get_num_threads);

  tensor_class().def("backward", [](const Tensor& t, py::object gradient, py::object retain_graph, bool create_graph) {
        if (create_graph) {  // NotImplementedError, as minidl.autograd.backward raises
          PyErr_SetString(PyExc_NotImplementedError, "backward(): minidl does not record the backward pass, so "
                          "create_graph=True (higher-order gradients) is not supported");
          throw py::error_already_set();
        }
        Tensor g = tensor_or_none(gradient, "backward(): gradient");
        const bool retain = !retain_graph.is_none() && retain_graph.cast<bool>();
        py::gil_scoped_release release;
        t.backward(g, retain);
      }, py::arg("gradient") = py::none(), py::arg("retain_graph") = py::none(), py::arg("create_graph") = false,
      "Accumulate d(self)/d(leaf) into leaf.grad for every leaf this tensor depends on.\n"
      "A non-scalar self needs `gradient` (the vector in the vector-Jacobian product).\n"
      "The graph is freed afterwards unless retain_graph=True.");
}

}  // namespace minidl::bind
