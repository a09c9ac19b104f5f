"""Real news pages through `url:` sources: extraction, cross-outlet grouping, widget junk.

The 34 pages of ``../shared/eval/news_pages/`` (publishers' markup, November 2019, with a
hand-made ``articleBody`` each, see its README) are served on 127.0.0.1 by a stdlib HTTP
server, read by the real pipeline from a temporary config (one ``url:`` source per page,
generic mode, a large word budget) and the resulting ``briefing.json`` is checked:

(a) extraction: each page's cleaned article text against its ``articleBody``, token F1
    (precision low: junk kept; recall low: body text lost);
(b) grouping: per multi-outlet story, how many items cite its articles and how many of its
    outlets the best item cites; items that cite articles of two stories;
(c) junk: item and fact texts (and their evidence) that do not occur in the cited
    articles' ``articleBody`` (normalised): related links, author boxes, newsletter
    prompts, captions that reached the briefing;
(d) with ``--separability``: how far apart the stories are for the encoder, at article,
    title and lead level, and per pair of outlets the closest sentence pair.

The pages are the publishers' copyright: they are used in place and printed at run time
only, never written into the repository.

    python bench/news_pages.py [--paragraphs] [--items] [--separability] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import tempfile
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
PAGES = REPO.parent / "shared" / "eval" / "news_pages"
BUDGET_WORDS = 3000

_META_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{2,40})""",
                           re.IGNORECASE)


# --- serving -------------------------------------------------------------------------------


def load_pages(folder: Path = PAGES) -> dict[str, dict[str, Any]]:
    """pages.json's pages, each with its decompressed HTML bytes under ``html``."""
    meta = json.loads((folder / "pages.json").read_text(encoding="utf-8"))["pages"]
    pages = {}
    for key, page in sorted(meta.items()):
        path = folder / f"{key}.html.gz"
        pages[key] = dict(page, html=gzip.decompress(path.read_bytes()))
    return pages


def page_charset(html: bytes) -> str | None:
    """The charset the page declares in a <meta> tag (what its publisher's server sent)."""
    match = _META_CHARSET.search(html[:8192])
    return match.group(1).decode("ascii") if match else None


@contextmanager
def serve(pages: dict[str, dict[str, Any]]) -> Iterator[str]:
    """Serve ``/<key>.html`` for every page on 127.0.0.1 (a free port); yield the base URL."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            key = self.path.lstrip("/").removesuffix(".html")
            page = pages.get(key)
            if page is None:
                self.send_error(404)
                return
            body = page["html"]
            charset = page_charset(body)
            media = f"text/html; charset={charset}" if charset else "text/html"
            self.send_response(200)
            self.send_header("Content-Type", media)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: Any) -> None:  # quiet: the bench prints its own table
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# --- running the pipeline ------------------------------------------------------------------


def run_pipeline(pages: dict[str, dict[str, Any]], workdir: Path) -> dict[str, Any]:
    """Render a briefing of the served pages; return briefing.json, the stored articles
    (id → text, url) and the problems the run reported."""
    from briefing.config import load_settings
    from briefing.pipeline import Pipeline

    with serve(pages) as base:
        config = {
            "title": "News pages bench",
            "sources": [{"url": f"{base}/{key}.html"} for key in pages],
            "themes": [],
            "budget_words": BUDGET_WORDS,
            "window_hours": 0,  # pages of November 2019: every one is news here
            "output_dir": "output",
            "state_dir": "state",
        }
        path = workdir / "config.yaml"
        path.write_text(json.dumps(config, indent=1), encoding="utf-8")  # JSON is YAML
        settings = load_settings(path)
        with Pipeline(settings) as pipeline:
            result = pipeline.render(all_articles=True, formats=("json",))
            stored = pipeline.store.articles(uncovered_only=False)
    if result.out_dir is None:
        raise SystemExit(f"no briefing: {result.message}")
    briefing = json.loads((result.out_dir / "briefing.json").read_text(encoding="utf-8"))
    key_of = {f"{base}/{key}.html": key for key in pages}
    articles = {a.id: {"key": key_of.get(a.url or "", "?"), "text": a.text, "title": a.title,
                       "record": a} for a in stored}
    problems = [str(p) for p in result.collected.problems]
    return {"briefing": briefing, "articles": articles, "problems": problems}


# --- measures ------------------------------------------------------------------------------

_QUOTES = str.maketrans({"‘": "'", "’": "'", "‚": "'", "′": "'", "“": '"', "”": '"',
                         "„": '"', "″": '"', "–": "-", "—": "-", "‐": "-", "‑": "-",
                         "\u00a0": " ", "\u200b": "", "\u00ad": ""})


def normalise(text: str) -> str:
    """Compare texts regardless of white space, quote style, dashes and case."""
    text = unicodedata.normalize("NFKC", text).translate(_QUOTES)
    return " ".join(text.split()).casefold()


def tokens(text: str) -> list[str]:
    return re.findall(r"\w+", normalise(text))


def token_prf(extracted: str, reference: str) -> tuple[float, float, float]:
    """Bag-of-tokens precision, recall and F1 of ``extracted`` against ``reference``."""
    got, want = Counter(tokens(extracted)), Counter(tokens(reference))
    common = sum((got & want).values())
    if not common:
        return 0.0, 0.0, 0.0
    p, r = common / sum(got.values()), common / sum(want.values())
    return p, r, 2 * p * r / (p + r)


def squeeze(text: str) -> str:
    """Normalised and without any white space: the hand-made bodies space some words oddly
    ("Boeing 's", "Arte mis"), which is no junk."""
    return "".join(normalise(text).split())


def in_body(text: str, bodies: list[str]) -> bool:
    """Whether ``text`` occurs in one of the (squeezed) bodies; a text the composer cut
    ("…") is checked piece by piece."""
    pieces = [squeeze(p).strip(".,;:") for p in re.split(r"…|\.\.\.", text)]
    pieces = [p for p in pieces if len(p) >= 8] or [squeeze(text)]
    return all(any(p in b for b in bodies) for p in pieces)


def token_cover(text: str, bodies: list[str]) -> float:
    """Share of the text's tokens found in the bodies (1.0: a rewording, ~0: foreign text)."""
    words = tokens(text)
    vocab = {t for b in bodies for t in re.findall(r"\w+", b)}
    return sum(t in vocab for t in words) / len(words) if words else 1.0


