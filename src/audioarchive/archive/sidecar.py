"""The private record of each episode, written into ``archive/`` beside its master.

``archive/`` after a build::

    <id>/<id>.flac              the master (written by the pipeline)
    <id>/<id>.json              the sidecar: Dublin Core terms + the full record
    <id>/<id>.loudness.json     the loudness report of the audio stage
    <id>/<id>.transcript.vtt    a copy of the session's transcript (raw timeline = master's)
    catalog.json                every episode's full record, and the upcoming sessions
    manifest-sha256.txt         the SHA-256 of every file above (BagIt manifest format)

Everything here is private: the sidecars name every speaker, with ``publish_name`` as
a flag; the Dublin Core block names only the publishable ones, so that it can be
copied into a public catalogue as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from audioarchive._version import __version__
from audioarchive.archive.fixity import MANIFEST, archive_entries, render_manifest
from audioarchive.common.formats import iso_duration
from audioarchive.common.jsontext import dumps_indented
from audioarchive.common.text import markdown_to_text, sha256_bytes
from audioarchive.metadata.episode import Episode, Publication
from audioarchive.metadata.licenses import license_url
from audioarchive.metadata.session import Session
from audioarchive.render.catalogue import CATALOG_VERSION, full_entry

SIDECAR_VERSION = 1
DCTERMS = "http://purl.org/dc/terms/"
WITHHELD = "[name withheld]"


def render_archive_files(publication: Publication, archive: Path | None = None) -> dict[str, bytes]:
    """Files of ``archive/`` besides the masters, keyed by their path in it.

    ``archive`` is the folder itself, read for the previous manifest only (entries of
    files that are still there but no longer generated are kept).
    """
    files: dict[str, bytes] = {}
    for episode in publication.episodes:
        files.update(render_episode_archive(episode, publication))
    files["catalog.json"] = render_archive_catalog(publication)
    digests = {path: sha256_bytes(data) for path, data in files.items()}
    files[MANIFEST] = render_archive_manifest(publication, archive, digests)
    return files


def render_episode_archive(episode: Episode, publication: Publication) -> dict[str, bytes]:
    """An episode's own files in ``archive/`` (loudness report, transcript copy, sidecar),
    made from the episode, the show and the settings only."""
    folder = f"{episode.id}/{episode.id}"
    own = {f"{folder}.loudness.json": _json(episode.record.loudness, sort_keys=True)}
    transcript = episode.session.transcript
    if transcript is not None and transcript.is_file():
        own[f"{folder}.transcript{transcript.suffix.lower()}"] = transcript.read_bytes()
    return {**own, f"{folder}.json": _json(sidecar(episode, publication, own))}


def render_archive_catalog(publication: Publication) -> bytes:
    """``catalog.json`` of ``archive/``: every episode's full record (:func:`archive_catalog`)."""
    return _json(archive_catalog(publication))


def render_archive_manifest(
    publication: Publication, archive: Path | None, generated: dict[str, str]
) -> bytes:
    """The manifest of ``archive/``: ``generated`` (path → SHA-256 of every other file the
    build writes there), the masters as recorded, and the previous manifest's entries of
    files still there but no longer generated (``archive``: the folder, read for them)."""
    digests = dict(generated)
    for episode in publication.episodes:
        for master in (episode.record.master, episode.record.preservation):
            if master is not None:
                digests[master.path] = master.sha256  # as recorded when written, never re-hashed
    return render_manifest(archive_entries(archive, digests))


