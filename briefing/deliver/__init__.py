"""The deliver stage: briefing emails through SMTP, by way of an outbox that outlives failures.

In: a rendered briefing folder. Out: one MIME message (``message``) recorded in the outbox
(``outbox``) and handed to the SMTP server (``smtp``); ``commands`` is ``briefing send``.

Every message is written to the outbox (its complete bytes) before the first attempt, so a
mail server that is down, defers, refuses or times out loses nothing. The outbox keeps a state
for each recipient, since a server answers for each address on its own: a recipient deferred
(4xx, or no answer) stays ``pending`` and is tried again later with a doubling delay
(``email.retry_seconds``, up to an hour) by the daemon or by ``briefing send --retry``; one
refused with a 5xx at any stage is ``failed``, kept, and tried again by ``briefing send
--retry`` once the cause is fixed; only a recipient whose address and message the server
accepted is ``sent``. A retry goes to the pending recipients only, with the same bytes and
Message-ID.

Exactly once, per recipient: one sender at a time (a lock file), and a recipient whose copy
may have reached the server when the connection broke is ``unknown``, reported, and never
sent again without a person asking. ``outbox``'s docstring has the whole argument.

Credentials go only over TLS (``starttls`` or ``ssl``) or to a relay on this machine: the
config check (``briefing.config.EmailSettings``) refuses anything else.

"""

from briefing.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "message": "build_message",
    "outbox": "queue_briefing retry_delay send_queued",
    "commands": "retry_outbox send_command",
    "smtp": "smtp_send",
})
