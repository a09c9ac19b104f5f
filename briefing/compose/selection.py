"""Selection: stories' leads and facts under the word budget, by MMR, nothing said twice."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from briefing.compose.coverage import Coverage
from briefing.compose.exact import plan as exact_plan
from briefing.compose.grouping import Group, Story
from briefing.compose.leads import LEAD_MIN_QUALITY, introduced_wording, standalone_quality
from briefing.compose.outlets import voices
from briefing.compose.particulars import different_particulars
from briefing.compose.ranking import content_words
from briefing.compose.weights import StoryWeights
from briefing.compose.wording import make_self_contained
from briefing.config import CATCHALL_ID
from briefing.records import Sentence
from briefing.text.standalone import first_line_problem

_REPORTED_ROWS = 4096  # lines compared with the reported vectors at once
_EXACT_ROUNDS = 20  # solver calls per briefing at most (a failed lead costs one more)


@dataclass
class Line:
    story: Story
    fact: Group
    is_lead: bool
    value: float
    row: int = -1  # the wording's sentence; -1: the fact's own (``fact.best``)
    text: str = ""

    def __post_init__(self) -> None:
        if self.row < 0:
            self.row, self.text = self.fact.best, self.fact.text


def _wordings(fact: Group, sentences: list[Sentence] | None, count: int, lead: bool
              ) -> list[tuple[int, str, float]]:
    """The fact's wording, then up to ``count - 1`` other members' (row, text, value), each
    as it would be shown; a lead's only when it stands alone as a lead must."""
    out = [(fact.best, fact.text, fact.score)]
    if sentences is None or count <= 1:
        return out
    for m, value in fact.wordings:
        if len(out) >= count:
            break
        if m == fact.best:
            continue
        sentence = sentences[m]
        if lead and standalone_quality(sentence) <= LEAD_MIN_QUALITY:
            continue
        out.append((m, make_self_contained(sentence.text, sentence.context), value))
    return out


