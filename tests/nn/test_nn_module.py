"""nn.Parameter and nn.Module mechanics: registration, naming and order, hooks, modes,
zero_grad, apply, dtype conversion, repr. Built from small modules of existing ops
(``x @ W + b``), so nothing here depends on the C++ layer kernels."""
import numpy as np
import pytest

import minidl
from minidl import nn


class Affine(nn.Module):
    """``y = x @ w + b`` with ``w`` stored (in, out): a Linear built from existing ops only."""

    def __init__(self, n_in, n_out, bias=True, dtype=minidl.float64):
        super().__init__()
        self.n_in, self.n_out = n_in, n_out
        self.weight = nn.Parameter(minidl.randn(n_in, n_out, dtype=dtype))
        if bias:
            self.bias = nn.Parameter(minidl.randn(n_out, dtype=dtype))
        else:
            self.register_parameter("bias", None)

    def forward(self, x):
        y = minidl.matmul(x, self.weight)
        return y if self.bias is None else y + self.bias

    def extra_repr(self):
        return f"n_in={self.n_in}, n_out={self.n_out}"


class Act(nn.Module):
    def forward(self, x):
        return minidl.relu(x)


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = Affine(3, 3)
        self.register_buffer("running", minidl.zeros(3, dtype=minidl.float64))
        self.register_buffer("scratch", minidl.ones(2), persistent=False)

    def forward(self, x):
        return minidl.relu(self.lin(x)) + self.running


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc1 = Affine(4, 3)
        self.scale = nn.Parameter(minidl.ones(1, dtype=minidl.float64))
        self.block = Block()
        self.head = nn.Sequential(Act(), Affine(3, 2))
        self.not_a_param = minidl.zeros(2)  # a plain tensor attribute: neither param nor buffer

    def forward(self, x):
        return self.head(self.block(self.fc1(x) * self.scale))


def x64(*shape, seed=0):
    return minidl.from_numpy(np.random.default_rng(seed).standard_normal(shape))


# ---- Parameter --------------------------------------------------------------------------------

def test_parameter_is_a_tensor_leaf_sharing_memory():
    t = minidl.randn(3, 2)
    p = nn.Parameter(t)
    assert isinstance(p, minidl.Tensor) and isinstance(p, nn.Parameter)
    assert p.requires_grad and p.is_leaf and p.grad_fn is None
    assert p.data_ptr() == t.data_ptr()
    assert not t.requires_grad  # the source is left alone
    assert nn.Parameter(t, requires_grad=False).requires_grad is False
    assert nn.Parameter().shape == (0,)


def test_parameter_of_a_graph_tensor_is_cut_from_the_graph():
    a = minidl.randn(3, requires_grad=True)
    p = nn.Parameter(a * 2)
    assert p.is_leaf and p.grad_fn is None and p.requires_grad


def test_parameter_ops_and_backward():
    p = nn.Parameter(minidl.from_numpy(np.array([1.0, -2.0, 3.0])))
    y = (p * p).sum()
    assert type(y) is minidl.Tensor
    y.backward()
    np.testing.assert_array_equal(p.grad.numpy(), [2.0, -4.0, 6.0])


def test_parameter_repr_and_requires_grad_returns_self():
    p = nn.Parameter(minidl.tensor([1.0, 2.0]))
    r = repr(p)
    assert r.startswith("Parameter containing:\ntensor([1., 2.]")
    assert r.endswith("requires_grad=True)")
    assert p.requires_grad_(False) is p and not p.requires_grad


def test_parameter_rejects_non_tensor():
    with pytest.raises(TypeError, match="minidl.Tensor"):
        nn.Parameter(np.zeros(3))


# ---- registration and walking the tree ----------------------------------------------------------

def test_named_parameters_order_is_pytorchs():
    # torch.nn.Module.named_parameters walks named_modules() (self first), listing each module's
    # own _parameters: so a module's own parameters come before its children's.
    net = Net()
    assert [n for n, _ in net.named_parameters()] == [
        "scale", "fc1.weight", "fc1.bias", "block.lin.weight", "block.lin.bias", "head.1.weight",
        "head.1.bias"]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert [p for p in net.parameters()][1] is net.fc1.weight
    assert [n for n, _ in net.named_parameters(prefix="model")][0] == "model.scale"


def test_state_dict_keys_like_pytorch():
    net = Net()
    # state_dict goes module by module: own params, own persistent buffers, then children
    assert list(net.state_dict()) == [
        "scale", "fc1.weight", "fc1.bias", "block.running", "block.lin.weight", "block.lin.bias",
        "head.1.weight", "head.1.bias"]


