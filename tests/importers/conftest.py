"""Tiny hand-written datasets for the importer tests, written as folders or zips."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from sample_data import CSV_FILES, ML1M_FILES, ML100K_FILES, Files, write_folder, write_zip


@pytest.fixture
def dataset(tmp_path: Path) -> Callable[[Files, str, str | None], Path]:
    """``dataset(files, "dir"|"zip", top)``: the files as a folder or a zip (with a top folder)."""

    def make(files: Files, form: str = "dir", top: str | None = None) -> Path:
        if form == "dir":
            return write_folder(tmp_path / (top or "data"), files)
        return write_zip(tmp_path / f"{top or 'data'}.zip", files, top)

    return make


@pytest.fixture
def ml100k_files() -> Files:
    return dict(ML100K_FILES)


@pytest.fixture
def ml1m_files() -> Files:
    return dict(ML1M_FILES)


@pytest.fixture
def csv_files() -> Files:
    return dict(CSV_FILES)
