"""Leaks: long training keeps memory flat; graphs, tensors and optimizer state die with their owners.

Two instruments: resident memory (/proc/self/statm) over 10,000 training steps, and the C++
allocation counters of minidl._C._debug (live TensorImpls, Storages and autograd Nodes,
atomics bumped in their constructors and destructors), which must return exactly to their
baseline once the Python objects that own a graph, a model or an optimizer are gone.
"""
import gc
import os
import weakref

import numpy as np
import pytest

import minidl
from minidl import nn, optim

D = minidl._C._debug


def counts():
    gc.collect()
    return {"tensors": D.live_tensor_impls(), "storages": D.live_storages(), "nodes": D.live_nodes()}


def rss_bytes():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def make_mlp(seed=0):
    minidl.manual_seed(seed)
    return nn.Sequential(nn.Linear(4, 16), nn.Tanh(), nn.Linear(16, 1))


def data(n=32, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, 4)).astype(np.float32)
    y = (x @ np.array([[1.0], [-2.0], [0.5], [3.0]], dtype=np.float32)).astype(np.float32)
    return minidl.from_numpy(x), minidl.from_numpy(y)


def train_steps(model, opt, x, y, n):
    loss_fn = nn.MSELoss()
    for _ in range(n):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
    return loss.item()


@pytest.mark.skipif(not os.path.exists("/proc/self/statm"), reason="needs Linux's /proc")
def test_ten_thousand_training_steps_keep_resident_memory_flat():
    model = make_mlp()
    opt = optim.Adam(model.parameters(), lr=1e-2)
    x, y = data(n=512)  # (512, 16) activations: a leaked one per step would be 300 MB
    first = train_steps(model, opt, x, y, 500)  # warm-up: allocator pools, optimizer state, caches
    start_counts, start_rss = counts(), rss_bytes()
    rss = []
    for _ in range(19):
        train_steps(model, opt, x, y, 500)
        rss.append(rss_bytes())
    last = train_steps(model, opt, x, y, 1)  # 10,000 steps in all
    assert counts() == start_counts  # not one tensor, storage or node more than after warm-up
    assert last < first / 10  # the steps did train (a loop that computed nothing would also be flat)
    if os.environ.get("MINIDL_SANITIZED"):
        return  # ASan keeps freed memory in quarantine (up to 256 MB): its RSS says nothing
    growth = max(rss) - start_rss
    assert growth < 4 * 2**20, f"resident memory grew by {growth / 2**20:.1f} MB over 9,500 steps: {rss}"


def test_graph_freed_when_the_output_is_dropped_without_backward():
    model = make_mlp()
    x, _ = data()
    base = counts()
    out = model(x).sum()
    during = counts()
    assert during["nodes"] >= 5 and during["storages"] > base["storages"]  # the graph and its saved tensors
    del out
    assert counts() == base


def test_backward_frees_the_saved_tensors_before_the_output_goes():
    model = make_mlp()
    x, y = data()
    nn.MSELoss()(model(x), y).backward()  # .grad buffers exist from here on
    base = counts()
    loss = nn.MSELoss()(model(x), y)
    kept = counts()["storages"]
    loss.backward()
    # the graph's saved activations are released by backward even while `loss` lives on
    assert counts()["storages"] < kept
    del loss
    assert counts() == base


def test_retain_graph_keeps_it_until_the_output_goes():
    model = make_mlp()
    x, y = data()
    nn.MSELoss()(model(x), y).backward()
    base = counts()
    loss = nn.MSELoss()(model(x), y)
    loss.backward(retain_graph=True)
    loss.backward()
    del loss
    assert counts() == base


def test_model_optimizer_and_state_freed_with_their_owners():
    base = counts()
    model = make_mlp()
    opt = optim.Adam(model.parameters(), lr=1e-3)
    x, y = data()
    train_steps(model, opt, x, y, 3)
    refs = [weakref.ref(model), weakref.ref(opt), weakref.ref(model[0]), weakref.ref(model[0].weight)]
    with_state = counts()
    assert len(opt.state) == 4
    del opt
    after_opt = counts()
    # Adam's two moment buffers per parameter go with the optimizer; the parameters stay
    assert after_opt["storages"] <= with_state["storages"] - 2 * 4
    assert refs[1]() is None and refs[0]() is not None
    del model
    assert all(r() is None for r in refs)
    del x, y
    assert counts() == base


def test_cycles_through_hooks_and_stored_outputs_are_collected():
    base = counts()
    model = make_mlp()
    x = data()[0]
    seen = []
    # module -> its hooks -> the closure -> the module: a cycle only the garbage collector breaks
    model[0].register_forward_hook(lambda m, inp, out: seen.append(model))
    model.last_output = model(x)  # module -> output -> graph (C++): the graph holds no Python object
    ref = weakref.ref(model)
    assert seen and counts()["nodes"] > base["nodes"]
    del model, seen, x
    assert ref() is None
    assert counts() == base


def test_a_tensor_owning_its_grad_chain_frees_it():
    base = counts()
    w = minidl.randn(8, 8, requires_grad=True)
    for _ in range(3):
        (w @ w).relu().sum().backward()
    assert w.grad is not None
    ref_counts = counts()
    assert ref_counts["storages"] == base["storages"] + 2  # w and w.grad, nothing else
    del w
    assert counts() == base


def test_counters_are_exact_for_views_and_numpy_sharing():
    base = counts()
    arr = np.zeros((4, 5), dtype=np.float32)
    t = minidl.from_numpy(arr)
    v = t[1:3].t()
    c = counts()
    assert c["storages"] == base["storages"] + 1  # one block shared by the tensor and its view
    assert c["tensors"] >= base["tensors"] + 2
    del t, v
    assert counts() == base
