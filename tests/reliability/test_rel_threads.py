"""Threads: kernels release the GIL, concurrent training equals sequential training, and
set_num_threads may be called at any time, from any thread."""
import threading
import time

import numpy as np
import pytest

import minidl
from minidl import nn, optim


@pytest.fixture(autouse=True)
def _restore_threads():
    n = minidl.get_num_threads()
    yield
    minidl.set_num_threads(n)


def run_threads(*fns):
    """Run each fn in its own thread; re-raise the first exception one of them raised."""
    errors = []

    def wrap(fn):
        def run():
            try:
                fn()
            except BaseException as e:  # pragma: no cover - reported below
                errors.append(e)
        return run
    ths = [threading.Thread(target=wrap(f)) for f in fns]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    if errors:
        raise errors[0]


def runs_without_gil(fn, seconds=0.4):
    """True when another Python thread keeps running while fn() runs (fn then holds no GIL).

    fn is called again and again for `seconds` while a thread spins appending the time to a
    list; the share of that time it was ticking (gaps under 2 ms) is large when fn releases
    the GIL and small when it holds it (the spinner then runs only between calls)."""
    ticks, stop = [], threading.Event()

    def spin():
        while not stop.is_set():
            ticks.append(time.perf_counter())
    th = threading.Thread(target=spin)
    th.start()
    while not ticks:
        time.sleep(0.001)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        fn()
    t1 = time.perf_counter()
    stop.set()
    th.join()
    t = np.array(ticks)
    gaps = np.diff(t[(t > t0) & (t < t1)])
    return gaps[gaps < 0.002].sum() / (t1 - t0) > 0.25  # measured: 0.55-0.7 released, 0.03 held


def test_big_kernels_release_the_gil():
    minidl.set_num_threads(1)  # leave a core to the spinning thread
    a = minidl.randn(700, 700, dtype=minidl.float64)
    big = minidl.randn(4_000_000, dtype=minidl.float64)
    assert runs_without_gil(lambda: a @ a)
    assert runs_without_gil(lambda: minidl.exp(big).sum())
    x = minidl.randn(2_000_000, dtype=minidl.float64, requires_grad=True)
    assert runs_without_gil(lambda: minidl.tanh(x * x).sum().backward())


def test_the_probe_sees_a_held_gil():
    # the same probe on a C call that holds the GIL (builtin sum runs no bytecode, so Python
    # never switches threads inside it): it must say so, or the test above proves nothing
    assert not runs_without_gil(lambda: sum(range(20_000_000)))


def make_model(seed):
    minidl.manual_seed(seed)
    return nn.Sequential(nn.Linear(64, 256), nn.Tanh(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def make_data(seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((256, 64)).astype(np.float32)  # (256, 256) activations: big enough to drop the GIL
    y = rng.integers(0, 10, 256)
    return minidl.from_numpy(x), minidl.from_numpy(y)


def train(model, x, y, steps, opt_cls, **kw):
    opt = opt_cls(model.parameters(), **kw)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def snapshot(model):
    return [p.detach().numpy().copy() for p in model.parameters()]


@pytest.mark.parametrize("threads", [1, 2])
def test_two_threads_training_at_once_equal_training_one_after_the_other(threads):
    minidl.set_num_threads(threads)
    jobs = [(1, 11, optim.SGD, {"lr": 0.1, "momentum": 0.9}), (2, 12, optim.Adam, {"lr": 1e-3})]
    steps = 25

    sequential = []
    for mseed, dseed, cls, kw in jobs:
        model = make_model(mseed)
        losses = train(model, *make_data(dseed), steps, cls, **kw)
        sequential.append((losses, snapshot(model)))

    models = [make_model(mseed) for mseed, *_ in jobs]  # made before the threads: the seed decides them
    data = [make_data(dseed) for _, dseed, *_ in jobs]
    results = [None, None]

    def job(i):
        def run():
            _, _, cls, kw = jobs[i]
            results[i] = train(models[i], *data[i], steps, cls, **kw)
        return run
    run_threads(job(0), job(1))

    for i in range(2):
        assert results[i] == sequential[i][0]
        for got, want in zip(snapshot(models[i]), sequential[i][1]):
            np.testing.assert_array_equal(got, want)
    assert sequential[0][0][-1] < sequential[0][0][0]  # the runs trained


def test_set_num_threads_from_another_thread_while_training():
    # OpenBLAS (0.3.21, OpenMP build: adjust_thread_buffers) frees the buffers of the threads it
    # drops when its thread count changes; doing that while another thread is inside a matrix
    # product would free buffers in use. Under scripts/sanitize.sh ASan would report it.
    x, y = make_data(5)
    model = make_model(5)
    stop = threading.Event()
    calls = [0]

    def toggle():
        n = 0
        while not stop.is_set():
            minidl.set_num_threads(1 + n % 4)
            n += 1
            calls[0] = n
            time.sleep(0.0005)

    def training():
        try:
            losses = train(model, x, y, 30, optim.SGD, lr=0.05)
            assert all(np.isfinite(losses)) and losses[-1] < losses[0]
        finally:
            stop.set()

    run_threads(toggle, training)
    assert calls[0] > 5


def test_two_threads_with_their_own_thread_counts_share_openblas_safely():
    # OpenBLAS's OpenMP build sizes itself to the calling thread's OpenMP setting, so two
    # Python threads used to make it reallocate under each other; minidl hands it one count.
    a = minidl.randn(300, 300, dtype=minidl.float64)
    b = minidl.randn(300, 300, dtype=minidl.float64)
    expected = a.numpy() @ b.numpy()

    def products():
        for _ in range(40):
            np.testing.assert_allclose((a @ b).numpy(), expected, rtol=1e-10, atol=1e-10)

    def switching():
        for i in range(40):
            minidl.set_num_threads(1 + i % 3)
            np.testing.assert_allclose((a @ b).numpy(), expected, rtol=1e-10, atol=1e-10)
    run_threads(products, switching, products)


@pytest.mark.parametrize("bad", [0, -1, -(2**40), 1025, 2**40])
def test_set_num_threads_refuses_bad_counts(bad):
    before = minidl.get_num_threads()
    with pytest.raises(ValueError, match=f"set_num_threads: expected a number of threads from 1 to 1024, got {bad}"):
        minidl.set_num_threads(bad)
    assert minidl.get_num_threads() == before


@pytest.mark.parametrize("bad", ["2", 2.5, None, [2]])
def test_set_num_threads_refuses_non_integers(bad):
    with pytest.raises(TypeError):
        minidl.set_num_threads(bad)


def test_set_num_threads_takes_effect_and_results_do_not_change():
    a = minidl.randn(500, 700, dtype=minidl.float64)
    b = minidl.randn(700, 300, dtype=minidl.float64)
    expected = a.numpy() @ b.numpy()
    for n in (1, 3, 2, 1):
        minidl.set_num_threads(n)
        assert minidl.get_num_threads() == n
        np.testing.assert_allclose((a @ b).numpy(), expected, rtol=1e-10, atol=1e-10)
        np.testing.assert_allclose(minidl.exp(a).sum().item(), np.exp(a.numpy()).sum(), rtol=1e-12)
