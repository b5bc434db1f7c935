"""bench/latency's PyTorch side: the example CNN and the row-wise LSTM(128) +
Linear(10), eval mode under torch.no_grad() (how PyTorch serves a model),
fresh weights: the median time of one forward of a single sample, and images
per second at batch 1000. Prints one JSON line.

    /usr/bin/python3 bench/latency/torch_latency.py CALLS THREADS
"""
import json, os, sys, time
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from torch_common import example_cnn, row_lstm  # noqa: E402


def timed(f, n):
    for _ in range(max(1, n // 10)):
        f()
    t = []
    for _ in range(n):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    t.sort()
    return t[len(t) // 2]


def measure(model, sample, calls):
    model.eval()
    one = torch.rand(1, *sample)
    many = torch.rand(1000, *sample)
    with torch.no_grad():
        b1 = timed(lambda: model(one), calls)
        b1000 = timed(lambda: model(many), max(5, round(calls / 100)))
    return {"batch1Us": b1 * 1e6, "batch1000PerSecond": 1000 / b1000}


def main():
    calls, threads = int(sys.argv[1]), int(sys.argv[2])
    torch.set_num_threads(threads)
    cnn = example_cnn(softmax=True)
    print(json.dumps({"system": "pytorch", "threads": threads, "version": torch.__version__,
                      "cnn": measure(cnn, (1, 28, 28), calls), "lstm": measure(row_lstm(softmax=True), (28, 28), calls)}))


main()
