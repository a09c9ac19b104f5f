"""What abstractive summaries cost on this CPU; results go to docs/abstractive.md.

Two measurements, neither downloads anything:

1. ``seeds``: the seed articles through ``Pipeline.build`` twice on one warm store, once
   extractive and once with a tiny random BART from a temporary folder (the test suite's
   model). The difference is the summarizer stage itself: tokenising, ``generate`` and the
   guard's lexical checks. A tiny model says little about real ones; it shows the fixed costs
   around the model. Its random text fails a lexical check every time, so the guard's
   similarity check (an embedding per candidate) never runs here; the same step then times
   ``guard.review`` on candidates that pass every lexical check (each item's wording with a
   lead-in, so the text is new), with the real MiniLM and no embedding cache, to show what
   the similarity check adds.
2. ``sizes``: ``generate`` on randomly initialised models with the real architectures of
   BART-large-CNN, DistilBART-CNN-12-6, T5-small and FLAN-T5-base. Compute does not depend
   on the weights' values, only on the shapes and on how many tokens come out, so the output
   length is pinned (min_new_tokens = max_new_tokens) to what a one-sentence summary takes.
   The inputs are random token ids of a typical item's length (its sentence and two other
   sources' sentences). One thread by default: CPU seconds then equal wall seconds on an
   idle core, and a second core roughly halves them.

    .venv/bin/python bench/abstractive_speed.py [seeds|sizes|all] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ITEMS = 8  # one batch, the default summarizer.batch_size
INPUT_TOKENS = 96  # an item's sentence plus two other sources' sentences
OUTPUT_TOKENS = 48  # one fused sentence of about 35 words
BEAMS = 4  # the default summarizer.num_beams

SIZES = {
    # name: (config class, keyword arguments of the published architecture)
    "BART-large-CNN (406M)": ("BartConfig", dict(
        vocab_size=50264, d_model=1024, encoder_layers=12, decoder_layers=12,
        encoder_attention_heads=16, decoder_attention_heads=16, encoder_ffn_dim=4096,
        decoder_ffn_dim=4096, max_position_embeddings=1024)),
    "DistilBART-CNN-12-6 (306M)": ("BartConfig", dict(
        vocab_size=50264, d_model=1024, encoder_layers=12, decoder_layers=6,
        encoder_attention_heads=16, decoder_attention_heads=16, encoder_ffn_dim=4096,
        decoder_ffn_dim=4096, max_position_embeddings=1024)),
    "FLAN-T5-base (248M)": ("T5Config", dict(
        vocab_size=32128, d_model=768, d_kv=64, d_ff=2048, num_layers=12,
        num_decoder_layers=12, num_heads=12, feed_forward_proj="gated-gelu",
        tie_word_embeddings=False)),
    "T5-small (60M)": ("T5Config", dict(
        vocab_size=32128, d_model=512, d_kv=64, d_ff=2048, num_layers=6,
        num_decoder_layers=6, num_heads=8)),
}


def bench_sizes(threads: int) -> None:
    import torch
    import transformers
    from transformers import AutoModelForSeq2SeqLM

    torch.set_num_threads(threads)
    print(f"## generate, {ITEMS} items of {INPUT_TOKENS} input tokens, {OUTPUT_TOKENS} output "
          f"tokens, {BEAMS} beams, {threads} thread(s), random weights")
    print("| architecture | batch wall s | batch CPU s | CPU s per item |")
    print("| --- | --- | --- | --- |")
    for name, (config_class, kwargs) in SIZES.items():
        torch.manual_seed(0)
        config = getattr(transformers, config_class)(**kwargs, pad_token_id=0, eos_token_id=1,
                                                     decoder_start_token_id=0)
        model = AutoModelForSeq2SeqLM.from_config(config).eval()
        ids = torch.randint(5, config.vocab_size, (ITEMS, INPUT_TOKENS))
        with torch.inference_mode():
            model.generate(input_ids=ids[:1, :16], max_new_tokens=4, min_new_tokens=4)  # warm
            start, cpu = time.perf_counter(), time.process_time()
            model.generate(input_ids=ids, attention_mask=torch.ones_like(ids),
                           num_beams=BEAMS, max_new_tokens=OUTPUT_TOKENS,
                           min_new_tokens=OUTPUT_TOKENS)
            wall, cpu = time.perf_counter() - start, time.process_time() - cpu
        # CPU seconds are what the work costs; wall seconds also show what other processes
        # on a shared machine took from it.
        print(f"| {name} | {wall:.1f} | {cpu:.1f} | {cpu / ITEMS:.2f} |", flush=True)
        del model


def bench_seeds(threads: int) -> None:
    os.environ["BRIEFING_THREADS"] = str(threads)
    from conftest import SEEDS, write_config
    from test_abstractive import _build_tiny_model

    from briefing.config import load_settings
    from briefing.pipeline import Pipeline

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        model = _build_tiny_model(root / "tiny")
        shutil.copytree(SEEDS, root / "seeds")
        now = datetime.now().astimezone()
        timings = {}
        for method in ("extractive", "extractive", "abstractive", "abstractive"):
            extra = {"model": str(model)} if method == "abstractive" else {}
            config = write_config(root, summarizer={"method": method, "num_beams": BEAMS,
                                                    "max_new_tokens": OUTPUT_TOKENS, **extra})
            with Pipeline(load_settings(config)) as pipeline:
                pipeline.collect()
                articles = pipeline.store.articles(uncovered_only=False)
                start = time.perf_counter()
                briefing = pipeline.build(articles, now)
                timings[method] = (time.perf_counter() - start, len(briefing.items))
                if method == "extractive":
                    extractive_items = briefing.items
        (ext, items), (abst, _) = timings["extractive"], timings["abstractive"]
        print(f"## seeds, tiny random BART, {threads} thread(s), warm embedding cache")
        print(f"build extractive {ext:.2f} s, abstractive {abst:.2f} s, {items} items: "
              f"summarizer stage {abst - ext:.2f} s ({(abst - ext) / max(items, 1):.3f} s/item)")
        bench_guard(extractive_items, threads)


def bench_guard(items, threads: int) -> None:
    from briefing.analyse.embedder import embed_texts, shared_embedder
    from briefing.summarize.guard import check_text, review
    from briefing.summarize.summarizers import SummaryRequest

    supports = [SummaryRequest(i.text, tuple(e.text for e in i.evidence)).support for i in items]
    candidates = [f"In short, {i.text}" for i in items]
    passing = sum(check_text(c, s) is None for c, s in zip(candidates, supports, strict=True))
    embedder = shared_embedder()
    embedder.encode(["warm up"])  # the model load is not the guard's cost
    start = time.perf_counter()
    verdicts = review(candidates, supports, lambda texts: embed_texts(texts, embedder), 0.6)
    took = time.perf_counter() - start
    texts = len(set(candidates).union(*supports))  # embed_texts embeds each text once
    kept = sum(v is None for v in verdicts)
    print(f"guard.review, {len(items)} candidates ({passing} pass the lexical checks, "
          f"{kept} the similarity check too), {texts} texts embedded uncached: {took:.2f} s "
          f"({took / max(len(items), 1):.3f} s/item)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("what", nargs="?", choices=["seeds", "sizes", "all"], default="all")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    if args.what in ("seeds", "all"):
        bench_seeds(args.threads)
    if args.what in ("sizes", "all"):
        bench_sizes(args.threads)


if __name__ == "__main__":
    main()
