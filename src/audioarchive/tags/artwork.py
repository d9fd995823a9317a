"""Artwork: check the show's and the sessions' images; convert what can be converted.

Podcast apps (Apple's rules are the strictest) want a square JPEG or PNG image of
1400 to 3000 px, in RGB. :func:`prepare_artwork` returns the bytes that are published
in ``feed/images/`` and embedded in every tagged file:

- an image that already complies is used as it is, byte for byte (no re-encoding);
- one that is too large is scaled down to 3000 px; CMYK, greyscale, palette and
  transparent images become RGB (transparency over white); an EXIF rotation is
  applied; another format (WebP, GIF, TIFF…) becomes PNG. Conversions use fixed
  settings and keep no metadata, so the same input always gives the same bytes;
- an image that is not square, or smaller than 1400 px, is refused
  (:class:`ArtworkError`, exit 2), naming the file, the size found and what is
  expected: cropping or enlarging needs a human's eye.

The rule is written once, here (:func:`size_flaw`): ``build`` applies it to the source
images (:func:`prepare_artwork`), ``validate`` to the published ones
(:func:`artwork_problems`), and both read images the same way (:func:`image_info`).

Pillow is used only here.
"""

from __future__ import annotations

import functools
import hashlib
import io
import warnings
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Literal

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from audioarchive.errors import InputError, Problem
from audioarchive.metadata.session import Workspace

MIN_SIZE = 1400
MAX_SIZE = 3000
JPEG_QUALITY = 92
ImageFormat = Literal["JPEG", "PNG"]
EXPECTED = f"a square JPEG or PNG image of {MIN_SIZE} to {MAX_SIZE} px, in RGB"
_ORIENTATION = 0x0112


class ArtworkError(InputError):
    """An image that cannot be used as artwork, even after conversion."""


@dataclass(frozen=True)
class Artwork:
    """The image to publish and embed, and what was done to the source to get it."""

    source: Path
    data: bytes
    format: ImageFormat
    width: int
    height: int
    conversions: tuple[str, ...] = ()

    @property
    def mime(self) -> str:
        return "image/png" if self.format == "PNG" else "image/jpeg"

    @property
    def suffix(self) -> str:
        return ".png" if self.format == "PNG" else ".jpg"

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()

    @property
    def converted(self) -> bool:
        return bool(self.conversions)


@dataclass(frozen=True)
class ImageInfo:
    """What an image is, read from its header: for ``validate`` and ``audioarchive tags``."""

    format: str  # "png", "jpeg", "gif"... (Pillow's name in lower case)
    width: int
    height: int
    colours: str  # "rgb", "rgba", "palette", "grey", "cmyk" or "unknown"


class SizeFlaw(Enum):
    """How an image breaks the size rule of podcast directories."""

    NOT_SQUARE = "not square"
    TOO_SMALL = "too small"
    TOO_LARGE = "too large"


def size_flaw(width: int, height: int) -> SizeFlaw | None:
    """Apple's rule on the artwork's size: a square of MIN_SIZE to MAX_SIZE px."""
    if width != height:
        return SizeFlaw.NOT_SQUARE
    if width < MIN_SIZE:
        return SizeFlaw.TOO_SMALL
    if width > MAX_SIZE:
        return SizeFlaw.TOO_LARGE
    return None


def prepare_artwork(path: Path, label: str | None = None) -> Artwork:
    """The artwork made from ``path``; ``ArtworkError`` naming ``label`` when it cannot be used."""
    stat = path.stat()
    return _prepare(str(path), stat.st_size, stat.st_mtime_ns, label or path.name)


def check_artworks(workspace: Workspace) -> list[Problem]:
    """Problems with the show's artwork and every session's, each file checked once."""
    paths = workspace.paths
    owners: dict[Path, str] = {workspace.show.artwork: paths.rel(paths.podcast)}
    for session in workspace.sessions:
        if session.artwork is not None:
            owners.setdefault(session.artwork, paths.rel(session.source))
    problems = []
    for image, owner in owners.items():
        try:
            prepare_artwork(image, paths.rel(image))
        except ArtworkError as err:
            problems.append(Problem(owner, "artwork", err.message))
    return problems


_COLOURS = {
    "RGB": "rgb",
    "RGBA": "rgba",
    "P": "palette",
    "PA": "palette",
    "L": "grey",
    "LA": "grey",
    "1": "grey",
    "I": "grey",
    "I;16": "grey",
    "I;16B": "grey",
    "I;16L": "grey",
    "CMYK": "cmyk",
}
_SUFFIX_FORMATS = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}


