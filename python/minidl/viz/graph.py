"""The autograd graph of a tensor as a picture (graphviz) or as indented text.

``draw_graph(y)`` walks ``y.grad_fn`` and each node's ``next_functions`` back to the leaves, as
PyTorch's autograd does in ``backward()``, and draws what it finds (torchviz's ``make_dot`` does
the same for PyTorch). Edges point the way the data flowed in the forward pass: from the leaves
(parameters and inputs, blue) through the op nodes (grey, named by their backward, e.g.
``MulBackward0``) to the output (green). A node reached along several paths is drawn once.
"""
import shutil

from .._C import Tensor

__all__ = ["draw_graph", "TextGraph"]

_FORMATS = ("text", "graphviz", "dot", "svg", "png", "pdf")
_STYLE = {"op": "lightgrey", "leaf": "lightblue", "output": "darkolivegreen1"}


class TextGraph:
    """The graph as an indented tree, from the output back to the leaves (what ``draw_graph``
    returns without graphviz, or with ``format='text'``). ``str()`` and ``repr()`` give the
    text; a node reached again along another path is marked ``[#k]`` where first drawn and
    ``[#k, see above]`` where repeated, and not expanded twice.

    ``nodes``: ``{id: label}``; ``edges``: ``[(from_id, to_id), ...]`` in forward direction.
    """

    def __init__(self, text, nodes, edges):
        self.text = text
        self.nodes = nodes
        self.edges = edges

    def __str__(self):
        return self.text

    __repr__ = __str__


