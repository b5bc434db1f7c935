"""The example CNN (examples/cnn.ts) in PyTorch: one run, the loop a user writes.

    /usr/bin/python3 bench/conv/torch_cnn.py --batch=32 [--epochs=1] [--samples=N] [--threads=N] [--dir=DIR]
    /usr/bin/python3 bench/conv/torch_cnn.py --batches=32,128 --samples=3000 --threads=1     (bench/conv/index.ts)

Prints one JSON line per batch size: wall and process CPU seconds per epoch,
test accuracy (and seconds / cpuSeconds / accuracy / images for bench/lib/epochs.ts).
Thread settings must be in the environment before torch loads.
"""
import json, os, sys, time

args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
os.environ["OMP_NUM_THREADS"] = args.get("threads", "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from torch_common import example_cnn, idx  # noqa: E402

torch.set_num_threads(int(args.get("threads", "1")))


def main():
    d = args.get("dir", "/usr/share/datasets/fashion-mnist")
    if not os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")):
        d = os.path.join(os.path.dirname(__file__), "..", "..", "data", "fashion-mnist")
    # NCHW, PyTorch's native layout (channels_last memory format is slower here on CPU for this net).
    x = torch.from_numpy(idx(os.path.join(d, "train-images-idx3-ubyte.gz")).reshape(-1, 1, 28, 28).astype(np.float32) / 255)
    y = torch.from_numpy(idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    xt = torch.from_numpy(idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")).reshape(-1, 1, 28, 28).astype(np.float32) / 255)
    yt = torch.from_numpy(idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    n = min(int(args.get("samples", len(x))), len(x))
    x, y = x[:n], y[:n]
    for batch in [int(b) for b in args.get("batches", args.get("batch", "32")).split(",")]:
        run(batch, n, x, y, xt, yt)


def run(batch, n, x, y, xt, yt):
    torch.manual_seed(1)
    model = example_cnn()
    # Keras defaults, so the comparison is like for like.
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    wall, cpu = [], []
    for _ in range(int(args.get("epochs", "1"))):
        model.train()
        t0, c0 = time.perf_counter(), time.process_time()
        perm = torch.randperm(n)
        for i in range(0, n, batch):
            j = perm[i:i + batch]
            opt.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[j]), y[j])
            loss.backward()
            opt.step()
        wall.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
    model.eval()
    with torch.no_grad():
        acc = sum((model(xt[i:i + 1000]).argmax(1) == yt[i:i + 1000]).sum().item() for i in range(0, len(xt), 1000)) / len(xt)
    print(json.dumps({"system": "pytorch", "batch": batch, "samples": n, "epochWall": wall, "epochCpu": cpu,
                      "testAccuracy": acc, "info": {"version": torch.__version__, "threads": torch.get_num_threads()},
                      "images": n, "seconds": wall[0], "cpuSeconds": cpu[0], "accuracy": acc, "testImages": len(xt)}), flush=True)


main()
