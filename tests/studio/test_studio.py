"""The studio over real HTTP (uvicorn on 127.0.0.1): safety rules, session files, uploads, marks."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import re
import subprocess
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import html5lib
import pytest
import yaml

from audioarchive.errors import InputError
from audioarchive.metadata.session import Redaction, Trim, load_workspace
from audioarchive.studio.app import COOKIE, StudioConfig
from audioarchive.studio.server import StudioServer, StudioThread, check_host, free_port
from tests.helpers import make_tone, new_workspace, run_cli

TOKEN = "test-token-0123456789"  # noqa: S105 (the test server's token)
LIMIT = 3 << 20

SESSION_TEXT = """\
# Our meeting of March: check the speakers' names with Clara.
id: {id}
title: "Rencontre : le non-recours"   # as announced on the poster
date: 2023-03-16T19:00:00+01:00

description: |
  Avec *Clara Deville*.
speakers:
  - name: Clara Deville   # sociologue
    role: guest
topics: [droits, numérique]
"""


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str]

    def json(self) -> dict[str, object]:
        data = json.loads(self.body)
        assert isinstance(data, dict)
        return data


@dataclass
class Client:
    origin: str
    csrf: str
    root: Path

    def send(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        *,
        token: bool = True,
        csrf: bool = True,
        headers: dict[str, str] | None = None,
    ) -> Response:
        request = urllib.request.Request(self.origin + path, data=body, method=method)  # noqa: S310
        if token:
            request.add_header("Cookie", f"{COOKIE}={TOKEN}")
        if csrf and method not in ("GET", "HEAD"):
            request.add_header("X-CSRF-Token", self.csrf)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=60) as answer:  # noqa: S310
                return Response(answer.status, answer.read(), dict(answer.headers))
        except urllib.error.HTTPError as err:
            return Response(err.code, err.read(), dict(err.headers))

    def post_form(self, path: str, fields: dict[str, str], **kwargs: bool) -> Response:
        return self.send(
            "POST",
            path,
            urlencode(fields).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            **kwargs,
        )

    def upload(self, session: str, name: str, data: bytes, **kwargs: bool) -> Response:
        return self.send(
            "PUT",
            f"/sessions/{session}/upload",
            data,
            headers={"X-File-Name": quote(name), "Content-Type": "application/octet-stream"},
            **kwargs,
        )


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file of the workspace but the studio's caches: what a refused request must keep."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and "/studio/" not in p.as_posix()
    }


@pytest.fixture(scope="module")
def studio(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    ws = new_workspace(tmp_path_factory.mktemp("studio") / "ws")
    for name in ("2023-03-16-a", "2023-03-16-b", "2023-03-16-c"):
        (ws.sessions / f"{name}.yaml").write_text(SESSION_TEXT.format(id=name), encoding="utf-8")
    server = StudioServer(root=ws.root, port=free_port(), token=TOKEN, max_upload=LIMIT)
    thread = StudioThread(server).start()
    try:
        csrf = StudioConfig(ws.root, TOKEN).csrf
        yield Client(f"http://127.0.0.1:{server.port}", csrf, ws.root)
    finally:
        thread.stop()


def form_of(client: Client, session: str) -> dict[str, str]:
    """The form's fields as the page has them (hidden digest and csrf included)."""
    page = client.send("GET", f"/sessions/{session}").body.decode()
    tree = html5lib.parse(page, namespaceHTMLElements=False)
    fields: dict[str, str] = {}
    form = tree.find(".//form[@class='session']")
    assert form is not None
    for element in form.iter():
        name = element.get("name")
        if not name:
            continue
        if element.tag == "input":
            if element.get("type") == "checkbox":
                if element.get("checked") is not None:
                    fields[name] = "on"
            else:
                fields[name] = element.get("value", "")
        elif element.tag == "textarea":
            fields[name] = element.text or ""
        elif element.tag == "select":
            chosen = [o for o in element.iter("option") if o.get("selected") is not None]
            option = chosen[0] if chosen else next(iter(element.iter("option")))
            fields[name] = option.get("value", option.text or "")
    return fields


# --- safety ------------------------------------------------------------------------------------