def all_items(briefing: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any], str]]:
    """(item number, item or fact, kind) for every item and fact in the sections."""
    n = 0
    for section in briefing["sections"]:
        for item in section["items"]:
            n += 1
            yield n, item, "item"
            for fact in item.get("facts", []):
                yield n, fact, "fact"


def story_of(key: str, pages: dict[str, dict[str, Any]]) -> str:
    story = pages[key]["story"] if key in pages else "?"
    return f"single:{key[:6]}" if story == "single" else story


def evaluate(pages: dict[str, dict[str, Any]], run: dict[str, Any]) -> dict[str, Any]:
    articles, briefing = run["articles"], run["briefing"]
    bodies = {key: squeeze(page["articleBody"]) for key, page in pages.items()}
    words = {key: normalise(page["articleBody"]) for key, page in pages.items()}
    by_key = {a["key"]: (aid, a) for aid, a in articles.items()}

    extraction = {}
    for key, page in pages.items():
        if key not in by_key:
            extraction[key] = {"p": 0.0, "r": 0.0, "f1": 0.0, "words": 0, "junk": []}
            continue
        text = by_key[key][1]["text"]
        p, r, f1 = token_prf(text, page["articleBody"])
        junk = [para for para in text.split("\n\n") if para.strip()
                and not in_body(para, [bodies[key]])]
        extraction[key] = {"p": p, "r": r, "f1": f1, "words": len(text.split()), "junk": junk}

    # An item is one story: it cites the sources of its lead and of its facts.
    items: dict[int, set[str]] = {}
    for n, entry, _kind in all_items(briefing):
        keys = {articles[aid]["key"] for aid in entry["sources"] if aid in articles}
        items.setdefault(n, set()).update(keys)
    stories: dict[str, list[str]] = {}
    for key in pages:
        stories.setdefault(story_of(key, pages), []).append(key)
    grouping = {}
    for story, keys in stories.items():
        if len(keys) < 2:
            continue
        citing = {n: ks & set(keys) for n, ks in items.items() if ks & set(keys)}
        best = max((len(ks) for ks in citing.values()), default=0)
        grouping[story] = {"outlets": len(keys), "items": len(citing), "best": best,
                           "per_item": {n: len(ks) for n, ks in sorted(citing.items())}}
    mixed = {n: sorted({story_of(k, pages) for k in ks}) for n, ks in items.items()
             if len({story_of(k, pages) for k in ks}) > 1}

    junk = []
    for n, entry, kind in all_items(briefing):
        keys = [articles[aid]["key"] for aid in entry["sources"] if aid in articles]
        cited = [bodies[k] for k in keys if k in bodies]
        texts = [("text", entry["text"])] + [("evidence", e["text"]) for e in entry["evidence"]]
        for what, text in texts:
            if not in_body(text, cited):
                cover = token_cover(text, [words[k] for k in keys if k in words])
                junk.append({"item": n, "kind": kind, "what": what, "text": text,
                             "pages": keys, "cover": cover})
    leads = {n: (entry["text"], sorted(items[n])) for n, entry, kind in all_items(briefing)
             if kind == "item"}
    return {"extraction": extraction, "grouping": grouping, "mixed": mixed, "junk": junk,
            "items": len(items), "leads": leads, "problems": run["problems"]}


