"""The catalogue files, the sidecars, and list / show / search."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from audioarchive.errors import InputError
from audioarchive.inspect.browse import search_sessions, search_terms
from audioarchive.metadata.session import load_workspace
from tests.helpers import Ws, assert_never_named

DC_TERMS = (
    "title",
    "creator",
    "contributor",
    "date",
    "description",
    "subject",
    "coverage",
    "rights",
    "identifier",
    "format",
    "extent",
)


def _json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_public_catalogue_json_and_csv(built: Ws) -> None:
    feed = built.root / "feed"
    catalog = _json(feed / "catalog.json")
    assert [e["id"] for e in catalog["episodes"]] == [
        "2022-10-25-a",
        "2022-11-24-b",
        "2023-01-19-c",
    ]
    assert [u["id"] for u in catalog["upcoming"]] == ["2023-02-d"]
    first = catalog["episodes"][0]
    assert [s["name"] for s in first["speakers"]] == ["Clara Deville"]
    assert "publish_name" not in first["speakers"][0]
    (audio,) = first["audio"]
    mp3 = feed / audio["url"].removeprefix("http://localhost:8000/")
    assert (audio["size"], audio["sha256"]) == (mp3.stat().st_size, _sha(mp3))
    assert first["page_url"] == "http://localhost:8000/episodes/2022-10-25-a/index.html"
    assert [c["title"] for c in first["chapters"]] == ["Intro", "Guest"]
    assert first["license_url"] == "https://creativecommons.org/licenses/by-sa/4.0/"
    rows = list(csv.DictReader(io.StringIO((feed / "catalog.csv").read_text(encoding="utf-8"))))
    assert [r["id"] for r in rows] == ["2022-10-25-a", "2022-11-24-b", "2023-01-19-c"]
    assert rows[0]["speakers"] == "Clara Deville"
    assert rows[0]["audio_sha256"] == audio["sha256"]
    assert float(rows[0]["duration_seconds"]) == first["duration"]


def test_no_unpublishable_name_leaves_archive(built: Ws) -> None:
    """In feed/ (published) nothing names Habib; archive/ keeps the full record, flagged."""
    assert assert_never_named("Habib", (built.root / "feed").rglob("*")) > 10
    sidecar = _json(built.root / "archive" / "2022-10-25-a" / "2022-10-25-a.json")
    speakers = {s["name"]: s["publish_name"] for s in sidecar["record"]["speakers"]}
    assert speakers == {"Clara Deville": True, "Habib": False}
    assert sidecar["not_publishable"] == ["Habib"]
    assert sidecar["dcterms"]["contributor"] == [
        "Clara Deville (guest, sociologue)",
        "[name withheld] (guest)",
    ]
    master = built.root / "archive" / "2022-10-25-a" / "2022-10-25-a.flac"
    assert assert_never_named("Habib", [master]) == 1


def test_sidecar_has_dublin_core_and_the_checksum_of_every_file(built: Ws) -> None:
    path = built.sessions / "2022-10-25-a.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["venue"] = {
        "name": "Salle des fêtes",
        "address": "1 place de la Mairie",
        "geo": "48.85,2.35",
    }
    data["topics"] = ["non-recours"]
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert built.run("build").exit_code == 0
    archive = built.root / "archive"
    sidecar = _json(archive / "2022-10-25-a" / "2022-10-25-a.json")
    dcterms = sidecar["dcterms"]
    for term in DC_TERMS:
        assert dcterms[term], term
    assert dcterms["identifier"][0] == "2022-10-25-a"
    assert dcterms["format"] == ["audio/flac", "audio/mpeg"]
    assert dcterms["extent"][0].startswith("PT9")
    assert "(master" in dcterms["extent"][0]
    assert dcterms["coverage"] == "Salle des fêtes, 1 place de la Mairie (48.85, 2.35)"
    for entry in sidecar["files"]:
        path = built.root / entry["path"]
        assert (path.stat().st_size, _sha(path)) == (entry["size"], entry["sha256"]), entry
    roles = sorted({e["role"] for e in sidecar["files"]})
    assert roles == ["episode", "master", "record", "source"]
    record = sidecar["record"]
    assert record["loudness"]["output"]["integrated_lufs"] is not None
    assert record["processing"]["audioarchive"]
    assert record["durations"]["recording"] == pytest.approx(9.0, abs=0.01)
    assert record["redactions"] == [{"start": 6.0, "end": 7.0, "reason": "asked"}]
    assert (archive / "2022-10-25-a" / "2022-10-25-a.loudness.json").is_file()
    full = _json(archive / "catalog.json")
    assert [e["id"] for e in full["episodes"]] == ["2022-10-25-a", "2022-11-24-b", "2023-01-19-c"]
    assert full["private"] is True


def test_manifest_lists_every_archive_file_and_sha256sum_agrees(built: Ws) -> None:
    archive = built.root / "archive"
    lines = (archive / "manifest-sha256.txt").read_text().splitlines()
    listed = {line.split("  ", 1)[1]: line.split("  ", 1)[0] for line in lines}
    files = {
        p.relative_to(archive).as_posix()
        for p in archive.rglob("*")
        if p.is_file()
        and p.name != "manifest-sha256.txt"
        and not p.name.endswith(".events.jsonl")  # the fixity histories grow: not listed
    }
    assert set(listed) == files
    assert all(_sha(archive / path) == digest for path, digest in listed.items())
    assert lines == sorted(lines, key=lambda line: line.split("  ", 1)[1])
    if shutil.which("sha256sum"):
        subprocess.run(
            ["sha256sum", "--quiet", "-c", "manifest-sha256.txt"], cwd=archive, check=True
        )


def test_list_and_show(built: Ws) -> None:
    listed = json.loads(built.run("list", "--json").stdout)
    assert {r["status"] for r in listed} == {"built", "upcoming"}
    shown = built.run("show", "2022-10-25-a")
    assert shown.exit_code == 0
    assert "  publish_name: False" in shown.stdout  # the private view flags it
    assert "sidecar: archive/2022-10-25-a/2022-10-25-a.json" in shown.stdout
    assert "    published_start: 0:00:0" in shown.stdout  # times as clock times
    data = json.loads(built.run("show", "2022-10-25-a", "--json").stdout)
    assert data["master"]["sha256"] == _sha(built.root / data["master"]["path"])
    assert data["sources"][0]["path"] == "recordings/2022-10-25-a/ZOOM0001.WAV"
    assert data["chapters"][0]["published_start"] == 0.0  # as in the tags, even when trimmed
    upcoming = json.loads(built.run("show", "2023-02-d", "--json").stdout)
    assert upcoming["status"] == "upcoming"
    assert "files" not in upcoming


# --- search -------------------------------------------------------------------------------------


@pytest.fixture
def searchable(built: Ws) -> Ws:
    """Session b with accents in every searchable field, and a transcript."""
    folder = built.root / "recordings" / "2022-11-24-b"
    (folder / "transcript.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.500\n<v Nadia>Les CAF utilisent un score de risque.\n",
        encoding="utf-8",
    )
    built.write_session(
        "2022-11-24-b",
        title="Les conséquences de la Dématérialisation",
        date="2022-11-24T19:00:00+01:00",
        season=1,
        episode=2,
        description="Une soirée sur le *non-recours* aux droits.",
        speakers=[{"name": "Hélène Côté", "role": "guest", "affiliation": "Fédération CGT"}],
        topics=["travail social", "précarité"],
        venue={"name": "Maison des associations", "address": "12 rue Lépine, Évry"},
        chapters=[{"start": 0, "title": "Ouverture"}, {"start": 2, "title": "Débat général"}],
        resources=[{"title": "Rapport du Défenseur des droits", "url": "https://example.org/r"}],
        transcript="transcript.vtt",
    )
    return built


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("dematerialisation", "title"),
        ("DÉMATÉRIALISATION", "title"),
        ("non recours", "description"),
        ("helene cote", "speakers"),
        ("cgt", "speakers"),
        ("precarite", "topics"),
        ("evry", "venue"),
        ("debat", "chapters"),
        ("defenseur", "resources"),
        ("score de risque", "transcript"),
    ],
)
def test_search_every_field_ignoring_case_and_accents(
    searchable: Ws, query: str, field: str
) -> None:
    results = search_sessions(load_workspace(searchable.root), query)
    assert [r.id for r in results] == ["2022-11-24-b"]
    assert field in {h.field for h in results[0].hits}


def test_search_gives_times_on_the_published_episode(searchable: Ws) -> None:
    (result,) = search_sessions(load_workspace(searchable.root), "risque")
    (hit,) = result.hits
    assert hit.field == "transcript"
    assert hit.text == "Nadia: Les CAF utilisent un score de risque."
    assert hit.start == 1.0
    assert hit.published_start is not None  # built: mapped onto the published timeline


def test_search_needs_every_word_and_matches_word_starts(searchable: Ws) -> None:
    workspace = load_workspace(searchable.root)
    assert search_sessions(workspace, "dematerialisation evry")
    assert not search_sessions(workspace, "dematerialisation nowhere")
    assert not search_sessions(workspace, "recours nadia xyz")
    assert not search_sessions(workspace, "ateri")  # inside a word: no
    assert search_sessions(workspace, "demat")  # a word's beginning: yes
    assert search_terms("L'accès, Évry!") == ["l", "acces", "evry"]
    with pytest.raises(InputError, match="expected at least one word"):
        search_sessions(workspace, " ?! ")


def test_search_command(searchable: Ws) -> None:
    result = searchable.run("search", "dematerialisation")
    assert result.exit_code == 0
    assert result.stdout.splitlines()[0].startswith("2022-11-24-b\t2022-11-24\tLes conséquences")
    assert "  title: Les conséquences de la Dématérialisation" in result.stdout
    assert "1 session(s) found." in result.stderr
    data = json.loads(searchable.run("search", "score", "--json").stdout)
    assert data[0]["hits"][0]["field"] == "transcript"
    none = searchable.run("search", "nothing-like-this")
    assert none.exit_code == 0
    assert none.stdout == ""
    assert 'No session matches "nothing-like-this".' in none.stderr


def test_a_past_meeting_without_recording_is_unrecorded_not_upcoming(built: Ws) -> None:
    built.write_session("2023-03-e", date="2023-03-16T19:00:00+01:00", season=1, episode=5)
    built.write_session("2099-03-f", date="2099-03-19T19:00:00+01:00", season=1, episode=6)
    result = built.run("build")
    assert result.exit_code == 0, result.output
    assert (
        "2023-03-e: the meeting's date has passed and recordings/2023-03-e/ holds no recording"
        in result.stderr
    )
    assert "2099-03-f:" not in result.stderr
    statuses = {r["id"]: r["status"] for r in json.loads(built.run("list", "--json").stdout)}
    assert statuses["2023-03-e"] == "unrecorded"
    assert statuses["2099-03-f"] == "upcoming"
    assert statuses["2023-02-d"] == "upcoming"  # no date yet: still to come
    catalog = json.loads((built.root / "feed" / "catalog.json").read_text())
    assert [u["id"] for u in catalog["upcoming"]] == ["2099-03-f", "2023-02-d"]
    index = (built.root / "feed" / "index.html").read_text()
    assert 'id="upcoming-2099-03-f"' in index
    assert "2023-03-e" not in index
    assert "2023-03-e" not in (built.root / "feed" / "feed.xml").read_text()
