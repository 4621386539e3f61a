"""In a real browser (chromium): Jess and Milly are friends from the demo on; Jess
opens Milly's page from her friends list: the figure, the chart (an SVG image) and its tables
pass the axe audit, with no console error or CSP violation."""

from __future__ import annotations

import pytest
from live_browser import LivePage

from processes import ServedDemo

pytestmark = pytest.mark.browser


def test_jess_sees_how_her_taste_goes_with_millys(
    live_page: LivePage, live_demo: ServedDemo
) -> None:
    page = live_page.page
    live_page.log_in("Jess", live_demo.log_ins["Jess"])
    live_page.goto("/friends")
    page.get_by_role("link", name="Milly").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text().startswith("You and Milly")
    figure = page.locator("#compat-figure").inner_text()
    assert figure.endswith("%") and 0 <= int(figure[:-1]) <= 100
    chart = page.get_by_role("img", name="A bar chart of your and Milly")
    assert chart.evaluate("img => img.complete && img.naturalWidth > 0")
    assert page.get_by_role("table", name="By genre").is_visible()
    assert page.get_by_role("row", name="Horror").is_visible()
    live_page.visit("friend")
