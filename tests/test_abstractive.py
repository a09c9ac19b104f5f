"""Abstractive summaries: a real (tiny, random) seq2seq model from a local folder, the guard
deciding item by item, and a clear error for a folder that cannot serve.

The model is built once per test session: a BPE tokenizer trained with ``tokenizers`` on the
seed articles and a BART with random weights, both written with ``save_pretrained``. Its output
is noise, which is the point: the guard must turn every item of it down.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
from pathlib import Path

import pytest
import torch
from conftest import SEEDS, run_cli, write_config

from briefing.analyse.embedder import shared_embedder
from briefing.config import Settings, SummarizerSettings, settings_from_mapping
from briefing.errors import ConfigError
from briefing.records import Evidence, Item, Section
from briefing.summarize.summarizers import (
    SUMMARIZERS,
    Seq2SeqSummarizer,
    Summarizer,
    SummaryRequest,
    _task_prefix,
    apply_summarizer,
    check_model,
)

INVENTED = "7321"  # a figure that no seed article contains


def _build_tiny_model(folder: Path) -> Path:
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import BartConfig, BartForConditionalGeneration, PreTrainedTokenizerFast

    texts = [p.read_text(encoding="utf-8", errors="replace") for p in sorted(SEEDS.iterdir())]
    assert INVENTED not in "".join(texts)
    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    raw = Tokenizer(models.BPE(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    raw.train_from_iterator(texts, trainers.BpeTrainer(
        vocab_size=2000, special_tokens=specials, show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet()))
    raw.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> $B </s>",
        special_tokens=[("<s>", raw.token_to_id("<s>")), ("</s>", raw.token_to_id("</s>"))])
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=raw, bos_token="<s>", eos_token="</s>", pad_token="<pad>",
        unk_token="<unk>", mask_token="<mask>", model_max_length=256)
    torch.manual_seed(0)
    config = BartConfig(
        vocab_size=len(tokenizer), d_model=32, encoder_layers=1, decoder_layers=1,
        encoder_attention_heads=2, decoder_attention_heads=2, encoder_ffn_dim=64,
        decoder_ffn_dim=64, max_position_embeddings=256, pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        decoder_start_token_id=tokenizer.eos_token_id)
    BartForConditionalGeneration(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model(tmp_path_factory) -> Path:
    return _build_tiny_model(tmp_path_factory.mktemp("tiny_bart"))


def _abstractive(project: Path, model: Path | str, **extra) -> Path:
    return write_config(project, summarizer={"method": "abstractive", "model": str(model),
                                             **extra})


def _items(data: dict) -> list[dict]:
    """Every line the summarizer rewrites: each story's lead and each of its facts."""
    return [line for section in data["sections"] for item in section["items"]
            for line in (item, *item.get("facts", []))]


def _render_json(config: Path, *args: str) -> dict:
    code, out, err = run_cli("--config", str(config), *args, "render", "--format", "json,md")
    assert code == 0, err
    day = next(p for p in (config.parent / "output").iterdir() if p.is_dir())
    return {"json": json.loads((day / "briefing.json").read_text(encoding="utf-8")),
            "md": (day / "briefing.md").read_text(encoding="utf-8"), "stdout": out}


# --- the real model, end to end ---------------------------------------------------------------


def test_random_model_runs_end_to_end_and_the_guard_rejects_every_item(
        tiny_model, project, seed_render, caplog):
    config = _abstractive(project, tiny_model, num_beams=2, max_new_tokens=24, batch_size=3)
    with caplog.at_level(logging.INFO, logger="briefing"):
        result = _render_json(config, "--verbose")
    data = result["json"]
    items = _items(data)
    assert items
    for item in items + data["top_lines"]:
        assert item["method"] == "extractive", item
        assert item["fallback_reason"], item
        # The model ran and produced text; the guard, not a failure, turned it down.
        assert not item["fallback_reason"].startswith(("the summarizer failed", "no text"))
    # Falling back means exactly the extractive briefing: same items, same words.
    assert [i["text"] for i in items] == [i["text"] for i in _items(seed_render["json"])]
    assert data["stats"]["summarizer"] == {"method": "abstractive", "abstractive_items": 0,
                                           "fallbacks": len(items)}
    logged = [r.getMessage() for r in caplog.records if r.name == "briefing.summarizers"]
    assert sum("keeps its extractive text" in m for m in logged) == len(items)


