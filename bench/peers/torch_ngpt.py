"""The nGPT training step in PyTorch, for side-by-side speed comparisons with nugrad.

The same model as nugrad's `nn` (normalized transformer: unit-norm embeddings and hidden
states, rotate-half RoPE, per-head q/k normalization scaled by sqk, SwiGLU, Norm-LERP residuals,
untied unembedding with the logit gain sz), the same optimizer (Adam b1 0.9, b2 0.95, eps 1e-16,
cosine learning rate, matrices projected back to the unit sphere after each step) and the same
sizes. Run by `bench/nn_step.ts --peers torch`; prints one JSON line per width.

    python3 torch_ngpt.py --widths 32,64,128 --depth 2 --batch 16 --seq 64 --head-size 32 \\
        --steps 20 --threads 2
"""

import argparse
import json
import math
import time

import torch
import torch.nn.functional as F


def norm(x, dim=-1):
    return x / x.norm(dim=dim, keepdim=True)


def rope_tables(seq, k):
    inv = 1.0 / (10000 ** (torch.arange(0, k // 2, dtype=torch.float32) / (k // 2)))
    ang = torch.arange(seq, dtype=torch.float32)[:, None] * inv[None, :]
    ang = torch.cat([ang, ang], dim=-1)
    return ang.cos(), ang.sin()


def rope(x, cos, sin):
    h = x.shape[-1] // 2
    rot = torch.cat([-x[..., h:], x[..., :h]], dim=-1)
    return x * cos + rot * sin


def init_params(vocab, d, depth, m, gen):
    def mat(rows, cols):
        return torch.randn(rows, cols, generator=gen) / math.sqrt(d)

    p = {"embed": mat(vocab, d), "unembed": mat(vocab, d), "sz": torch.ones(vocab)}
    for layer in range(depth):
        for name in ("q", "k", "v"):
            p[f"{layer}.{name}"] = mat(d, d)
        p[f"{layer}.o"] = mat(d, d)
        p[f"{layer}.u"] = mat(m, d)
        p[f"{layer}.g"] = mat(m, d)
        p[f"{layer}.d"] = mat(d, m)
        p[f"{layer}.alphaA"] = torch.ones(d)
        p[f"{layer}.alphaM"] = torch.ones(d)
        p[f"{layer}.sqk"] = torch.ones(d)
        p[f"{layer}.su"] = torch.ones(m)
        p[f"{layer}.sv"] = torch.ones(m)
    return p


def sphere_dim(name):
    """-1: rows are unit vectors; 0: columns; None: a rescaler, not projected."""
    leaf = name.split(".")[-1]
    if leaf in ("embed", "unembed", "q", "k", "v", "u", "g"):
        return -1
    if leaf in ("o", "d"):
        return 0
    return None


def project(p):
    with torch.no_grad():
        for name, t in p.items():
            dim = sphere_dim(name)
            if dim is not None:
                t.copy_(norm(t, dim=dim))


def loss_fn(p, tokens, depth, heads, cos, sin):
    x, y = tokens[:, :-1], tokens[:, 1:]
    B, T = x.shape
    d = p["embed"].shape[1]
    k = d // heads
    h = p["embed"][x]
    mask = torch.ones(T, T, dtype=torch.bool).tril()
    for layer in range(depth):
        L = lambda n: p[f"{layer}.{n}"]  # noqa: E731
        split = lambda t: t.view(B, T, heads, k).transpose(1, 2)  # noqa: E731
        sqk = L("sqk").view(heads, 1, k)
        q = norm(rope(split(h @ L("q").T), cos[:T], sin[:T])) * sqk * math.sqrt(k)
        kk = norm(rope(split(h @ L("k").T), cos[:T], sin[:T])) * sqk
        v = split(h @ L("v").T)
        scores = (q @ kk.transpose(-1, -2)).masked_fill(~mask, -1e9)
        att = (scores.softmax(-1) @ v).transpose(1, 2).reshape(B, T, d) @ L("o").T
        h = norm(h + L("alphaA").abs() * (norm(att) - h))
        u = (h @ L("u").T) * L("su")
        g = (h @ L("g").T) * L("sv") * math.sqrt(d)
        mlp = (F.silu(g) * u) @ L("d").T
        h = norm(h + L("alphaM").abs() * (norm(mlp) - h))
    logits = (h @ p["unembed"].T) * p["sz"]
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def bench(width, args):
    gen = torch.Generator().manual_seed(0)
    heads = width // args.head_size
    m = 4 * width
    p = init_params(256, width, args.depth, m, gen)
    project(p)
    for t in p.values():
        t.requires_grad_(True)
    opt = torch.optim.Adam(p.values(), lr=2**-7, betas=(0.9, 0.95), eps=1e-16)
    total = args.steps + 3
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1, s / max(1, total - 1))))
    )
    cos, sin = rope_tables(args.seq, args.head_size)
    batches = [torch.randint(0, 256, (args.batch, args.seq + 1), generator=gen) for _ in range(4)]

    loss_of = torch.compile(loss_fn) if args.compile else loss_fn

    def step(i):
        opt.zero_grad(set_to_none=True)
        loss = loss_of(p, batches[i % 4], args.depth, heads, cos, sin)
        loss.backward()
        opt.step()
        sched.step()
        project(p)
        return loss

    for i in range(3):
        step(i).item()
    t0 = time.perf_counter()
    loss = None
    for i in range(args.steps):
        loss = step(i)
    final = loss.item()
    ms = (time.perf_counter() - t0) * 1000 / args.steps
    return {
        "peer": f"pytorch {torch.__version__}" + (" torch.compile" if args.compile else ""),
        "width": width,
        "msPerStep": ms,
        "tokensPerSecond": args.batch * args.seq * 1000 / ms,
        "finalLoss": final,
        "threads": torch.get_num_threads(),
    }


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--widths", default="32,64,128")
    ap.add_argument("--depth", type=int, default=2)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--seq", type=int, default=64)
    ap.add_argument("--head-size", type=int, default=32)
    ap.add_argument("--steps", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--compile", action="store_true", help="torch.compile the loss (Inductor)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    for w in [int(x) for x in args.widths.split(",")]:
        print(json.dumps(bench(w, args)), flush=True)


if __name__ == "__main__":
    main()