def test_without_the_token_only_the_token_page(studio: Client) -> None:
    before = snapshot(studio.root)
    page = studio.send("GET", "/", token=False)
    assert page.status == 401
    assert b'name="token"' in page.body
    assert b"2023-03-16-a" not in page.body
    assert studio.send("GET", "/sessions/2023-03-16-a", token=False).status == 401
    assert studio.send("GET", "/feed/", token=False).status == 401
    changed = studio.post_form(
        "/sessions/2023-03-16-a", {"title": "Pirate", "csrf": studio.csrf}, token=False
    )
    assert changed.status == 401
    upload = studio.upload("2023-03-16-a", "ZOOM0001.WAV", b"RIFF" + b"\0" * 100, token=False)
    assert upload.status == 401
    assert studio.send("POST", "/jobs/build", b"", token=False).status == 401
    assert snapshot(studio.root) == before
    # the printed address lets the browser in: a cookie, and the token leaves the address bar
    host, port = studio.origin.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    connection.request("GET", f"/?token={TOKEN}")
    entry = connection.getresponse()
    assert entry.status == 303
    assert entry.getheader("location") == "/"
    cookie = entry.getheader("set-cookie") or ""
    assert cookie.startswith(f"{COOKIE}={TOKEN};")
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    connection.close()
    wrong = studio.send("GET", "/?token=guess", token=False)
    assert wrong.status == 401


def test_changes_without_the_csrf_token_are_refused(studio: Client) -> None:
    before = snapshot(studio.root)
    fields = form_of(studio, "2023-03-16-a")
    fields["title"] = "Changed"
    del fields["csrf"]
    assert studio.post_form("/sessions/2023-03-16-a", fields, csrf=False).status == 403
    fields["csrf"] = "0" * 64
    assert studio.post_form("/sessions/2023-03-16-a", fields, csrf=False).status == 403
    assert studio.upload("2023-03-16-a", "ZOOM0001.WAV", b"x" * 100, csrf=False).status == 403
    marks = json.dumps({"trim": {"start": 1}}).encode()
    assert studio.send("POST", "/sessions/2023-03-16-a/marks", marks, csrf=False).status == 403
    assert studio.send("POST", "/jobs/build", b"", csrf=False).status == 403
    assert snapshot(studio.root) == before


def test_another_host_or_origin_is_refused(studio: Client) -> None:
    before = snapshot(studio.root)
    rebound = studio.send("GET", "/", headers={"Host": "evil.example:80"})
    assert rebound.status == 400
    foreign = studio.send("POST", "/jobs/build", b"", headers={"Origin": "http://evil.example"})
    assert foreign.status == 403
    assert snapshot(studio.root) == before


def test_every_response_forbids_framing_and_foreign_content(studio: Client) -> None:
    page = studio.send("GET", "/")
    assert page.status == 200
    policy = page.headers["content-security-policy"]
    assert "default-src 'none'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "http" not in policy
    assert page.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    "name",
    ["../escape.wav", "../../metadata/podcast.yaml", "sub/ZOOM.wav", ".hidden.wav", "a\nb.wav"],
)
def test_upload_names_that_escape_are_refused(studio: Client, name: str) -> None:
    before = snapshot(studio.root)
    answer = studio.upload("2023-03-16-a", name, b"RIFF" + b"\0" * 64)
    assert answer.status == 400
    assert "expected a plain file name" in str(answer.json()["error"])
    assert snapshot(studio.root) == before
    assert not list((studio.root / ".audioarchive").rglob("*.wav"))


def test_what_is_not_audio_is_refused_with_a_clear_message(studio: Client) -> None:
    before = snapshot(studio.root)
    text = studio.upload("2023-03-16-a", "notes.txt", b"minutes of the meeting")
    assert text.status == 400
    assert '"notes.txt" is not an audio file (.txt)' in str(text.json()["error"])
    fake = studio.upload("2023-03-16-a", "ZOOM0009.WAV", b"this is not a recording" * 100)
    assert fake.status == 400
    assert '"ZOOM0009.WAV" is not audio that can be published' in str(fake.json()["error"])
    for announced in (True, False):  # refused from its announced size, or while it streams
        status, message = upload_big(studio, announced)
        assert status == 400
        assert "larger than the studio accepts" in message
    assert snapshot(studio.root) == before
    assert not [
        p for p in (studio.root / ".audioarchive").rglob("*") if p.is_file() and "uploads" in str(p)
    ]


