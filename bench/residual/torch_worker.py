"""The residual MLP of issue 16 in PyTorch, the model and loop a user would write.

    /usr/bin/python3 bench/residual/torch_worker.py --epochs=N [--samples=N] [--threads=N] [--blas-threads=N]

784 -> Linear 256 + ReLU -> three blocks (Linear 256 + ReLU, plus the block's
input) -> Linear 10; Adam with Keras's defaults, batch 128, Fashion-MNIST.
Prints one JSON line like worker.cjs. Thread settings must be in the
environment before torch loads, so they are read from argv first.
"""
import json, os, resource, sys, time

args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
os.environ["OPENBLAS_NUM_THREADS"] = args.get("blas-threads", args.get("threads", "1"))
os.environ["OMP_NUM_THREADS"] = args.get("threads", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from torch_common import idx  # noqa: E402

torch.set_num_threads(int(args.get("threads", "1")))
torch.manual_seed(1)


class ResidualMlp(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.stem = torch.nn.Linear(784, 256)
        self.blocks = torch.nn.ModuleList([torch.nn.Linear(256, 256) for _ in range(3)])
        self.head = torch.nn.Linear(256, 10)

    def forward(self, x):
        h = torch.relu(self.stem(x))
        for block in self.blocks:
            h = torch.relu(block(h)) + h
        return self.head(h)


def main():
    d = args.get("dir", "/usr/share/datasets/fashion-mnist")
    if not os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")):
        d = os.path.join(os.path.dirname(__file__), "..", "..", "data", "fashion-mnist")
    x = torch.from_numpy(idx(os.path.join(d, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
    y = torch.from_numpy(idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    xt = torch.from_numpy(idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
    yt = torch.from_numpy(idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    n = min(int(args.get("samples", len(x))), len(x))
    x, y = x[:n], y[:n]
    model = ResidualMlp()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for _ in range(int(args.get("epochs", "1"))):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n, 128):
            rows = perm[i:i + 128]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[rows]), y[rows])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"system": "pytorch", "samples": n, "epochs": len(times), "epochTimes": times, "testAccuracy": acc,
                      "peakRssMB": rss, "info": {"version": torch.__version__, "threads": torch.get_num_threads(),
                                                 "blasThreads": os.environ["OPENBLAS_NUM_THREADS"]}}))


main()
