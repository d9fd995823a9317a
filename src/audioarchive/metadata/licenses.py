"""Links and short names for SPDX license ids, shared by tags, feed, pages and catalogue."""

from __future__ import annotations

import re
from typing import overload
from urllib.parse import quote

_CC = re.compile(r"CC-(BY(?:-NC)?(?:-ND|-SA)?)-(\d\.\d)", re.IGNORECASE)


@overload
def license_url(identifier: str) -> str: ...
@overload
def license_url(identifier: None) -> None: ...
@overload
def license_url(identifier: str | None) -> str | None: ...
def license_url(identifier: str | None) -> str | None:
    """The legal text of an SPDX license: Creative Commons' own deeds, else SPDX's page."""
    if not identifier:
        return None
    match = _CC.fullmatch(identifier)
    if match:
        return f"https://creativecommons.org/licenses/{match[1].lower()}/{match[2]}/"
    if identifier.upper() == "CC0-1.0":
        return "https://creativecommons.org/publicdomain/zero/1.0/"
    return f"https://spdx.org/licenses/{quote(identifier)}.html"


def license_name(identifier: str) -> str:
    """``CC BY-SA 4.0`` for ``CC-BY-SA-4.0``; other ids as they are."""
    if identifier.upper().startswith("CC-"):
        parts = identifier.split("-")
        return f"CC {'-'.join(parts[1:-1])} {parts[-1]}"
    return identifier
