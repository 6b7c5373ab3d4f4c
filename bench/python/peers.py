#!/usr/bin/env python3
"""PyTorch and NumPy peers of the Cotangent bench (the protocol of bench/src/child.ts: JSON requests on stdin, one per
line; replies on stdout prefixed with '@@bench ').

Run by the harness when /usr/bin/python3 can import numpy (and torch): one thread each (OPENBLAS_NUM_THREADS=1 is
set by the harness before numpy loads; torch.set_num_threads(1) here). The data and initial weights are read from
the harness's data files, so every system trains on the same float64 numbers (rounded once to float32).

- numpy: the network's forward and backward written by hand over float32 (or float64) arrays.
- torch: the network as a user writes it (tensors with requires_grad, F.cross_entropy, backward, torch.optim).
"""
import json
import os
import resource
import sys
import time

MARK = "@@bench "


def reply(obj):
    sys.stdout.write(MARK + json.dumps(obj) + "\n")
    sys.stdout.flush()


def read_data(path):
    import numpy as np

    with open(path, "r", encoding="utf-8") as f:
        index = json.load(f)
    flat = np.fromfile(os.path.join(os.path.dirname(path), index["binary"]), dtype="<f8")
    arrays = {}
    for name, a in index["arrays"].items():
        arrays[name] = flat[a["offset"] : a["offset"] + a["length"]].reshape(a["shape"])
    return index["spec"], arrays


# ---------------------------------------------------------------------------------------------------------------
# NumPy: hand-written backprop


def np_loss_grad(np, dims, W, b, x, y, want_grad):
    L = len(dims) - 1
    acts = []
    h = x
    for l in range(L):
        z = h @ W[l] + b[l]
        if l < L - 1:
            z = np.maximum(z, 0)
        acts.append(z)
        h = z
    z = acts[-1]
    n = y.shape[0]
    rows = np.arange(n)
    m = z.max(axis=1, keepdims=True)
    e = np.exp(z - m)
    se = e.sum(axis=1, keepdims=True)
    loss = float(np.mean(np.log(se[:, 0]) + m[:, 0] - z[rows, y]))
    if not want_grad:
        return loss, None
    d = e / se
    d[rows, y] -= 1
    d /= n
    gW = [None] * L
    gb = [None] * L
    for l in reversed(range(L)):
        a = x if l == 0 else acts[l - 1]
        gW[l] = a.T @ d
        gb[l] = d.sum(axis=0)
        if l > 0:
            d = (d @ W[l].T) * (a > 0)
    return loss, gW + gb


def np_setup(spec, arrays, dtype):
    import numpy as np

    dt = np.float32 if dtype == "float32" else np.float64
    kind = spec["kind"]
    if kind == "matmul":
        a = arrays["a"].astype(dt)
        b = arrays["b"].astype(dt)

        def run():
            t0 = time.perf_counter()
            for _ in range(spec["reps"]):
                a @ b
            return {"ms": (time.perf_counter() - t0) * 1000}

        return run, lambda: (a @ b).ravel()
    mlp = spec["mlp"] if kind == "overhead" else spec
    dims = mlp["dims"]
    L = len(dims) - 1
    W0 = [arrays["W%d" % l].astype(dt) for l in range(L)]
    b0 = [arrays["b%d" % l].astype(dt) for l in range(L)]
    xs = [arrays["x%d" % i].astype(dt) for i in range(mlp["nBatches"])]
    ys = [arrays["y%d" % i].astype(np.int64) for i in range(mlp["nBatches"])]
    if kind == "overhead":

        def run_overhead():
            # forward and forward + backward alternate, so that both see the same load
            base = both = 0.0
            for _ in range(spec["reps"]):
                t0 = time.perf_counter()
                np_loss_grad(np, dims, W0, b0, xs[0], ys[0], False)
                t1 = time.perf_counter()
                np_loss_grad(np, dims, W0, b0, xs[0], ys[0], True)
                both += time.perf_counter() - t1
                base += t1 - t0
            return {"ms": both * 1000, "baseMs": base * 1000}

        return run_overhead, None
    o = mlp["optimizer"]

    def run_train():
        W = [w.copy() for w in W0]
        b = [v.copy() for v in b0]
        params = W + b
        s1 = [np.zeros_like(p) for p in params]
        s2 = [np.zeros_like(p) for p in params]
        first = float("nan")
        t0 = time.perf_counter()
        for step in range(mlp["steps"]):
            k = step % mlp["nBatches"]
            loss, grads = np_loss_grad(np, dims, W, b, xs[k], ys[k], True)
            if step == 0:
                first = loss
            t = step + 1
            for i, (p, g) in enumerate(zip(params, grads)):
                if o["kind"] == "sgd":
                    p -= o["lr"] * g
                elif o["kind"] == "momentum":
                    s1[i] *= o["beta"]
                    s1[i] += g
                    p -= o["lr"] * s1[i]
                else:
                    step_size = o["lr"] / (1 - o["b1"] ** t)
                    sqrt_bc2 = (1 - o["b2"] ** t) ** 0.5
                    s1[i] *= o["b1"]
                    s1[i] += (1 - o["b1"]) * g
                    s2[i] *= o["b2"]
                    s2[i] += (1 - o["b2"]) * (g * g)
                    p -= step_size * (s1[i] / (np.sqrt(s2[i]) / sqrt_bc2 + o["eps"]))
        ms = (time.perf_counter() - t0) * 1000
        k = (mlp["steps"] - 1) % mlp["nBatches"]
        last, _ = np_loss_grad(np, dims, W, b, xs[k], ys[k], False)
        return {"ms": ms, "first": first, "last": last}

    return run_train, None


