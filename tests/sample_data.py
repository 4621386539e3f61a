"""Tiny hand-written datasets (MovieLens layouts) that tests write as folders or zips.

Shared by the importer tests and the service tests; none of it comes from MovieLens itself.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

Files = dict[str, str | bytes]

_FLAGS = {  # u.item genre flags: unknown, Action, ..., Western (19)
    "animation_comedy": "0|0|0|1|1|1|0|0|0|0|0|0|0|0|0|0|0|0|0",
    "drama": "0|0|0|0|0|0|0|0|1|0|0|0|0|0|0|0|0|0|0",
    "unknown": "1|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0|0",
}

ML100K_FILES: Files = {
    "u.item": (
        "1|Toy Story (1995)|01-Jan-1995||http://us.imdb.com/x|" + _FLAGS["animation_comedy"] + "\n"
        "2|Cité des enfants perdus, La (1995)|01-Jan-1995||http://x|" + _FLAGS["drama"] + "\n"
        "3|Chasing Amy (1997)|01-Jan-1997||http://x|" + _FLAGS["drama"] + "\n"
        "267|unknown||||" + _FLAGS["unknown"] + "\n"
        "4|Chasing Amy (1997)|01-Jan-1997||http://x|" + _FLAGS["drama"] + "\n"
    ).encode("latin-1"),
    "u.data": (
        "196\t1\t3\t881250949\n"
        "186\t2\t5\t891717742\n"
        "22\t267\t1\t878887116\n"
        "22\t3\t4\t878887117\n"
        "244\t4\t2\t880606923\n"
    ),
    "u.genre": "unknown|0\nAction|1\n",
}

ML1M_FILES: Files = {
    "movies.dat": (
        "1::Toy Story (1995)::Animation|Children's|Comedy\n"
        "29::City of Lost Children, The (Cité des enfants perdus, La) (1995)::Adventure|Sci-Fi\n"
    ).encode("latin-1"),
    "ratings.dat": "1::1::5::978824268\n1::29::4::978824291\n2::29::3::978300760\n",
}

CSV_FILES: Files = {
    "movies.csv": (
        "movieId,title,genres\n"
        "1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n"
        '29,"City of Lost Children, The (Cité des enfants perdus, La) (1995)",Drama|IMAX\n'
        '858,"Godfather, The (1972)",Crime|Drama\n'
        "209163,Bad Poems (2018),(no genres listed)\n"
    ),
    "links.csv": (
        "movieId,imdbId,tmdbId\n1,0114709,862\n29,0112682,902\n858,0068646,238\n209163,6755366,\n"
    ),
    "ratings.csv": (
        "userId,movieId,rating,timestamp\n"
        "1,1,4.0,964982703\n"
        "1,29,3.5,964981247\n"
        "2,858,0.5,1445714835\n"
        "2,209163,5.0,1445714885\n"
    ),
}


def write_folder(folder: Path, files: Files) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        data = content.encode("utf-8") if isinstance(content, str) else content
        (folder / name).write_bytes(data)
    return folder


def write_zip(path: Path, files: Files, top: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        if top:
            archive.writestr(f"{top}/", "")
        for name, content in files.items():
            archive.writestr(f"{top}/{name}" if top else name, content)
    return path
