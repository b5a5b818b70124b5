"""The differences between two captures' texts: changed lines marked, long unchanged runs
folded, and the work bounded whatever a hostile page puts in its text."""

from portal.textdiff import CONTEXT, MAX_LINE_CHARS, MAX_LINES, has_changes, text_diff


def ops(rows):
    return [(row.op, row.line or row.count) for row in rows]


def test_a_changed_line_is_one_removal_and_one_addition():
    rows = text_diff("a\nb\nc", "a\nB\nc")
    assert ops(rows) == [("same", "a"), ("removed", "b"), ("added", "B"), ("same", "c")]
    assert has_changes(rows)


def test_identical_texts_have_no_changes():
    assert not has_changes(text_diff("a\nb", "a\nb\n\n"))


def test_long_unchanged_runs_fold_keeping_context_around_changes():
    same = [f"line {i}" for i in range(50)]
    rows = text_diff("\n".join([*same, "old", *same]), "\n".join([*same, "new", *same]))
    assert ops(rows) == [
        ("skipped", 50 - CONTEXT),
        *[("same", line) for line in same[-CONTEXT:]],
        ("removed", "old"),
        ("added", "new"),
        *[("same", line) for line in same[:CONTEXT]],
        ("skipped", 50 - CONTEXT),
    ]


def test_only_the_first_lines_are_compared():
    before = "\n".join(f"x{i}" for i in range(MAX_LINES * 3))
    after = "\n".join(f"y{i}" for i in range(MAX_LINES * 3))
    rows = text_diff(before, after)
    assert sum(row.op == "removed" for row in rows) == MAX_LINES
    assert sum(row.op == "added" for row in rows) == MAX_LINES


def test_long_lines_are_cut():
    [row] = text_diff("", "x" * (MAX_LINE_CHARS * 10))
    assert row.op == "added"
    assert row.line == "x" * MAX_LINE_CHARS + "…"
