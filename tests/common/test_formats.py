"""The one formatter of each time, duration and map link shared by the outputs."""

from __future__ import annotations

from audioarchive.common.formats import clock_time, coordinate, iso_duration, map_link


def test_clock_time_in_both_separators_and_never_negative() -> None:
    assert clock_time(3725.2504) == "01:02:05.250"
    assert clock_time(3725.2504, ",") == "01:02:05,250"
    assert clock_time(-0.4) == "00:00:00.000"


def test_iso_duration_to_the_second_or_the_millisecond() -> None:
    assert iso_duration(3725.5) == "PT1H2M6S"
    assert iso_duration(3725.5, millis=True) == "PT1H2M5.5S"
    assert iso_duration(3600) == "PT1H"
    assert iso_duration(0, millis=True) == "PT0S"


def test_one_map_link_for_feed_and_pages() -> None:
    assert coordinate(48.8697004) == "48.8697"
    assert map_link(48.86970, -2.5) == (
        "https://www.openstreetmap.org/?mlat=48.8697&mlon=-2.5#map=18/48.8697/-2.5"
    )