# ---------------------------------------------------------------------------------------------------------------
# PyTorch: autograd and torch.optim, as a user writes it


def torch_setup(spec, arrays, dtype):
    import torch
    import torch.nn.functional as F

    torch.set_num_threads(1)
    dt = torch.float32 if dtype == "float32" else torch.float64

    def t(a):
        return torch.from_numpy(a.copy()).to(dt)

    kind = spec["kind"]
    if kind == "matmul":
        a = t(arrays["a"])
        b = t(arrays["b"])

        def run():
            t0 = time.perf_counter()
            for _ in range(spec["reps"]):
                torch.matmul(a, b)
            return {"ms": (time.perf_counter() - t0) * 1000}

        return run, lambda: torch.matmul(a, b).reshape(-1).tolist()
    mlp = spec["mlp"] if kind == "overhead" else spec
    dims = mlp["dims"]
    L = len(dims) - 1
    xs = [t(arrays["x%d" % i]) for i in range(mlp["nBatches"])]
    ys = [torch.from_numpy(arrays["y%d" % i].astype("int64")) for i in range(mlp["nBatches"])]

    def fresh():
        return [t(arrays["W%d" % l]).requires_grad_() for l in range(L)] + [
            t(arrays["b%d" % l]).requires_grad_() for l in range(L)
        ]

    def loss_of(ps, x, y):
        h = x
        for l in range(L):
            h = h @ ps[l] + ps[L + l]
            if l < L - 1:
                h = torch.relu(h)
        return F.cross_entropy(h, y)

    if kind == "overhead":
        ps = fresh()

        def run_overhead():
            # forward (no graph recorded) and forward + backward alternate, so that both see the same load
            base = both = 0.0
            for _ in range(spec["reps"]):
                t0 = time.perf_counter()
                with torch.no_grad():
                    loss_of(ps, xs[0], ys[0])
                t1 = time.perf_counter()
                torch.autograd.grad(loss_of(ps, xs[0], ys[0]), ps)
                both += time.perf_counter() - t1
                base += t1 - t0
            return {"ms": both * 1000, "baseMs": base * 1000}

        return run_overhead, None
    o = mlp["optimizer"]

    def run_train():
        ps = fresh()
        if o["kind"] == "sgd":
            opt = torch.optim.SGD(ps, lr=o["lr"])
        elif o["kind"] == "momentum":
            opt = torch.optim.SGD(ps, lr=o["lr"], momentum=o["beta"])
        else:
            opt = torch.optim.Adam(ps, lr=o["lr"], betas=(o["b1"], o["b2"]), eps=o["eps"])
        first = float("nan")
        t0 = time.perf_counter()
        for step in range(mlp["steps"]):
            k = step % mlp["nBatches"]
            opt.zero_grad(set_to_none=True)
            loss = loss_of(ps, xs[k], ys[k])
            loss.backward()
            if step == 0:
                first = float(loss.item())
            opt.step()
        ms = (time.perf_counter() - t0) * 1000
        k = (mlp["steps"] - 1) % mlp["nBatches"]
        with torch.no_grad():
            last = float(loss_of(ps, xs[k], ys[k]).item())
        return {"ms": ms, "first": first, "last": last}

    return run_train, None


def main():
    run = None
    output = None
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        op = req.get("op")
        try:
            if op == "setup":
                spec, arrays = read_data(req["data"])
                if spec["kind"] == "app":
                    raise ValueError("the Python peers have no app workload")
                setup = torch_setup if req["system"] == "torch" else np_setup
                run, output = setup(spec, arrays, req["dtype"])
                reply({"ok": True})
            elif op == "run":
                if run is None:
                    raise ValueError("run before setup")
                reply({"ok": True, "sample": run()})
            elif op == "sample":
                if output is None:
                    raise ValueError("this workload has no output to sample")
                out = output()
                reply({"ok": True, "values": [float(out[i]) for i in req["indices"]]})
            elif op == "exit":
                reply({"ok": True, "maxRssKb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss})
                return
            else:
                raise ValueError("unknown op %r" % (op,))
        except Exception as e:  # the harness reports it, naming the system and workload
            reply({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})


if __name__ == "__main__":
    main()
