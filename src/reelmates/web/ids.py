"""The one type of a row id a request sends (in a path, a query or a body): a whole number from
1 to 2**53 - 1. Larger numbers do not fit a database's 64-bit integer (SQLite raised
OverflowError, a 500); the bound is also what a JSON reader keeps exact, and the documented
range lets the OpenAPI document say so. Out of range: the usual 422 (404 for a page)."""

from __future__ import annotations

from typing import Annotated

from annotated_types import Ge, Le

MAX_ROW_ID = 2**53 - 1

RowId = Annotated[int, Ge(1), Le(MAX_ROW_ID)]
