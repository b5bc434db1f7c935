"""bench/latency's PyTorch side: the example CNN and the row-wise LSTM(128) +
Linear(10), eval mode under torch.no_grad() (how PyTorch serves a model),
fresh weights: the median time of one forward of a single sample, and images
per second at batch 1000. Prints one JSON line.

    /usr/bin/python3 bench/latency/torch_latency.py CALLS THREADS
"""
import json, sys, time
import torch


class RowLstm(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm = torch.nn.LSTM(28, 128, batch_first=True)
        self.out = torch.nn.Linear(128, 10)

    def forward(self, v):
        _, (h, _) = self.lstm(v)
        return torch.softmax(self.out(h[-1]), -1)


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
    cnn = torch.nn.Sequential(
        torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(1600, 10), torch.nn.Softmax(-1))
    print(json.dumps({"system": "pytorch", "threads": threads, "version": torch.__version__,
                      "cnn": measure(cnn, (1, 28, 28), calls), "lstm": measure(RowLstm(), (28, 28), calls)}))


main()
