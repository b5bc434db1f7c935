# PyTorch's side of bench/rnn: one epoch of the row-wise LSTM(128) + Linear(10)
# on Fashion-MNIST (28 steps of 28 pixels), Adam, cross-entropy, at a given
# batch size and thread count, timed from the first to the last batch.
# Prints one JSON line per batch size: {"batch", "seconds", "cpuSeconds", "images", "accuracy", "testImages"}.
#   python3 torch_lstm.py DATA_DIR BATCH[,BATCH...] THREADS [IMAGES]
import json, os, sys, time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from torch_common import idx, row_lstm  # noqa: E402


def main():
    data, batches, threads = sys.argv[1], [int(b) for b in sys.argv[2].split(",")], int(sys.argv[3])
    limit = int(sys.argv[4]) if len(sys.argv) > 4 else None
    torch.set_num_threads(threads)
    torch.set_num_interop_threads(1)
    x = torch.from_numpy(idx(os.path.join(data, "train-images-idx3-ubyte.gz")).reshape(-1, 28, 28).astype(np.float32) / 255)
    y = torch.from_numpy(idx(os.path.join(data, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    tx = torch.from_numpy(idx(os.path.join(data, "t10k-images-idx3-ubyte.gz")).reshape(-1, 28, 28).astype(np.float32) / 255)
    ty = torch.from_numpy(idx(os.path.join(data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    if limit:
        x, y = x[:limit], y[:limit]
    for batch in batches:
        run(batch, x, y, tx, ty)


def run(batch, x, y, tx, ty):
    torch.manual_seed(0)

    net = row_lstm()
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    loss_fn = torch.nn.CrossEntropyLoss()
    order = torch.randperm(len(x))
    wall, cpu = time.perf_counter(), time.process_time()
    for start in range(0, len(x), batch):
        i = order[start:start + batch]
        opt.zero_grad()
        loss = loss_fn(net(x[i]), y[i])
        loss.backward()
        opt.step()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    with torch.no_grad():
        accuracy = float((net(tx).argmax(1) == ty).float().mean())
    print(json.dumps({"batch": batch, "seconds": wall, "cpuSeconds": cpu, "images": len(x), "accuracy": accuracy, "testImages": len(tx),
                      "info": {"version": torch.__version__, "threads": torch.get_num_threads()}}), flush=True)


main()