def draw_graph(tensor, params=None, show_shapes=True, format=None):
    """Draw the autograd graph that produced ``tensor``.

    ``params``: optional ``{name: tensor}`` naming leaves (parameters, inputs) as torchviz does,
    e.g. ``dict(model.named_parameters())``; a named non-leaf tensor names the op that made it
    and shows its shape. ``show_shapes``: put tensor shapes in the labels. The output's and the
    leaves' shapes are always known; an intermediate op shows its shape when its tensor is named
    in ``params`` (minidl's Python ``Node`` does not expose the shapes the engine records).

    ``format``: ``None`` (a ``graphviz.Digraph`` when the ``graphviz`` package and its ``dot``
    program are installed, else a ``TextGraph``), ``'text'`` (always a ``TextGraph``), or
    ``'graphviz'`` / ``'dot'`` / ``'svg'`` / ``'png'`` / ``'pdf'`` (a ``Digraph`` rendering to that
    format, svg for the first two; RuntimeError when graphviz is missing).
    A Digraph shows itself inline in Jupyter; ``.render(path)`` writes a file.
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"draw_graph(): tensor must be a minidl Tensor, got {type(tensor).__name__}")
    if format is not None and format not in _FORMATS:
        raise ValueError(f"draw_graph(): unknown format {format!r}; valid: None, "
                         + ", ".join(repr(f) for f in _FORMATS))
    names = _named_nodes(params)
    nodes, edges = _walk(tensor, names, show_shapes)
    if format == "text":
        return _text(nodes, edges)
    graphviz, missing = _graphviz()
    if graphviz is None:
        if format is None:
            return _text(nodes, edges)
        raise RuntimeError(f"draw_graph(format={format!r}) needs {missing}; install it (pip install "
                           "graphviz; apt-get install graphviz for `dot`) or use format='text'")
    return _digraph(graphviz, nodes, edges, "svg" if format in (None, "graphviz", "dot") else format)


def _graphviz():
    """(the graphviz module, None) when it and `dot` can draw, else (None, what is missing)."""
    try:
        import graphviz
    except ImportError:
        return None, "the Python package 'graphviz'"
    if shutil.which("dot") is None:
        return None, "Graphviz's 'dot' program on PATH"
    return graphviz, None


def _named_nodes(params):
    """{id(graph node): (name, tensor)} for the tensors in params that are part of a graph."""
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise TypeError(f"draw_graph(): params must be a dict {{name: tensor}}, got {type(params).__name__}")
    from .._grad_mode import enable_grad

    named = {}
    for name, t in params.items():
        if not isinstance(t, Tensor):
            raise TypeError(f"draw_graph(): params[{name!r}] must be a minidl Tensor, got {type(t).__name__}")
        node = t.grad_fn
        if node is None and t.requires_grad:
            # A leaf's AccumulateGrad node is cached on the leaf while a graph holds it, so the edge of
            # a fresh view of the leaf is the very node the graph reaches (same Python object).
            with enable_grad():
                node = t.view(tuple(t.shape)).grad_fn.next_functions[0][0]
        if node is not None:
            named[id(node)] = (str(name), t, node)  # the node is kept so that its id stays unique
    return named


def _walk(tensor, names, show_shapes):
    """nodes: {id: (kind, label)} in discovery order; edges: [(input id, consumer id)] (forward).

    Iterative depth-first search: a graph of 100,000 nodes must not hit the recursion limit.
    """
    def shape(t):
        return f"{tuple(t.shape)}" if show_shapes else None

    def lines(*parts):
        return "\n".join(p for p in parts if p)

    keep = []  # holds every Node wrapper met, so that ids are not reused during the walk
    nodes, edges = {}, []

    def add(node):
        key = id(node)
        if key in nodes:
            return key, False
        keep.append(node)
        name, t = (names[key][0], names[key][1]) if key in names else (None, None)
        if node.name() == "AccumulateGrad":
            v = node.variable
            nodes[key] = ("leaf", lines(name or "leaf", shape(v), "AccumulateGrad"))
        else:
            nodes[key] = ("op", lines(name, node.name(), shape(t) if t is not None else None))
        return key, True

    out_label = lines("output", shape(tensor))
    root = tensor.grad_fn
    if root is None:
        if tensor.requires_grad:
            nodes["output"] = ("leaf", lines("leaf (no grad_fn)", shape(tensor)))
        else:
            nodes["output"] = ("output", lines("tensor (requires_grad=False, no graph)", shape(tensor)))
        return nodes, edges
    nodes["output"] = ("output", out_label)
    rkey, _ = add(root)
    edges.append((rkey, "output"))
    stack = [root]
    while stack:
        node = stack.pop()
        nkey = id(node)
        fresh = []
        for nxt, _ in node.next_functions:
            if nxt is None:  # an input that does not require grad: no edge
                continue
            key, new = add(nxt)
            edges.append((key, nkey))
            if new:
                fresh.append(nxt)
        stack.extend(reversed(fresh))  # visit the inputs in their order
    del keep[:]  # the nodes dict no longer needs the wrappers: its keys are only labels now
    return _renumber(nodes, edges)


def _renumber(nodes, edges):
    """Python ids -> stable names 'n0', 'n1', ... in discovery order ('output' stays)."""
    ops = [k for k in nodes if k != "output"]
    ids = {k: f"n{i}" for i, k in enumerate(ops)}
    ids["output"] = "output"
    return {ids[k]: v for k, v in nodes.items()}, [(ids[a], ids[b]) for a, b in edges]


def _digraph(graphviz, nodes, edges, fmt):
    dot = graphviz.Digraph(format=fmt, graph_attr={"ranksep": "0.2", "nodesep": "0.3"},
                           node_attr={"style": "filled", "shape": "box", "align": "left", "fontsize": "10",
                                      "height": "0.2", "fontname": "monospace"})
    for key, (kind, label) in nodes.items():
        dot.node(key, label, fillcolor=_STYLE[kind], style="filled" if kind == "op" else "filled,rounded")
    for a, b in edges:
        dot.edge(a, b)
    return dot


def _text(nodes, edges):
    """The indented tree from the output backwards; shared nodes expanded once, then referenced."""
    inputs = {}
    for a, b in edges:
        inputs.setdefault(b, []).append(a)
    uses = {}
    for a, _ in edges:
        uses[a] = uses.get(a, 0) + 1
    shared = {}  # node id -> its mark number, for nodes reached along more than one edge
    for key in nodes:
        if uses.get(key, 0) > 1:
            shared[key] = len(shared) + 1

    def one_line(key):
        return "  ".join(nodes[key][1].split("\n"))

    out, seen = [], set()
    stack = [("output", "", "")]  # (node, prefix of its line, prefix of its inputs' lines)
    while stack:
        key, head, tail = stack.pop()
        mark = f"  [#{shared[key]}]" if key in shared else ""
        if key in seen:
            out.append(f"{head}{one_line(key)}  [#{shared[key]}, see above]")
            continue
        seen.add(key)
        out.append(f"{head}{one_line(key)}{mark}")
        kids = inputs.get(key, [])
        for i in reversed(range(len(kids))):
            last = i == len(kids) - 1
            branch, indent = ("└─ ", "   ") if last else ("├─ ", "│  ")
            stack.append((kids[i], tail + branch, tail + indent))
    return TextGraph("\n".join(out), {k: v[1] for k, v in nodes.items()}, list(edges))
