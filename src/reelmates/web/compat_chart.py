"""The compatibility chart, drawn by us: two friends' mean predicted stars side by side, one pair
of bars per genre and per decade, as an SVG document.

Built with :mod:`xml.etree.ElementTree`, so names are always text (escaped) and the document is
well-formed. No style attributes and no script: presentation attributes only, which the Content
Security Policy allows. A ``<title>`` and a ``<desc>`` (every number in words) name it for
assistive technology; the page repeats the numbers in tables.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Sequence

from reelmates.together.compat import Agreement, Compatibility

SVG_NS = "http://www.w3.org/2000/svg"
WIDTH = 640
LABEL_X, BARS_X, BARS_W = 8, 124, 440  # 0–5 stars over BARS_W pixels
BAR_H, ROW_H, SECTION_H, TOP = 12, 34, 34, 44
MAX_STARS = 5.0
COLOURS = ("#8a2c4a", "#2b6cb0")  # the viewer, the friend
INK, MUTED, GRID, PAPER = "#1d1b26", "#5d5a66", "#d9d5cc", "#ffffff"
NAME_CHARS = 24


def _el(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    node = ET.SubElement(
        parent, f"{{{SVG_NS}}}{tag}", {k.replace("_", "-"): str(v) for k, v in attrs.items()}
    )
    if text is not None:
        node.text = text
    return node


def _short(name: str) -> str:
    return name if len(name) <= NAME_CHARS else name[: NAME_CHARS - 1] + "…"


def _stars(value: float) -> str:
    return f"{value:.1f}★"


def describe(names: tuple[str, str], result: Compatibility) -> str:
    """Every number of the chart in words (its ``<desc>``)."""
    parts = []
    for heading, rows in (("By genre", result.genres), ("By decade", result.decades)):
        if rows:
            said = "; ".join(
                f"{g.label}: {names[0]} {_stars(g.stars[0])}, {names[1]} {_stars(g.stars[1])}"
                for g in rows
            )
            parts.append(f"{heading}: {said}.")
    return " ".join(parts) or "Too few films to compare by genre or decade."


def chart_svg(names: tuple[str, str], result: Compatibility) -> str:
    """The chart for ``names`` (the viewer first) as an SVG document (text)."""
    ET.register_namespace("", SVG_NS)
    sections: list[tuple[str, Sequence[Agreement]]] = [
        (h, rows)
        for h, rows in (("By genre", result.genres), ("By decade", result.decades))
        if rows
    ]
    height = TOP + sum(SECTION_H + ROW_H * len(rows) for _, rows in sections) + 24
    svg = ET.Element(
        f"{{{SVG_NS}}}svg",
        {
            "width": str(WIDTH),
            "height": str(height),
            "viewBox": f"0 0 {WIDTH} {height}",
            "role": "img",
            "aria-labelledby": "chart-title chart-desc",
            "font-family": "system-ui, sans-serif",
            "font-size": "13",
        },
    )
    title = f"{names[0]} and {names[1]}: mean predicted stars by genre and by decade"
    _el(svg, "title", title, id="chart-title")
    _el(svg, "desc", describe(names, result), id="chart-desc")
    _el(svg, "rect", x=0, y=0, width=WIDTH, height=height, fill=PAPER)
    for n, (name, colour) in enumerate(zip(names, COLOURS, strict=True)):
        x = BARS_X + n * 220
        _el(svg, "rect", x=x, y=14, width=14, height=14, fill=colour)
        _el(svg, "text", _short(name), x=x + 20, y=26, fill=INK)
    y = TOP
    for heading, rows in sections:
        _el(svg, "text", heading, x=LABEL_X, y=y + 20, fill=INK, font_weight="bold")
        top = y + SECTION_H - 6
        bottom = top + ROW_H * len(rows)
        for star in range(int(MAX_STARS) + 1):
            gx = BARS_X + BARS_W * star / MAX_STARS
            _el(svg, "line", x1=gx, y1=top, x2=gx, y2=bottom, stroke=GRID, stroke_width=1)
            _el(
                svg,
                "text",
                f"{star}★",
                x=gx,
                y=top - 2,
                fill=MUTED,
                text_anchor="middle",
                font_size=10,
            )
        y += SECTION_H
        for row in rows:
            _el(svg, "text", row.label, x=LABEL_X, y=y + BAR_H + 4, fill=INK)
            for n, (value, colour) in enumerate(zip(row.stars, COLOURS, strict=True)):
                by = y + n * (BAR_H + 2)
                width = round(BARS_W * max(0.0, min(value, MAX_STARS)) / MAX_STARS, 1)
                _el(svg, "rect", x=BARS_X, y=by, width=width, height=BAR_H, fill=colour)
                _el(
                    svg,
                    "text",
                    _stars(value),
                    x=BARS_X + width + 4,
                    y=by + BAR_H - 2,
                    fill=INK,
                    font_size=11,
                )
            y += ROW_H
    return ET.tostring(svg, encoding="unicode", xml_declaration=False)
