#!/usr/bin/env python3
"""Exports a small GPT-2-like causal language model to TorchScript, with random weights.

It is the "model you bring" of driftwatch's TorchScript example: DJL loads the file as a
PtSymbolBlock and fine-tunes it with the drift listener attached. The architecture follows GPT-2
(token and position embeddings, pre-norm blocks of masked multi-head self-attention and a GELU MLP,
a final layer norm, an LM head tied to the token embedding), only much smaller. The weights are
GPT-2's initialisation drawn with a fixed seed, so the same arguments give the same model.

Input: token ids, int64 [B, T] with T <= --context. Output: logits, float32 [B, T, V].

    python3 export_tiny_gpt.py --out tiny-gpt.pt --vocabulary 8192 --context 32

Needs PyTorch (Debian: apt-get install python3-torch). Prints one JSON line describing the model, with the logits of a fixed input
(sampleTokens, the first sampleVocabulary logits of each position) to compare against after loading.
"""
import argparse
import json
import math

import torch
from torch import nn
from torch.nn import functional as F


class CausalSelfAttention(nn.Module):
    """Multi-head self-attention in which position t sees positions 0..t only."""

    def __init__(self, width: int, heads: int, context: int):
        super().__init__()
        if width % heads != 0:
            raise ValueError(f"width {width} is not a multiple of heads {heads}")
        self.heads = heads
        self.qkv = nn.Linear(width, 3 * width)
        self.proj = nn.Linear(width, width)
        # a buffer, not a parameter: DJL's PtSymbolBlock lists parameters only, so it is never trained
        self.register_buffer("causal", torch.tril(torch.ones(context, context, dtype=torch.bool)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        b, t, c = x.size(0), x.size(1), x.size(2)
        q, k, v = self.qkv(x).split(c, dim=2)
        q = q.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        k = k.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        v = v.view(b, t, self.heads, c // self.heads).transpose(1, 2)
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        scores = scores.masked_fill(~self.causal[:t, :t], float("-inf"))
        y = F.softmax(scores, dim=-1) @ v
        return self.proj(y.transpose(1, 2).contiguous().view(b, t, c))


class Block(nn.Module):
    """GPT-2's pre-norm transformer block."""

    def __init__(self, width: int, heads: int, context: int):
        super().__init__()
        self.ln1 = nn.LayerNorm(width)
        self.attn = CausalSelfAttention(width, heads, context)
        self.ln2 = nn.LayerNorm(width)
        self.fc = nn.Linear(width, 4 * width)
        self.out = nn.Linear(4 * width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = x + self.attn(self.ln1(x))
        return x + self.out(F.gelu(self.fc(self.ln2(x))))


class TinyGpt(nn.Module):
    """Token + position embeddings, blocks, final layer norm, head tied to the token embedding."""

    def __init__(self, vocabulary: int, context: int, width: int, heads: int, layers: int):
        super().__init__()
        self.tok = nn.Embedding(vocabulary, width)
        self.pos = nn.Embedding(context, width)
        self.blocks = nn.ModuleList([Block(width, heads, context) for _ in range(layers)])
        self.ln = nn.LayerNorm(width)
        # GPT-2's initialisation: N(0, 0.02), residual projections scaled down by sqrt(2 * layers)
        for name, p in self.named_parameters():
            if name.endswith("bias"):
                nn.init.zeros_(p)
            elif p.dim() >= 2:
                std = 0.02 / math.sqrt(2 * layers) if name.endswith(("proj.weight", "out.weight")) else 0.02
                nn.init.normal_(p, mean=0.0, std=std)

    def forward(self, tokens: torch.Tensor) -> torch.Tensor:
        positions = torch.arange(tokens.size(1), device=tokens.device)
        x = self.tok(tokens) + self.pos(positions)
        for block in self.blocks:
            x = block(x)
        # the head is the token embedding itself (GPT-2's tying): one parameter tensor, not two copies
        return F.linear(self.ln(x), self.tok.weight)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="the TorchScript file to write")
    parser.add_argument("--vocabulary", type=int, default=8192, help="V, the number of token ids")
    parser.add_argument("--context", type=int, default=32, help="the longest sequence T")
    parser.add_argument("--width", type=int, default=64, help="the model width d")
    parser.add_argument("--heads", type=int, default=4, help="attention heads per block")
    parser.add_argument("--layers", type=int, default=2, help="transformer blocks")
    parser.add_argument("--seed", type=int, default=11, help="the seed of the random weights")
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    model = TinyGpt(args.vocabulary, args.context, args.width, args.heads, args.layers).eval()
    scripted = torch.jit.script(model)
    # the scripted model must compute what the Python one does
    sample = (torch.arange(args.context) * 7919 % args.vocabulary).view(1, args.context)
    with torch.no_grad():
        logits = scripted(sample)
        if not torch.allclose(model(sample), logits, atol=1e-6):
            raise SystemExit("the scripted model differs from the Python model")
    scripted.save(args.out)
    # a few logits of a fixed input, so the loading side (another libtorch) can check it computes the same
    sample_vocabulary = min(16, args.vocabulary)
    print(json.dumps({
        "file": args.out,
        "torch": torch.__version__,
        "parameters": sum(p.numel() for p in model.parameters()),
        "tensors": [n for n, _ in model.named_parameters()],
        "vocabulary": args.vocabulary,
        "context": args.context,
        "sampleTokens": sample[0].tolist(),
        "sampleVocabulary": sample_vocabulary,
        "sampleLogits": logits[0, :, :sample_vocabulary].flatten().tolist(),
    }))


if __name__ == "__main__":
    main()
