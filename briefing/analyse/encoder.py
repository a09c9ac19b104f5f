"""all-MiniLM-L6-v2's forward pass in plain torch, read straight from the model folder.

The model is a 6-layer BERT; its forward pass is a dozen torch calls a layer. Loading it
through ``transformers`` imports scipy, sympy and torch's compiler and distributed packages
first: about 3 seconds on this project's reference machine, against 0.1 s to read the
weights with ``safetensors`` and the tokenizer with ``tokenizers``. Those seconds are paid
by every cold render, so the encoder is written out here. ``tests/test_encoder.py`` checks it
against ``transformers``' ``BertModel`` on the same folder (cosine above 0.99999).

Only what this model uses is implemented: absolute positions, one token type, GELU (erf),
post-layer-norm, no pooler (the sentence vector is the mean of the token vectors).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812 (torch's own convention)
from safetensors.torch import load_file
from tokenizers import Tokenizer

MAX_TOKENS = 256  # what sentence-transformers uses for this model (sentence_bert_config.json)


@dataclass
class _Layer:
    qkv_weight: torch.Tensor  # query, key and value stacked: one matrix product, not three
    qkv_bias: torch.Tensor
    attention_out: tuple[torch.Tensor, torch.Tensor]
    attention_norm: tuple[torch.Tensor, torch.Tensor]
    intermediate: tuple[torch.Tensor, torch.Tensor]
    output: tuple[torch.Tensor, torch.Tensor]
    output_norm: tuple[torch.Tensor, torch.Tensor]


class BertEncoder:
    """Token vectors of a BERT folder (``config.json``, ``model.safetensors``,
    ``tokenizer.json``); ``embed`` gives mean-pooled, L2-normalised sentence vectors."""

    def __init__(self, folder: Path | str):
        folder = Path(folder)
        config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
        if config.get("model_type") != "bert" or config.get("hidden_act") != "gelu" or \
                config.get("position_embedding_type", "absolute") != "absolute":
            raise ValueError(f"{folder}: not a BERT model this encoder implements")
        weights = load_file(str(folder / "model.safetensors"))
        prefix = "bert." if "bert.embeddings.word_embeddings.weight" in weights else ""

        def get(name: str) -> torch.Tensor:
            return weights[prefix + name]

        def pair(name: str) -> tuple[torch.Tensor, torch.Tensor]:
            return get(name + ".weight"), get(name + ".bias")

        self.hidden = config["hidden_size"]
        self.heads = config["num_attention_heads"]
        self.eps = config["layer_norm_eps"]
        self.word = get("embeddings.word_embeddings.weight")
        self.position = get("embeddings.position_embeddings.weight")
        self.token_type = get("embeddings.token_type_embeddings.weight")[0]
        self.embedding_norm = pair("embeddings.LayerNorm")
        self.layers = []
        for n in range(config["num_hidden_layers"]):
            layer = f"encoder.layer.{n}."
            attention = [pair(layer + f"attention.self.{part}") for part in
                         ("query", "key", "value")]
            self.layers.append(_Layer(
                qkv_weight=torch.cat([w for w, _ in attention]),
                qkv_bias=torch.cat([b for _, b in attention]),
                attention_out=pair(layer + "attention.output.dense"),
                attention_norm=pair(layer + "attention.output.LayerNorm"),
                intermediate=pair(layer + "intermediate.dense"),
                output=pair(layer + "output.dense"),
                output_norm=pair(layer + "output.LayerNorm")))
        self.max_tokens = min(MAX_TOKENS, config["max_position_embeddings"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        # The file pads and truncates to 128; pad a batch to its longest text instead.
        self.tokenizer.enable_truncation(self.max_tokens)
        self.tokenizer.enable_padding(pad_id=config.get("pad_token_id", 0), pad_token="[PAD]")

    def tokenize(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        encodings = self.tokenizer.encode_batch(texts)
        ids = torch.tensor([e.ids for e in encodings], dtype=torch.long)
        mask = torch.tensor([e.attention_mask for e in encodings], dtype=torch.long)
        return ids, mask

    def token_vectors(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """The last layer's vectors, shape (batch, tokens, hidden)."""
        batch, length = ids.shape
        hidden, heads = self.hidden, self.heads
        x = self.word[ids] + self.position[:length] + self.token_type
        x = F.layer_norm(x, (hidden,), *self.embedding_norm, self.eps)
        attend = mask[:, None, None, :].bool()  # padding is never attended to
        for layer in self.layers:
            qkv = F.linear(x, layer.qkv_weight, layer.qkv_bias)
            q, k, v = qkv.view(batch, length, 3, heads, hidden // heads).permute(2, 0, 3, 1, 4)
            context = F.scaled_dot_product_attention(q, k, v, attn_mask=attend)
            context = context.transpose(1, 2).reshape(batch, length, hidden)
            x = F.layer_norm(F.linear(context, *layer.attention_out) + x, (hidden,),
                             *layer.attention_norm, self.eps)
            inner = F.gelu(F.linear(x, *layer.intermediate))
            x = F.layer_norm(F.linear(inner, *layer.output) + x, (hidden,),
                             *layer.output_norm, self.eps)
        return x

    def embed(self, texts: list[str]) -> torch.Tensor:
        """Sentence vectors: the mean of each text's token vectors, L2-normalised."""
        ids, mask = self.tokenize(texts)
        tokens = self.token_vectors(ids, mask)
        weights = mask.unsqueeze(-1).to(tokens.dtype)
        pooled = (tokens * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
        return F.normalize(pooled, p=2, dim=1)
