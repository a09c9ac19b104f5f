"""The render stage: a Briefing to files.

In: a ``Briefing`` and the settings. Out: ``briefing.md``, ``.html``, ``.pdf``, ``.json`` in
the briefing's folder (``writer.write_briefing``), the email's HTML and text parts, and the
archive (``index.html`` and ``feed.xml``) over all briefings.

Templates come from the user's ``templates_dir`` first, then the packaged ones
(``templates``); HTML is autoescaped (article text is untrusted); the PDF renderer fetches
nothing from the network.
"""

from briefing.lazy import lazy_exports

_EXPORTS = {
    "FORMATS": "writer",
    "TemplateRenderError": "templates",
    "render_email_html": "email_html",
    "render_html": "html",
    "render_json": "writer",
    "render_markdown": "markdown",
    "render_pdf": "pdf",
    "render_template": "templates",
    "render_text": "text",
    "template_environment": "templates",
    "write_archive": "archive",
    "write_briefing": "writer",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_exports(__name__, _EXPORTS)
