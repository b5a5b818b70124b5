"""Saved pages (hand-made copies of public markup, see pages/README.md) for the parser tests."""

from pathlib import Path

import pytest

PAGES = Path(__file__).parent / "pages"


def saved(name: str) -> bytes:
    return (PAGES / name).read_bytes()


@pytest.fixture
def page_bytes():
    return saved
