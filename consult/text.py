"""Pure text helpers for values people type or send: no Flask, no database."""
from __future__ import annotations

import re

_WHOLE_NUMBER = {digits: re.compile(f"[0-9]{{1,{digits}}}") for digits in (4, 9, 18)}


def whole_number(value: str | None, digits: int = 9) -> int | None:
    """The number written in plain ASCII digits (at most `digits` of them), else None.

    Not str.isdigit(): that is also true of "²" and "٣", and int() refuses the first. The
    length limit keeps the number inside the database's integers (and int()'s own limit).
    """
    pattern = _WHOLE_NUMBER.get(digits) or re.compile(f"[0-9]{{1,{digits}}}")
    if value is None or not pattern.fullmatch(value):
        return None
    return int(value)
