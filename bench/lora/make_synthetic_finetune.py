#!/usr/bin/env python3
"""Writes a synthetic Llama-shaped base model and a fine-tune of it, for timing `amalgam lora extract`.

Each fine-tuned 2-D weight is base + (a rank-32 update with a decaying spectrum) + small dense noise, so the delta
is full-rank like a real full fine-tune's, with most of its energy in the top singular values.

    python3 bench/lora/make_synthetic_finetune.py OUT_DIR [--hidden 2048] [--intermediate 5632] [--layers 5]

The defaults give two float32 models of ~1.03 GB each (257M parameters) under OUT_DIR/base and OUT_DIR/ft.
Needs only numpy.
"""
import argparse
import json
import os
import struct

import numpy as np


def write_safetensors(path, tensors):
    header = {"__metadata__": {"format": "pt"}}
    offset = 0
    for name, arr in tensors:
        n = arr.nbytes
        header[name] = {"dtype": "F32", "shape": list(arr.shape), "data_offsets": [offset, offset + n]}
        offset += n
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for _, arr in tensors:
            f.write(np.ascontiguousarray(arr, dtype="<f4").tobytes())


def shapes(hidden, inter, layers, vocab):
    out = [("model.embed_tokens.weight", (vocab, hidden))]
    for i in range(layers):
        p = f"model.layers.{i}."
        for n in ("q_proj", "k_proj", "v_proj", "o_proj"):
            out.append((p + f"self_attn.{n}.weight", (hidden, hidden)))
        out.append((p + "mlp.gate_proj.weight", (inter, hidden)))
        out.append((p + "mlp.up_proj.weight", (inter, hidden)))
        out.append((p + "mlp.down_proj.weight", (hidden, inter)))
        out.append((p + "input_layernorm.weight", (hidden,)))
        out.append((p + "post_attention_layernorm.weight", (hidden,)))
    out.append(("model.norm.weight", (hidden,)))
    out.append(("lm_head.weight", (vocab, hidden)))
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--hidden", type=int, default=2048)
    ap.add_argument("--intermediate", type=int, default=5632)
    ap.add_argument("--layers", type=int, default=5)
    ap.add_argument("--vocab", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    base, ft = [], []
    for name, shape in shapes(a.hidden, a.intermediate, a.layers, a.vocab):
        w = (rng.standard_normal(shape, dtype=np.float32) * 0.02).astype(np.float32)
        base.append((name, w))
        if len(shape) == 2 and "layers" in name:
            m, n = shape
            k = 32
            u = rng.standard_normal((m, k), dtype=np.float32)
            v = rng.standard_normal((k, n), dtype=np.float32)
            s = (0.002 * 0.85 ** np.arange(k)).astype(np.float32)
            d = (u * s) @ v / np.sqrt(n)
            d += rng.standard_normal(shape, dtype=np.float32) * 1e-5
            ft.append((name, (w + d).astype(np.float32)))
        else:
            ft.append((name, w))
    cfg = {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": a.hidden,
           "intermediate_size": a.intermediate, "num_hidden_layers": a.layers, "vocab_size": a.vocab,
           "tie_word_embeddings": False, "torch_dtype": "float32"}
    for sub, tensors in (("base", base), ("ft", ft)):
        d = os.path.join(a.out, sub)
        os.makedirs(d, exist_ok=True)
        write_safetensors(os.path.join(d, "model.safetensors"), tensors)
        with open(os.path.join(d, "config.json"), "w") as f:
            json.dump(cfg, f, indent=2)
    total = sum(int(np.prod(s)) for _, s in shapes(a.hidden, a.intermediate, a.layers, a.vocab))
    print(f"wrote {a.out}/base and {a.out}/ft: {total / 1e6:.0f}M parameters, {total * 4 / 1e9:.2f} GB each")


if __name__ == "__main__":
    main()
