"""PyTorch as an inference system: the same protocol as worker.cjs.

    /usr/bin/python3 bench/inference/torch_worker.py [--threads=N|auto] [--blas-threads=N] [--first-call --model=seed]

--threads=auto: per case, the faster of 1 and 2 intra-op threads (reported).

Weights and inputs follow weights.cjs exactly (integer patterns, one rounding
to float32), so the outputs match the other systems'. Thread settings must be
in the environment before torch loads, so they are read from argv first.
"""
import time

T0 = time.perf_counter()
import json, math, os, sys  # noqa: E401,E402

args = dict(a[2:].split("=", 1) if "=" in a else (a[2:], "1") for a in sys.argv[1:] if a.startswith("--"))
os.environ["OMP_NUM_THREADS"] = "1" if args.get("threads", "1") == "auto" else args.get("threads", "1")
os.environ["OPENBLAS_NUM_THREADS"] = args.get("blas-threads", "2")

MODELS = {"seed": [784, 64, 10], "large": [784, 512, 512, 10]}


def out(s):
    sys.stdout.write(s + "\n")
    sys.stdout.flush()


def kernel_values(np, l, fan_in, fan_out):
    i = np.arange(fan_in * fan_out, dtype=np.int64)
    limit = math.sqrt(6 / (fan_in + fan_out))
    return ((2 * (((i * 2654435761 + l * 97) % 1000003) / 1000003) - 1) * limit).astype(np.float32).reshape(fan_in, fan_out)


def bias_values(np, l, n):
    i = np.arange(n, dtype=np.int64)
    return (0.01 * (((i + l) % 7) - 3)).astype(np.float32)


def input_values(np, batch, features):
    j = np.arange(batch * features, dtype=np.int64)
    return (((j * 40503 + 17) % 256) / 255).astype(np.float32).reshape(batch, features)


def checksum(y, batch, classes):
    y = y.reshape(batch, classes).astype("float64")
    s = float((y * (1 + __import__("numpy").arange(classes))).sum() / batch)
    h = 0
    for b in y.argmax(1):
        h = (h * 31 + int(b)) % 1000000007
    return s, h


def load():
    import numpy as np
    import torch

    torch.set_num_threads(1 if args.get("threads", "1") == "auto" else int(args.get("threads", "1")))
    return np, torch


def build(np, torch, name):
    sizes = MODELS[name]
    layers = []
    for l in range(len(sizes) - 1):
        lin = torch.nn.Linear(sizes[l], sizes[l + 1])
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(kernel_values(np, l, sizes[l], sizes[l + 1]).T.copy()))
            lin.bias.copy_(torch.from_numpy(bias_values(np, l, sizes[l + 1])))
        layers += [lin, torch.nn.ReLU() if l < len(sizes) - 2 else torch.nn.Softmax(dim=1)]
    model = torch.nn.Sequential(*layers).eval()

    def predict(x):
        with torch.inference_mode():
            return model(torch.from_numpy(x)).numpy()

    return predict


def first_call(name):
    t0 = time.perf_counter()
    np, torch = load()
    t1 = time.perf_counter()
    predict = build(np, torch, name)
    t2 = time.perf_counter()
    y = predict(input_values(np, 1, MODELS[name][0]))
    t3 = time.perf_counter()
    ms = lambda a, b: (b - a) * 1000  # noqa: E731
    out("first " + json.dumps({
        "system": "pytorch", "model": name, "bootstrapMs": None, "loadMs": ms(t0, t1), "buildMs": ms(t1, t2),
        "firstPredictMs": ms(t2, t3), "inProcessMs": ms(T0, t3), "sinceProcessStartMs": None,
        "checksum": checksum(y, 1, MODELS[name][-1])[0]}))


def serve():
    np, torch = load()
    info = {"library": "torch", "version": torch.__version__, "threads": args.get("threads", "1"),
            "blasThreads": int(os.environ["OPENBLAS_NUM_THREADS"]), "predict": "model(x) under torch.inference_mode()"}
    models = {}
    job = None
    thread_choices = [1, 2] if args.get("threads") == "auto" and (os.cpu_count() or 1) >= 2 else [torch.get_num_threads()]
    for line in sys.stdin:
        parts = line.split()
        if not parts:
            continue
        cmd = parts[0]
        if cmd == "info":
            out("info " + json.dumps(info))
        elif cmd == "prep":
            name, batch, sec = parts[1], int(parts[2]), float(parts[3])
            if name not in models:
                models[name] = build(np, torch, name)
            predict = models[name]
            x = input_values(np, batch, MODELS[name][0])
            for _ in range(3):
                y = predict(x)
            s, h = checksum(y, batch, MODELS[name][-1])
            # PyTorch's best intra-op thread count depends on the shape (1 for
            # the seed model at batch 1, 2 for the large one): try each, keep
            # the faster for this case.
            best = None
            for t in thread_choices * 2:  # alternated, best of two tries each
                torch.set_num_threads(t)
                predict(x)
                t0 = time.perf_counter()
                n = 0
                while True:
                    predict(x)
                    n += 1
                    if time.perf_counter() - t0 >= 0.04 or n >= 2000:
                        break
                per = (time.perf_counter() - t0) / n
                if best is None or per < best[1]:
                    best = (t, per)
            torch.set_num_threads(best[0])
            reps = max(1, round(sec / best[1]))
            job = (predict, x, reps)
            out(f"ok {s} {h} {reps} threads={best[0]}")
        elif cmd == "run":
            predict, x, reps = job
            t0 = time.perf_counter()
            for _ in range(reps):
                predict(x)
            out(f"t {(time.perf_counter() - t0) / reps}")
        elif cmd == "quit":
            break
        else:
            out(f"error unknown command {cmd}")


if args.get("first-call"):
    first_call(args.get("model", "seed"))
else:
    serve()
