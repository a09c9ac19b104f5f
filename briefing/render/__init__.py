"""The render stage: a Briefing to files.

In: a ``Briefing`` and the settings. Out: ``briefing.md``, ``.html``, ``.pdf``, ``.json`` in
the briefing's folder (``writer.write_briefing``), the email's HTML and text parts, and the
archive (``index.html`` and ``feed.xml``) over all briefings.

Templates come from the user's ``templates_dir`` first, then the packaged ones
(``templates``); HTML is autoescaped (article text is untrusted); the PDF renderer fetches
nothing from the network.
"""

from briefing.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "writer": "FORMATS render_json write_briefing",
    "templates": "TemplateRenderError render_template template_environment",
    "email_html": "render_email_html",
    "html": "render_html",
    "markdown": "render_markdown",
    "pdf": "render_pdf",
    "text": "render_text",
    "archive": "write_archive",
})