def upload_big(studio: Client, announced: bool) -> tuple[int, str]:
    """Send LIMIT + 1 MB: with its Content-Length, or chunked (the size known only at the end)."""
    host, port = studio.origin.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    headers = {"Cookie": f"{COOKIE}={TOKEN}", "X-CSRF-Token": studio.csrf, "X-File-Name": "BIG.WAV"}
    size = LIMIT + (1 << 20)
    if announced:
        headers["Content-Length"] = str(size)
        connection.putrequest("PUT", "/sessions/2023-03-16-a/upload")
        for key, value in headers.items():
            connection.putheader(key, value)
        connection.endheaders()
    else:
        blocks = (b"\0" * (1 << 16) for _ in range(size >> 16))
        with contextlib.suppress(OSError):  # the studio stops reading once past the limit
            connection.request(
                "PUT", "/sessions/2023-03-16-a/upload", blocks, headers, encode_chunked=True
            )
    answer = connection.getresponse()
    body = answer.read().decode()
    connection.close()
    return answer.status, body


def test_a_non_loopback_address_needs_an_explicit_host() -> None:
    assert check_host("127.0.0.1", explicit=False) is None
    assert check_host("::1", explicit=False) is None
    with pytest.raises(InputError, match=r"refusing to listen on 0\.0\.0\.0"):
        check_host("0.0.0.0", explicit=False)  # noqa: S104 (the address being refused)
    warning = check_host("192.168.1.20", explicit=True)
    assert warning is not None
    assert "the token is the only protection" in warning


# --- session files -------------------------------------------------------------------------------


def test_saving_the_form_changes_only_what_changed(studio: Client) -> None:
    path = studio.root / "metadata" / "sessions" / "2023-03-16-b.yaml"
    before = path.read_text(encoding="utf-8")
    fields = form_of(studio, "2023-03-16-b")
    assert fields["date_local"] == "2023-03-16T19:00"
    assert fields["timezone"] == "+01:00"
    fields["title"] = "Rencontre : le non-recours aux droits"
    fields["speakers-1-name"] = "Habib"
    fields["speakers-1-role"] = "guest"
    fields.pop("speakers-1-publish_name", None)  # unchecked: the name stays private
    saved = studio.post_form("/sessions/2023-03-16-b", fields)
    assert saved.status == 200, saved.body.decode()[:2000]
    after = path.read_text(encoding="utf-8")
    diff = subprocess.run(
        ["diff", "-u", "-", str(path)], input=before, capture_output=True, text=True, check=False
    ).stdout
    changed = [
        line
        for line in diff.splitlines()
        if line[:1] in "+-" and not line.startswith(("---", "+++"))
    ]
    assert changed == [
        '-title: "Rencontre : le non-recours"   # as announced on the poster',
        '+title: "Rencontre : le non-recours aux droits" # as announced on the poster',
        '+  - name: "Habib"',
        "+    publish_name: false",
    ], diff
    assert after.startswith("# Our meeting of March")
    assert "name: Clara Deville   # sociologue" in after


def test_problems_are_shown_beside_their_field_and_nothing_is_written(studio: Client) -> None:
    path = studio.root / "metadata" / "sessions" / "2023-03-16-b.yaml"
    before = path.read_bytes()
    fields = form_of(studio, "2023-03-16-b")
    fields["venue_name"] = "Salle des fêtes"
    fields["venue_url"] = "not a web address"
    fields["timezone"] = "Mars/Olympus"
    answer = studio.post_form("/sessions/2023-03-16-b", fields)
    assert answer.status == 422
    page = answer.body.decode()
    assert 'id="venue_url"' in page
    assert 'aria-describedby="venue_url-error"' in page, page[page.find('role="alert"') :][:1500]
    assert 'id="date-error"' in page
    assert "Mars/Olympus" in page
    assert path.read_bytes() == before


