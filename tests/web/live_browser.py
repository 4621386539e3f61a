"""Browser tests: Debian's chromium driven by Playwright against ``reelmates demo`` served as a real
process (one per test module), with pages that fail the test on any console error or CSP violation,
an axe audit, and screenshots of each page at desktop width and at 390 px.

The fixtures are made available to every test under tests/web by tests/web/conftest.py. A module
serves under a root path by setting ``ROOT_PATH = "/reelmates"``. Mark the tests
``@pytest.mark.browser``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from processes import ServedDemo, served_demo

if TYPE_CHECKING:
    from playwright.sync_api import Browser, ConsoleMessage, Error, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"  # ignored by git
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
BLOCKING_IMPACTS = ("serious", "critical")
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass
class LivePage:
    """A Playwright page on the served demo that records every console error, uncaught exception
    and CSP violation (chromium reports those as console errors); :meth:`assert_clean` fails the
    test on any, and the fixture calls it after every test."""

    page: Page
    base_url: str  # with the root path, no trailing slash
    shot_prefix: str
    problems: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.page.on("console", self._console)
        self.page.on("pageerror", self._page_error)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            source = message.location.get("url") or "?"
            self.problems.append(f"console error on {self.page.url} ({source}): {message.text}")

    def _page_error(self, error: Error) -> None:
        self.problems.append(f"uncaught exception on {self.page.url}: {error}")

    def url(self, path: str) -> str:
        """The absolute address of ``path`` (written from the app's root, e.g. ``/login``)."""
        return self.base_url + path

    def goto(self, path: str) -> None:
        response = self.page.goto(self.url(path))
        assert response is not None and response.ok, f"{path}: {response and response.status}"
        self.assert_clean()

    def assert_clean(self) -> None:
        problems = list(self.problems)
        self.problems.clear()
        assert not problems, "\n".join(problems)

    def forgive(self, pattern: str) -> int:
        """Drop the recorded problems matching ``pattern`` (an error answer the test asked for,
        which chromium logs as a console error); how many were dropped."""
        kept = [p for p in self.problems if not re.search(pattern, p)]
        dropped = len(self.problems) - len(kept)
        self.problems[:] = kept
        return dropped

    def screenshots(self, name: str) -> list[Path]:
        """The whole page at desktop width and at 390 px, into ``screenshots/``."""
        SCREENSHOTS.mkdir(exist_ok=True)
        taken = []
        stem = _UNSAFE_NAME.sub("-", f"{self.shot_prefix}{name}")
        for label, size in (("desktop", DESKTOP), ("390px", PHONE)):
            self.page.set_viewport_size(size)
            path = SCREENSHOTS / f"{stem}-{label}.png"
            self.page.screenshot(path=str(path), full_page=True)
            taken.append(path)
        self.page.set_viewport_size(DESKTOP)
        return taken

    def audit(self, name: str) -> list[dict[str, Any]]:
        """Run axe-core on the page as it is, in the light and the dark colour scheme; fail on any
        serious or critical violation. Every violation found (of any impact) is saved beside the
        screenshots and returned."""
        from axe_playwright_python.sync_playwright import Axe

        axe = Axe()
        violations: list[dict[str, Any]] = []
        for scheme in ("light", "dark"):
            self.page.emulate_media(color_scheme=scheme)  # type: ignore[arg-type]
            response = axe.run(self.page).response
            assert response["passes"], "axe checked nothing: did it run?"
            violations += [v | {"scheme": scheme} for v in response["violations"]]
        self.page.emulate_media(color_scheme="light")
        SCREENSHOTS.mkdir(exist_ok=True)
        stem = _UNSAFE_NAME.sub("-", f"{self.shot_prefix}{name}")
        (SCREENSHOTS / f"{stem}-axe.json").write_text(json.dumps(violations, indent=2))
        blocking = [v for v in violations if v.get("impact") in BLOCKING_IMPACTS]
        assert not blocking, (
            "axe found on "
            + self.page.url
            + ":\n"
            + "\n".join(
                f"- {v['impact']} {v['id']} ({v['scheme']}): {v['help']} — "
                + ", ".join(str(node["target"]) for node in v["nodes"])
                for v in blocking
            )
        )
        self.assert_clean()
        return violations

    def visit(self, name: str) -> list[dict[str, Any]]:
        """The checks every main page gets: clean console, axe audit, both screenshots."""
        self.assert_clean()
        violations = self.audit(name)
        self.screenshots(name)
        return violations

    def log_in(self, handle: str, password: str, *, refused: bool = False) -> None:
        """Through the real form, by keyboard: type into the fields, press Enter. ``refused``: the
        log-in is meant to fail (its 401 answer is not a problem of the page)."""
        self.goto("/login")
        self.page.get_by_label("Handle").fill(handle)
        self.page.get_by_label("Password").fill(password)
        with self.page.expect_navigation():
            self.page.get_by_label("Password").press("Enter")
        if refused:
            assert self.forgive(r"/login\): Failed to load resource: .* status of 401") == 1
        self.assert_clean()


@pytest.fixture(scope="module")
def live_demo(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedDemo]:
    """``reelmates demo`` serving on a free port in a fresh home (seeded catalog, a model, the
    demo friends' accounts: ``live_demo.log_ins``); one per test module, stopped with Ctrl-C."""
    root_path: str = getattr(request.module, "ROOT_PATH", "")
    home = tmp_path_factory.mktemp("browser-home")
    with served_demo(home, root_path=root_path) as served:
        yield served


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    """Debian's chromium, headless (never Playwright's own download)."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install it with `apt-get install -y chromium`")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


@pytest.fixture
def live_page(
    request: pytest.FixtureRequest, chromium: Browser, live_demo: ServedDemo
) -> Iterator[LivePage]:
    """A fresh browser context (no cookies) and page on the served demo; the test fails on any
    console error or CSP violation it leaves behind."""
    context = chromium.new_context(viewport=DESKTOP)  # type: ignore[arg-type]
    root = getattr(request.module, "ROOT_PATH", "")
    live = LivePage(context.new_page(), live_demo.base_url, "rootpath-" if root else "")
    try:
        yield live
        live.assert_clean()
    finally:
        context.close()