def select_lines(stories: list[Story], embeddings: np.ndarray, budget_words: int,
                 theme_order: list[str], redundancy_cutoff: float,
                 weights: StoryWeights, reported: np.ndarray | None = None,
                 reported_cutoff: float = 1.0,
                 concept_weights: dict[tuple[str, str], float] | None = None,
                 sentences: list[Sentence] | None = None
                 ) -> list[tuple[Story, list[Group]]]:
    """Greedy MMR over every story's lines under the word budget. A story's facts become
    eligible once its lead is chosen; a lead competes with its story's score plus a bonus,
    a fact with its score scaled by its story's share. Each theme first gets the story most
    of its outlets report (the best-scoring of those), the one its section shows first.
    A line as close to a chosen one as two reports of one fact is dropped, and so is one
    that only says again in other words what the chosen lines say (its words, or the
    particulars of one moment: see ``take``), unless the two give another toll, date or
    place (``particulars.different_particulars``): like events, each shown.

    ``reported`` (rows: vectors of lines earlier briefings presented) closes, before anything
    is chosen, every line at least ``reported_cutoff`` close to one of them: a repeated fact
    is never chosen, so the budget goes to what is new; a story whose lead was reported is
    led by its next candidate, and a story with nothing new left never starts.

    ``concept_weights`` (``coverage.concept_weights``): a line's value is then, for the share
    ``weights.coverage``, the weight of the concepts it adds that no chosen line holds, per
    word (``weights.length_power``), relative to the best such gain among the open lines, and
    for the rest its score relative to the other lines'.

    A lead about to be chosen is parsed (``weights.lead_introduced``): when its wording does
    not say who or when (``text.standalone.first_line_problem``), another report of the fact
    in ``sentences`` that does is used instead, or else the story's next option leads."""
    lines: list[Line] = []
    # Other outlets' wordings of a fact compete with its own only where concepts count
    # (the wording that says most per word), and not when weekdays are dated (the dating
    # needs the article's date, which selection does not have).
    wordings = (weights.wordings if concept_weights and weights.coverage > 0
                and not weights.resolve_days else 1)
    for story in stories:
        assert story.lead is not None
        share = story.score - story.lead.score  # the story's weight, without its lead
        # A lead competes with its own score; which candidate leads is the story's choice
        # (choose_lead's order): only its first candidate still open is eligible.
        lines += [Line(story, f, True, share + value + weights.lead_bonus, row, text)
                  for f, _value in story.lead_options
                  for row, text, value in _wordings(f, sentences, wordings, True)]
        # A fact that fits a configured theme outranks catch-all material of equal score:
        # on a one-topic day, word support alone favours the generic background lines.
        lines += [Line(story, f, False, value + share + weights.theme_fit * (
            f.theme_score if f.theme != CATCHALL_ID else 0.0), row, text)
            for f in story.facts if f.text
            for row, text, value in _wordings(f, sentences, wordings, False)]
    if not lines:
        return []
    # Each line's vector is its wording sentence's row of ``embeddings``, read from there
    # rather than copied: a long article's every fact is a line twice (as a lead option and
    # as a fact), and the copy was the largest thing composing held (63 MB for the 41,101
    # lines of a 5 MB article).
    rows = np.array([ln.row for ln in lines])
    values = np.array([ln.value for ln in lines])
    lengths = np.array([len(ln.text.split()) for ln in lines])
    fact_of = np.array([id(ln.fact) for ln in lines])
    closeness = np.zeros(len(lines), dtype=np.float32)
    nearest = np.full(len(lines), -1)  # the chosen line each line is closest to
    # Two wordings of one fact can sit below the vector cutoff ("A man was arrested …" /
    # "Police arrested a man who …"): a line most of whose content words a chosen line
    # already says is a repeat too. Checked only among lines the vectors call close.
    # Their content words are worked out when first needed, for the few lines that come
    # close to a chosen one (and the chosen ones), not for every line up front.
    vocabulary: dict[int, set[str]] = {}
    below_cutoff = np.nextafter(np.float32(redundancy_cutoff), np.float32(0))

    def words_of(n: int) -> set[str]:
        if n not in vocabulary:
            vocabulary[n] = content_words(lines[n].text)
        return vocabulary[n]

    def says_again(n: int, k: int) -> bool:
        """Whether line ``k`` says most of line ``n``'s content words (``word_overlap``)."""
        own = words_of(n)
        return bool(own) and len(own & words_of(k)) >= weights.word_overlap * len(own)

    def told_apart(a: int, b: int) -> bool:
        """Alike in vector and words, but another toll, date or place: another event, not
        a repeat (``particulars``). Two wordings of one fact are always one fact."""
        return fact_of[a] != fact_of[b] and different_particulars(
            lines[a].text, lines[b].text, same_story=owner[a] == owner[b])

    coverage = (Coverage([ln.text for ln in lines], concept_weights)
                if concept_weights and weights.coverage > 0 else None)
    if coverage is not None:
        spread = float(values.max() - values.min()) or 1.0
        static01 = (values - values.min()) / spread  # each line's in-story value, 0..1
        static = (1 - weights.coverage) * static01
        per_word = np.maximum(lengths, 1) ** weights.length_power
    open_ = np.ones(len(lines), dtype=bool)
    if reported is not None and len(reported):
        for start in range(0, len(rows), _REPORTED_ROWS):  # a bounded block of similarities
            block = rows[start:start + _REPORTED_ROWS]
            open_[start:start + len(block)] &= (
                (embeddings[block] @ reported.T).max(axis=1) < reported_cutoff)
    # Per line: is it a lead candidate, and which story (index) it belongs to. A story's lead
    # candidates are consecutive, best first, so the first open one is the story's pick.
    is_lead = np.array([ln.is_lead for ln in lines])
    story_index = {id(story): n for n, story in enumerate(stories)}
    owner = np.array([story_index[id(ln.story)] for ln in lines])
    started_mask = np.zeros(len(stories), dtype=bool)
    started: dict[int, list[Group]] = {}  # id(story) -> chosen lines, lead first
    order: list[Story] = []
    words = 0

    def eligible() -> np.ndarray:
        open_[lengths > budget_words - words] = False
        open_[closeness >= redundancy_cutoff] = False
        ready = ~is_lead & started_mask[owner]
        leads = np.flatnonzero(open_ & is_lead)
        if leads.size:
            _, first = np.unique(owner[leads], return_index=True)
            ready[leads[first]] = True
        return open_ & ready

    def take(k: int) -> None:
        nonlocal words, closeness
        line = lines[k]
        # The line's wording becomes the fact's, and the fact's other lines (as lead or
        # fact, in any wording) close: a fact is said once.
        line.fact.best, line.fact.text = line.row, line.text
        open_[fact_of == fact_of[k]] = False
        if line.is_lead:
            started[id(line.story)] = [line.fact]
            started_mask[owner[k]] = True
            line.story.lead = line.fact
            order.append(line.story)
            open_[is_lead & (owner == owner[k])] = False  # a story never leads twice
        else:
            started[id(line.story)].append(line.fact)
        words += int(lengths[k])
        open_[k] = False
        if coverage is not None:
            coverage.take(k)
        # Also closes the line's twin (the same fact as lead and as fact): closeness 1.
        similar = (embeddings @ embeddings[rows[k]])[rows]
        for n in np.flatnonzero(open_ & (similar >= weights.overlap_floor)):
            if told_apart(k, int(n)):
                similar[n] = min(similar[n], below_cutoff)
            elif says_again(int(n), k):
                similar[n] = max(similar[n], redundancy_cutoff)
        nearest[similar > closeness] = k
        closeness = np.maximum(closeness, similar)

    def opens_well(k: int) -> bool:
        """A lead is parsed only when it is about to be chosen (a few per briefing): one
        that does not say who or when (``first_line_problem``) is worded from another
        report of its fact, or leaves its story to its next option, or, the story's last
        option, stays as written."""
        fact = lines[k].fact
        if not (weights.lead_introduced and lines[k].is_lead
                and first_line_problem(lines[k].text)):
            return True
        fact.best, fact.text = lines[k].row, lines[k].text
        other = (introduced_wording(fact, lines[k].story, sentences, embeddings)
                 if sentences is not None else None)
        if other is None:
            # The story's next option leads instead; a story with no other option keeps
            # this one as written: an event is never lost for its wording (a brief's
            # headline, "Flood warnings issued for the valley", is all there is of it).
            if (open_ & is_lead & (owner == owner[k])).sum() > 1:
                open_[k] = False
                return False
            return True
        fact.best, fact.text = other
        lines[k].row, lines[k].text = other
        rows[k], lengths[k] = fact.best, len(fact.text.split())
        vocabulary.pop(k, None)
        # The same fact as a supporting line now reads as the lead: it is never shown twice.
        open_[(fact_of == fact_of[k]) & (np.arange(len(lines)) != k)] = False
        if coverage is not None:
            coverage.reword(k, fact.text)
        return lengths[k] <= budget_words - words

    line_theme = np.array([ln.story.theme for ln in lines])
    story_size = np.array([voices(ln.story) for ln in lines])
    for theme in [*theme_order, CATCHALL_ID]:
        while (mask := eligible() & is_lead & (line_theme == theme)).any():
            # The story most outlets report, which its section puts first: on a short budget
            # the best-scoring lead alone was often a one-article aside, and the day's main
            # event (the Izmit quake's four-article story at 100 words) never got in.
            mask &= story_size == story_size[mask].max()
            k = int(np.argmax(np.where(mask, values, -np.inf)))
            if opens_well(k):
                take(k)
                break
    if coverage is not None and weights.exact:
        # The rest of the budget as one integer program (``exact``); its lines are taken
        # leads first. A lead that fails the parse check (or a line that no longer fits
        # after a rewording) leaves the words it would have used to another call.
        def repeats(among: np.ndarray) -> list[tuple[int, int]]:
            vectors = embeddings[rows[among]]
            similar = vectors @ vectors.T
            pairs = []
            for a, b in zip(*np.nonzero(np.triu(similar >= weights.overlap_floor, 1)),
                            strict=True):
                first, second = int(among[a]), int(among[b])
                if told_apart(first, second) or similar[a, b] < redundancy_cutoff and not (
                        says_again(first, second) or says_again(second, first)):
                    continue
                pairs.append((int(a), int(b)))
            same = fact_of[among]
            pairs += [(int(a), int(b)) for a, b in zip(*np.nonzero(np.triu(
                same[:, None] == same[None, :], 1)), strict=True)
                if similar[a, b] < weights.overlap_floor]
            return pairs

        for _round in range(_EXACT_ROUNDS):
            eligible()
            chosen_plan = exact_plan(np.flatnonzero(open_), lengths, budget_words - words,
                                     coverage.line_concepts, coverage.weights,
                                     coverage.covered, coverage.gain, static01,
                                     weights.coverage, is_lead,
                                     owner, started_mask, repeats)
            if not chosen_plan:
                break
            # The plan's lines that still hold are taken; a lead that fails its check, and
            # its story's facts, are left for the next call, which plans the words left.
            complete = True
            for k in chosen_plan:
                eligible()
                if open_[k] and (is_lead[k] or started_mask[owner[k]]) and opens_well(k):
                    take(k)
                else:
                    complete = False
            if complete:
                break
    while words < budget_words:
        mask = eligible()
        if not mask.any():
            break
        value = values
        if coverage is not None:
            gain = coverage.gain / per_word
            value = static + weights.coverage * gain / (gain[mask].max() or 1.0)
        k = int(np.argmax(np.where(mask, value - weights.mmr * closeness, -np.inf)))
        if opens_well(k):
            take(k)
    _cite_duplicates(lines, closeness, nearest, redundancy_cutoff)
    return [(story, started[id(story)]) for story in order]


def _cite_duplicates(lines: list[Line], closeness: np.ndarray, nearest: np.ndarray,
                     cutoff: float) -> None:
    """A line left out as a duplicate of a chosen one says the same thing: the chosen one
    cites its articles too, so no report of an event is lost (only the budget leaves news
    out)."""
    for n, line in enumerate(lines):
        k = int(nearest[n])
        if k < 0 or k == n or closeness[n] < cutoff or line.fact is lines[k].fact:
            continue
        keeper = lines[k].fact
        keeper.members = sorted({*keeper.members, *line.fact.members})
        keeper.articles += [a for a in line.fact.articles if a not in keeper.articles]
        if lines[k].is_lead:  # a lead cites every article of its story
            story = lines[k].story
            story.articles += [a for a in line.fact.articles if a not in story.articles]
