"""A synthetic news day of any size, built from real text that stays where it is.

The sentences come from three places, read in place and never copied into the repository:

- the project's seed articles (``seeds/``), through the real cleaner, so mojibake is repaired
  and site junk is gone;
- the MultiLing 2011 WikiNews articles (``/work/shared/eval/multiling2011/documents.jsonl``);
- the RUWA headlines and subheadings (``/work/shared/eval/ruwa/*.jsonl``): subheadings without
  their time stamps and "View news." tails, headlines of every site but Censor.NET (whose
  headlines repeat the subheading) with a full stop added.

Every sentence the pipeline would summarise (``text.sentences.is_candidate``) goes once into
a pool (about 3,000 sentences), in reading order. Article ``i`` takes the next
``SENTENCES_PER_ARTICLE`` sentences of that pool, walking round it; sentence ``g`` of the walk is
pool sentence ``g % P`` in round ``g // P``. Round 0 is the sentence as written; round ``r`` adds
an attribution that differs for every round ("…, Reuters reported on Tuesday."). So every
sentence of the corpus is distinct (each is embedded once, as with real news), every
article's text and content hash differ, and a pool sentence comes back once per round, as the
same fact comes back from many outlets on a busy day: about 3 rounds at 1,000 articles and 30 at
10,000.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from briefing.text.sentences import is_candidate, split_sentences  # noqa: E402

EVAL = Path("/work/shared/eval")
MULTILING = EVAL / "multiling2011" / "documents.jsonl"
RUWA = EVAL / "ruwa" / "ruwa_2022-01-01_2022-02-28.jsonl"
SEEDS = REPO / "seeds"

SENTENCES_PER_ARTICLE = 9
SENTENCES_PER_PARAGRAPH = 3
# ("Al Jazeera" is left out: headline-style text repeating "al" reads as Italian to the
# language check.)
OUTLETS = ["Reuters", "the BBC", "Sky News", "Ukrinform", "MSNBC", "the AP", "AFP", "DW",
           "France 24", "the Kyiv Independent", "The Guardian", "Politico", "NPR", "CNN",
           "Bloomberg", "Euronews"]
VERBS = ["reported", "said", "wrote", "noted"]
DAYS = ["", " on Monday", " on Tuesday", " on Wednesday", " on Thursday", " on Friday",
        " on Saturday", " on Sunday"]
# Sentence openings that read as ordinary words once an attribution goes in front of them.
_LOWER_OK = {"the", "a", "an", "in", "on", "at", "it", "this", "that", "these", "those", "there",
             "he", "she", "they", "we", "but", "and", "after", "before", "during", "while",
             "when", "as", "for", "with", "some", "many", "most", "both", "earlier", "later",
             "according", "officials", "police", "two", "three", "four", "five", "several"}


def _ruwa_units() -> Iterator[str]:
    for line in RUWA.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        desc = (row.get("desc") or "").strip()
        if desc:
            desc = re.sub(r"^\d\d\.\d\d\.\d\d \d\d:\d\d - ", "", desc)
            desc = re.sub(r"\s*View news\.?$", "", desc)
            desc = re.sub(r"\s*[—-] Ukrinform\.?$", "", desc)
            if row["site"] == "censor.net":  # "Keyword: Headline. Body": keep the body
                desc = desc.split(". ", 1)[1] if ". " in desc else desc
            yield from split_sentences(desc)
        if row["site"] != "censor.net":
            title = " ".join(row["title"].split())
            yield title if re.search(r"[.!?]$", title) else title + "."


def _multiling_units() -> Iterator[str]:
    for line in MULTILING.read_text(encoding="utf-8").splitlines():
        for doc in json.loads(line)["documents"]:
            for paragraph in doc["text"][2:]:  # [0] is the headline, [1] the date line
                yield from split_sentences(paragraph)


def _seed_units() -> Iterator[str]:
    from briefing.records import RawDocument
    from briefing.text.clean import clean_document

    for path in sorted(SEEDS.glob("*.txt")):
        article = clean_document(RawDocument(origin=path.name, content=path.read_bytes(),
                                             path=path.name))
        for paragraph in article.paragraphs:
            yield from split_sentences(paragraph)


def sentence_pool() -> list[str]:
    """Every distinct candidate sentence of the three sources, in reading order."""
    seen: set[str] = set()
    pool: list[str] = []
    for unit in (*_seed_units(), *_multiling_units(), *_ruwa_units()):
        unit = " ".join(unit.split())
        if is_candidate(unit) and unit not in seen:
            seen.add(unit)
            pool.append(unit)
    return pool


def variant(sentence: str, round_: int) -> str:
    """The sentence as written (round 0), or with an attribution unique to the round."""
    if round_ == 0:
        return sentence
    k = round_ - 1
    outlet = OUTLETS[k % len(OUTLETS)]
    k //= len(OUTLETS)
    verb = VERBS[k % len(VERBS)]
    k //= len(VERBS)
    day = DAYS[k % len(DAYS)]
    k //= len(DAYS)
    again = " again" * k  # only past 512 rounds (about 170,000 articles)
    if sentence.endswith(".") and not sentence.endswith(("..", "U.S.", "U.K.")):
        return f"{sentence[:-1]}, {outlet} {verb}{again}{day}."
    first, _, rest = sentence.partition(" ")
    if first.lower() in _LOWER_OK:
        first = first.lower()
    lead = outlet[:1].upper() + outlet[1:]
    return f"{lead} {verb}{again}{day} that {first} {rest}".rstrip()


def article(index: int, pool: list[str]) -> dict:
    """Article ``index`` of the corpus, as a JSON article the folder source reads."""
    start = index * SENTENCES_PER_ARTICLE
    sentences = [variant(pool[g % len(pool)], g // len(pool))
                 for g in range(start, start + SENTENCES_PER_ARTICLE)]
    paragraphs = [" ".join(sentences[p:p + SENTENCES_PER_PARAGRAPH])
                  for p in range(0, len(sentences), SENTENCES_PER_PARAGRAPH)]
    words = re.sub(r"[.!?,;:]+$", "", sentences[0]).split()
    title = " ".join(words[:12]) + ("…" if len(words) > 12 else "")
    day = 1 + index % 59  # 1 January to 28 February 2022, as RUWA
    published = f"2022-{1 + (day - 1) // 31:02d}-{(day - 1) % 31 + 1:02d}"
    return {"title": title, "source": OUTLETS[index % len(OUTLETS)].removeprefix("the "),
            "published": published, "url": f"https://news.example.org/bench/{index:06d}",
            "text": "\n\n".join(paragraphs)}


def write_corpus(folder: Path, start: int, stop: int, pool: list[str] | None = None) -> int:
    """Write articles ``start``..``stop - 1`` as ``folder/a<index>.json``; return the count."""
    pool = pool or sentence_pool()
    folder.mkdir(parents=True, exist_ok=True)
    for index in range(start, stop):
        (folder / f"a{index:06d}.json").write_text(
            json.dumps(article(index, pool), ensure_ascii=False), encoding="utf-8")
    return stop - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="where to write the article files")
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--start", type=int, default=0, help="index of the first article")
    args = parser.parse_args(argv)
    pool = sentence_pool()
    count = write_corpus(args.folder, args.start, args.start + args.articles, pool)
    print(f"{count} articles from a pool of {len(pool)} sentences written to {args.folder}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
