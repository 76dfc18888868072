"""Pinyin keys for finding people by how their name sounds: "zs" finds 张三, "zhangsan" too."""

from __future__ import annotations

import itertools

from pypinyin import Style, pinyin

MAX_VARIANTS = 8  # names with many heteronyms (单, 曾, 解…) get all readings, up to this many


def pinyin_keys(name: str) -> str:
    """Space-separated search keys: initials and full pinyin for each reading of the name.

    ``" zs zhangsan "`` — padded with spaces so that ``contains(" zs")`` matches a prefix of any key.
    """
    name = name.strip()
    if not name:
        return ""
    readings = pinyin(
        name, style=Style.NORMAL, heteronym=True, errors=lambda chars: [c.lower() for c in chars]
    )
    combos = itertools.islice(itertools.product(*[r[:3] for r in readings]), MAX_VARIANTS)
    keys: list[str] = []
    for combo in combos:
        syllables = [s.lower() for s in combo if s.strip()]
        for key in ("".join(s[0] for s in syllables), "".join(syllables)):
            if key and key not in keys:
                keys.append(key)
    return " " + " ".join(keys) + " "


def normalise_query(query: str) -> str:
    return "".join(query.lower().split())