def test_a_file_changed_by_hand_is_not_overwritten(studio: Client) -> None:
    path = studio.root / "metadata" / "sessions" / "2023-03-16-c.yaml"
    fields = form_of(studio, "2023-03-16-c")
    by_hand = path.read_text(encoding="utf-8").replace("droits", "droits sociaux")
    path.write_text(by_hand, encoding="utf-8")
    fields["title"] = "From the studio"
    answer = studio.post_form("/sessions/2023-03-16-c", fields)
    assert answer.status == 409
    assert "Reload" in answer.body.decode() or "Recharger" in answer.body.decode()
    assert path.read_text(encoding="utf-8") == by_hand


def test_a_new_session_from_the_form(studio: Client) -> None:
    fields = {
        "csrf": studio.csrf,
        "id": "2023-04-20-atelier",
        "title": "Atelier « données »",
        "date_local": "2023-04-20T18:30",
        "timezone": "Europe/Paris",
        "description": "Un *atelier*.",
        "speakers-0-name": "Amina",
        "speakers-0-role": "host",
        "speakers-0-publish_name": "on",
        "topics": "données, vie privée",
        "license": "CC-BY-4.0",
    }
    answer = studio.post_form("/sessions/new", fields)
    assert answer.status == 200
    text = (studio.root / "metadata" / "sessions" / "2023-04-20-atelier.yaml").read_text()
    assert "date: '2023-04-20T18:30:00+02:00'" in text or "date: 2023-04-20T18:30:00+02:00" in text
    data = yaml.safe_load(text)
    assert data["title"] == "Atelier « données »"
    assert data["speakers"] == [{"name": "Amina", "role": "host"}]
    assert data["topics"] == ["données", "vie privée"]
    taken = studio.post_form("/sessions/new", fields)
    assert taken.status == 200
    assert "already exists" in taken.body.decode()


# --- uploads and marks ------------------------------------------------------------------------


