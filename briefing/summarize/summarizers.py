"""Summarizers: what turns an item's evidence into the text a reader sees.

Every summarizer has the same small interface (``Summarizer.summarize``: one text per request)
and is picked by the name in ``summarizer.method`` from ``SUMMARIZERS``:

- ``extractive`` (the default): the wording compose chose, a real sentence of a source;
- ``abstractive``: a sequence-to-sequence model from a local folder (BART-CNN, DistilBART,
  PEGASUS, FLAN-T5 …) rewrites each item from its group of evidence sentences, fusing what
  several sources say into one shorter text.

Generated text is never trusted as it comes: ``apply_summarizer`` puts every candidate
through ``briefing.summarize.guard`` and keeps the extractive text, with the reason, wherever
the guard objects.

Models are read from disk only: ``local_files_only=True`` and ``HF_HUB_OFFLINE=1``. A folder
that cannot serve is reported by ``check_model`` as a ``ConfigError`` naming
``summarizer.model``, before any work is done.
"""

from __future__ import annotations

import json
import logging
import os
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from briefing.config import Settings, SummarizerSettings
from briefing.errors import ConfigError
from briefing.records import Fact, Item, Section
from briefing.summarize.guard import review

log = logging.getLogger("briefing.summarizers")

Progress = Callable[[int, int], None]  # (done, total)

# Longest model input in tokens: an item's evidence is a handful of sentences, and BART-size
# models were trained on at most 1,024 positions.
MAX_INPUT_TOKENS = 1024
# Model types that expect a task prefix when their config does not say which.
_T5_FAMILY = {"t5", "mt5", "umt5", "longt5"}
# Any one of these lets AutoTokenizer build the model's tokenizer (fast, BPE, SentencePiece).
_TOKENIZER_FILES = ("tokenizer.json", "vocab.json", "spiece.model", "sentencepiece.bpe.model",
                    "source.spm", "tokenizer.model", "vocab.txt")
_WEIGHT_FILES = ("model.safetensors", "model.safetensors.index.json", "pytorch_model.bin",
                 "pytorch_model.bin.index.json")


@dataclass(frozen=True)
class SummaryRequest:
    """One item to summarise: its extractive wording and the source sentences behind it."""

    text: str
    evidence: tuple[str, ...]

    @property
    def support(self) -> list[str]:
        """What a generated text may draw on: the wording first (it may carry a date resolved
        from context), then every source sentence."""
        return [self.text, *(e for e in self.evidence if e != self.text)]

    def model_input(self) -> str:
        """The wording, then the other sources' sentences. A sentence whose words are mostly
        the wording's is left out: it is the wording itself before ``make_self_contained``
        touched it ("The next day, …"), or a copy of it in another source."""
        own = set(_words(self.text))
        parts = [self.text]
        for sentence in self.evidence:
            words = set(_words(sentence))
            if len(words & own) < 0.6 * max(len(words), 1):
                parts.append(sentence)
        return " ".join(parts)


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())


class Summarizer:
    """The interface: ``summarize`` returns one text per request, in order."""

    name = "base"
    generative = True  # False: the texts are the extractive ones, nothing to guard

    def summarize(self, requests: Sequence[SummaryRequest]) -> list[str]:
        raise NotImplementedError


class ExtractiveSummarizer(Summarizer):
    """The wording compose chose: faithful by construction."""

    name = "extractive"
    generative = False

    def __init__(self, settings: SummarizerSettings | None = None):
        self.settings = settings

    def summarize(self, requests: Sequence[SummaryRequest]) -> list[str]:
        return [r.text for r in requests]