def test_buffers_children_modules():
    net = Net()
    assert [n for n, _ in net.named_buffers()] == ["block.running", "block.scratch"]
    assert list(net.buffers())[0] is net.block.running
    assert [n for n, _ in net.named_children()] == ["fc1", "block", "head"]
    assert list(net.children())[1] is net.block
    assert [n for n, _ in net.named_modules()] == [
        "", "fc1", "block", "block.lin", "head", "head.0", "head.1"]
    assert list(net.modules())[0] is net
    assert net.get_submodule("head.1") is net.head[1]
    assert net.get_parameter("block.lin.bias") is net.block.lin.bias
    with pytest.raises(AttributeError, match="nothere"):
        net.get_submodule("block.nothere")


def test_attribute_kinds():
    net = Net()
    assert "fc1" in net._modules and "fc1" not in net.__dict__
    assert "scale" in net._parameters and "scale" not in net.__dict__
    assert "not_a_param" in net.__dict__
    assert isinstance(net.block.running, minidl.Tensor)
    with pytest.raises(AttributeError, match="'Net' object has no attribute 'nope'"):
        net.nope  # noqa: B018


def test_shared_parameters_and_modules_are_listed_once():
    net = nn.Module()
    shared = Affine(2, 2)
    net.a = shared
    net.b = shared
    net.tied = shared.weight
    # own parameters first (as PyTorch): the tied weight is listed under its first name
    assert [n for n, _ in net.named_parameters()] == ["tied", "a.bias"]
    assert len(list(net.modules())) == 2
    # state_dict keeps every path, as PyTorch does
    assert list(net.state_dict()) == ["tied", "a.weight", "a.bias", "b.weight", "b.bias"]


def test_reassigning_changes_kind():
    m = nn.Module()
    m.x = nn.Parameter(minidl.zeros(2))
    m.x = None  # a None parameter: stays registered as absent
    assert "x" in m._parameters and m.x is None and list(m.parameters()) == []
    m.y = Act()
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as child module 'y'"):
        m.y = minidl.zeros(2)
    m.register_buffer("buf", minidl.zeros(2))
    m.buf = minidl.ones(3)  # buffers take any tensor
    assert m.buf.shape == (3,) and "buf" in m._buffers
    with pytest.raises(TypeError, match="cannot assign 'int' as buffer 'buf'"):
        m.buf = 3
    with pytest.raises(TypeError, match="cannot assign 'Tensor' as parameter 'x'"):
        m.x = minidl.zeros(2)
    m.z = 5
    m.z = Act()  # a plain attribute replaced by a module
    assert "z" in m._modules and "z" not in m.__dict__


def test_delattr():
    net = Net()
    del net.fc1
    del net.scale
    del net.block.running
    assert "fc1" not in [n for n, _ in net.named_children()]
    assert "scale" not in dict(net.named_parameters())
    assert "block.running" not in net.state_dict()
    with pytest.raises(AttributeError):
        net.fc1  # noqa: B018


def test_registration_errors():
    m = nn.Module()
    with pytest.raises(KeyError, match="contain"):
        m.register_buffer("a.b", minidl.zeros(1))
    with pytest.raises(KeyError, match="empty string"):
        m.register_parameter("", None)
    with pytest.raises(KeyError, match="attribute 'train' already exists"):
        m.register_buffer("train", minidl.zeros(1))
    with pytest.raises(TypeError, match="minidl.nn.Parameter or None"):
        m.register_parameter("w", minidl.zeros(1))
    with pytest.raises(TypeError, match="minidl.Tensor or None"):
        m.register_buffer("b", [1, 2])
    with pytest.raises(TypeError, match="is not a Module subclass"):
        m.add_module("c", 3)

    class Early(nn.Module):
        def __init__(self):
            self.w = nn.Parameter(minidl.zeros(1))  # before super().__init__()

    with pytest.raises(AttributeError, match=r"before Module.__init__\(\) call"):
        Early()


def test_forward_must_be_written():
    with pytest.raises(NotImplementedError, match='missing the required "forward"'):
        nn.Module()(minidl.zeros(1))


def test_call_runs_forward_and_gradients_reach_all_parameters():
    net = Net()
    x = x64(5, 4)
    y = net(x)
    w1, b1, s = net.fc1.weight.detach().numpy(), net.fc1.bias.detach().numpy(), net.scale.detach().numpy()
    w2, b2 = net.block.lin.weight.detach().numpy(), net.block.lin.bias.detach().numpy()
    w3, b3 = net.head[1].weight.detach().numpy(), net.head[1].bias.detach().numpy()
    h = (x.numpy() @ w1 + b1) * s
    h = np.maximum(h @ w2 + b2, 0)
    ref = np.maximum(h, 0) @ w3 + b3
    np.testing.assert_allclose(y.detach().numpy(), ref, rtol=1e-12, atol=1e-12)
    y.sum().backward()
    assert all(p.grad is not None for p in net.parameters())


# ---- hooks ---------------------------------------------------------------------------------------

