"""Cleaning the seeds: mojibake repaired, good quotes kept, junk gone, titles found or made."""

from __future__ import annotations

import re

import pytest
from conftest import JUNK, SEEDS

from briefing.errors import InputError
from briefing.records import RawDocument
from briefing.text.boilerplate import strip_boilerplate
from briefing.text.clean import clean_document, content_id
from briefing.text.repair import has_mojibake, repair_text


def clean_seed(prefix: str):
    path = next(SEEDS.glob(f"{prefix}_*.txt"))
    return clean_document(RawDocument(origin=path.name, content=path.read_bytes(),
                                      path=f"seeds/{path.name}"))


def test_seed_003_mixed_thai_cp1252_mojibake_is_repaired():
    article = clean_seed("003")
    assert not has_mojibake(article.text)
    assert "stop the “speculations” about" in article.text
    assert "“absolutely possible” that" in article.text
    assert "“no option” is off the table" in article.text


def test_good_curly_quotes_are_kept():
    article = clean_seed("002")
    assert "“relentless” diplomacy" in article.text
    assert "Kyiv’s other Western allies" in article.text


def test_classic_cp1252_mojibake_is_repaired_too():
    text, repairs = repair_text("It’s a â€œtestâ€\x9d of the systemâ€™s repair.")
    assert text == "It’s a “test” of the system’s repair." and repairs


@pytest.mark.parametrize("prefix", ["000", "001", "002", "003", "004"])
def test_no_junk_left_in_any_seed(prefix):
    article = clean_seed(prefix)
    for junk in JUNK:
        assert junk not in article.text, junk


def test_captions_and_their_alt_text_go_but_the_story_stays():
    article = clean_seed("002")
    assert "gives a press conference" not in article.text
    assert "Vladislav Shvets\n" not in article.text
    assert "Blinken pledged to pursue “relentless” diplomacy" in article.text


def test_titles_found_where_present_and_made_where_absent():
    assert clean_seed("003").title.startswith("Friday new consultations Russia and US")
    assert not clean_seed("003").title_generated
    made = clean_seed("000")
    assert made.title_generated
    assert "ceasefire violations" in made.title and len(made.title.split()) <= 13


def test_id_is_a_content_hash_ignoring_whitespace():
    assert content_id("A  b\nc") == content_id("a b c")
    assert content_id("a b c") != content_id("a b d")


def test_footer_cut_keeps_text_above_it():
    paragraphs, notes = strip_boilerplate(
        "First real paragraph of the story.\n\nSecond real paragraph here.\n\n"
        "Third paragraph of the story.\n\nRelated posts\n\nSomething else entirely.")
    assert paragraphs == ["First real paragraph of the story.", "Second real paragraph here.",
                          "Third paragraph of the story."]
    assert notes


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4, "binary"),
    (b"Video 2:31", "no news"),
    ("Die Bundesregierung hat am Montag in Berlin erklärt, dass sie die Ukraine weiter mit "
     "Waffen unterstützen wird, und der Kanzler sagte, dass die Gespräche mit Russland "
     "fortgesetzt werden sollen, auch wenn die Lage an der Grenze sehr angespannt ist und "
     "die Soldaten dort bleiben.".encode(), "german"),
])
def test_unusable_documents_raise_input_error_naming_the_input(content, reason):
    with pytest.raises(InputError) as info:
        clean_document(RawDocument(origin="inbox/bad.txt", content=content, path="inbox/bad.txt"))
    assert info.value.origin == "inbox/bad.txt"
    assert reason.split()[0] in str(info.value).lower() or reason == "german" and \
        "de" in str(info.value)


def test_a_headline_alone_is_a_brief_of_one_fact():
    from briefing.text.sentences import article_sentences

    article = clean_document(RawDocument(origin="feed#1", content=b"Kyiv metro reopens",
                                         title="Kyiv metro reopens"))
    assert article.text == "Kyiv metro reopens"
    assert [s.text for s in article_sentences(article)] == ["Kyiv metro reopens"]


def test_a_headline_and_a_sentence_are_one_fact_with_the_headline_as_context():
    from briefing.text.sentences import article_sentences

    article = clean_document(RawDocument(
        origin="feed#2", title="Grain ship leaves Odesa",
        content=b"The first cargo left the port on Monday, officials said."))
    [fact] = article_sentences(article)
    assert fact.text == "The first cargo left the port on Monday, officials said."
    assert fact.context == "Grain ship leaves Odesa"


