"""Artwork: what passes as it is, what is converted (deterministically), what is refused."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import yaml
from mutagen.id3 import ID3
from PIL import Image, ImageDraw

from audioarchive.metadata.episode import load_record
from audioarchive.tags.artwork import ArtworkError, _prepare, artwork_problems, prepare_artwork
from tests.helpers import PACKAGE_ARTWORK, Ws

COLOURS: dict[str, int | tuple[int, ...]] = {
    "RGB": (200, 40, 40),
    "RGBA": (200, 40, 40, 128),
    "CMYK": (0, 80, 80, 10),
}


def _image(path: Path, size: tuple[int, int], mode: str = "RGB", fmt: str = "PNG") -> Path:
    """A plain image with a rectangle in another colour (a palette or grey one when asked)."""
    image = Image.new(mode, size, COLOURS.get(mode, 1))
    ImageDraw.Draw(image).rectangle((10, 10, size[0] // 2, size[1] // 3), fill=0)
    image.save(path, fmt)
    return path


def _open(data: bytes) -> Image.Image:
    return Image.open(io.BytesIO(data))


def test_a_compliant_image_is_used_byte_for_byte() -> None:
    artwork = prepare_artwork(PACKAGE_ARTWORK)
    assert artwork.data == PACKAGE_ARTWORK.read_bytes()
    assert (artwork.format, artwork.width, artwork.conversions) == ("PNG", 1400, ())


def test_a_too_large_image_is_scaled_down_deterministically(tmp_path: Path) -> None:
    source = _image(tmp_path / "big.png", (3200, 3200))
    first = prepare_artwork(source)
    _prepare.cache_clear()
    again = prepare_artwork(source)
    assert first.data == again.data
    assert first.conversions == ("scaled down from 3200x3200 px",)
    with _open(first.data) as image:
        assert (image.format, image.size, image.mode) == ("PNG", (3000, 3000), "RGB")


@pytest.mark.parametrize(
    ("mode", "fmt", "expected_format", "note"),
    [
        ("CMYK", "JPEG", "JPEG", "CMYK converted to RGB"),
        ("RGBA", "PNG", "PNG", "RGBA with transparency flattened over white to RGB"),
        ("P", "PNG", "PNG", "P converted to RGB"),
        ("L", "PNG", "PNG", "L converted to RGB"),
        ("RGB", "WEBP", "PNG", "converted from WEBP to PNG"),
    ],
)
def test_other_modes_and_formats_become_rgb_jpeg_or_png(
    tmp_path: Path, mode: str, fmt: str, expected_format: str, note: str
) -> None:
    source = _image(tmp_path / f"art-{mode}.png", (1400, 1400), mode, fmt)
    artwork = prepare_artwork(source)
    assert note in artwork.conversions
    assert artwork.format == expected_format
    with _open(artwork.data) as image:
        assert (image.format, image.mode, image.size) == (expected_format, "RGB", (1400, 1400))


def test_a_transparent_corner_becomes_white(tmp_path: Path) -> None:
    source = tmp_path / "transparent.png"
    image = Image.new("RGBA", (1400, 1400), (0, 0, 0, 0))
    image.save(source)
    with _open(prepare_artwork(source).data) as converted:
        assert converted.getpixel((0, 0)) == (255, 255, 255)


def test_a_rectangle_is_refused_naming_the_file_the_size_and_what_is_expected(
    tmp_path: Path,
) -> None:
    source = _image(tmp_path / "wide.jpg", (1600, 1400), fmt="JPEG")
    with pytest.raises(ArtworkError) as caught:
        prepare_artwork(source, "metadata/wide.jpg")
    assert caught.value.message == (
        "metadata/wide.jpg: 1600x1400 px, not square; expected a square JPEG or PNG image of "
        "1400 to 3000 px, in RGB (crop it to a square in an image editor)"
    )
    assert caught.value.exit_code == 2


def test_too_small_and_not_an_image_are_refused(tmp_path: Path) -> None:
    small = _image(tmp_path / "small.png", (800, 800))
    with pytest.raises(ArtworkError, match=r"small.png: 800x800 px, too small; expected"):
        prepare_artwork(small)
    fake = tmp_path / "fake.png"
    fake.write_text("not an image")
    with pytest.raises(ArtworkError, match=r"fake.png: not an image Pillow can read"):
        prepare_artwork(fake)


@pytest.mark.parametrize(
    ("size", "mode", "fmt"),
    [
        ((1400, 1400), "RGB", "PNG"),
        ((3200, 3200), "RGB", "JPEG"),
        ((1500, 1500), "CMYK", "JPEG"),
        ((1500, 1500), "L", "WEBP"),
        ((1399, 1399), "RGB", "PNG"),
        ((1500, 1400), "RGB", "JPEG"),
    ],
)
def test_build_and_validate_apply_one_rule(
    tmp_path: Path, size: tuple[int, int], mode: str, fmt: str
) -> None:
    """What build publishes, validate accepts; what build refuses, validate flags too."""
    source = _image(tmp_path / f"art.{fmt.lower()}", size, mode, fmt)
    try:
        artwork = prepare_artwork(source)
    except ArtworkError:
        assert artwork_problems(source.read_bytes(), source.suffix) != []
    else:
        assert artwork_problems(artwork.data, artwork.suffix) == []


def test_build_refuses_a_rectangular_show_artwork_before_any_work(built: Ws) -> None:
    _image(built.root / "metadata" / "artwork.png", (1500, 1400))
    result = built.run("build")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "Error: 1 problem found:\n  metadata/podcast.yaml: artwork: metadata/artwork.png: "
        "1500x1400 px, not square; expected a square JPEG or PNG image"
    )


def test_a_large_session_artwork_is_converted_for_the_feed_and_the_tags(built: Ws) -> None:
    _image(built.root / "metadata" / "cover-b.png", (3100, 3100), "RGBA")
    path = built.sessions / "2022-11-24-b.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["artwork"] = "cover-b.png"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = built.run("build")
    assert result.exit_code == 0, result.output
    assert "2022-11-24-b  re-tagged" in result.stdout
    (image,) = (built.root / "feed" / "images").glob("2022-11-24-b-*.png")
    with Image.open(image) as published:
        assert (published.size, published.mode) == ((3000, 3000), "RGB")
    record = load_record(built.root / ".audioarchive", "2022-11-24-b")
    assert record is not None
    (apic,) = ID3(built.root / "feed" / record.media[0].path).getall("APIC")
    assert apic.data == image.read_bytes()