def test_two_parts_uploaded_verified_and_listed(studio: Client, tmp_path: Path) -> None:
    session = "2023-03-16-a"
    first = make_tone(tmp_path / "ZOOM0001.WAV", seconds=4)
    second = make_tone(tmp_path / "ZOOM0002.WAV", seconds=3, frequency=300)
    for part in (first, second):
        answer = studio.upload(session, part.name, part.read_bytes())
        assert answer.status == 200, answer.body
        assert answer.json()["sha256"] == hashlib.sha256(part.read_bytes()).hexdigest()
    folder = studio.root / "recordings" / session
    assert (folder / "ZOOM0001.WAV").read_bytes() == first.read_bytes()
    assert (folder / "ZOOM0002.WAV").read_bytes() == second.read_bytes()
    sums = (folder / "SHA256SUMS").read_text()
    assert f"{hashlib.sha256(second.read_bytes()).hexdigest()}  ZOOM0002.WAV" in sums
    text = (studio.root / "metadata" / "sessions" / f"{session}.yaml").read_text()
    assert yaml.safe_load(text)["recording"] == ["ZOOM0001.WAV", "ZOOM0002.WAV"]
    assert text.startswith("# Our meeting of March")
    # the timeline's data: both parts end to end
    times = studio.send("GET", f"/sessions/{session}/times.json").json()
    parts = times["parts"]
    assert isinstance(parts, list)
    assert [p["name"] for p in parts] == ["ZOOM0001.WAV", "ZOOM0002.WAV"]
    assert parts[1]["start"] == pytest.approx(4.0, abs=0.01)
    # marks saved from the timeline land in the file, checked by the loader
    marks = {
        "digest": times["digest"],
        "trim": {"start": 0.5, "end": None},
        "chapters": [{"start": 0.5, "title": "Accueil"}, {"start": 4.25, "title": "Suite"}],
        "redactions": [{"start": 5, "end": 5.5, "reason": "un nom"}],
    }
    saved = studio.send(
        "POST",
        f"/sessions/{session}/marks",
        json.dumps(marks).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert saved.status == 200, saved.body
    text = (studio.root / "metadata" / "sessions" / f"{session}.yaml").read_text()
    assert '\ntrim: {start: "0:00:00.500"}\n' in text
    assert '\n  - {start: "0:00:04.250", title: "Suite"}\n' in text
    loaded = load_workspace(studio.root).session(session)  # the CLI's loader reads it back
    assert loaded.trim == Trim(0.5, None)
    assert [(c.start, c.title) for c in loaded.chapters] == [(0.5, "Accueil"), (4.25, "Suite")]
    assert loaded.redactions == (Redaction(5.0, 5.5, "un nom"),)
    stale = studio.send(
        "POST",
        f"/sessions/{session}/marks",
        json.dumps(marks).encode(),
        headers={"Content-Type": "application/json"},
    )
    assert stale.status == 409


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_every_page_speaks_the_chosen_language(studio: Client, lang: str) -> None:
    strings = json.loads(
        (
            Path(__file__).parents[2] / "src/audioarchive/templates/studio/i18n" / f"{lang}.json"
        ).read_text(encoding="utf-8")
    )
    for path in ("/", "/sessions/new", "/sessions/2023-03-16-c", "/sessions/2023-03-16-c/timeline"):
        page = studio.send(
            "GET", path, headers={"Cookie": f"{COOKIE}={TOKEN}; audioarchive_studio_lang={lang}"}
        )
        text = page.body.decode()
        assert page.status == 200, path
        assert f'<html lang="{lang}">' in text
        assert strings["sessions"] in text
        assert "built-in method" not in text, path
        assert "{{" not in text


def max_volume(data: bytes, start: float, seconds: float) -> float:
    """Loudest sample (dBFS) of an MP3 between ``start`` and ``start + seconds``, decoded."""
    done = subprocess.run(
        [
            *("ffmpeg", "-hide_banner", "-nostdin", "-f", "mp3", "-i", "pipe:0"),
            *("-af", f"atrim={start}:{start + seconds},volumedetect", "-f", "null", "-"),
        ],
        input=data,
        capture_output=True,
        check=True,
    )
    found = re.search(rb"max_volume: (-?[\d.]+) dB", done.stderr)
    assert found is not None, done.stderr[-500:]
    return float(found.group(1))


def test_a_processed_excerpt_around_the_playhead(studio: Client) -> None:
    """After the uploads and marks above: 20 s around a time, processed (the redaction silent)."""
    session = "2023-03-16-a"
    if not (studio.root / "recordings" / session / "ZOOM0002.WAV").exists():
        pytest.skip("needs the uploads of test_two_parts_uploaded_verified_and_listed")
    answer = studio.send("GET", f"/sessions/{session}/excerpt.mp3?at=5.2")
    assert answer.status == 200
    assert answer.headers["content-type"] == "audio/mpeg"
    # an excerpt stays within one part: the second, which begins at 4 s of the recording
    assert float(answer.headers["x-excerpt-start"]) == pytest.approx(4.0, abs=0.01)
    assert max_volume(answer.body, 1.1, 0.3) < -60  # the redaction 5-5.5 s (raw)
    assert max_volume(answer.body, 0.1, 0.6) > -30  # speech-like tone, levelled


def test_the_command_refuses_a_folder_that_is_not_a_workspace(tmp_path: Path) -> None:
    result = run_cli(["--workspace", str(tmp_path), "studio", "--no-browser"])
    assert result.exit_code == 2
    assert "metadata/sessions: no such folder; expected a workspace" in result.output


def job_events(client: Client, kind: str, session: str) -> list[dict[str, object]]:
    """Start a job and read its server-sent events to the end."""
    started = client.post_form(f"/jobs/{kind}", {"session": session})
    assert started.status == 200, started.body
    request = urllib.request.Request(client.origin + str(started.json()["events"]))  # noqa: S310
    request.add_header("Cookie", f"{COOKIE}={TOKEN}")
    events = []
    with urllib.request.urlopen(request, timeout=120) as stream:  # noqa: S310
        assert stream.headers["content-type"].startswith("text/event-stream")
        for line in stream:
            if line.startswith(b"data: "):
                events.append(json.loads(line[6:]))
    return events


def test_a_failed_build_says_why_in_plain_words(studio: Client) -> None:
    broken = studio.root / "recordings" / "2023-03-16-c" / "ZOOM0001.WAV"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(b"RIFF" + b"\0" * 2000)  # a recorder that died before writing audio
    try:
        events = job_events(studio, "build", "2023-03-16-c")
    finally:
        broken.unlink()
    last = events[-1]
    assert last["done"] is True
    assert last["ok"] is False
    assert "recordings/2023-03-16-c/ZOOM0001.WAV" in str(last["message"]), last