class Seq2SeqSummarizer(Summarizer):
    """A local sequence-to-sequence model, run with ``generate`` (transformers 5 has no
    summarization pipeline)."""

    name = "abstractive"

    def __init__(self, settings: SummarizerSettings):
        if settings.model is None:
            raise ConfigError("summarizer.model: abstractive summaries need a local model folder")
        self.settings = settings
        self._tokenizer: Any = None
        self._model: Any = None
        self._prefix = ""
        self._max_input = MAX_INPUT_TOKENS

    def load(self) -> None:
        if self._model is not None:
            return
        self._tokenizer, self._model = _load(self.settings)
        config = self._model.config
        self._prefix = _task_prefix(config)
        limit = getattr(config, "max_position_embeddings", None) or 512
        self._max_input = min(limit, MAX_INPUT_TOKENS,
                              getattr(self._tokenizer, "model_max_length", limit) or limit)

    def summarize(self, requests: Sequence[SummaryRequest]) -> list[str]:
        if not requests:
            return []
        self.load()
        import torch

        inputs = [self._prefix + r.model_input() for r in requests]
        encoded = self._tokenizer(inputs, padding=True, truncation=True,
                                  max_length=self._max_input, return_tensors="pt")
        encoded = {k: v.to(self.settings.device) for k, v in encoded.items()}
        with torch.inference_mode():
            # min_length=0: the news models ship a minimum length tuned for whole articles
            # (56 tokens for BART-CNN), which would pad a one-sentence item with invention.
            output = self._model.generate(**encoded, num_beams=self.settings.num_beams,
                                          max_new_tokens=self.settings.max_new_tokens,
                                          min_length=0)
        texts = self._tokenizer.batch_decode(output, skip_special_tokens=True)
        return [" ".join(t.split()) for t in texts]


SUMMARIZERS: dict[str, Callable[[SummarizerSettings], Summarizer]] = {
    "extractive": ExtractiveSummarizer,
    "abstractive": Seq2SeqSummarizer,
}


def get_summarizer(settings: SummarizerSettings) -> Summarizer:
    try:
        factory = SUMMARIZERS[settings.method]
    except KeyError:
        raise ConfigError(f"summarizer.method: unknown method {settings.method!r} "
                          f"(choose from {', '.join(SUMMARIZERS)})") from None
    return factory(settings)


# --- loading and checking a model folder ------------------------------------------------------

_LOADED: dict[tuple[str, str], tuple[Any, Any]] = {}


def _offline() -> None:
    # Set before transformers is imported anywhere in this process, these make any attempt to
    # reach a hub fail at once instead of downloading.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


def _fail(settings: SummarizerSettings, reason: str) -> ConfigError:
    return ConfigError(f"summarizer.model: {settings.model}: {reason}")


