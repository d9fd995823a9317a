"""License links and names: one table for tags, feed, pages and catalogue."""

from __future__ import annotations

import pytest

from audioarchive.metadata.licenses import license_name, license_url


@pytest.mark.parametrize(
    ("identifier", "expected"),
    [
        ("CC-BY-4.0", "https://creativecommons.org/licenses/by/4.0/"),
        ("CC-BY-SA-4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
        ("cc-by-nc-nd-3.0", "https://creativecommons.org/licenses/by-nc-nd/3.0/"),
        ("CC0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/"),
        ("MIT", "https://spdx.org/licenses/MIT.html"),
        ("GPL-3.0-or-later", "https://spdx.org/licenses/GPL-3.0-or-later.html"),
        (None, None),
        ("", None),
    ],
)
def test_license_urls(identifier: str | None, expected: str | None) -> None:
    assert license_url(identifier) == expected


def test_license_names() -> None:
    assert license_name("CC-BY-SA-4.0") == "CC BY-SA 4.0"
    assert license_name("CC-BY-4.0") == "CC BY 4.0"
    assert license_name("MIT") == "MIT"
