"""PyTorch peer of bench/compress: one model (seed 784-64-10 or large
784-512-512-10) trained as bench/compress trains tensorforge's (Adam, lr 1e-3,
Keras's epsilon 1e-7, batch 64, CrossEntropyLoss on the softmax's logits),
then compressed the torch.ao / torch.nn.utils.prune way:

- dense:            the trained float32 model
- prune global:     prune.global_unstructured(L1Unstructured) over every
                    Linear weight to --sparsity in one shot, then --finetune
                    epochs with the masks held (a fresh Adam), prune.remove
- prune per layer:  prune.l1_unstructured on each Linear weight, same schedule
- int8 dynamic:     torch.ao.quantization.quantize_dynamic({nn.Linear}, qint8)
                    of the dense model (fbgemm: int8 weights per tensor,
                    activations quantized per batch at run time)

Per variant: test accuracy, bytes of torch.save(state_dict), non-zero weights,
predict latency at batch 1 and throughput at batch 1000 (medians of rounds;
the faster of 1 and 2 intra-op threads, reported). Prints one JSON line.

    /usr/bin/python3 bench/compress/torch_compress.py --model=seed|large --data=DIR
        [--epochs=3] [--finetune=2] [--sparsity=0.9] [--rounds=7] [--min-time=0.2]
"""
import io, json, os, statistics, sys, time

args = dict(a[2:].split("=", 1) for a in sys.argv[1:] if a.startswith("--") and "=" in a)
os.environ["OMP_NUM_THREADS"] = "2"
os.environ.setdefault("OPENBLAS_NUM_THREADS", "2")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.utils.prune as prune  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from torch_common import idx  # noqa: E402

HIDDEN = {"seed": [64], "large": [512, 512]}


def load(d):
    img = lambda n: torch.from_numpy(idx(os.path.join(d, n)).reshape(-1, 784).astype(np.float32) / 255)
    lab = lambda n: torch.from_numpy(idx(os.path.join(d, n)).astype(np.int64))
    return (img("train-images-idx3-ubyte.gz"), lab("train-labels-idx1-ubyte.gz"),
            img("t10k-images-idx3-ubyte.gz"), lab("t10k-labels-idx1-ubyte.gz"))


def build(hidden):
    layers, n = [], 784
    for u in hidden:
        layers += [torch.nn.Linear(n, u), torch.nn.ReLU()]
        n = u
    return torch.nn.Sequential(*layers, torch.nn.Linear(n, 10))


def fit(model, x, y, epochs):
    # One intra-op thread for training (as bench/tape's loop): at batch 64 a
    # second one mostly waits at barriers, and on a shared machine it spins.
    torch.set_num_threads(1)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)
    loss_fn = torch.nn.CrossEntropyLoss()
    model.train()
    for _ in range(epochs):
        perm = torch.randperm(len(x))
        for i in range(0, len(x), 64):
            j = perm[i:i + 64]
            opt.zero_grad(set_to_none=True)
            loss_fn(model(x[j]), y[j]).backward()
            opt.step()
    torch.set_num_threads(2)
    model.eval()


def accuracy(model, x, y):
    with torch.inference_mode():
        return (model(x).argmax(1) == y).float().mean().item()


def file_bytes(model):
    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    return buf.tell()


def weights(model):
    """Weights (not biases) of the Linear layers, float or dynamically quantized."""
    out = []
    for m in model.modules():
        if isinstance(m, torch.nn.Linear):
            out.append(m.weight.detach())
        elif hasattr(m, "weight") and callable(m.weight) and "Linear" in type(m).__name__:
            out.append(m.weight().int_repr())
    return out


def seconds_per_call(f, min_time, rounds):
    """Median seconds per call over `rounds` rounds of at least min_time each."""
    f()
    t0, n = time.perf_counter(), 0
    while time.perf_counter() - t0 < min_time / 4:
        f()
        n += 1
    reps = max(1, int(n * 4 * min_time / max(1e-9, time.perf_counter() - t0) / 4))
    times = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for _ in range(reps):
            f()
        times.append((time.perf_counter() - t0) / reps)
    return statistics.median(times)


def timing(model, xt, min_time, rounds):
    one, big = xt[:1].clone(), xt[:1000].clone()
    best = {}
    for threads in [1, 2] if (os.cpu_count() or 1) >= 2 else [1]:
        torch.set_num_threads(threads)
        with torch.inference_mode():
            lat = seconds_per_call(lambda: model(one), min_time, rounds)
            thr = big.shape[0] / seconds_per_call(lambda: model(big), min_time, rounds)
        if "latency" not in best or lat < best["latency"]:
            best["latency"], best["latencyThreads"] = lat, threads
        if "throughput" not in best or thr > best["throughput"]:
            best["throughput"], best["throughputThreads"] = thr, threads
    torch.set_num_threads(2)
    return best


def row(variant, model, xt, yt, min_time, rounds):
    w = weights(model)
    params = sum(p.numel() for p in w)
    nonzero = sum(int((p != 0).sum()) for p in w)
    t = timing(model, xt, min_time, rounds)
    return {"variant": variant, "accuracy": accuracy(model, xt, yt), "bytes": file_bytes(model),
            "kernelParameters": params, "kernelNonzeros": nonzero,
            "latencySeconds": t["latency"], "latencyThreads": t["latencyThreads"],
            "samplesPerSecond": t["throughput"], "throughputThreads": t["throughputThreads"]}


def main():
    torch.manual_seed(1)
    torch.set_num_threads(2)
    name = args.get("model", "seed")
    epochs, finetune = int(args.get("epochs", "3")), int(args.get("finetune", "2"))
    sparsity = float(args.get("sparsity", "0.9"))
    min_time, rounds = float(args.get("min-time", "0.2")), int(args.get("rounds", "7"))
    x, y, xt, yt = load(args["data"])
    t0 = time.perf_counter()
    dense = build(HIDDEN[name])
    fit(dense, x, y, epochs)
    train_seconds = time.perf_counter() - t0
    rows = [row("dense float32", dense, xt, yt, min_time, rounds)]

    for variant in ["prune global", "prune per layer"]:
        m = build(HIDDEN[name])
        m.load_state_dict(dense.state_dict())
        linears = [mod for mod in m.modules() if isinstance(mod, torch.nn.Linear)]
        if variant == "prune global":
            prune.global_unstructured([(l, "weight") for l in linears], pruning_method=prune.L1Unstructured, amount=sparsity)
        else:
            for l in linears:
                prune.l1_unstructured(l, "weight", amount=sparsity)
        m.eval()
        one_shot = accuracy(m, xt, yt)
        fit(m, x, y, finetune)
        for l in linears:
            prune.remove(l, "weight")
        r = row(f"{variant} {round(sparsity * 100)}%", m, xt, yt, min_time, rounds)
        r["accuracyBeforeFinetune"] = one_shot
        rows.append(r)

    q = torch.ao.quantization.quantize_dynamic(dense, {torch.nn.Linear}, dtype=torch.qint8)
    rows.append(row("int8 dynamic", q, xt, yt, min_time, rounds))
    print(json.dumps({"system": "pytorch", "model": name, "version": torch.__version__,
                      "engine": torch.backends.quantized.engine, "trainSamples": len(x), "testSamples": len(xt),
                      "epochs": epochs, "finetuneEpochs": finetune, "trainSeconds": train_seconds, "rows": rows}))


main()