def test_forward_hook_captures_activations_and_remove():
    net = Net()
    seen = {}

    def capture(module, inputs, output):
        assert module is net.block
        assert isinstance(inputs, tuple) and len(inputs) == 1
        seen["block"] = output

    h = net.block.register_forward_hook(capture)
    x = x64(2, 4)
    net(x)
    ref = net.block(net.fc1(x) * net.scale)  # also calls the hook again
    np.testing.assert_allclose(seen["block"].detach().numpy(), ref.detach().numpy())
    h.remove()
    seen.clear()
    net(x)
    assert seen == {}
    h.remove()  # removing twice is harmless


def test_forward_hook_can_replace_output():
    net = Net()
    x = x64(2, 4)
    h = net.head.register_forward_hook(lambda m, i, o: o * 0 + 7)
    np.testing.assert_array_equal(net(x).detach().numpy(), np.full((2, 2), 7.0))
    h.remove()
    assert not np.all(net(x).detach().numpy() == 7)


def test_forward_pre_hook_can_replace_input_and_hooks_run_in_order():
    m = Act()
    order = []
    h1 = m.register_forward_pre_hook(lambda mod, args: (order.append("pre"), (args[0] * -1,))[1])
    h2 = m.register_forward_hook(lambda mod, args, out: order.append("post"))
    h3 = m.register_forward_hook(lambda mod, args, out: order.append("first"), prepend=True)
    out = m(minidl.tensor([1.0, -2.0]))
    np.testing.assert_array_equal(out.numpy(), [0.0, 2.0])
    assert order == ["pre", "first", "post"]
    for h in (h1, h2, h3):
        h.remove()
    np.testing.assert_array_equal(m(minidl.tensor([1.0, -2.0])).numpy(), [1.0, 0.0])


def test_hook_handle_as_context_manager():
    m = Act()
    calls = []
    with m.register_forward_hook(lambda *a: calls.append(1)):
        m(minidl.zeros(1))
    m(minidl.zeros(1))
    assert calls == [1]
    with pytest.raises(TypeError, match="callable"):
        m.register_forward_hook(3)


def test_hooks_on_the_children_of_a_sequential_run():
    """Sequential calls a child's forward directly when it has no hooks; these must still run."""
    seq = nn.Sequential(Act(), Act(), Act())
    order = []
    seq[0].register_forward_pre_hook(lambda mod, args: (order.append("pre0"), (args[0] - 3,))[1])
    h = seq[2].register_forward_hook(lambda mod, args, out: (order.append("post2"), out * 10)[1])
    seq.register_forward_hook(lambda mod, args, out: order.append("seq"))
    out = seq(minidl.tensor([1.0, 5.0]))
    np.testing.assert_array_equal(out.numpy(), [0.0, 20.0])  # relu(relu(relu(x - 3))) * 10
    assert order == ["pre0", "post2", "seq"]
    h.remove()
    np.testing.assert_array_equal(seq(minidl.tensor([1.0, 5.0])).numpy(), [0.0, 2.0])
    # a hook added straight into the dict (PyTorch's private layout) is seen too
    seq[1]._forward_hooks[12345] = lambda mod, args, out: out + 1
    np.testing.assert_array_equal(seq(minidl.tensor([1.0, 5.0])).numpy(), [1.0, 3.0])


def test_a_child_overriding_call_is_called_by_sequential():
    class Doubling(Act):
        def __call__(self, *args, **kwargs):
            return super().__call__(*args, **kwargs) * 2

    seq = nn.Sequential(Act(), Doubling())
    np.testing.assert_array_equal(seq(minidl.tensor([-1.0, 3.0])).numpy(), [0.0, 6.0])


def test_call_passes_any_arguments_to_forward():
    class Args(nn.Module):
        def forward(self, *args, **kwargs):
            return args, kwargs

    m = Args()
    assert m() == ((), {})
    assert m(1) == ((1,), {})
    assert m(1, 2) == ((1, 2), {})
    assert m(1, 2, 3) == ((1, 2, 3), {})
    assert m(1, k=2) == ((1,), {"k": 2})
    assert m(k=2) == ((), {"k": 2})


# ---- modes and bulk operations -------------------------------------------------------------------

def test_train_eval_propagate():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.block.train(False)
    assert not net.block.lin.training and net.fc1.training and net.training
    with pytest.raises(ValueError, match="boolean"):
        net.train("yes")


def test_zero_grad():
    net = Net()
    net(x64(3, 4)).sum().backward()
    net.zero_grad(set_to_none=False)
    for p in net.parameters():
        assert p.grad is not None and np.all(p.grad.numpy() == 0)
    net(x64(3, 4)).sum().backward()
    net.zero_grad()
    assert all(p.grad is None for p in net.parameters())