def sidecar(
    episode: Episode, publication: Publication, own_files: dict[str, bytes]
) -> dict[str, Any]:
    """The sidecar of one episode: Dublin Core terms, then the full private record."""
    record = full_entry(publication.show, episode.session, episode.record, publication.site)
    files = []
    if episode.record.master is not None:
        master = episode.record.master
        files.append(_file("master", f"archive/{master.path}", master.size, master.sha256))
    if episode.record.preservation is not None:
        bwf = episode.record.preservation
        files.append(_file("master", f"archive/{bwf.path}", bwf.size, bwf.sha256))
    for media in episode.record.media:
        files.append(_file("episode", f"feed/{media.path}", media.size, media.sha256))
    for path, data in sorted(own_files.items()):
        files.append(_file("record", f"archive/{path}", len(data), sha256_bytes(data)))
    for source in episode.record.sources:
        files.append(
            _file("source", f"recordings/{episode.id}/{source.name}", source.size, source.sha256)
        )
    return {
        "sidecar_version": SIDECAR_VERSION,
        "generator": f"audioarchive {__version__}",
        "dcterms_namespace": DCTERMS,
        "dcterms": dublin_core(episode, publication),
        "not_publishable": [s.name for s in episode.session.speakers if not s.publish_name],
        "files": files,
        "record": record,
    }


def dublin_core(episode: Episode, publication: Publication) -> dict[str, Any]:
    """The DCMI terms of an episode. Speakers who may not be named are withheld here."""
    session, show = episode.session, publication.show
    record = episode.record
    license_ = session.license or show.license
    rights = [x for x in (license_, license_url(license_), show.copyright) if x]
    formats = sorted({m.media_type for m in record.media} | _master_type(episode))
    extent = [f"{iso_duration(episode.duration, millis=True)} (published episode)"]
    if record.sources:
        recording = sum(s.duration for s in record.sources)
        extent.insert(0, f"{iso_duration(recording, millis=True)} (master: the whole recording)")
    season = show.seasons.get(session.season) if session.season is not None else None
    return {
        "title": session.title,
        "creator": [show.author],
        "contributor": [
            _contributor(s.name, s.role, s.affiliation, s.publish_name) for s in session.speakers
        ],
        "publisher": show.owner.name,
        "date": session.date.isoformat() if session.date else None,
        "description": markdown_to_text(session.description),
        "subject": list(session.topics),
        "coverage": _coverage(session),
        "rights": "; ".join(rights) or None,
        "license": license_url(license_) or license_,
        "identifier": [session.id, publication.url(episode.page_path)],
        "format": formats,
        "extent": extent,
        "language": show.language,
        "type": "Sound",
        "isPartOf": " — ".join(x for x in (show.title, season) if x),
        "references": [r.url for r in session.resources],
        "source": [s.name for s in record.sources],
    }


def archive_catalog(publication: Publication) -> dict[str, Any]:
    """Every built episode's full record, and the sessions to come."""
    show = publication.show
    return {
        "catalog_version": CATALOG_VERSION,
        "private": True,
        "show": {
            "title": show.title,
            "author": show.author,
            "owner": {"name": show.owner.name, "email": show.owner.email},
            "language": show.language,
            "license": show.license,
            "copyright": show.copyright,
            "feed_url": publication.site.feed_url,
        },
        "episodes": [
            full_entry(show, e.session, e.record, publication.site) for e in publication.episodes
        ],
        "upcoming": [full_entry(show, s, None, publication.site) for s in publication.upcoming],
    }


def _contributor(name: str, role: str, affiliation: str | None, publish: bool) -> str:
    details = ", ".join(x for x in (role, affiliation) if x)
    return f"{name if publish else WITHHELD} ({details})" if details else name


def _coverage(session: Session) -> str | None:
    venue = session.venue
    if venue is None:
        return None
    place = ", ".join(x for x in (venue.name, venue.address) if x)
    return f"{place} ({venue.geo[0]}, {venue.geo[1]})" if venue.geo else place


def _master_type(episode: Episode) -> set[str]:
    master = episode.record.master
    return {master.media_type} if master is not None else set()


def _file(role: str, path: str, size: int, digest: str) -> dict[str, Any]:
    return {"role": role, "path": path, "size": size, "sha256": digest}


def _json(data: Any, *, sort_keys: bool = False) -> bytes:
    return (dumps_indented(data, sort_keys=sort_keys) + "\n").encode("utf-8")