def test_a_brief_whose_text_only_announces_has_its_headline_as_its_fact():
    # A live blog's entry header and a demonstrative pointing outside the text: compose would
    # reject either in any wording, so the headline is the entry's fact and it is not lost.
    from briefing.text.sentences import article_sentences

    for text in (b"Port crisis news from March 3: the harbour master says ships may dock.",
                 b"The ministry said these territories would get new ferries soon."):
        article = clean_document(RawDocument(origin="feed#3", title="Ferries return to Odesa",
                                             content=text))
        assert [s.text for s in article_sentences(article)] == ["Ferries return to Odesa"]


HARD_WRAPPED = """Hospital move planned

Patients from the regional clinic in Kharkiv will be
transferred from the city's main hospital later this week,
the health ministry said on Monday. About 120 beds are
affected by the move.

Officials said the transfer would take three days and that
no operations would be cancelled during that time.

Related posts
"""


def test_hard_wrapped_text_is_joined_into_paragraphs():
    article = clean_document(RawDocument(origin="wrapped.txt", content=HARD_WRAPPED.encode()))
    assert article.title == "Hospital move planned"
    assert article.paragraphs == [
        "Patients from the regional clinic in Kharkiv will be transferred from the city's main "
        "hospital later this week, the health ministry said on Monday. About 120 beds are "
        "affected by the move.",
        "Officials said the transfer would take three days and that no operations would be "
        "cancelled during that time.",
    ]


def test_one_paragraph_per_line_is_not_joined():
    lines = ["Short line one ends here.", "Another sentence on its own line.",
             "A third one follows it.", "And a fourth closes the text."]
    paragraphs, _ = strip_boilerplate("\n".join(lines))
    assert paragraphs == lines


def test_a_fact_box_keeps_each_label_on_its_value_and_its_entries_are_not_facts():
    from briefing.compose.leads import standalone_quality
    from briefing.text.sentences import article_sentences

    box = ("Figures on the flood that struck the valley early Monday.\n\n*DEAD:\n\nAt least 212\n\n"
           "*RESCUE TEAMS:\n\n4,000 soldiers and more than 300 volunteers from nearby towns.\n\n"
           "DAMAGE:\n\nThe water washed away two bridges and the main road to the capital.\n\n"
           "Watch:\n\nThe river rose two metres in an hour, the mayor of the largest town said.")
    paragraphs, notes = strip_boilerplate(box)
    assert "*DEAD: At least 212" in paragraphs
    assert "*RESCUE TEAMS: 4,000 soldiers and more than 300 volunteers from nearby towns." \
        in paragraphs
    assert "DAMAGE: The water washed away two bridges and the main road to the capital." \
        in paragraphs
    assert "Watch:" not in " ".join(paragraphs)  # an embed's announcement, not a label
    assert sum("fact-box label" in n for n in notes) == 3
    article = clean_document(RawDocument(origin="box.txt", content=box.encode(), path="box.txt"))
    usable = [s.text for s in article_sentences(article) if standalone_quality(s) > -1]
    # An entry is read under its label and the box's header, never alone: the count without
    # what it counts ("4,000 soldiers and …") is no report.
    assert usable == ["The river rose two metres in an hour, the mayor of the largest town said."]


@pytest.mark.parametrize("text", [
    "Plain ASCII news: talks resume on Monday.",
    "Tom &amp; Jerry &lt;3", "line one\r\nline two\rthree", "red \x1b[31mtext\x1b[0m",
    "bell\x07 and delete\x7f", "tab\tand form feed\x0c", "",
    "caf\u00e9 \u2018quoted\u2019", "mojibake: donâ€™t",
])
def test_ascii_fast_path_repairs_as_ftfy_does(text):
    # ASCII text skips ftfy only where ftfy would change nothing.
    import ftfy

    fixed = ftfy.fix_text(text, uncurl_quotes=False, fix_latin_ligatures=True,
                          normalization="NFC")
    expected = re.sub(r"[ \t]+\n", "\n", fixed.replace("\r\n", "\n").replace("\r", "\n")
                      .replace("\u00a0", " "))
    got, repairs = repair_text(text)
    assert got == expected
    if text.isascii():
        assert repairs == (fixed != text)
