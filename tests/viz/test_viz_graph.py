"""minidl.viz.draw_graph: the autograd graph's nodes and edges against hand-written structures."""
import re
import subprocess
import sys

import pytest

import minidl
from minidl import nn
from minidl.viz import TextGraph, draw_graph

graphviz = pytest.importorskip("graphviz")


def parse(dot):
    """(labels {id: label}, edges [(from label, to label)]) from a Digraph's statements."""
    labels, edges = {}, []
    for stmt in dot.body:
        m = re.match(r'\s*(\S+) -> (\S+)', stmt)
        if m:
            edges.append(m.groups())
            continue
        m = re.match(r'\s*(\S+) \[label=(".*?"|\S+)', stmt, re.S)
        assert m, stmt
        labels[m.group(1)] = m.group(2).strip('"')
    return labels, [(labels[a], labels[b]) for a, b in edges]


def head(label):
    """A label's node name: the op for op nodes, the tensor's name for leaves and the output."""
    parts = label.split("\n")
    ops = [p for p in parts if p.endswith("Backward0")]
    return ops[0] if ops else parts[0]


@pytest.fixture
def abc():
    a = minidl.randn(2, 3, requires_grad=True)
    b = minidl.randn(3, requires_grad=True)
    c = minidl.tensor(1.0, requires_grad=True)
    return a, b, c


def test_sum_of_product_plus_leaf(abc):
    a, b, c = abc
    dot = draw_graph((a * b + c).sum(), params={"a": a, "b": b, "c": c})
    assert isinstance(dot, graphviz.Digraph)
    labels, edges = parse(dot)
    assert sorted(head(v) for v in labels.values()) == sorted(
        ["output", "SumBackward0", "AddBackward0", "MulBackward0", "a", "b", "c"])
    assert sum("AccumulateGrad" in v for v in labels.values()) == 3
    assert sorted((head(x), head(y)) for x, y in edges) == sorted([
        ("a", "MulBackward0"), ("b", "MulBackward0"), ("MulBackward0", "AddBackward0"),
        ("c", "AddBackward0"), ("AddBackward0", "SumBackward0"), ("SumBackward0", "output")])


def test_text_form_is_the_expected_tree(abc):
    a, b, c = abc
    g = draw_graph((a * b + c).sum(), params={"a": a, "b": b, "c": c}, format="text")
    assert isinstance(g, TextGraph)
    expected = "\n".join([
        "output  ()",
        "└─ SumBackward0",
        "   └─ AddBackward0",
        "      ├─ MulBackward0",
        "      │  ├─ a  (2, 3)  AccumulateGrad",
        "      │  └─ b  (3,)  AccumulateGrad",
        "      └─ c  ()  AccumulateGrad",
    ])
    assert str(g) == expected and repr(g) == expected
    assert len(g.nodes) == 7 and len(g.edges) == 6


def test_shapes_in_labels_and_their_absence():
    x = minidl.randn(4, 3, requires_grad=True)
    w = minidl.randn(3, 2, requires_grad=True)
    h = x @ w
    y = minidl.tanh(h)
    labels, _ = parse(draw_graph(y, params={"x": x, "w": w, "h": h}))
    by_head = {head(v): v for v in labels.values()}
    assert "(4, 3)" in by_head["x"] and "(3, 2)" in by_head["w"]
    assert "(4, 2)" in by_head["output"]
    assert by_head["TanhBackward0"] == "TanhBackward0"  # not named: its shape is not known
    hnode = [v for v in labels.values() if v.startswith("h\n")]
    assert len(hnode) == 1 and "(4, 2)" in hnode[0]  # named intermediate: name, op and shape
    labels, _ = parse(draw_graph(y, show_shapes=False))
    assert not any("(" in v for v in labels.values())


def test_module_parameters_are_named():
    model = nn.Linear(3, 2)
    y = model(minidl.randn(5, 3)).sum()
    labels, _ = parse(draw_graph(y, params=dict(model.named_parameters())))
    leaves = sorted(v for v in labels.values() if "AccumulateGrad" in v)
    assert leaves == ["bias\n(2,)\nAccumulateGrad", "weight\n(2, 3)\nAccumulateGrad"]


