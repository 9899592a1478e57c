#!/usr/bin/env python3
"""Load an optrain GPT export into nanoGPT's GPT class and evaluate it with PyTorch.

Usage: nanogpt_check.py MODEL_DIR TOKENS_FILE INPUTS_JSON

MODEL_DIR holds model.safetensors + config.json (optrain train's model/ directory),
TOKENS_FILE is optrain's token file (jobs/text-dataset.ts: magic "OPTRTOK1", u32 vocab,
u32 train count, u32 val count, u32 0, then u16 LE ids), INPUTS_JSON a JSON array of fixed
inputs, each an array of rows of token ids ([B, T], T <= block_size). Prints one JSON object:
  {"logits": [[...], ...] (per input, flattened [B, T, V]), "valLoss": mean cross-entropy over
   the non-overlapping validation windows, "windows": count, "missing": [...], "unexpected": [...]}

The model below is nanoGPT's model.py (Karpathy, MIT licence) reduced to what inference needs:
token + position embeddings, pre-LayerNorm blocks with causal self-attention (1/sqrt(hs)
scaling, mask filled with -inf) and a 4x GELU MLP, final LayerNorm, LM head tied to wte.
The safetensors file is parsed by hand (no safetensors package): u64 LE header length, JSON
header, raw little-endian float32 data.
"""
import json
import math
import struct
import sys

import torch
import torch.nn as nn
from torch.nn import functional as F


class LayerNorm(nn.Module):
    def __init__(self, ndim, bias):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(ndim))
        self.bias = nn.Parameter(torch.zeros(ndim)) if bias else None

    def forward(self, x):
        return F.layer_norm(x, self.weight.shape, self.weight, self.bias, 1e-5)


class CausalSelfAttention(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        assert cfg["n_embd"] % cfg["n_head"] == 0
        self.c_attn = nn.Linear(cfg["n_embd"], 3 * cfg["n_embd"], bias=cfg["bias"])
        self.c_proj = nn.Linear(cfg["n_embd"], cfg["n_embd"], bias=cfg["bias"])
        self.n_head = cfg["n_head"]
        self.n_embd = cfg["n_embd"]
        # nanoGPT registers the causal mask as a buffer when flash attention is unavailable (torch < 2)
        t = cfg["block_size"]
        self.register_buffer("bias", torch.tril(torch.ones(t, t)).view(1, 1, t, t))

    def forward(self, x):
        B, T, C = x.size()
        q, k, v = self.c_attn(x).split(self.n_embd, dim=2)
        k = k.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        q = q.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        v = v.view(B, T, self.n_head, C // self.n_head).transpose(1, 2)
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        att = att.masked_fill(self.bias[:, :, :T, :T] == 0, float("-inf"))
        att = F.softmax(att, dim=-1)
        y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.c_proj(y)


class MLP(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.c_fc = nn.Linear(cfg["n_embd"], 4 * cfg["n_embd"], bias=cfg["bias"])
        self.gelu = nn.GELU()
        self.c_proj = nn.Linear(4 * cfg["n_embd"], cfg["n_embd"], bias=cfg["bias"])

    def forward(self, x):
        return self.c_proj(self.gelu(self.c_fc(x)))


class Block(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.ln_1 = LayerNorm(cfg["n_embd"], bias=cfg["bias"])
        self.attn = CausalSelfAttention(cfg)
        self.ln_2 = LayerNorm(cfg["n_embd"], bias=cfg["bias"])
        self.mlp = MLP(cfg)

    def forward(self, x):
        x = x + self.attn(self.ln_1(x))
        x = x + self.mlp(self.ln_2(x))
        return x


class GPT(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.transformer = nn.ModuleDict(dict(
            wte=nn.Embedding(cfg["vocab_size"], cfg["n_embd"]),
            wpe=nn.Embedding(cfg["block_size"], cfg["n_embd"]),
            h=nn.ModuleList([Block(cfg) for _ in range(cfg["n_layer"])]),
            ln_f=LayerNorm(cfg["n_embd"], bias=cfg["bias"]),
        ))
        self.lm_head = nn.Linear(cfg["n_embd"], cfg["vocab_size"], bias=False)
        self.transformer.wte.weight = self.lm_head.weight  # weight tying

    def forward(self, idx):
        b, t = idx.size()
        assert t <= self.cfg["block_size"]
        pos = torch.arange(0, t, dtype=torch.long)
        x = self.transformer.wte(idx) + self.transformer.wpe(pos)
        for block in self.transformer.h:
            x = block(x)
        x = self.transformer.ln_f(x)
        return self.lm_head(x)


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    base = 8 + n
    out = {}
    for name, h in header.items():
        if name == "__metadata__":
            continue
        assert h["dtype"] == "F32", f"{name}: dtype {h['dtype']}"
        begin, end = h["data_offsets"]
        t = torch.frombuffer(bytearray(data[base + begin:base + end]), dtype=torch.float32)
        out[name] = t.reshape(h["shape"]) if h["shape"] else t.reshape(())
    return out


def read_tokens(path):
    with open(path, "rb") as f:
        data = f.read()
    assert data[:8] == b"OPTRTOK1", "not an optrain token file"
    vocab, n_train, n_val, _ = struct.unpack("<IIII", data[8:24])
    ids = torch.frombuffer(bytearray(data[24:]), dtype=torch.int16).to(torch.int64) & 0xFFFF
    assert ids.numel() == n_train + n_val
    return ids[:n_train], ids[n_train:]


def main():
    model_dir, tokens_file, ids_json = sys.argv[1:4]
    with open(f"{model_dir}/config.json") as f:
        cfg = json.load(f)
    torch.manual_seed(0)
    model = GPT(cfg)
    sd = read_safetensors(f"{model_dir}/model.safetensors")
    res = model.load_state_dict(sd, strict=False)
    model.eval()
    with open(ids_json) as f:
        inputs = [torch.tensor(x, dtype=torch.long) for x in json.load(f)]
    _, val = read_tokens(tokens_file)
    T = cfg["block_size"]
    windows = (val.numel() - 1) // T
    with torch.no_grad():
        logits = [model(ids).reshape(-1).tolist() for ids in inputs]
        total = torch.zeros((), dtype=torch.float64)
        for start in range(0, windows, 256):
            w = min(256, windows - start)
            x = torch.stack([val[(start + i) * T:(start + i + 1) * T] for i in range(w)])
            y = torch.stack([val[(start + i) * T + 1:(start + i + 1) * T + 1] for i in range(w)])
            lg = model(x)
            total += F.cross_entropy(lg.view(-1, lg.size(-1)), y.view(-1), reduction="sum").double()
    print(json.dumps({
        "logits": logits,
        "valLoss": (total / (windows * T)).item(),
        "windows": windows,
        "missing": res.missing_keys,
        "unexpected": res.unexpected_keys,
        "torch": torch.__version__,
    }))


if __name__ == "__main__":
    main()
