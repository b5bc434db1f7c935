"""PyTorch eager's custom loop for bench/tape: bench/train/torch_worker.py's
seed-model loop (Linear-ReLU-Linear, CrossEntropyLoss, Adam with Keras's
epsilon, batch 32), also reporting each epoch's process CPU seconds.

    /usr/bin/python3 bench/tape/torch_loop.py --epochs=N [--samples=N]
"""
import json, os, resource, sys, time

args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
os.environ["OPENBLAS_NUM_THREADS"] = "2"
os.environ["OMP_NUM_THREADS"] = "1"

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from torch_common import idx  # noqa: E402

torch.set_num_threads(1)
torch.manual_seed(1)


def main():
    d = "/usr/share/datasets/fashion-mnist"
    if not os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")):
        d = os.path.join(os.path.dirname(__file__), "..", "..", "data", "fashion-mnist")
    x = torch.from_numpy(idx(os.path.join(d, "train-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
    y = torch.from_numpy(idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    xt = torch.from_numpy(idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784).astype(np.float32) / 255)
    yt = torch.from_numpy(idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    n = min(int(args.get("samples", len(x))), len(x))
    x, y = x[:n], y[:n]
    model = torch.nn.Sequential(torch.nn.Linear(784, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    times, cpu = [], []
    for _ in range(int(args.get("epochs", "1"))):
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(n)
        for i in range(0, n, 32):
            j = perm[i:i + 32]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[j]), y[j])
            loss.backward()
            opt.step()
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"system": "pytorch", "samples": n, "epochs": len(times), "epochTimes": times, "epochCpu": cpu,
                      "testAccuracy": acc, "peakRssMB": rss, "info": {"version": torch.__version__}}))


main()
