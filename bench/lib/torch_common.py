"""What the PyTorch sides of the benchmarks share: the IDX reader for
Fashion-MNIST and the two models bench/lib/models.ts defines for tensorforge
(the example CNN, the row-wise LSTM). A script in bench/<name>/ imports it
after putting this directory on its path:

    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
    from torch_common import idx
"""
import gzip

import numpy as np


def idx(path):
    """An IDX file (gzip) as a uint8 array of its dimensions."""
    with gzip.open(path) as f:
        b = f.read()
    nd = b[3]
    dims = [int.from_bytes(b[4 + 4 * i:8 + 4 * i], "big") for i in range(nd)]
    return np.frombuffer(b, dtype=np.uint8, offset=4 + 4 * nd).reshape(dims)


def example_cnn(softmax=False):
    """Conv2D 32 3x3 relu, max pool 2, Conv2D 64 3x3 relu, max pool 2, flatten,
    dropout 0.5, Dense 10 (NCHW); `softmax` appends the output activation
    (for inference; training takes logits into CrossEntropyLoss)."""
    import torch
    layers = [
        torch.nn.Conv2d(1, 32, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(32, 64, 3), torch.nn.ReLU(), torch.nn.MaxPool2d(2),
        torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(1600, 10)]
    return torch.nn.Sequential(*layers, *([torch.nn.Softmax(-1)] if softmax else []))


def row_lstm(softmax=False):
    """An image read row by row: LSTM(128) over 28 steps of 28 features, then
    Dense 10 on the last state; `softmax` as in example_cnn."""
    import torch

    class RowLstm(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.lstm = torch.nn.LSTM(28, 128, batch_first=True)
            self.out = torch.nn.Linear(128, 10)

        def forward(self, v):
            _, (h, _) = self.lstm(v)
            y = self.out(h[-1])
            return torch.softmax(y, -1) if softmax else y

    return RowLstm()
