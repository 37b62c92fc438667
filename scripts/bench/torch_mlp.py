#!/usr/bin/python3
"""PyTorch peer of scripts/bench/suite-mlp.ts (run with /usr/bin/python3, PyTorch 1.13).

Modes:
  torch_mlp.py serve       JSON commands on stdin, one JSON answer per line on stdout (the suite
                           drives it so that both sides' samples alternate in the same run)
  torch_mlp.py epoch       peak-RSS job: load Fashion-MNIST, train 1 epoch (784-256-128-10 ReLU,
                           Adam 1e-3, batch 128, shuffled), print {"maxRssKiB", "seconds", "loss"}
                           (--data uint8: the images kept as a uint8 tensor and each batch converted
                           with .float().div_(255), as torchvision's uint8 storage + ToTensor would;
                           the default, float32, converts the whole set up front)
  torch_mlp.py accuracy    the recipe: 5 epochs, 784-256-128-10 (+/- BatchNorm1d), Adam 1e-3,
                           batch 128, shuffled; print {"accuracy", "seconds"} on the test set
                           (--weights FILE: initial parameters; --order FILE: int32 batch order)

The data is read from the IDX files (x = pixel / 255, float32), the same values ng.data gives.
Threads: torch.set_num_threads(n) (OpenMP and intra-op pool); run with OMP_WAIT_POLICY=passive for
PyTorch's best setting on 2 cores (its default wait policy makes OpenMP and OpenBLAS threads fight).
"""
import gzip
import json
import os
import resource
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

DATA_DIR = os.environ.get("FASHION_MNIST_DIR", "/usr/share/datasets/fashion-mnist")


