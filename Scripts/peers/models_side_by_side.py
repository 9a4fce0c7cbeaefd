#!/usr/bin/env python3
"""The shipped models in PyTorch, side by side with Backprop: same weights, same batches.

Run from the project root after `swift build -c release --product backprop-bench`, with the
peers' environment (`bash ../shared/peers/setup_venv.sh`):

    $HOME/.peersvenv/bin/python Scripts/peers/models_side_by_side.py [--model cnn-digits|names|names-transformer]
                                                                      [--steps 5] [--rounds 3]

1. Losses: `backprop-bench models --export` writes the initial parameters, the first batches
   and Backprop's loss on each of the first Adam steps; this script loads the same
   parameters into the same model in PyTorch, runs the same Adam steps on the same batches,
   and prints both losses and their largest relative difference (float32 rounding: ~1e-6).
2. Speed: alternating rounds of `backprop-bench models --step-time` (a compiled step) and a
   PyTorch eager step of the same model on the same batch; the medians and their ratio
   (above 1: Backprop is faster). The last line is JSON.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import torch
import torch.nn.functional as F

BENCH = os.environ.get("BACKPROP_BENCH", ".build/release/backprop-bench")


class DigitsCNN(torch.nn.Module):
    """Backprop's DigitsCNN: [B, 64] → [B, 1, 8, 8] → conv 16 → relu → max 2 → conv 32 → relu → max 2 → linear 10."""

    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 16, 3, padding=1)
        self.conv2 = torch.nn.Conv2d(16, 32, 3, padding=1)
        self.fc = torch.nn.Linear(128, 10)

    def forward(self, x):
        x = x.view(-1, 1, 8, 8)
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(x.flatten(1))


class CharacterMLP(torch.nn.Module):
    """Backprop's CharacterMLP: one-hot contexts [B, 3·27] · C → tanh(E·W₁ᵀ + b₁) · W₂ᵀ + b₂."""

    def __init__(self, vocabulary=27, context=3, embedding=10, hidden=200):
        super().__init__()
        self.v, self.k = vocabulary, context
        self.embedding = torch.nn.Parameter(torch.zeros(vocabulary, embedding))
        self.hidden = torch.nn.Linear(context * embedding, hidden)
        self.output = torch.nn.Linear(hidden, vocabulary)

    def forward(self, x):
        b = x.shape[0]
        e = (x.view(b * self.k, self.v) @ self.embedding).view(b, -1)
        return self.output(torch.tanh(self.hidden(e)))


class CausalSelfAttention(torch.nn.Module):
    """Backprop's CausalSelfAttention: q, k, v and output maps d → d, h heads, scores masked by −1e9 above the diagonal."""

    def __init__(self, d, heads):
        super().__init__()
        self.h = heads
        self.query, self.key = torch.nn.Linear(d, d), torch.nn.Linear(d, d)
        self.value, self.output = torch.nn.Linear(d, d), torch.nn.Linear(d, d)

    def forward(self, x):
        b, t, d = x.shape
        h, dh = self.h, d // self.h
        rows = x.reshape(b * t, d)

        def split(z):
            return z.view(b, t, h, dh).permute(0, 2, 1, 3).reshape(b * h, t, dh)

        q, k, v = split(self.query(rows)), split(self.key(rows)), split(self.value(rows))
        mask = torch.triu(torch.full((t, t), -1e9), diagonal=1)
        scores = q @ k.transpose(1, 2) * (1 / dh ** 0.5) + mask
        mixed = torch.softmax(scores, dim=-1) @ v
        merged = mixed.view(b, h, t, dh).permute(0, 2, 1, 3).reshape(b * t, d)
        return self.output(merged).view(b, t, d)


class Block(torch.nn.Module):
    def __init__(self, d, heads):
        super().__init__()
        self.norm1, self.attention = torch.nn.LayerNorm(d, eps=1e-5), CausalSelfAttention(d, heads)
        self.norm2 = torch.nn.LayerNorm(d, eps=1e-5)
        self.expand, self.project = torch.nn.Linear(d, 4 * d), torch.nn.Linear(4 * d, d)


class CharacterTransformer(torch.nn.Module):
    """Backprop's CharacterTransformer: one-hot contexts [B, T·V] · C + P, pre-norm blocks of causal
    self-attention and a tanh MLP with residuals, a final layer norm, logits of the last position."""

    def __init__(self, vocabulary=27, context=8, d=32, heads=4, blocks=2):
        super().__init__()
        self.v, self.t, self.d = vocabulary, context, d
        self.tokenEmbedding = torch.nn.Parameter(torch.zeros(vocabulary, d))
        self.positionEmbedding = torch.nn.Parameter(torch.zeros(context, d))
        self.blocks = torch.nn.ModuleList([Block(d, heads) for _ in range(blocks)])
        self.finalNorm, self.head = torch.nn.LayerNorm(d, eps=1e-5), torch.nn.Linear(d, vocabulary)

    def forward(self, x):
        b, t, d = x.shape[0], self.t, self.d
        x = ((x.view(b * t, self.v) @ self.tokenEmbedding).view(b, t, d) + self.positionEmbedding).view(b * t, d)
        for block in self.blocks:
            x = x + block.attention(block.norm1(x).view(b, t, d)).view(b * t, d)
            x = x + block.project(torch.tanh(block.expand(block.norm2(x))))
        return self.head(self.finalNorm(x.view(b, t, d)[:, t - 1, :]))