def image_info(data: bytes) -> ImageInfo | None:
    """Format, size and colours of an image in memory; ``None`` when Pillow cannot read it."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with Image.open(io.BytesIO(data)) as image:
                return ImageInfo(
                    str(image.format).lower(),
                    image.width,
                    image.height,
                    _COLOURS.get(image.mode, "unknown"),
                )
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        return None


def artwork_problems(data: bytes, suffix: str) -> list[str]:
    """A published artwork against Apple's rules: JPEG or PNG named as such, RGB, square,
    MIN_SIZE to MAX_SIZE px (``validate``; nothing is converted)."""
    info = image_info(data)
    if info is None or info.format not in ("png", "jpeg"):
        return ["not a JPEG or PNG image; expected one (Apple Podcasts)"]
    problems = []
    if _SUFFIX_FORMATS.get(suffix.lower()) != info.format:
        problems.append(
            f"a {info.format.upper()} image named *{suffix}; expected the extension to match"
        )
    if size_flaw(info.width, info.height) is not None:
        problems.append(
            f"{info.width}x{info.height} px; expected a square of "
            f"{MIN_SIZE} to {MAX_SIZE} px (Apple Podcasts)"
        )
    if info.colours in ("grey", "cmyk", "unknown"):
        problems.append(f"{info.colours} colours; expected RGB (Apple Podcasts)")
    return problems


@functools.lru_cache(maxsize=32)
def _prepare(path_text: str, size: int, mtime_ns: int, label: str) -> Artwork:
    """Cached on the file's size and modification time: a build checks each image once."""
    del size, mtime_ns  # only part of the cache key
    path = Path(path_text)
    raw = path.read_bytes()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(raw)) as opened:
                opened.load()
                image = opened.copy()
                source_format = str(opened.format)
                icc = opened.info.get("icc_profile")
                transparent = "transparency" in opened.info
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ArtworkError(f"{label}: not an image Pillow can read; expected {EXPECTED}") from None
    except (OSError, ValueError, SyntaxError) as err:
        raise ArtworkError(f"{label}: a damaged image ({err}); expected {EXPECTED}") from err
    conversions: list[str] = []
    rgb_profile = icc if image.mode == "RGB" else None  # a CMYK profile means nothing after
    image = _apply_orientation(image, conversions)
    _check_shape(image, label)
    image = _to_rgb(image, icc, transparent, conversions)
    if size_flaw(image.width, image.height) is SizeFlaw.TOO_LARGE:
        conversions.append(f"scaled down from {image.width}x{image.height} px")
        image = image.resize((MAX_SIZE, MAX_SIZE), Image.Resampling.LANCZOS)
    if source_format not in ("JPEG", "PNG"):
        conversions.append(f"converted from {source_format} to PNG")
    if not conversions:
        fmt: ImageFormat = "PNG" if source_format == "PNG" else "JPEG"
        return Artwork(path, raw, fmt, image.width, image.height)
    fmt = "JPEG" if source_format == "JPEG" else "PNG"
    data = _encode(image, fmt, rgb_profile)
    return Artwork(path, data, fmt, image.width, image.height, tuple(conversions))


def _apply_orientation(image: Image.Image, conversions: list[str]) -> Image.Image:
    orientation = image.getexif().get(_ORIENTATION, 1)
    if orientation in (1, None):
        return image
    conversions.append(f"rotated as its EXIF orientation ({orientation}) says")
    return ImageOps.exif_transpose(image)


def _check_shape(image: Image.Image, label: str) -> None:
    found = f"{image.width}x{image.height} px"
    flaw = size_flaw(image.width, image.height)
    if flaw is SizeFlaw.NOT_SQUARE:
        raise ArtworkError(
            f"{label}: {found}, not square; expected {EXPECTED} "
            "(crop it to a square in an image editor)"
        )
    if flaw is SizeFlaw.TOO_SMALL:
        raise ArtworkError(
            f"{label}: {found}, too small; expected {EXPECTED} "
            f"(podcast directories refuse smaller artwork: export it at {MIN_SIZE} px or more)"
        )


def _to_rgb(
    image: Image.Image, icc: bytes | None, transparent: bool, conversions: list[str]
) -> Image.Image:
    mode = image.mode
    if mode == "RGB":
        return image
    if mode in ("RGBA", "LA", "PA", "La", "RGBa") or (mode == "P" and transparent):
        rgba = image.convert("RGBA")
        if rgba.getchannel("A").getextrema()[0] != 255:
            conversions.append(f"{mode} with transparency flattened over white to RGB")
        else:
            conversions.append(f"{mode} converted to RGB")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if mode == "CMYK" and icc:
        try:
            converted = ImageCms.profileToProfile(
                image,
                ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
        except (ImageCms.PyCMSError, OSError):
            converted = None
        if isinstance(converted, Image.Image):
            conversions.append("CMYK converted to RGB with its colour profile")
            return converted
    conversions.append(f"{mode} converted to RGB")
    return image.convert("RGB")


def _encode(image: Image.Image, fmt: ImageFormat, icc: bytes | None) -> bytes:
    """Fixed settings and no metadata but the RGB colour profile: same image, same bytes."""
    image = image.copy()
    image.info = {}
    extra = {"icc_profile": icc} if icc else {}
    buffer = io.BytesIO()
    if fmt == "PNG":
        image.save(buffer, "PNG", compress_level=9, **extra)
    else:
        image.save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True, subsampling=0, **extra)
    return buffer.getvalue()
