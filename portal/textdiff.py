"""Differences between the texts of two captures of a link, line by line, for the portal's
capture timeline (issue 15, "differences between captures highlighted").

Pure: no Django. Texts come from hostile pages, so the work is bounded: at most MAX_LINES lines
of each side, each cut at MAX_LINE_CHARS, are compared (difflib is quadratic in the worst
case), and long runs of unchanged lines fold into one "skipped" row with CONTEXT lines kept
either side of each change.
"""

import difflib
from dataclasses import dataclass

MAX_LINES = 2000
MAX_LINE_CHARS = 500  # a longer line is compared and shown cut, with "…"
CONTEXT = 2


@dataclass(frozen=True)
class DiffRow:
    op: str  # "same", "added", "removed" or "skipped" (then `line` is empty and `count` > 0)
    line: str = ""
    count: int = 0


def _cut(line: str) -> str:
    return line if len(line) <= MAX_LINE_CHARS else line[:MAX_LINE_CHARS] + "…"


def _lines(text: str) -> list[str]:
    lines = (line.rstrip() for line in text.splitlines() if line.strip())
    return [_cut(line) for _, line in zip(range(MAX_LINES), lines, strict=False)]


def text_diff(before: str, after: str) -> list[DiffRow]:
    """The rows that turn `before` into `after`; unchanged lines far from a change fold."""
    old, new = _lines(before), _lines(after)
    rows: list[DiffRow] = []
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    opcodes = matcher.get_opcodes()
    for index, (tag, i1, i2, j1, j2) in enumerate(opcodes):
        if tag == "equal":
            same = old[i1:i2]
            head = CONTEXT if index > 0 else 0
            tail = CONTEXT if index < len(opcodes) - 1 else 0
            if len(same) > head + tail + 1:
                rows += [DiffRow("same", line) for line in same[:head]]
                rows.append(DiffRow("skipped", count=len(same) - head - tail))
                rows += [DiffRow("same", line) for line in same[len(same) - tail :]]
            else:
                rows += [DiffRow("same", line) for line in same]
            continue
        rows += [DiffRow("removed", line) for line in old[i1:i2]]
        rows += [DiffRow("added", line) for line in new[j1:j2]]
    return rows


def has_changes(rows: list[DiffRow]) -> bool:
    return any(row.op in ("added", "removed") for row in rows)
