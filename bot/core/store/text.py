"""Bounding and cleaning user text before it is stored or matched.

Anything a person typed goes through `clean()`: control characters (other than newline and
tab), invisible direction overrides and unpaired surrogates are dropped, and the result is cut
to a limit with a marker, so what is stored is bounded and safe to echo. Emoji stay.
"""

from __future__ import annotations

import re
import unicodedata

NAME_LIMIT = 80
ANSWER_LIMIT = 2000
EVIDENCE_LIMIT = 500
PROPOSAL_LIMIT = 200_000

_ELLIPSIS = "…"
# C0/C1 controls except \t and \n, bidi overrides and isolates, and unpaired surrogates.
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")


def clean(text: str, limit: int) -> str:
    """`text` without unsafe characters, stripped, at most `limit` characters long."""
    text = _UNSAFE.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = unicodedata.normalize("NFC", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + _ELLIPSIS
    return text


def one_line(text: str, limit: int) -> str:
    """`clean()` with every run of whitespace folded into one space: names, labels."""
    return clean(" ".join(text.split()), limit)