def separability(pages: dict[str, dict[str, Any]], run: dict[str, Any],
                 threshold: float) -> dict[str, Any]:
    """Could stories be told apart at article level? Cosine similarities, with the pipeline's
    own encoder, of whole articles (mean of their sentence vectors), titles and leads (first
    sentence), within a story and across stories; and, per pair of outlets of one story, the
    best sentence pair (above ``threshold`` the sentence grouping can join them)."""
    import numpy as np

    from briefing.analyse.embedder import embed_texts, shared_embedder
    from briefing.text.sentences import article_sentences

    embedder = shared_embedder()
    arts = sorted((a for a in run["articles"].values() if a["key"] in pages),
                  key=lambda a: a["key"])
    keys = [a["key"] for a in arts]
    sents = [[s.text for s in article_sentences(a["record"])] for a in arts]
    vectors = [embed_texts(ss, embedder) for ss in sents]
    mean = np.stack([v.mean(axis=0) / np.linalg.norm(v.mean(axis=0)) for v in vectors])
    titles = embed_texts([a["title"] for a in arts], embedder)
    leads = embed_texts([ss[0] for ss in sents], embedder)
    stories = [story_of(k, pages) for k in keys]
    out: dict[str, Any] = {}
    for name, m in (("article", mean), ("title", titles), ("lead", leads)):
        sim = m @ m.T
        within = [float(sim[i, j]) for i in range(len(keys)) for j in range(i + 1, len(keys))
                  if stories[i] == stories[j]]
        across = [(float(sim[i, j]), f"{keys[i][:6]}/{keys[j][:6]}") for i in range(len(keys))
                  for j in range(i + 1, len(keys)) if stories[i] != stories[j]]
        closest = max(across)
        out[name] = {"within_min": min(within), "within_mean": sum(within) / len(within),
                     "across_max": closest[0], "across_pair": closest[1],
                     "across_mean": sum(a for a, _ in across) / len(across)}
    pairs = []
    for i in range(len(keys)):
        for j in range(i + 1, len(keys)):
            if stories[i] != stories[j]:
                continue
            sim = vectors[i] @ vectors[j].T
            a, b = np.unravel_index(int(sim.argmax()), sim.shape)
            above = int((sim.max(axis=1) >= threshold).sum())
            pairs.append({"story": stories[i], "pages": [keys[i][:6], keys[j][:6]],
                          "best": float(sim[a, b]), "above": above, "n": len(sents[i]),
                          "article": float(mean[i] @ mean[j]), "lead": float(leads[i] @ leads[j]),
                          "leads": [sents[i][0][:90], sents[j][0][:90]]})
    out["pairs"] = pairs
    return out


def separability_report(sep: dict[str, Any], threshold: float) -> str:
    lines = ["", "(d) story separability (cosine, the pipeline's encoder): within a story "
             "(min / mean) vs across stories (max / mean)",
             "| level | within min | within mean | across max (pair) | across mean |",
             "| --- | ---: | ---: | ---: | ---: |"]
    for name in ("article", "title", "lead"):
        r = sep[name]
        lines.append(f"| {name} | {r['within_min']:.2f} | {r['within_mean']:.2f} | "
                     f"{r['across_max']:.2f} ({r['across_pair']}) | {r['across_mean']:.2f} |")
    lines += [f"outlet pairs of one story: best sentence pair, sentences of the first with a "
              f"match >= {threshold}, article and lead cosine",
              "| story | pages | best pair | matched | article | lead |",
              "| --- | --- | ---: | ---: | ---: | ---: |"]
    for p in sep["pairs"]:
        lines.append(f"| {p['story']} | {'/'.join(p['pages'])} | {p['best']:.2f} | "
                     f"{p['above']}/{p['n']} | {p['article']:.2f} | {p['lead']:.2f} |")
    lines.append("leads:")
    seen: set[str] = set()
    for p in sep["pairs"]:
        for key, lead in zip(p["pages"], p["leads"], strict=True):
            if key not in seen:
                seen.add(key)
                lines.append(f"  {p['story']} {key}: {lead!r}")
    return "\n".join(lines)