def test_shared_subgraph_drawn_once(abc):
    a, b, _ = abc
    h = a * b
    z = (h + minidl.exp(h)).sum()
    labels, edges = parse(draw_graph(z))
    assert [head(v) for v in labels.values()].count("MulBackward0") == 1
    assert sorted(y for x, y in edges if head(x) == "MulBackward0") == ["AddBackward0", "ExpBackward0"]
    assert len(labels) == 7  # output, Sum, Add, Exp, Mul, two leaves
    text = str(draw_graph(z, format="text"))
    assert text.count("MulBackward0") == 2
    assert text.count("MulBackward0  [#1]") == 1 and text.count("MulBackward0  [#1, see above]") == 1
    assert text.count("AccumulateGrad") == 2  # the repeat is not expanded again


def test_same_input_twice_gives_two_edges():
    x = minidl.randn(3, requires_grad=True)
    labels, edges = parse(draw_graph(x * x, params={"x": x}))
    assert len(labels) == 3
    assert sorted((head(a), head(b)) for a, b in edges) == [
        ("MulBackward0", "output"), ("x", "MulBackward0"), ("x", "MulBackward0")]


def test_constant_inputs_have_no_node():
    x = minidl.randn(3, requires_grad=True)
    labels, edges = parse(draw_graph(x * minidl.ones(3) + 2.0))
    assert sorted(head(v) for v in labels.values()) == ["AddBackward0", "MulBackward0", "leaf", "output"]
    assert len(edges) == 3


def test_deep_chain_does_not_recurse():
    x = minidl.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(3000):
        y = y * 1.0
    g = draw_graph(y, format="text", show_shapes=False)
    assert len(g.nodes) == 3002 and len(g.edges) == 3001
    assert str(g).count("MulBackward0") == 3000


def test_text_fallback_without_graphviz_package(abc, monkeypatch):
    a, b, c = abc
    monkeypatch.setitem(sys.modules, "graphviz", None)  # `import graphviz` raises ImportError
    g = draw_graph((a * b + c).sum())
    assert isinstance(g, TextGraph) and "MulBackward0" in str(g)
    with pytest.raises(RuntimeError, match="'graphviz'.*format='text'"):
        draw_graph(a * b, format="svg")


def test_text_fallback_without_dot_program(abc, monkeypatch):
    a, b, _ = abc
    monkeypatch.setenv("PATH", "")
    assert isinstance(draw_graph(a * b), TextGraph)
    with pytest.raises(RuntimeError, match="dot"):
        draw_graph(a * b, format="graphviz")


def test_image_format_is_passed_to_graphviz(abc):
    a, b, _ = abc
    assert draw_graph(a * b, format="png").format == "png"
    assert draw_graph(a * b).format == "svg"


def test_renders_svg_with_dot(abc):
    a, b, _ = abc
    svg = draw_graph(a * b, params={"a": a}).pipe(format="svg").decode()
    assert "<svg" in svg and "MulBackward0" in svg and "(2, 3)" in svg


def test_leaf_and_constant_tensors(abc):
    a, _, _ = abc
    g = draw_graph(a, format="text")
    assert str(g) == "leaf (no grad_fn)  (2, 3)" and g.edges == []
    labels, edges = parse(draw_graph(minidl.ones(4)))
    assert list(labels.values()) == ["tensor (requires_grad=False, no graph)\n(4,)"] and edges == []


def test_errors(abc):
    a, b, _ = abc
    with pytest.raises(TypeError, match="tensor must be a minidl Tensor, got list"):
        draw_graph([1.0, 2.0])
    with pytest.raises(TypeError, match="got ndarray"):
        draw_graph(a.detach().numpy())
    with pytest.raises(ValueError, match="unknown format 'jpeg'"):
        draw_graph(a * b, format="jpeg")
    with pytest.raises(TypeError, match="params must be a dict.*got list"):
        draw_graph(a * b, params=[a, b])
    with pytest.raises(TypeError, match=r"params\['b'\] must be a minidl Tensor, got float"):
        draw_graph(a * b, params={"a": a, "b": 1.5})


def test_import_does_not_load_graphviz():
    code = "import sys, minidl, minidl.viz; assert 'graphviz' not in sys.modules, 'graphviz was imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
