"""Fuzz: creation with huge and negative sizes, shape ops (reshape, view, transpose, permute,
squeeze, unsqueeze, flatten, broadcast_to, expand, narrow, select, split, chunk, cat, stack) and
indexing (x[i] get and set, index_select, gather, nonzero) against NumPy."""
import numpy as np
from hypothesis import assume, given
from hypothesis import strategies as st

import minidl
from fuzz_strategies import (DTYPES, assert_matches, attempt, ints, junk, np_of, raised, scaled, shapes,
                             tensors)

CREATE = ["zeros", "ones", "empty", "full", "rand", "randn", "randint", "arange", "eye", "linspace",
          "randperm"]


@scaled(60)
@given(st.sampled_from(CREATE), st.lists(ints(), min_size=0, max_size=4), st.sampled_from(DTYPES + [None]))
def test_creation_with_any_sizes(name, sizes, dtype):
    # sizes that are valid but need gigabytes are not errors; keep to small or impossible ones
    if name == "arange":
        a, b, c = (list(sizes[:3]) + [0, None, None])[:3]
        est = abs(a) if b is None else (abs(b - a) if c is None else abs(b - a) // max(abs(c), 1))
    elif name == "eye":
        est = (max(sizes[0], 0) * max(sizes[-1] if len(sizes) > 1 else sizes[0], 0)) if sizes else 0
    elif name in ("linspace", "randperm"):
        est = max(sizes[2 if name == "linspace" else 0], 0) if len(sizes) > (2 if name == "linspace" else 0) else 0
    else:
        est = 0 if any(s < 0 for s in sizes) else np.prod(sizes, dtype=object)
    assume(not 2 ** 24 < est < 2 ** 46)
    kw = {} if dtype is None else {"dtype": dtype}
    fn = getattr(minidl, name)
    if name == "full":
        call = lambda: fn(sizes, 1.5, **kw)  # noqa: E731
    elif name == "randint":
        call = lambda: fn(0, 5, tuple(sizes), **kw)  # noqa: E731
    elif name in ("arange", "eye", "linspace", "randperm"):
        call = lambda: fn(*sizes[:3], **kw)  # noqa: E731
    else:
        call = lambda: fn(*sizes, **kw)  # noqa: E731
    got = attempt(call, name=f"{name}{tuple(sizes)}")
    if raised(got):
        return
    if name in ("zeros", "ones", "empty", "full", "rand", "randn", "randint"):
        assert tuple(got.shape) == tuple(sizes), (name, sizes, got.shape)
        assert all(s >= 0 for s in sizes)
    assert got.numel() <= 2 ** 24, f"{name}{tuple(sizes)} allocated {got.numel()} elements"


@st.composite
def new_shape(draw, numel):
    """A shape with ``numel`` elements (a -1 somewhere, sometimes), or a wrong one."""
    kind = draw(st.integers(0, 5))
    if kind == 0:
        return tuple(draw(st.lists(ints(), max_size=4)))
    factors, n = [], numel
    for p in (2, 3, 5, 7):
        while n % p == 0 and n > 1:
            factors.append(p)
            n //= p
    if n > 1:
        factors.append(n)
    out = [1] * draw(st.integers(0, 2))
    for f in factors:
        if out and draw(st.booleans()):
            out[-1] *= f
        else:
            out.append(f)
    if numel == 0:
        out.append(0)
    out = draw(st.permutations(out)) if out else []
    if out and draw(st.integers(0, 2)) == 0 and numel:
        out[draw(st.integers(0, len(out) - 1))] = -1
    return tuple(out)


def _np_reshape(an, shape):
    if any(s < -1 for s in shape) or list(shape).count(-1) > 1:
        raise ValueError("bad shape")
    if -1 in shape and 0 in shape:
        raise ValueError("-1 with 0")  # ambiguous; PyTorch and NumPy both refuse
    return an.reshape(shape)


@scaled(60)
@given(tensors(max_dims=4), st.data())
def test_reshape_and_view(an_, data):
    a, an = an_
    shape = data.draw(new_shape(an.size))
    try:
        ref = _np_reshape(an, shape)
    except (ValueError, OverflowError, MemoryError):
        ref = None
    for method in ("reshape", "view"):
        got = attempt(getattr(a, method), shape, name=f"{method}{shape}")
        if ref is None and an.size == 0 and not raised(got) and got.numel() == 0 and \
                all(s in (-1, g) for s, g in zip(shape, got.shape)) and len(shape) == got.dim():
            continue  # (0, 2**62): fine in PyTorch and minidl, too big for a NumPy array's header
        if ref is None:
            assert raised(got), f"{method}({shape}) of {an.shape}: NumPy refuses, minidl gave {got!r}"
        elif not raised(got):
            assert_matches(got, ref, what=method)
        else:
            assert method == "view" and not a.is_contiguous(), f"{method}({shape}) of {an.shape}: {got}"


def _dim_ok(d, ndim):
    return -max(ndim, 1) <= d < max(ndim, 1)


@scaled(80)
@given(st.sampled_from(["transpose", "permute", "squeeze", "unsqueeze", "flatten", "narrow", "select",
                        "split", "chunk", "broadcast_to", "expand", "movedim_t", "unbind"]),
       tensors(max_dims=4), st.data())
def test_shape_ops(name, an_, data):
    a, an = an_
    nd = an.ndim
    d0, d1 = data.draw(st.integers(-nd - 2, nd + 1)), data.draw(st.integers(-nd - 2, nd + 1))
    ref, got = None, None
    try:
        if name == "transpose":
            got = attempt(a.transpose, d0, d1)
            ref = np.swapaxes(an, d0, d1) if nd else (an if _dim_ok(d0, 0) and _dim_ok(d1, 0) else None)
        elif name == "permute":
            perm = data.draw(st.one_of(st.permutations(list(range(nd))),
                                       st.lists(st.integers(-nd - 1, nd), max_size=nd + 1)))
            got = attempt(a.permute, *perm)
            ref = np.transpose(an, perm) if len(perm) == nd and len({p % max(nd, 1) for p in perm}) == nd \
                and all(-nd <= p < nd for p in perm) else None
        elif name == "squeeze":
            got = attempt(a.squeeze, d0)
            ref = (np.squeeze(an, d0) if an.shape[d0] == 1 else an) if nd else (an if _dim_ok(d0, 0) else None)
        elif name == "unsqueeze":
            got = attempt(a.unsqueeze, d0)
            ref = np.expand_dims(an, d0) if -nd - 1 <= d0 <= nd else None
        elif name == "flatten":
            got = attempt(a.flatten, d0, d1)
            if nd == 0:
                ref = an.reshape(1) if _dim_ok(d0, 0) and _dim_ok(d1, 0) else None
            else:
                s, e = d0 % nd, d1 % nd
                if not (_dim_ok(d0, nd) and _dim_ok(d1, nd)) or s > e:
                    ref = None
                else:
                    ref = an.reshape(an.shape[:s] + (-1 if an.size else int(np.prod(an.shape[s:e + 1])),)
                                     + an.shape[e + 1:])
        elif name in ("narrow", "select"):
            start = data.draw(ints())
            length = data.draw(ints())
            if name == "narrow":
                got = attempt(a.narrow, d0, start, length)
                if nd and _dim_ok(d0, nd):
                    n = an.shape[d0]
                    st0 = start + n if -n <= start < 0 else start
                    ok = 0 <= st0 <= n and 0 <= length and st0 + length <= n
                    ref = np.take(an, range(st0, st0 + length), axis=d0) if ok else None
            else:
                got = attempt(a.select, d0, start)
                if nd and _dim_ok(d0, nd) and -an.shape[d0] <= start < an.shape[d0]:
                    ref = np.take(an, start, axis=d0)
        elif name in ("split", "chunk"):
            k = data.draw(ints())
            got = attempt(getattr(a, name), k, d0)
            n = an.shape[d0] if nd and _dim_ok(d0, nd) else -1
            if n == 0 and (k > 0 or (name == "split" and k == 0)):
                # PyTorch: an empty dim splits into one empty piece, or chunks into k of them
                ref = [an] if name == "split" else ([an] * k if k <= 2 ** 20 else None)
            elif n > 0 and k > 0:
                step = k if name == "split" else -(-n // k)
                ref = np.split(an, list(range(step, n, step)), axis=d0)
        elif name in ("broadcast_to", "expand"):
            target = tuple(data.draw(st.lists(st.one_of(st.integers(-1, 4), ints()), max_size=5)))
            got = attempt(getattr(a, name), target)
            if any(t > 64 for t in target):
                # a huge expand is a valid view (zero strides) when the dim was 1; never read it all
                if not raised(got):
                    assert all(t == -1 or g == t for g, t in zip(got.shape[-len(target):], target))
                return
            tgt = list(target)
            lead = len(tgt) - nd
            if lead >= 0 and all(t == -1 or t >= 0 for t in tgt) and all(t != -1 for t in tgt[:lead]):
                tgt[lead:] = [an.shape[i] if t == -1 else t for i, t in enumerate(tgt[lead:])]
                try:
                    ref = np.broadcast_to(an, tuple(tgt))
                except ValueError:
                    ref = None
        elif name == "unbind":
            got = attempt(a.unbind, d0)
            if nd and _dim_ok(d0, nd):
                ref = [np.take(an, i, axis=d0) for i in range(an.shape[d0])]
        else:  # movedim_t: .t() on <= 2-d
            got = attempt(a.t)
            ref = an.T if nd <= 2 else None
    except (ValueError, IndexError, np.exceptions.AxisError):
        ref = None
    if ref is None:
        assert raised(got), f"{name} on {an.shape}: NumPy/PyTorch refuse, minidl gave {got!r}"
        return
    assert not raised(got), f"{name} on {an.shape}{an.dtype} (d0={d0}, d1={d1}): {got}"
    if isinstance(ref, list):
        assert len(got) == len(ref), f"{name}: {len(got)} pieces, expected {len(ref)}"
        for g, r in zip(got, ref):
            assert_matches(g, r, what=name)
    else:
        assert_matches(got, ref, what=name)


@scaled(40)
@given(st.sampled_from(["cat", "stack"]), st.lists(tensors(max_dims=3, dtypes=[minidl.float32]), min_size=0,
                                                   max_size=3), st.integers(-4, 3), st.data())
def test_cat_stack(name, items, dim, data):
    if items and data.draw(st.booleans()):
        shape = items[0][1].shape  # mostly matching shapes
        items = [items[0]] + [data.draw(tensors(shape=shape, dtypes=[minidl.float32, minidl.float64]))
                              for _ in items[1:]]
    ts, arrs = [t for t, _ in items], [a for _, a in items]
    got = attempt(getattr(minidl, name), ts, dim, name=name)
    try:
        if not arrs:
            raise ValueError("empty list")
        if name == "cat":
            if any(a.ndim == 0 for a in arrs):
                raise ValueError("0-d")
            ref = np.concatenate(arrs, axis=dim)
        else:
            ref = np.stack(arrs, axis=dim)
    except (ValueError, np.exceptions.AxisError):
        ref = None
    if ref is None:
        # PyTorch's cat skips 1-d empty tensors (a legacy rule), so it may accept where NumPy refuses
        if not (name == "cat" and not raised(got)):
            assert raised(got), f"{name}{[a.shape for a in arrs]} dim={dim}: gave {got!r}"
        return
    assert not raised(got), f"{name}{[a.shape for a in arrs]} dim={dim}: {got}"
    assert_matches(got, ref, what=name)


@st.composite
def index_items(draw, shape):
    """A NumPy-style index for ``shape``: ints, slices, None, Ellipsis, int arrays, bool masks."""
    items, dim = [], 0
    ellipsis = False
    for _ in range(draw(st.integers(0, len(shape) + 1))):
        n = shape[dim] if dim < len(shape) else 0
        kind = draw(st.integers(0, 9))
        if kind <= 2:
            items.append(draw(st.integers(-n - 1, n)) if draw(st.integers(0, 5)) else draw(ints()))
            dim += 1
        elif kind <= 5:
            lo = draw(st.one_of(st.none(), st.integers(-n - 2, n + 2)))
            hi = draw(st.one_of(st.none(), st.integers(-n - 2, n + 2)))
            step = draw(st.one_of(st.none(), st.integers(1, 3), st.integers(-2, 0)))
            items.append(slice(lo, hi, step))
            dim += 1
        elif kind == 6:
            items.append(None)
        elif kind == 7 and not ellipsis:
            items.append(Ellipsis)
            ellipsis = True
        elif kind == 8:
            idx = draw(st.lists(st.integers(-n - 1, n), max_size=4))
            items.append(draw(st.sampled_from([idx, np.array(idx, dtype=np.int64)])))
            dim += 1
        else:
            m = n if draw(st.integers(0, 4)) else n + 1
            items.append(np.array(draw(st.lists(st.booleans(), min_size=m, max_size=m)), dtype=bool))
            dim += 1
    return tuple(items) if draw(st.integers(0, 3)) else (items[0] if len(items) == 1 else tuple(items))


def _refuse_like_pytorch(idx):
    items = idx if isinstance(idx, tuple) else (idx,)
    return any(isinstance(i, slice) and i.step is not None and i.step <= 0 for i in items)


@scaled(100)
@given(tensors(max_dims=3), st.data())
def test_getitem(an_, data):
    a, an = an_
    idx = data.draw(index_items(an.shape))
    got = attempt(a.__getitem__, idx, name=f"getitem[{idx!r}]")
    try:
        ref = an[idx]
    except (IndexError, ValueError, TypeError):
        ref = None
    if ref is None or _refuse_like_pytorch(idx):
        assert raised(got), f"{an.shape}[{idx!r}]: NumPy/PyTorch refuse, minidl gave {got!r}"
        return
    if raised(got) and isinstance(got.exc, IndexError) and ref.size == 0:
        return  # NumPy skips bounds and mask-shape checks when the result is empty; PyTorch does not
    assert not raised(got), f"{an.shape}{an.dtype}[{idx!r}]: {got}"
    assert_matches(got, ref, what=f"[{idx!r}]")


@scaled(80)
@given(tensors(max_dims=3, dtypes=[minidl.float32, minidl.float64, minidl.int64]), st.data())
def test_setitem(an_, data):
    a, an = an_
    idx = data.draw(index_items(an.shape))
    kind = data.draw(st.integers(0, 2))
    if kind == 0:
        value, vn = 7, 7
    else:
        try:
            vshape = np.broadcast_shapes(an[idx].shape) if kind == 1 else data.draw(shapes(0, 2, 1, 3))
        except (IndexError, ValueError, TypeError):
            vshape = ()
        value, vn = data.draw(tensors(shape=tuple(vshape), dtypes=[a.dtype]))
    got = attempt(a.__setitem__, idx, value, name=f"setitem[{idx!r}]")
    ref = an.copy()
    if isinstance(vn, np.ndarray):
        # PyTorch drops a value's leading size-1 dims (x[0] = t of shape (1,) works)
        while vn.ndim and vn.shape[0] == 1:
            vn = vn[0]
    try:
        ref[idx] = vn
    except (IndexError, ValueError, TypeError):
        ref = None
    if ref is None or _refuse_like_pytorch(idx):
        assert raised(got), f"{an.shape}[{idx!r}] = {np.shape(vn)}: NumPy/PyTorch refuse, minidl did it"
        return
    if raised(got):
        # x[mask_or_ints] = v with a broadcast NumPy accepts but PyTorch checks more strictly
        assert isinstance(value, minidl.Tensor), f"{an.shape}[{idx!r}] = {np.shape(vn)}: {got}"
        return
    items = idx if isinstance(idx, tuple) else (idx,)
    if any(isinstance(i, (list, np.ndarray)) for i in items):
        return  # repeated advanced indices: which write wins is unspecified (as in PyTorch)
    assert_matches(a, ref, what=f"[{idx!r}] =")


@scaled(60)
@given(st.sampled_from(["index_select", "gather", "nonzero", "index_add", "scatter_add"]),
       tensors(max_dims=3, dtypes=[minidl.float32, minidl.float64, minidl.int64]), st.data())
def test_index_functions(name, an_, data):
    a, an = an_
    nd = an.ndim
    dim = data.draw(st.integers(-nd - 1, nd))
    n = an.shape[dim] if nd and -nd <= dim < nd else 1
    idx_shape = data.draw(shapes(1 if name == "index_select" else nd, 1 if name == "index_select" else nd, 0, 3))
    lo, hi = (-n - 1, n) if data.draw(st.integers(0, 3)) == 0 else (0, max(n - 1, 0))
    idx_np = np.array(data.draw(st.lists(st.integers(lo, hi), min_size=int(np.prod(idx_shape)),
                                         max_size=int(np.prod(idx_shape)))), dtype=np.int64).reshape(idx_shape)
    if data.draw(st.integers(0, 9)) == 0:
        idx_np = idx_np.astype(np.float64)  # wrong index dtype
    idx = minidl.from_numpy(idx_np)
    dim_ok = (-1 <= dim <= 0) if nd == 0 else (-nd <= dim < nd)
    in_range = idx_np.size == 0 or (idx_np.dtype == np.int64 and idx_np.min() >= -n and idx_np.max() < n
                                    and (n > 0))
    oob = name != "nonzero" and dim_ok and idx_np.dtype == np.int64 and idx_np.size > 0 and (idx_np.max() >= n or idx_np.min() < -n)
    ref = None
    if name == "index_select":
        got = attempt(minidl.index_select, a, dim, idx)
        if dim_ok and nd and in_range and idx_np.dtype == np.int64 and (idx_np >= 0).all():
            ref = np.take(an, idx_np, axis=dim)
    elif name == "gather":
        got = attempt(minidl.gather, a, dim, idx)
        if dim_ok and nd and in_range and idx_np.dtype == np.int64 and (idx_np >= 0).all() and \
                all(idx_np.shape[d] <= an.shape[d] for d in range(nd) if d != dim % nd):
            sub = an[tuple(slice(0, s) if d != dim % nd else slice(None) for d, s in enumerate(idx_np.shape))]
            ref = np.take_along_axis(sub, idx_np, axis=dim)
    elif name == "nonzero":
        got = attempt(minidl.nonzero, a)
        ref = np.argwhere(an) if nd else None
        if ref is None:
            return  # 0-d: PyTorch gives shape (1, 0) or (0, 0)
    else:
        src, srcn = data.draw(tensors(dtypes=[a.dtype], shape=tuple(
            (idx_np.shape[0] if name == "index_add" and d == dim % max(nd, 1) else s) for d, s in enumerate(an.shape))
            if name == "index_add" and idx_np.ndim == 1 else idx_np.shape))
        got = attempt(getattr(minidl, name), a, dim, idx, src)
        if oob and nd:
            assert raised(got), f"{name}(dim={dim}) on {an.shape} with index {idx_np.tolist()} out of range: no error"
        return  # the values of index_add/scatter_add are tested in tests/test_index.py
    if oob and nd:
        assert raised(got), f"{name}(dim={dim}) on {an.shape} with index {idx_np.tolist()} out of range: no error"
    if ref is None:
        return  # PyTorch accepts some indices NumPy does not (negative ones); only "no crash" here
    assert not raised(got), f"{name}(dim={dim}) on {an.shape} idx {idx_np.shape}: {got}"
    assert_matches(got, ref, what=name)


@scaled(40)
@given(st.sampled_from(["reshape", "transpose", "permute", "squeeze", "unsqueeze", "flatten", "narrow",
                        "select", "split", "chunk", "expand", "index_select", "__getitem__", "view", "cat"]),
       tensors(max_dims=3), junk())
def test_junk_arguments(name, an_, bad):
    a, _ = an_
    if name == "cat":
        got = attempt(minidl.cat, [a, bad], name="cat([t, junk])")
    elif name == "index_select":
        got = attempt(minidl.index_select, a, 0, bad, name="index_select(junk)")
    else:
        got = attempt(getattr(a, name), bad, name=f"{name}(junk)")
    del got  # any result is fine: ints, lists and arrays are valid arguments for some of these