def test_requires_grad_freezes():
    net = Net()
    assert net.block.requires_grad_(False) is net.block
    frozen = [n for n, p in net.named_parameters() if not p.requires_grad]
    assert frozen == ["block.lin.weight", "block.lin.bias"]
    net(x64(3, 4)).sum().backward()
    assert net.block.lin.weight.grad is None and net.fc1.weight.grad is not None


def test_apply_children_first():
    net = Net()
    visited = []
    assert net.apply(lambda m: visited.append(type(m).__name__)) is net
    assert visited == ["Affine", "Affine", "Block", "Act", "Affine", "Sequential", "Net"]

    def init(m):
        if isinstance(m, Affine):
            minidl.nn.init.zeros_(m.weight)

    net.apply(init)
    assert all(np.all(m.weight.detach().numpy() == 0) for m in net.modules() if isinstance(m, Affine))


def test_to_dtype_keeps_parameter_objects():
    m = Block()
    w = m.lin.weight
    m.lin(x64(2, 3)).sum().backward()
    assert m.float() is m
    assert m.lin.weight is w and isinstance(w, nn.Parameter) and w.dtype == minidl.float32 and w.requires_grad
    assert w.grad.dtype == minidl.float32
    assert m.running.dtype == minidl.float32
    m.register_buffer("count", minidl.zeros((), dtype=minidl.int64))
    m.double()
    assert w.dtype == minidl.float64 and m.count.dtype == minidl.int64  # integers are left alone
    assert m.to("cpu") is m and m.cpu() is m
    with pytest.raises(ValueError, match="CPU only"):
        m.to("cuda")
    with pytest.raises(TypeError, match="floating point"):
        m.to(minidl.int64)


# ---- repr ----------------------------------------------------------------------------------------

def test_repr_nested_and_indented():
    expected = (
        "Net(\n"
        "  (fc1): Affine(n_in=4, n_out=3)\n"
        "  (block): Block(\n"
        "    (lin): Affine(n_in=3, n_out=3)\n"
        "  )\n"
        "  (head): Sequential(\n"
        "    (0): Act()\n"
        "    (1): Affine(n_in=3, n_out=2)\n"
        "  )\n"
        ")")
    assert repr(Net()) == expected
    assert repr(Act()) == "Act()"


def test_repr_multiline_extra_repr():
    class M(nn.Module):
        def extra_repr(self):
            return "a=1\nb=2"

    assert repr(M()) == "M(\n  a=1\n  b=2\n)"


def test_dir_lists_registered_names():
    net = Net()
    d = dir(net)
    assert {"fc1", "scale", "block", "head", "forward"} <= set(d)


# ---- the same class written against both libraries ------------------------------------------------

def build_twin(lib):
    """One network class, written once, instantiated with minidl or with torch."""
    tnn = lib.nn

    class Leaf(tnn.Module):
        def __init__(self, n, bias=True):
            super().__init__()
            self.w = tnn.Parameter(lib.zeros(n, n))
            if bias:
                self.b = tnn.Parameter(lib.zeros(n))
            else:
                self.register_parameter("b", None)
            self.register_buffer("stat", lib.zeros(n))
            self.register_buffer("tmp", lib.zeros(1), persistent=False)
            self.register_buffer("absent", None)

    class Twin(tnn.Module):
        def __init__(self):
            super().__init__()
            self.first = Leaf(2)
            self.gain = tnn.Parameter(lib.ones(1))
            shared = Leaf(3, bias=False)
            self.blocks = tnn.ModuleList([shared, Leaf(4), shared])
            self.table = tnn.ModuleDict({"z": Leaf(1), "a": tnn.Sequential(Leaf(2), tnn.Identity())})
            self.tied = self.first.w

    return Twin()


def test_naming_and_order_match_pytorch_for_the_same_class():
    torch = pytest.importorskip("torch")
    ours, theirs = build_twin(minidl), build_twin(torch)

    def names(it):
        return [n for n, _ in it]

    assert names(ours.named_parameters()) == names(theirs.named_parameters())
    assert names(ours.named_parameters(recurse=False)) == names(theirs.named_parameters(recurse=False))
    assert names(ours.named_buffers()) == names(theirs.named_buffers())
    assert names(ours.named_modules()) == names(theirs.named_modules())
    assert names(ours.named_children()) == names(theirs.named_children())
    assert list(ours.state_dict()) == list(theirs.state_dict())
    assert [tuple(v.shape) for v in ours.state_dict().values()] == \
        [tuple(v.shape) for v in theirs.state_dict().values()]
    assert repr(ours) == repr(theirs)
    visited_ours, visited_theirs = [], []
    ours.apply(lambda m: visited_ours.append(type(m).__name__))
    theirs.apply(lambda m: visited_theirs.append(type(m).__name__))
    assert visited_ours == visited_theirs
