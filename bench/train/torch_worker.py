"""One PyTorch training run, the same model and loop a user would write.

    /usr/bin/python3 bench/train/torch_worker.py --model=seed|large --epochs=N [--samples=N] [--threads=N] [--blas-threads=N]

Prints one JSON line like bench/train/worker.ts. Thread settings must be in
the environment before torch loads, so they are read from argv first.
"""
import json, os, resource, sys, time

args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
os.environ["OPENBLAS_NUM_THREADS"] = args.get("blas-threads", "2")
os.environ["OMP_NUM_THREADS"] = args.get("threads", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from torch_common import idx  # noqa: E402

torch.set_num_threads(int(args.get("threads", "1")))
torch.manual_seed(1)

MODELS = {"seed": ([64], 32), "large": ([512, 512], 256)}


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
    units, batch = MODELS[args["model"]]
    layers, width = [], 784
    for u in units:
        layers += [torch.nn.Linear(width, u), torch.nn.ReLU()]
        width = u
    layers.append(torch.nn.Linear(width, 10))
    model = torch.nn.Sequential(*layers)
    # Keras defaults, so the comparison is like for like.
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    times = []
    for _ in range(int(args.get("epochs", "1"))):
        t0 = time.perf_counter()
        perm = torch.randperm(n)
        for i in range(0, n, batch):
            idx_ = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx_]), y[idx_])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"system": "pytorch", "model": args["model"], "samples": n, "epochs": len(times),
                      "epochTimes": times, "testAccuracy": acc, "peakRssMB": rss,
                      "info": {"version": torch.__version__, "threads": torch.get_num_threads(),
                               "blasThreads": os.environ["OPENBLAS_NUM_THREADS"]}}))


main()
