"""The email HTML: the ``email`` variant of the HTML with its CSS inlined, ready to send.

Most mail clients drop ``<style>`` blocks, so CSS is moved into style attributes; @media rules
(dark scheme, narrow screens) cannot be inlined and stay in ``<style>``. Nothing is fetched.
"""

from __future__ import annotations

import logging
import re

from briefing.config import Settings
from briefing.records import Briefing
from briefing.render.html import render_html

log = logging.getLogger("briefing.render")


def render_email_html(briefing: Briefing, settings: Settings) -> str:
    import css_inline

    html = render_html(briefing, settings, variant="email")
    inliner = css_inline.CSSInliner(
        load_remote_stylesheets=False,  # never fetch anything while building a message
        keep_at_rules=True,  # @media rules cannot be inlined; keep them in <style>
        resolve_css_variables=True,  # most mail clients do not understand var(--x)
    )
    try:
        html = inliner.inline(html)
    except ValueError as exc:  # css_inline.InlineError: a template the inliner cannot parse
        log.warning("could not inline the email CSS (%s); sending the HTML as rendered", exc)
        return html
    return _charset_first(html)


def _charset_first(html: str) -> str:
    # The inliner puts the kept <style> first in <head>; the charset must stay in the first
    # 1024 bytes, so it is moved back to the top.
    charset = re.search(r"<meta charset=[^>]*>", html)
    head = re.search(r"<head[^>]*>", html)
    if charset and head and charset.start() > head.end():
        html = (html[:head.end()] + '<meta charset="utf-8">' + html[head.end():charset.start()]
                + html[charset.end():])
    return html