def peak_rss_kib():
    """Peak RSS of this process's own address space (VmHWM); ru_maxrss survives fork + exec on
    Linux and would report the spawning parent's size."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def read_idx(name):
    path = os.path.join(DATA_DIR, name)
    opener = gzip.open if os.path.exists(path + ".gz") else open
    with opener(path + ".gz" if os.path.exists(path + ".gz") else path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def load(split, limit=None, uint8=False):
    prefix = "train" if split == "train" else "t10k"
    img = read_idx(prefix + "-images-idx3-ubyte")
    lbl = read_idx(prefix + "-labels-idx1-ubyte")
    if limit is not None:
        img, lbl = img[:limit], lbl[:limit]
    if uint8:
        x = torch.from_numpy(img.reshape(len(img), 784).copy())
        return x, torch.from_numpy(lbl.astype(np.int64))
    x = torch.from_numpy(img.reshape(len(img), 784).astype(np.float32) / np.float32(255))
    y = torch.from_numpy(lbl.astype(np.int64))
    return x, y


def mlp(bn):
    layers = []
    width = 784
    for h in (256, 128):
        layers.append(nn.Linear(width, h))
        if bn:
            layers.append(nn.BatchNorm1d(h))
        layers.append(nn.ReLU())
        width = h
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def make_opt(name, params, lr):
    if name == "adam":
        return torch.optim.Adam(params, lr=lr)
    if name == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=0.9)
    raise ValueError("unknown optimizer " + name)


def load_params(model, path):
    """Copies float32 values (parameters in model.parameters() order) from a raw file."""
    flat = np.fromfile(path, dtype="<f4")
    off = 0
    with torch.no_grad():
        for p in model.parameters():
            n = p.numel()
            p.copy_(torch.from_numpy(flat[off : off + n].copy()).view_as(p))
            off += n
    if off != len(flat):
        raise ValueError("%s has %d values, the model %d" % (path, len(flat), off))


class Case:
    """One benchmark configuration: a model, its optimizer, and pre-sliced batches (cycled)."""

    def __init__(self, cmd, pool):
        torch.manual_seed(cmd.get("seed", 0))
        self.kind = cmd["kind"]
        if self.kind == "tiny":
            # the lecture's toy problem: x1 = (2, 2), y1 = 2; x2 = (2, 0), y2 = 0; 2 weights, no bias
            self.model = nn.Linear(2, 1, bias=False)
            with torch.no_grad():
                self.model.weight.zero_()
            self.batches = [(torch.tensor([[2.0, 2.0], [2.0, 0.0]]), torch.tensor([[2.0], [0.0]]))]
            self.loss_fn = F.mse_loss
            self.opt = torch.optim.SGD(self.model.parameters(), lr=cmd["lr"])
        else:
            self.model = mlp(cmd["bn"])
            if cmd.get("weights"):
                load_params(self.model, cmd["weights"])
            self.model.train()
            x, y = pool
            B = cmd["batch"]
            self.batches = [(x[i : i + B].contiguous(), y[i : i + B].contiguous()) for i in range(0, len(x) - B + 1, B)]
            self.loss_fn = F.cross_entropy
            self.opt = make_opt(cmd["opt"], self.model.parameters(), cmd["lr"])
        self.i = 0

    def step(self):
        x, y = self.batches[self.i]
        self.i = (self.i + 1) % len(self.batches)
        self.opt.zero_grad()
        loss = self.loss_fn(self.model(x), y)
        loss.backward()
        self.opt.step()
        return loss

    def run(self, steps):
        for _ in range(steps):
            self.step()


def serve():
    cases = {}
    pool = None
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        cmd = json.loads(line)
        op = cmd["op"]
        try:
            if op == "hello":
                ans = {"torch": torch.__version__, "threads": torch.get_num_threads(),
                       "ompWaitPolicy": os.environ.get("OMP_WAIT_POLICY", "(default)")}
            elif op == "data":
                pool = load("train", cmd["count"])
                ans = {"count": len(pool[0])}
            elif op == "threads":
                torch.set_num_threads(cmd["threads"])
                ans = {"threads": torch.get_num_threads()}
            elif op == "setup":
                cases[cmd["key"]] = Case(cmd, pool)
                ans = {}
            elif op == "losses":
                # the first `steps` losses from the case's current state (validation)
                c = cases[cmd["key"]]
                ans = {"losses": [float(c.step()) for _ in range(cmd["steps"])]}
            elif op == "time":
                c = cases[cmd["key"]]
                c.run(cmd.get("warmup", 0))
                times = []
                for _ in range(cmd["reps"]):
                    t0 = time.perf_counter()
                    c.run(cmd["steps"])
                    times.append((time.perf_counter() - t0) / cmd["steps"])
                ans = {"times": times}
            elif op == "drop":
                cases.pop(cmd["key"], None)
                ans = {}
            elif op == "bye":
                break
            else:
                raise ValueError("unknown op " + op)
        except Exception as e:  # report to the driver instead of dying silently
            ans = {"error": "%s: %s" % (type(e).__name__, e)}
        out.write(json.dumps(ans) + "\n")
        out.flush()


def ordered(x, y, order, epoch, batch):
    """Batches in a given order: `order` holds one permutation of the N samples per epoch."""
    n = len(y)
    perm = order[epoch * n : (epoch + 1) * n]
    for i in range(0, n, batch):
        idx = perm[i : i + batch]
        yield x[idx], y[idx]


def train_epochs(model, opt, x, y, epochs, batch, seed, order=None):
    g = torch.Generator()
    g.manual_seed(seed)
    loader = torch.utils.data.DataLoader(torch.utils.data.TensorDataset(x, y), batch_size=batch, shuffle=True, generator=g)
    loss = None
    for e in range(epochs):
        model.train()
        for xb, yb in (ordered(x, y, order, e, batch) if order is not None else loader):
            if xb.dtype == torch.uint8:
                xb = xb.float().div_(255)
            opt.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            opt.step()
    return float(loss)


def arg(name, default):
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return default


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "serve"
    torch.set_num_threads(int(arg("--threads", "1")))
    if mode == "serve":
        serve()
    elif mode == "epoch":
        t0 = time.perf_counter()
        torch.manual_seed(0)
        x, y = load("train", uint8=arg("--data", "float32") == "uint8")
        model = mlp(False)
        loss = train_epochs(model, torch.optim.Adam(model.parameters(), lr=1e-3), x, y, 1, 128, 0)
        rss = peak_rss_kib()
        print(json.dumps({"maxRssKiB": rss, "seconds": time.perf_counter() - t0, "loss": loss}))
    elif mode == "accuracy":
        seed = int(arg("--seed", "0"))
        bn = arg("--bn", "0") == "1"
        epochs = int(arg("--epochs", "5"))
        torch.manual_seed(seed)
        x, y = load("train")
        xt, yt = load("test")
        model = mlp(bn)
        if arg("--weights", ""):
            load_params(model, arg("--weights", ""))
        order = None
        if arg("--order", ""):
            order = torch.from_numpy(np.fromfile(arg("--order", ""), dtype="<i4").astype(np.int64))
        t0 = time.perf_counter()
        train_epochs(model, torch.optim.Adam(model.parameters(), lr=1e-3), x, y, epochs, 128, seed, order)
        model.eval()
        with torch.no_grad():
            acc = float((model(xt).argmax(1) == yt).float().mean())
        print(json.dumps({"accuracy": acc, "seconds": time.perf_counter() - t0}))
    else:
        raise SystemExit("usage: torch_mlp.py serve|epoch|accuracy [--threads N]")


if __name__ == "__main__":
    main()