def test_local_model_generates_text_offline(tiny_model, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    summarizer = Seq2SeqSummarizer(SummarizerSettings(
        method="abstractive", model=tiny_model, num_beams=2, max_new_tokens=12))
    requests = [SummaryRequest("Blinken met Lavrov in Geneva on Friday.",
                               ("Blinken met Lavrov in Geneva on Friday.",
                                "The two ministers talked for 90 minutes.")),
                SummaryRequest("Ukraine was hit by a cyberattack.",
                               ("Ukraine was hit by a cyberattack.",))]
    texts = summarizer.summarize(requests)
    assert len(texts) == 2 and all(isinstance(t, str) and t.strip() for t in texts)


def test_model_input_fuses_the_other_sources_once():
    request = SummaryRequest(
        "On January 21, Blinken met Lavrov in Geneva.",
        ("The next day, Blinken met Lavrov in Geneva.",  # the wording before rewriting
         "The talks in Geneva lasted 90 minutes, officials said."))
    assert request.model_input() == ("On January 21, Blinken met Lavrov in Geneva. The talks "
                                     "in Geneva lasted 90 minutes, officials said.")
    assert request.support[0] == request.text and len(request.support) == 3


def test_t5_models_get_their_task_prefix():
    from transformers import BartConfig, T5Config

    assert _task_prefix(T5Config()) == "summarize: "
    assert _task_prefix(BartConfig()) == ""
    assert _task_prefix(BartConfig(task_specific_params={
        "summarization": {"prefix": "sum: "}})) == "sum: "


# --- test doubles through the same pipeline ---------------------------------------------------


class Recording(Summarizer):
    """Fabricates a figure for items with an even number of words and shortens the others
    faithfully (drops a trailing clause that holds no negation); records what it did."""

    name = "recording"
    done: list[tuple[str, str, str]] = []  # (kind, extractive text, generated text)

    def __init__(self, settings: SummarizerSettings):
        self.settings = settings

    def summarize(self, requests):
        out = []
        for request in requests:
            text = request.text
            if len(text.split()) % 2 == 0:
                kind, generated = "fabricated", f"{text.rstrip('.')} on {INVENTED} occasions."
            else:
                kind, generated = "faithful", _shorten(text)
            Recording.done.append((kind, text, generated))
            out.append(generated)
        return out


def _shorten(text: str) -> str:
    """Drop the last clause after a comma when most of the sentence stays, e.g.
    "Blinken met Lavrov in Geneva on Friday, the State Department said." → "… on Friday."."""
    body = text.rstrip().rstrip(".")
    head, comma, tail = body.rpartition(", ")
    negated = re.search(r"\b(not|no|never|without|denied)\b|n't", tail, re.IGNORECASE)
    if comma and len(head.split()) >= 0.6 * len(body.split()) and not negated:
        return head + "."
    return text


def test_invented_figure_is_rejected_and_faithful_text_kept_item_by_item(
        tiny_model, project, monkeypatch):
    Recording.done = []
    monkeypatch.setitem(SUMMARIZERS, "abstractive", Recording)
    result = _render_json(_abstractive(project, tiny_model, batch_size=4))
    data = result["json"]
    items = _items(data)
    assert len(Recording.done) == len(items)
    kinds = {kind for kind, _, _ in Recording.done}
    assert kinds == {"fabricated", "faithful"}
    by_text = {item["text"]: item for item in items}
    for kind, original, generated in Recording.done:
        if kind == "fabricated":
            item = by_text[original]  # the extractive text is back
            assert item["method"] == "extractive"
            assert item["fallback_reason"] == f"number '{INVENTED}' is not in the evidence"
        else:
            item = by_text[generated]
            assert item["method"] == "abstractive"
            assert "fallback_reason" not in item
    shortened = [g for k, o, g in Recording.done if k == "faithful" and g != o]
    assert shortened, "the double should have shortened some items"
    for text in shortened:
        assert text in result["md"]  # the rendered briefing shows the generated wording
    # Top lines are the same items: their text and method follow the rewrite.
    for top in data["top_lines"]:
        assert {k: top[k] for k in ("text", "method")} == \
            {k: by_text[top["text"]][k] for k in ("text", "method")}
    stats = data["stats"]["summarizer"]
    assert stats["abstractive_items"] == sum(i["method"] == "abstractive" for i in items) > 0
    assert all(INVENTED not in item["text"] for item in items + data["top_lines"])
    assert INVENTED not in result["md"]


class Doubling(Summarizer):
    """A faithful but long-winded model: says everything twice."""

    name = "doubling"

    def summarize(self, requests):
        return [f"{r.text} {r.text}" for r in requests]


class Broken(Summarizer):
    name = "broken"

    def summarize(self, requests):
        raise RuntimeError("out of memory")


def _sections() -> tuple[list[Section], Item, Item]:
    first = Item(
        text="Blinken met Lavrov in Geneva on Friday, the State Department said.",
        sources=["a", "b"], theme="diplomacy",
        evidence=[Evidence("a", "Blinken met Lavrov in Geneva on Friday, the State Department "
                                "said."),
                  Evidence("b", "US Secretary of State Antony Blinken and Russian Foreign "
                                "Minister Sergei Lavrov held talks in Geneva on Friday.")])
    second = Item(
        text="Two Ukrainian soldiers were injured in shelling near Donetsk.",
        sources=["c"], theme="ceasefire",
        evidence=[Evidence("c", "Two Ukrainian soldiers were injured in shelling near Donetsk.")])
    return [Section("diplomacy", "Diplomacy", [first]),
            Section("ceasefire", "Ceasefire", [second])], first, second


def _settings(budget: int = 600) -> Settings:
    return settings_from_mapping({"budget_words": budget, "summarizer": {
        "method": "abstractive", "model": "unused", "batch_size": 1}})


def test_items_are_rewritten_in_place_so_top_lines_follow():
    sections, first, second = _sections()
    top = [first]

    class Shortening(Summarizer):
        def summarize(self, requests):
            return [_shorten(r.text) for r in requests]

    apply_summarizer(sections, _settings(), shared_embedder(), summarizer=Shortening())
    assert top[0] is first
    assert first.text == "Blinken met Lavrov in Geneva on Friday." == top[0].text
    assert first.method == "abstractive" and first.fallback_reason is None
    assert first.to_json()["method"] == "abstractive"
    assert "fallback_reason" not in first.to_json()


def test_generated_texts_give_way_to_the_word_budget():
    sections, first, second = _sections()
    words = first.words + second.words
    apply_summarizer(sections, _settings(budget=words + first.words), shared_embedder(),
                     summarizer=Doubling())
    # Room for one item to double: the one that grows most gives way, the other stays.
    assert [first.method, second.method] == ["extractive", "abstractive"]
    assert "budget_words" in first.fallback_reason
    assert first.text == "Blinken met Lavrov in Geneva on Friday, the State Department said."
    assert first.words + second.words <= words + first.words


def test_a_model_failure_keeps_the_extractive_briefing():
    sections, first, second = _sections()
    before = [first.text, second.text]
    apply_summarizer(sections, _settings(), shared_embedder(), summarizer=Broken())
    assert [first.text, second.text] == before
    for item in (first, second):
        assert item.method == "extractive"
        assert item.fallback_reason == "the summarizer failed: out of memory"


def test_extractive_method_changes_nothing():
    sections, first, second = _sections()
    settings = settings_from_mapping({})
    apply_summarizer(sections, settings, shared_embedder())
    assert first.method == second.method == "extractive"
    assert first.fallback_reason is None


# --- a folder that cannot serve: one clear line at `check` ------------------------------------


def _copy(tiny_model: Path, tmp_path: Path, drop: tuple[str, ...] = ()) -> Path:
    folder = tmp_path / "model"
    shutil.copytree(tiny_model, folder)
    for name in drop:
        (folder / name).unlink()
    return folder


def _truncate(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


BROKEN = {
    "missing": (lambda m, t: t / "no-such-model", "no such folder"),
    "hub id": (lambda m, t: "facebook/bart-large-cnn", "no such folder"),
    "a file": (lambda m, t: _copy(m, t) / "config.json", "not a folder"),
    "no config": (lambda m, t: _copy(m, t, ("config.json",)), "no config.json"),
    "bad config": (lambda m, t: _write(_copy(m, t) / "config.json", "{model_type: bart"),
                   "config.json cannot be read"),
    "not seq2seq": (lambda m, t: _write(_copy(m, t) / "config.json",
                                        '{"model_type": "bert"}'),
                    "model type 'bert' is not a sequence-to-sequence model"),
    "no weights": (lambda m, t: _copy(m, t, ("model.safetensors",)), "no weights"),
    "damaged weights": (lambda m, t: _damage(_copy(m, t), "model.safetensors"),
                        "model.safetensors is damaged"),
    "no tokenizer": (lambda m, t: _copy(m, t, ("tokenizer.json", "tokenizer_config.json")),
                     "no tokenizer in the folder"),
    "damaged tokenizer": (lambda m, t: _write(_copy(m, t) / "tokenizer.json", "{"),
                          "cannot load the config or tokenizer"),
    "foreign tokenizer": (lambda m, t: _foreign_tokenizer(_copy(m, t)),
                          "wrong or damaged tokenizer files"),
}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path.parent


def _foreign_tokenizer(folder: Path) -> Path:
    """A tokenizer of 40 tokens beside a model of 2,000 embeddings."""
    from tokenizers import Tokenizer, models, pre_tokenizers, trainers

    raw = Tokenizer(models.BPE(unk_token="<unk>"))
    raw.pre_tokenizer = pre_tokenizers.Whitespace()
    raw.train_from_iterator(["abc def"], trainers.BpeTrainer(vocab_size=40,
                                                             special_tokens=["<unk>"]))
    raw.save(str(folder / "tokenizer.json"))
    return folder


def _damage(folder: Path, name: str) -> Path:
    _truncate(folder / name)
    return folder


@pytest.mark.parametrize("case", list(BROKEN))
def test_check_names_summarizer_model_and_the_reason(case, tiny_model, project, tmp_path):
    make, reason = BROKEN[case]
    config = _abstractive(project, make(tiny_model, tmp_path))
    code, out, err = run_cli("--config", str(config), "check")
    assert code == 2, (out, err)
    line = err.strip()
    assert line.startswith("briefing: error: summarizer.model: "), err
    assert reason in line and "Traceback" not in err
    assert len(line.splitlines()) == 1


def test_check_accepts_the_tiny_model(tiny_model, project):
    code, out, err = run_cli("--config", str(_abstractive(project, tiny_model)), "check")
    assert code == 0, err
    assert "config OK" in out


def test_render_with_a_missing_model_stops_before_any_work(project):
    config = _abstractive(project, "models/bart-large-cnn")
    code, out, err = run_cli("--config", str(config), "render")
    assert code == 2
    assert "summarizer.model" in err and "no such folder" in err
    assert not (project / "output").exists()
    assert not (project / "state").exists()  # not even the database was created


def test_weights_that_fail_only_when_loaded_give_a_config_error(tiny_model, tmp_path):
    folder = _copy(tiny_model, tmp_path)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["d_model"] = 64  # the stored tensors no longer fit the architecture
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    settings = SummarizerSettings(method="abstractive", model=folder)
    check_model(settings)  # headers are fine: the mismatch shows only on loading
    with pytest.raises(ConfigError, match=r"^summarizer\.model: .*cannot load the model"):
        Seq2SeqSummarizer(settings).load()


@pytest.mark.skipif(torch.cuda.is_available(), reason="this machine has a GPU")
def test_check_names_summarizer_device_without_a_gpu(tiny_model, project):
    config = _abstractive(project, tiny_model, device="cuda")
    code, out, err = run_cli("--config", str(config), "check")
    assert code == 2
    assert err.startswith("briefing: error: summarizer.device: 'cuda'")