class CharacterLSTM(torch.nn.Module):
    """Backprop's names-lstm bench model: 8 character indices → Embedding(27, 10) → LSTM(10, 64),
    its last output → Linear(64, 27). Parameters in Backprop's order: embedding, weight_ih,
    weight_hh, bias_ih, bias_hh (gates i, f, g, o, as PyTorch), then the linear map."""

    def __init__(self, vocabulary=27, embedding=10, hidden=64):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocabulary, embedding)
        self.lstm = torch.nn.LSTM(embedding, hidden, batch_first=True)
        self.output = torch.nn.Linear(hidden, vocabulary)

    def forward(self, x):
        _, (h, _) = self.lstm(self.embedding(x.long()))
        return self.output(h[-1])


MODELS = {  # name: (module, batch, input width, classes)
    "cnn-digits": (DigitsCNN, 32, 64, 10),
    "names": (CharacterMLP, 64, 81, 27),
    "names-transformer": (CharacterTransformer, 64, 216, 27),
    "names-lstm": (CharacterLSTM, 64, 8, 27),
}


def build(name):
    return MODELS[name][0]()


def torch_name(name):
    """A Backprop parameter name in PyTorch's spelling: Linear W, b and LayerNorm scale, offset → weight, bias."""
    last = {"W": "weight", "b": "bias", "scale": "weight", "offset": "bias"}
    parts = name.split(".")
    return ".".join(parts[:-1] + [last.get(parts[-1], parts[-1])])


def load(model, saved_parameters):
    """Copies Backprop's exported parameters into `model`: by name where every name maps to one of
    the model's (the transformer), otherwise in order (the CNN and the MLP list theirs alike)."""
    named = dict(model.named_parameters())
    if all(torch_name(s["name"]) in named for s in saved_parameters):
        targets = [named[torch_name(s["name"])] for s in saved_parameters]
        assert len(targets) == len(named), "parameter lists differ"
    else:
        targets = list(model.parameters())
        assert len(targets) == len(saved_parameters), "parameter lists differ"
    with torch.no_grad():
        for p, saved in zip(targets, saved_parameters):
            assert list(p.shape) == saved["shape"], (saved["name"], list(p.shape), saved["shape"])
            p.copy_(torch.tensor(saved["values"], dtype=torch.float32).view(saved["shape"]))


def run(cmd):
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]


def compare_losses(name, steps):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "steps.json")
        run([BENCH, "models", "--model", name, "--export", path, "--trace-steps", str(steps)])
        with open(path) as f:
            data = json.load(f)
    model = build(name)
    load(model, data["parameters"])
    adam = torch.optim.Adam(model.parameters(), lr=data["learning_rate"], betas=(0.9, 0.999), eps=1e-8)
    worst = 0.0
    print(f"{name}: loss per step, Backprop vs PyTorch (same weights, same batches)", file=sys.stderr)
    for k, batch in enumerate(data["batches"]):
        x = torch.tensor(batch["inputs"], dtype=torch.float32).view(batch["shape"])
        y = torch.tensor(batch["labels"])
        adam.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        adam.step()
        ours = data["losses"][k]
        diff = abs(ours - loss.item()) / abs(loss.item())
        worst = max(worst, diff)
        print(f"  step {k + 1}: {ours:.7f}  {loss.item():.7f}  relative difference {diff:.1e}", file=sys.stderr)
    return worst


def torch_step_us(name, steps, threads):
    torch.set_num_threads(threads)
    model = build(name)
    _, batch, width, classes = MODELS[name]
    g = torch.Generator().manual_seed(1)
    x = torch.rand(batch, width, generator=g)
    if name == "names-lstm":
        x = torch.randint(0, classes, (batch, width), generator=g).float()
    y = torch.randint(0, classes, (batch,), generator=g)
    adam = torch.optim.Adam(model.parameters(), lr=0.003)

    def step():
        adam.zero_grad()
        F.cross_entropy(model(x), y).backward()
        adam.step()

    for _ in range(max(3, steps // 10)):
        step()
    samples = []
    for _ in range(5):
        t0 = time.perf_counter()
        for _ in range(steps):
            step()
        samples.append((time.perf_counter() - t0) * 1e6 / steps)
    return statistics.median(samples)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", choices=list(MODELS), action="append")
    ap.add_argument("--steps", type=int, default=5)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--timing-steps", type=int, default=200)
    args = ap.parse_args()
    threads = os.cpu_count() or 1
    result = {}
    for name in args.model or list(MODELS):
        result[name + "_max_relative_loss_difference"] = float(f"{compare_losses(name, args.steps):.2e}")
        ours, theirs = [], []
        for _ in range(args.rounds):
            ours.append(run([BENCH, "models", "--model", name, "--step-time", "--steps", str(args.timing_steps)])[-1]["us_per_step"])
            theirs.append(torch_step_us(name, args.timing_steps, threads))
        o, t = statistics.median(ours), statistics.median(theirs)
        print(f"{name}: Backprop compiled {o:.1f} µs/step, PyTorch eager {t:.1f} µs/step ({threads} threads)", file=sys.stderr)
        result[name + "_vs_torch_eager"] = round(t / o, 3)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
