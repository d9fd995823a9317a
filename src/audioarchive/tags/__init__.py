"""Stage 2, tags: every output file tells its own story.

- :mod:`~audioarchive.tags.fields`: the tag table, one declaration per logical field with
  its ID3v2.3 frames, Vorbis comment keys and MP4 atoms (the idea of beets' mediafile);
- :mod:`~audioarchive.tags.tagset`: what a file's tags say (:func:`episode_tags` for the
  public MP3/Opus, :func:`master_tags` for the FLAC master, whose timeline is the raw
  recording);
- :mod:`~audioarchive.tags.write`: :func:`write_tags` writes a :class:`TagSet` with mutagen
  through the table: ID3v2.3 for MP3 with CHAP/CTOC chapters and an APIC cover, Vorbis
  comments for FLAC and Ogg, MP4 atoms for M4A;
- :mod:`~audioarchive.tags.read`: :func:`read_tags` reads the tags of any audio file, ours
  or not, for ``audioarchive tags``, naming our keys through the same table;
- :mod:`~audioarchive.tags.artwork`: the artwork check and conversions (Pillow);
- :mod:`~audioarchive.tags.audioformats`: formats in words, a WAV file's own chunks.

mutagen is used nowhere else.

Privacy: a speaker with ``publish_name: false`` is in no tag of any file, masters
included (masters may be shared with researchers); the private sidecar in ``archive/``
is the only place that names them.
"""

from __future__ import annotations

from audioarchive.tags.fields import FIELDS, FIELDS_REVISION, TagField
from audioarchive.tags.read import FileTags, PictureInfo, TagEntry, read_tags
from audioarchive.tags.tagset import (
    LOUDNESS_KEYS,
    ChapterMark,
    Cover,
    FileKind,
    TagSet,
    episode_tags,
    loudness_tags,
    master_tags,
)
from audioarchive.tags.write import vorbis_comments, write_tags

__all__ = [
    "FIELDS",
    "FIELDS_REVISION",
    "LOUDNESS_KEYS",
    "ChapterMark",
    "Cover",
    "FileKind",
    "FileTags",
    "PictureInfo",
    "TagEntry",
    "TagField",
    "TagSet",
    "episode_tags",
    "loudness_tags",
    "master_tags",
    "read_tags",
    "vorbis_comments",
    "write_tags",
]
