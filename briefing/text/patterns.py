"""The text patterns several stages share, each written once.

Cleaning, sentence splitting, wording, key figures, the timeline and the abstractive guard all
need to know where a sentence ends, what a date or a number looks like, and which words are
names. A rule changed here changes for all of them.
"""

from __future__ import annotations

import re

# A sentence (or a paragraph) that ends like one: . ! ? or … with any closing quotes or
# brackets after it.
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
