"""The deliver stage: briefing emails through SMTP, by way of an outbox that outlives failures.

In: a rendered briefing folder. Out: one MIME message (``message``) recorded in the outbox
(``outbox``) and handed to the SMTP server (``smtp``); ``commands`` is ``briefing send``.

Every message is written to the outbox (its complete bytes) before the first attempt, so a
mail server that is down, refuses, or times out loses nothing: the row stays ``pending``
and is tried again later with a doubling delay (``email.retry_seconds``, up to an hour) by
the daemon or by ``briefing send --retry``. A server that rejects the message itself (a
5xx answer to the sender, every recipient, or the data) marks it ``failed``; it is kept, and
``briefing send --retry`` tries it again once the cause is fixed.

Exactly once. One process at a time sends (a lock file in ``state_dir``), so a row is never
sent by two processes. The row stays ``pending`` while connecting, logging in and naming the
recipients: if the process dies there, the server has not accepted anything (an SMTP
transaction without the end of DATA is discarded) and a retry is safe. Just before the
message body goes out the row becomes ``sending``, and ``sent`` once the server answered
250. A crash between those two marks is the one case we cannot decide: the server may have
accepted the message. We choose never to risk a duplicate: such a row becomes ``unknown``
the next time anyone sends, is reported by the daemon and by ``briefing send --retry``, and
is sent again only when a person asks (``briefing send DATE``). The window is the time the
server takes to answer the final dot, so this is rare; the retry of a ``pending`` row sends
the same bytes with the same Message-ID.

"""

from briefing.lazy import lazy_exports

__all__, __getattr__ = lazy_exports(__name__, {
    "message": "build_message",
    "outbox": "queue_briefing retry_delay send_queued",
    "commands": "retry_outbox send_command",
    "smtp": "smtp_send",
})