def check_model(settings: SummarizerSettings) -> None:
    """Raise ``ConfigError`` naming ``summarizer.model`` (or ``summarizer.device``) and the
    reason when the configured folder cannot serve as a summarization model. Cheap: it reads
    the config, the tokenizer and the weights' headers, not the weights."""
    if settings.model is None:
        raise ConfigError("summarizer.model: abstractive summaries need a local model folder")
    folder = Path(settings.model)
    if (str(folder), settings.device) in _LOADED:
        return  # loaded and used already in this process
    hint = ("models are never downloaded; give the folder that save_pretrained wrote, with "
            "config.json, the weights and the tokenizer")
    if not folder.exists():
        raise _fail(settings, f"no such folder ({hint})")
    if not folder.is_dir():
        raise _fail(settings, f"not a folder ({hint})")
    config_file = folder / "config.json"
    if not config_file.is_file():
        raise _fail(settings, f"no config.json in the folder ({hint})")
    try:
        raw = json.loads(config_file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise _fail(settings, f"config.json cannot be read: {exc}") from None
    if not isinstance(raw, dict):
        raise _fail(settings, "config.json is not a JSON object")
    model_type = raw.get("model_type")
    _offline()
    from transformers.models.auto.modeling_auto import MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES

    if model_type not in MODEL_FOR_SEQ_TO_SEQ_CAUSAL_LM_MAPPING_NAMES:
        raise _fail(settings, f"model type {model_type!r} is not a sequence-to-sequence model "
                              "(use e.g. BART, DistilBART, PEGASUS, T5 or FLAN-T5)")
    _check_weights(settings, folder)
    _check_device(settings)
    if not any((folder / name).is_file() for name in _TOKENIZER_FILES):
        raise _fail(settings, f"no tokenizer in the folder (expected one of "
                              f"{', '.join(_TOKENIZER_FILES)})")
    try:
        from transformers import AutoConfig, AutoTokenizer

        config = AutoConfig.from_pretrained(folder, local_files_only=True)
        tokenizer = AutoTokenizer.from_pretrained(folder, local_files_only=True)
    except Exception as exc:  # transformers raises many kinds; all mean "this folder is broken"
        raise _fail(settings, f"cannot load the config or tokenizer: {_one_line(exc)}") from None
    # transformers builds an almost empty tokenizer rather than fail when its files are
    # unusable; a real one has about as many tokens as the model has embeddings.
    expected = getattr(config, "vocab_size", None) or 0
    if len(tokenizer) < expected // 2:
        raise _fail(settings, f"the tokenizer has {len(tokenizer)} tokens but the model "
                              f"expects about {expected}: wrong or damaged tokenizer files")


def _check_weights(settings: SummarizerSettings, folder: Path) -> None:
    present = [name for name in _WEIGHT_FILES if (folder / name).is_file()]
    if not present:
        raise _fail(settings, f"no weights in the folder (expected one of "
                              f"{', '.join(_WEIGHT_FILES)})")
    name = present[0]
    if name.endswith(".index.json"):
        try:
            index = json.loads((folder / name).read_text(encoding="utf-8"))
            shards = set(index["weight_map"].values())
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise _fail(settings, f"{name} cannot be read: {exc}") from None
        missing = sorted(s for s in shards if not (folder / s).is_file())
        if missing:
            raise _fail(settings, f"weight shard {missing[0]} listed in {name} is missing")
        files = sorted(folder / s for s in shards if s.endswith(".safetensors"))
    else:
        files = [folder / name] if name.endswith(".safetensors") else []
    if name.endswith(".bin") and (folder / name).stat().st_size == 0:
        raise _fail(settings, f"{name} is empty")
    from safetensors import safe_open

    for file in files:
        try:
            # Reads the header only; a truncated or overwritten file fails here.
            with safe_open(str(file), framework="pt") as handle:
                handle.keys()
        except Exception as exc:  # safetensors raises its own error type and OSError
            raise _fail(settings, f"{file.name} is damaged: {_one_line(exc)}") from None


def _check_device(settings: SummarizerSettings) -> None:
    device = settings.device
    if device == "cpu":
        return
    import torch

    if device.startswith("cuda") and not torch.cuda.is_available():
        raise ConfigError(f"summarizer.device: {device!r} asked for, but no CUDA GPU is "
                          "available here (use cpu)")
    if device == "mps" and not torch.backends.mps.is_available():
        raise ConfigError("summarizer.device: 'mps' asked for, but it is not available here")
    try:
        torch.device(device)
    except RuntimeError as exc:
        raise ConfigError(f"summarizer.device: {_one_line(exc)}") from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or exc.__class__.__name__
    return text if len(text) <= 240 else text[:237] + "…"


def _load(settings: SummarizerSettings) -> tuple[Any, Any]:
    """Tokenizer and model, once per process and folder (the daemon renders many times)."""
    key = (str(settings.model), settings.device)
    if key in _LOADED:
        return _LOADED[key]
    check_model(settings)
    _offline()
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer
    from transformers.utils import logging as hf_logging

    from briefing.analyse.embedder import threads_from_env

    hf_logging.disable_progress_bar()
    threads = threads_from_env()
    if threads:
        torch.set_num_threads(threads)
    try:
        tokenizer = AutoTokenizer.from_pretrained(settings.model, local_files_only=True)
        model = AutoModelForSeq2SeqLM.from_pretrained(settings.model, local_files_only=True)
        model.to(settings.device)
        model.eval()
    except Exception as exc:  # a broken weight file shows only when it is read in full
        raise _fail(settings, f"cannot load the model: {_one_line(exc)}") from None
    _LOADED[key] = (tokenizer, model)
    return tokenizer, model


def _task_prefix(config: Any) -> str:
    params = getattr(config, "task_specific_params", None) or {}
    prefix = (params.get("summarization") or {}).get("prefix")
    if prefix is not None:
        return prefix
    return "summarize: " if getattr(config, "model_type", "") in _T5_FAMILY else ""


# --- applying a summarizer to a briefing ------------------------------------------------------


def apply_summarizer(sections: list[Section], settings: Settings, embedder, store=None, *,
                     summarizer: Summarizer | None = None,
                     progress: Progress | None = None) -> list[Section]:
    """Rewrite each item (a story's lead) and each of its facts in place with the configured
    summarizer where the guard allows it, each against its own evidence.

    Items are changed in place, so the top lines (the same objects) follow. A line keeps
    its extractive text, ``method="extractive"`` and a ``fallback_reason`` when the guard
    rejects the candidate, when the model fails on its batch, or when generated texts would
    take the briefing over ``budget_words``."""
    summarizer = summarizer or get_summarizer(settings.summarizer)
    items: list[Item | Fact] = []
    for section in sections:
        for item in section.items:
            items += [item, *item.facts]
    if not summarizer.generative or not items:
        return sections
    from briefing.analyse.embedder import embed_texts

    requests = [SummaryRequest(i.text, tuple(e.text for e in i.evidence)) for i in items]
    candidates, failures = _generate(summarizer, requests, settings.summarizer.batch_size,
                                     progress)
    to_review = [i for i, c in enumerate(candidates) if c is not None]
    verdicts = review([candidates[i] for i in to_review],
                      [requests[i].support for i in to_review],
                      lambda texts: embed_texts(texts, embedder, store),
                      settings.summarizer.min_similarity)
    reasons: list[str | None] = list(failures)
    for i, verdict in zip(to_review, verdicts, strict=True):
        reasons[i] = verdict
    originals = [item.text for item in items]
    for n, (item, candidate, reason) in enumerate(zip(items, candidates, reasons, strict=True)):
        if reason is None and candidate is not None:
            item.text, item.method, item.fallback_reason = candidate, "abstractive", None
        else:
            _fall_back(item, reason or "no text generated", n)
    _keep_budget(items, originals, settings.budget_words)
    kept = sum(item.method == "abstractive" for item in items)
    log.info("summarizer %s: %d of %d items rewritten, %d kept their extractive text",
             summarizer.name, kept, len(items), len(items) - kept)
    return sections


def _generate(summarizer: Summarizer, requests: list[SummaryRequest], batch_size: int,
              progress: Progress | None) -> tuple[list[str | None], list[str | None]]:
    """Candidates in batches of similar length (less padding); a batch the model fails on
    leaves its items without a candidate and with the reason, and the run goes on."""
    order = sorted(range(len(requests)), key=lambda i: len(requests[i].model_input()))
    candidates: list[str | None] = [None] * len(requests)
    failures: list[str | None] = [None] * len(requests)
    for start in range(0, len(order), batch_size):
        batch = order[start:start + batch_size]
        try:
            texts = summarizer.summarize([requests[i] for i in batch])
            if len(texts) != len(batch):
                raise ValueError(f"{len(texts)} texts for {len(batch)} items")
        except ConfigError:
            raise
        except Exception as exc:  # one bad batch must not lose the briefing
            log.warning("summarizer %s failed on %d item(s): %s", summarizer.name, len(batch),
                        _one_line(exc))
            for i in batch:
                failures[i] = f"the summarizer failed: {_one_line(exc)}"
        else:
            for i, text in zip(batch, texts, strict=True):
                candidates[i] = _tidy(text)
        if progress:
            progress(min(start + batch_size, len(order)), len(order))
    return candidates, failures


def _tidy(text: str) -> str:
    return " ".join(str(text).split())


def _fall_back(item: Item | Fact, reason: str, position: int) -> None:
    item.method, item.fallback_reason = "extractive", reason
    preview = item.text if len(item.text) <= 60 else item.text[:57] + "…"
    log.info("item %d keeps its extractive text (%s): %s", position + 1, reason, preview)


def _keep_budget(items: list[Item | Fact], originals: list[str], budget_words: int) -> None:
    """budget_words is the only cap on items: generated texts that grew an item give way,
    largest growth first, until the briefing fits again."""
    total = sum(item.words for item in items)
    grown = sorted((n for n, item in enumerate(items)
                    if item.method == "abstractive" and item.words > len(originals[n].split())),
                   key=lambda n: len(originals[n].split()) - items[n].words)
    for n in grown:
        if total <= budget_words:
            break
        item = items[n]
        total -= item.words - len(originals[n].split())
        item.text = originals[n]
        _fall_back(item, f"the generated text would take the briefing over budget_words "
                         f"({budget_words})", n)


def summarizer_stats(settings: Settings, sections: list[Section]) -> dict[str, Any]:
    """For ``briefing.json`` stats: which method ran and how many items it rewrote."""
    items = [line for section in sections for item in section.items
             for line in (item, *item.facts)]
    return {"method": settings.summarizer.method,
            "abstractive_items": sum(i.method == "abstractive" for i in items),
            "fallbacks": sum(bool(i.fallback_reason) for i in items)}