# --- report --------------------------------------------------------------------------------


def report(pages: dict[str, dict[str, Any]], result: dict[str, Any],
           paragraphs: bool = False, show_items: bool = False) -> str:
    lines = ["(a) extraction: token P / R / F1 of the cleaned text against articleBody",
             "| page | story | outlet | words | body | P | R | F1 | junk paras |",
             "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    extraction = result["extraction"]
    for key, e in extraction.items():
        host = re.sub(r"^https?://(www\.)?", "", pages[key]["url"]).split("/")[0]
        body_words = len(pages[key]["articleBody"].split())
        lines.append(f"| {key[:8]} | {pages[key]['story']} | {host} | {e['words']} | "
                     f"{body_words} | {e['p']:.2f} | {e['r']:.2f} | {e['f1']:.2f} | "
                     f"{len(e['junk'])} |")
    f1s = [e["f1"] for e in extraction.values()]
    lines.append(f"mean F1 {sum(f1s) / len(f1s):.3f}; pages with P < 0.9 (junk kept): "
                 f"{sum(e['p'] < 0.9 for e in extraction.values())}; with R < 0.9 (body "
                 f"lost): {sum(e['r'] < 0.9 for e in extraction.values())}; paragraphs not in "
                 f"the body: {sum(len(e['junk']) for e in extraction.values())}")
    if result["problems"]:
        lines.append("problems: " + "; ".join(result["problems"]))
    if paragraphs:
        lines.append("\nparagraphs not in articleBody (junk or markup the body left out):")
        for key, e in extraction.items():
            for para in e["junk"]:
                lines.append(f"  {key[:8]}: {para[:150]!r}")

    lines += ["", f"(b) grouping over {result['items']} items: per story, items citing it, "
              "outlets the best item cites",
              "| story | outlets | items | best item | outlets per item |",
              "| --- | ---: | ---: | ---: | --- |"]
    for story, g in result["grouping"].items():
        per = ", ".join(f"#{n}:{c}" for n, c in g["per_item"].items())
        lines.append(f"| {story} | {g['outlets']} | {g['items']} | {g['best']}/{g['outlets']} "
                     f"| {per} |")
    whole = sum(g["best"] == g["outlets"] for g in result["grouping"].values())
    lines.append(f"stories with one item citing all outlets: {whole}/{len(result['grouping'])}; "
                 f"items mixing stories: {len(result['mixed'])}")
    for n, stories in result["mixed"].items():
        lines.append(f"  item #{n} mixes {', '.join(stories)}")

    if show_items:  # what the split stories' items say, to see why they were not merged
        for story, g in result["grouping"].items():
            lines.append(f"  {story}:")
            for n in g["per_item"]:
                text, keys = result["leads"][n]
                lines.append(f"    #{n} [{','.join(k[:6] for k in keys)}] {text[:140]!r}")

    junk = result["junk"]
    lines += ["", f"(c) junk candidates: {len(junk)} texts not in the cited articleBody "
              "(cover: share of their words found there)"]
    for j in junk:
        cited = ",".join(k[:6] for k in j["pages"])
        lines.append(f"  #{j['item']} {j['kind']} {j['what']} [{cited}] cover "
                     f"{j['cover']:.2f}: {j['text'][:200]!r}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--paragraphs", action="store_true",
                        help="also list every extracted paragraph not in articleBody")
    parser.add_argument("--items", action="store_true",
                        help="also list the lead of every item citing a multi-outlet story")
    parser.add_argument("--separability", action="store_true",
                        help="also measure how far apart stories are at article level")
    parser.add_argument("--json", type=Path, help="write the measures here (outside the repo)")
    args = parser.parse_args()
    pages = load_pages()
    with tempfile.TemporaryDirectory(prefix="briefing-news-pages-") as tmp:
        run = run_pipeline(pages, Path(tmp))
    result = evaluate(pages, run)
    print(report(pages, result, args.paragraphs, args.items))
    if args.separability:
        from briefing.config import settings_from_mapping

        threshold = settings_from_mapping({}).group_threshold  # the default the run used
        result["separability"] = separability(pages, run, threshold)
        print(separability_report(result["separability"], threshold))
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
