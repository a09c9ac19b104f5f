"""Page widgets that news sites put in and beside the article text stay out of the article.

Each rule has a sample of the widget, written here, and a sentence of prose that looks like it
and must be kept. (bench/news_pages.py measures the rules on real pages.)
"""

from __future__ import annotations

from briefing.records import RawDocument
from briefing.text.boilerplate import strip_boilerplate
from briefing.text.clean import clean_document

PROSE = [
    "The city council voted on Tuesday to close the old bridge to heavy trucks from next month.",
    "Engineers found cracks in two of its steel supports during an inspection in the spring.",
    "The mayor said a new bridge would be built within four years if the state paid half.",
    "Residents of the east bank will have to drive an extra twenty minutes to reach the market.",
]


def page(paragraph: str) -> bytes:
    """An article page: a menu, a headline, one paragraph under test among plain prose."""
    body = "".join(f"<p>{p}</p>" for p in [PROSE[0], paragraph, *PROSE[1:]])
    return (f"<!DOCTYPE html><html><head><title>Bridge closes</title></head><body>"
            f"<nav><a href='/'>Home</a> <a href='/news'>News</a></nav>"
            f"<article><h1>Bridge closes to trucks</h1>{body}</article>"
            f"<footer>About us</footer></body></html>").encode()


def clean_page(paragraph: str) -> str:
    raw = RawDocument(origin="http://127.0.0.1/a.html", content=page(paragraph),
                      media_type="text/html", url="http://127.0.0.1/a.html")
    return clean_document(raw).text


def lines_kept(*lines: str) -> list[str]:
    paragraphs, _notes = strip_boilerplate("\n".join([*PROSE[:3], *lines, PROSE[3]]))
    return [p for p in paragraphs if p not in PROSE]


# --- inline widgets in the page --------------------------------------------------------------


def test_a_hover_card_inside_a_sentence_is_pruned_and_the_sentence_joins_up():
    card = ("Gov. <span class='person'><a href='/people/jane-roe'>Jane Roe</a>"
            "<span class='card'><span><img src='/roe.jpg' alt=''>"
            "<a href='/people/jane-roe'>Jane Quinn Roe</a>"
            "<a href='/news/1'>Governor backs the toll plan</a> "
            "<a href='/news/2'>State budget passes the senate</a></span></span></span>"
            " (R) defended the closure in a statement on Wednesday.")
    text = clean_page(card)
    assert "Gov. Jane Roe (R) defended the closure" in text
    assert "Jane Quinn Roe" not in text and "toll plan" not in text
    assert PROSE[2] in text


def test_links_and_an_image_with_words_between_them_are_prose():
    prose = ("Drawings of <span><img src='/a.jpg' alt=''><a href='/a'>the cracked supports</a>"
             " and <a href='/b'>the closed lanes</a></span> were published by the city.")
    text = clean_page(prose)
    assert "Drawings of the cracked supports and the closed lanes were published" in text


# --- credit lines ----------------------------------------------------------------------------


def test_wire_credit_lines_go():
    assert lines_kept(
        "(Reporting by Ann Lee and Bo Chen in Beijing; additional reporting by Jan de Vries, "
        "with writing by Cy Doe; Editing by Dee Fox.)",
        "Additional reporting by Eve Gold",
    ) == []


def test_a_sentence_that_starts_like_a_credit_is_kept():
    sentence = "Reporting by the local paper found that the cracks had been known for years."
    assert lines_kept(sentence) == [sentence]


# --- author and site boxes -------------------------------------------------------------------


def test_author_boxes_with_follow_and_contact_prompts_go():
    assert lines_kept(
        "Sam Ortiz's book about old bridges, \"Spans\" (River Press, 2018), is out now. "
        "Follow him on Twitter @samortiz. Follow us on Twitter @citydesk or Facebook.",
        "Email Sam Ortiz at sortiz@example.com or follow him @samortiz.",
        "Have a tip? Kim Park may be reached at kpark@example.com.",
        "Follow City Desk on Instagram, Facebook and YouTube.",
    ) == []


def test_reporting_about_following_is_kept_and_long_paragraphs_are_never_dropped():
    told = "About 40,000 people follow him on Twitter, where he posts the traffic reports."
    long = " ".join(PROSE) + " Follow us on Twitter for updates, the notice on the bridge said."
    assert lines_kept(told, long) == [told, long]


# --- newsletter prompts, related links, update stamps ------------------------------------------


def test_newsletter_prompts_go_and_news_about_a_newsletter_stays():
    news = "The council's newsletter, sent to 9,000 homes, announced the closure first."
    assert lines_kept(
        "Subscribe to the Morning Commute newsletter",
        "Get the day's top stories delivered to your inbox by subscribing to our newsletter.",
        news,
    ) == [news]


def test_related_links_and_update_stamps_go():
    prose = "Related research shows that steel bridges of that age often crack at the joints."
    assert lines_kept(
        "Related: Five bridges that closed this year",
        "Updated at 4:05 p.m.",
        "Editor's note: This story was updated at 5:45 p.m. ET to add the mayor's comments.",
        prose,
    ) == [prose]
