"""Posters drawn by us: an SVG card from a film's title, year and genres (works offline).

Built with :mod:`xml.etree.ElementTree`, so a title is always text (``<script>&"`` comes out
escaped) and the document is well-formed XML. No style attributes and no script: only
presentation attributes, which the Content Security Policy allows.
"""

from __future__ import annotations

import hashlib
import textwrap
import xml.etree.ElementTree as ET

from reelmates.services.films_page import FilmCard

WIDTH, HEIGHT = 200, 300
SVG_NS = "http://www.w3.org/2000/svg"
LINE_CHARS, MAX_LINES = 14, 5

# One colour per genre (the first of a film's genres, alphabetically, decides).
GENRE_COLOURS = {
    "Action": "#9b2c2c",
    "Adventure": "#b7791f",
    "Animation": "#2b6cb0",
    "Children": "#38a169",
    "Comedy": "#d69e2e",
    "Crime": "#2d3748",
    "Documentary": "#4a5568",
    "Drama": "#6b46c1",
    "Fantasy": "#805ad5",
    "Film-Noir": "#1a202c",
    "Horror": "#63171b",
    "IMAX": "#2c5282",
    "Musical": "#b83280",
    "Mystery": "#44337a",
    "Romance": "#c53030",
    "Sci-Fi": "#2c7a7b",
    "Thriller": "#742a2a",
    "War": "#5f370e",
    "Western": "#975a16",
}
OTHER_COLOURS = ("#285e61", "#553c9a", "#744210", "#22543d", "#702459")


def genre_colour(genres: tuple[str, ...]) -> str:
    if not genres:
        return "#4a5568"
    first = sorted(genres)[0]
    known = GENRE_COLOURS.get(first)
    if known is not None:
        return known
    digest = hashlib.sha256(first.encode("utf-8")).digest()
    return OTHER_COLOURS[digest[0] % len(OTHER_COLOURS)]


def title_lines(title: str) -> list[str]:
    lines = textwrap.wrap(title, LINE_CHARS, break_long_words=True) or [""]
    if len(lines) > MAX_LINES:
        lines = lines[:MAX_LINES]
        lines[-1] = lines[-1][: LINE_CHARS - 1].rstrip() + "…"
    return lines


def poster_svg(film: FilmCard) -> str:
    """The poster as an SVG document (text)."""
    ET.register_namespace("", SVG_NS)
    label = film.title + (f" ({film.year})" if film.year else "")
    svg = ET.Element(
        f"{{{SVG_NS}}}svg",
        {
            "width": str(WIDTH),
            "height": str(HEIGHT),
            "viewBox": f"0 0 {WIDTH} {HEIGHT}",
            "role": "img",
            "aria-label": f"Poster: {label}",
        },
    )
    ET.SubElement(svg, f"{{{SVG_NS}}}title").text = label
    ET.SubElement(
        svg,
        f"{{{SVG_NS}}}rect",
        {"width": str(WIDTH), "height": str(HEIGHT), "fill": genre_colour(film.genres)},
    )
    ET.SubElement(
        svg,
        f"{{{SVG_NS}}}rect",
        {
            "x": "10",
            "y": "10",
            "width": str(WIDTH - 20),
            "height": str(HEIGHT - 20),
            "fill": "none",
            "stroke": "#ffffff",
            "stroke-opacity": "0.5",
        },
    )
    font = {"font-family": "system-ui, sans-serif", "fill": "#ffffff", "text-anchor": "middle"}
    text = ET.SubElement(
        svg, f"{{{SVG_NS}}}text", {**font, "x": str(WIDTH // 2), "font-size": "20"}
    )
    lines = title_lines(film.title)
    top = 120 - 12 * (len(lines) - 1)
    for i, line in enumerate(lines):
        span = ET.SubElement(
            text, f"{{{SVG_NS}}}tspan", {"x": str(WIDTH // 2), "y": str(top + 26 * i)}
        )
        span.text = line
    if film.year:
        year = ET.SubElement(
            svg,
            f"{{{SVG_NS}}}text",
            {**font, "x": str(WIDTH // 2), "y": "240", "font-size": "16"},
        )
        year.text = str(film.year)
    if film.genres:
        genres = ET.SubElement(
            svg,
            f"{{{SVG_NS}}}text",
            {
                **font,
                "x": str(WIDTH // 2),
                "y": "268",
                "font-size": "11",
                "fill-opacity": "0.85",
            },
        )
        genres.text = " · ".join(film.genres[:3])
    return ET.tostring(svg, encoding="unicode", xml_declaration=False)
