// Elementwise ops: Python operators, methods and minidl.<fn> functions.
#include <optional>

#include "common.hpp"

namespace minidl::bind {

namespace {

using BinaryFn = Tensor (*)(const Tensor&, const Tensor&);
using UnaryFn = Tensor (*)(const Tensor&);

py::object not_implemented() { return py::reinterpret_borrow<py::object>(Py_NotImplemented); }

template <BinaryFn F>
py::object forward_op(const Tensor& a, py::handle other) {
  auto b = as_operand(other, a);
  if (!b) return not_implemented();
  Tensor r;
  {
    MaybeRelease g(std::max(a.numel(), b->numel()));
    r = F(a, *b);
  }
  return py::cast(std::move(r));
}

template <BinaryFn F>
py::object reflected_op(const Tensor& a, py::handle other) {
  auto b = as_operand(other, a);
  if (!b) return not_implemented();
  Tensor r;
  {
    MaybeRelease g(a.numel());
    r = F(*b, a);
  }
  return py::cast(std::move(r));
}

template <UnaryFn F>
Tensor unary(const Tensor& x) {
  MaybeRelease g(x.numel());
  return F(x);
}

// minidl.add(a, b): either side may be a number, as long as one is a Tensor.
template <BinaryFn F>
Tensor function_op(py::handle a, py::handle b) {
  if (py::isinstance<Tensor>(a)) {
    const Tensor ta = a.cast<Tensor>();
    const Tensor tb = to_operand(b, ta, "second argument");
    MaybeRelease g(std::max(ta.numel(), tb.numel()));
    return F(ta, tb);
  }
  if (py::isinstance<Tensor>(b)) {
    const Tensor tb = b.cast<Tensor>();
    const Tensor ta = to_operand(a, tb, "first argument");
    MaybeRelease g(tb.numel());
    return F(ta, tb);
  }
  throw TypeError("expected at least one argument to be a Tensor");
}

Tensor where_fn(const Tensor& cond, py::handle a, py::handle b) {
  if (py::isinstance<Tensor>(a)) {
    Tensor ta = a.cast<Tensor>();
    return where(cond, ta, to_operand(b, ta, "where(other)"));
  }
  if (py::isinstance<Tensor>(b)) {
    Tensor tb = b.cast<Tensor>();
    return where(cond, to_operand(a, tb, "where(input)"), tb);
  }
  // Two numbers: typed against a float32 placeholder (Python floats give float32, ints int64).
  Tensor like = scalar_tensor(0, PyFloat_Check(a.ptr()) || PyFloat_Check(b.ptr()) ? DType::Float32 : DType::Int64);
  return where(cond, to_operand(a, like, "where"), to_operand(b, like, "where"));
}

std::optional<double> opt_number(py::handle h, const char* what) {
  if (h.is_none()) return std::nullopt;
  if (py::isinstance<Tensor>(h)) {
    MINIDL_CHECK(h.cast<Tensor>().numel() == 1, TypeError, what, " must be a number or a one-element tensor");
    return py::float_(h.attr("item")()).cast<double>();
  }
  try {
    return h.cast<double>();
  } catch (const py::cast_error&) {
    throw TypeError(str(what, " must be a number, got ", py::repr(h).cast<std::string>()));
  }
}

}  // namespace

void bind_elementwise(py::module_& m) {
  auto& c = tensor_class();
  // operators: a Tensor on the left, or (reflected) a number on the left
  c.def("__add__", &forward_op<add>, py::is_operator())
      .def("__radd__", &reflected_op<add>, py::is_operator())
      .def("__sub__", &forward_op<sub>, py::is_operator())
      .def("__rsub__", &reflected_op<sub>, py::is_operator())
      .def("__mul__", &forward_op<mul>, py::is_operator())
      .def("__rmul__", &reflected_op<mul>, py::is_operator())
      .def("__truediv__", &forward_op<div>, py::is_operator())
      .def("__rtruediv__", &reflected_op<div>, py::is_operator())
      .def("__pow__", &forward_op<pow>, py::is_operator())
      .def("__rpow__", &reflected_op<pow>, py::is_operator())
      .def("__eq__", &forward_op<eq>, py::is_operator())
      .def("__ne__", &forward_op<ne>, py::is_operator())
      .def("__lt__", &forward_op<lt>, py::is_operator())
      .def("__le__", &forward_op<le>, py::is_operator())
      .def("__gt__", &forward_op<gt>, py::is_operator())
      .def("__ge__", &forward_op<ge>, py::is_operator())
      .def("__and__", &forward_op<logical_and>, py::is_operator())
      .def("__or__", &forward_op<logical_or>, py::is_operator())
      .def("__xor__", &forward_op<logical_xor>, py::is_operator())
      .def("__rand__", &reflected_op<logical_and>, py::is_operator())
      .def("__ror__", &reflected_op<logical_or>, py::is_operator())
      .def("__rxor__", &reflected_op<logical_xor>, py::is_operator())
      .def("__neg__", &unary<neg>)
      .def("__pos__", [](const Tensor& x) { return x; })
      .def("__abs__", &unary<abs>)
      .def("__invert__", [](const Tensor& x) {
            MINIDL_CHECK(x.dtype() == DType::Bool, TypeError, "~ is only supported on bool tensors here, got ",
                         dtype_name(x.dtype()));
            return logical_not(x);
          })
      // `a += b` is in place, as in PyTorch
      .def("__iadd__", [](Tensor& a, py::handle b) { return add_(a, to_operand(b, a, "+=")); })
      .def("__isub__", [](Tensor& a, py::handle b) { return sub_(a, to_operand(b, a, "-=")); })
      .def("__imul__", [](Tensor& a, py::handle b) { return mul_(a, to_operand(b, a, "*=")); })
      .def("__itruediv__", [](Tensor& a, py::handle b) { return div_(a, to_operand(b, a, "/=")); });

  // methods
  c.def("add", [](const Tensor& a, py::handle b, double alpha) {
         Tensor tb = to_operand(b, a, "add");
         return alpha == 1.0 ? add(a, tb) : add(a, mul(tb, scalar_like(alpha, true, false, tb)));
       }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1.0)
      .def("sub", [](const Tensor& a, py::handle b, double alpha) {
         Tensor tb = to_operand(b, a, "sub");
         return alpha == 1.0 ? sub(a, tb) : sub(a, mul(tb, scalar_like(alpha, true, false, tb)));
       }, py::arg("other"), py::kw_only(), py::arg("alpha") = 1.0)
      .def("mul", [](const Tensor& a, py::handle b) { return mul(a, to_operand(b, a, "mul")); })
      .def("div", [](const Tensor& a, py::handle b) { return div(a, to_operand(b, a, "div")); })
      .def("pow", [](const Tensor& a, py::handle b) { return pow(a, to_operand(b, a, "pow")); })
      .def("maximum", [](const Tensor& a, const Tensor& b) { return maximum(a, b); })
      .def("minimum", [](const Tensor& a, const Tensor& b) { return minimum(a, b); })
      .def("eq", [](const Tensor& a, py::handle b) { return eq(a, to_operand(b, a, "eq")); })
      .def("ne", [](const Tensor& a, py::handle b) { return ne(a, to_operand(b, a, "ne")); })
      .def("lt", [](const Tensor& a, py::handle b) { return lt(a, to_operand(b, a, "lt")); })
      .def("le", [](const Tensor& a, py::handle b) { return le(a, to_operand(b, a, "le")); })
      .def("gt", [](const Tensor& a, py::handle b) { return gt(a, to_operand(b, a, "gt")); })
      .def("ge", [](const Tensor& a, py::handle b) { return ge(a, to_operand(b, a, "ge")); })
      .def("neg", &unary<neg>)
      .def("abs", &unary<abs>)
      .def("exp", &unary<exp>)
      .def("log", &unary<log>)
      .def("sqrt", &unary<sqrt>)
      .def("sin", &unary<sin>)
      .def("cos", &unary<cos>)
      .def("tanh", &unary<tanh>)
      .def("sigmoid", &unary<sigmoid>)
      .def("relu", &unary<relu>)
      .def("logical_not", &logical_not)
      .def("clamp", [](const Tensor& x, py::handle lo, py::handle hi) {
             return clamp(x, opt_number(lo, "clamp(min)"), opt_number(hi, "clamp(max)"));
           }, py::arg("min") = py::none(), py::arg("max") = py::none())
      .def("clip", [](const Tensor& x, py::handle lo, py::handle hi) {
             return clamp(x, opt_number(lo, "clip(min)"), opt_number(hi, "clip(max)"));
           }, py::arg("min") = py::none(), py::arg("max") = py::none())
      .def("where", [](const Tensor& x, const Tensor& cond, py::handle other) { return where_fn(cond, py::cast(x), other); },
           py::arg("condition"), py::arg("other"))
      .def("clone", &unary<clone>)
      .def("to", [](const Tensor& x, py::handle target) {
             // minidl runs on the CPU only: .to("cpu") (common in ported PyTorch code) is a no-op
             if (py::isinstance<py::str>(target) && target.cast<std::string>() == "cpu") return x;
             return to_dtype(x, parse_dtype(target));
           }, py::arg("dtype"))
      .def("cpu", [](const Tensor& x) { return x; }, "minidl tensors always live in CPU memory: returns self.")
      .def("type", [](const Tensor& x, py::handle dtype) { return to_dtype(x, parse_dtype(dtype)); }, py::arg("dtype"))
      .def("float", [](const Tensor& x) { return to_dtype(x, DType::Float32); })
      .def("double", [](const Tensor& x) { return to_dtype(x, DType::Float64); })
      .def("long", [](const Tensor& x) { return to_dtype(x, DType::Int64); })
      .def("bool", [](const Tensor& x) { return to_dtype(x, DType::Bool); })
      // in place
      .def("add_", [](Tensor& a, py::handle b, double alpha) -> Tensor& { return add_(a, to_operand(b, a, "add_"), alpha); },
           py::arg("other"), py::kw_only(), py::arg("alpha") = 1.0)
      .def("sub_", [](Tensor& a, py::handle b, double alpha) -> Tensor& { return sub_(a, to_operand(b, a, "sub_"), alpha); },
           py::arg("other"), py::kw_only(), py::arg("alpha") = 1.0)
      .def("mul_", [](Tensor& a, py::handle b) -> Tensor& { return mul_(a, to_operand(b, a, "mul_")); })
      .def("div_", [](Tensor& a, py::handle b) -> Tensor& { return div_(a, to_operand(b, a, "div_")); })
      .def("zero_", [](Tensor& a) -> Tensor& { return zero_(a); })
      .def("fill_", [](Tensor& a, double v) -> Tensor& { return fill_(a, v); }, py::arg("value"))
      .def("copy_", [](Tensor& a, const Tensor& src) -> Tensor& { return copy_(a, src); }, py::arg("src"));

  // functions: minidl.add(a, b) etc.
  m.def("add", [](py::handle a, py::handle b) { return function_op<add>(a, b); }, py::arg("input"), py::arg("other"));
  m.def("sub", [](py::handle a, py::handle b) { return function_op<sub>(a, b); }, py::arg("input"), py::arg("other"));
  m.def("mul", [](py::handle a, py::handle b) { return function_op<mul>(a, b); }, py::arg("input"), py::arg("other"));
  m.def("div", [](py::handle a, py::handle b) { return function_op<div>(a, b); }, py::arg("input"), py::arg("other"));
  m.def("pow", [](py::handle a, py::handle b) { return function_op<pow>(a, b); }, py::arg("input"), py::arg("exponent"));
  m.def("maximum", [](py::handle a, py::handle b) { return function_op<maximum>(a, b); }, py::arg("input"), py::arg("other"));
  m.def("minimum", [](py::handle a, py::handle b) { return function_op<minimum>(a, b); }, py::arg("input"), py::arg("other"));
  m.def("eq", [](py::handle a, py::handle b) { return function_op<eq>(a, b); });
  m.def("ne", [](py::handle a, py::handle b) { return function_op<ne>(a, b); });
  m.def("lt", [](py::handle a, py::handle b) { return function_op<lt>(a, b); });
  m.def("le", [](py::handle a, py::handle b) { return function_op<le>(a, b); });
  m.def("gt", [](py::handle a, py::handle b) { return function_op<gt>(a, b); });
  m.def("ge", [](py::handle a, py::handle b) { return function_op<ge>(a, b); });
  m.def("logical_and", [](py::handle a, py::handle b) { return function_op<logical_and>(a, b); });
  m.def("logical_or", [](py::handle a, py::handle b) { return function_op<logical_or>(a, b); });
  m.def("logical_xor", [](py::handle a, py::handle b) { return function_op<logical_xor>(a, b); });
  m.def("logical_not", &logical_not);
  m.def("neg", &unary<neg>);
  m.def("abs", &unary<abs>);
  m.def("exp", &unary<exp>, "y = e^x;  dy/dx = y");
  m.def("log", &unary<log>, "y = ln x;  dy/dx = 1/x");
  m.def("sqrt", &unary<sqrt>, "y = sqrt(x);  dy/dx = 1/(2 sqrt(x))");
  m.def("sin", &unary<sin>);
  m.def("cos", &unary<cos>);
  m.def("tanh", &unary<tanh>, "y = tanh x;  dy/dx = 1 - y^2");
  m.def("sigmoid", &unary<sigmoid>, "y = 1/(1 + e^-x);  dy/dx = y(1 - y)  (computed stably for large |x|)");
  m.def("relu", &unary<relu>, "y = max(x, 0);  dy/dx = 1 if x > 0 else 0 (relu'(0) = 0)");
  m.def("clamp", [](const Tensor& x, py::handle lo, py::handle hi) {
          return clamp(x, opt_number(lo, "clamp(min)"), opt_number(hi, "clamp(max)"));
        }, py::arg("input"), py::arg("min") = py::none(), py::arg("max") = py::none());
  m.def("where", &where_fn, py::arg("condition"), py::arg("input"), py::arg("other"),
        "where(cond, a, b): a where cond is True, else b (broadcast). Gradient flows to the chosen side.");
  m.def("clone", &unary<clone>);
}

}  // namespace minidl::bind
