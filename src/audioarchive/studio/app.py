"""The studio's web application (Starlette): pages, JSON, uploads, build and publish.

Safety, in :class:`Guard`, before any endpoint runs:

- the ``Host`` header must name the address the studio listens on (no DNS rebinding);
- without the secret token (in the cookie set by ``/?token=…`` or the token form), every
  request gets the page asking for it, and nothing else happens;
- every request that is not a GET or HEAD must carry the CSRF token (header
  ``X-CSRF-Token``, or the ``csrf`` field of a form) and, when the browser sends one, an
  ``Origin`` of the studio itself;
- every response forbids framing, caching, referrers to other sites and anything from another
  host.

Starlette lives in this module only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from datetime import datetime
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote

import anyio
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from audioarchive._version import __version__
from audioarchive.common.text import SLUG
from audioarchive.common.writing import write_atomic
from audioarchive.config import Settings, load_settings
from audioarchive.errors import AudioArchiveError, Problem
from audioarchive.ffmpeg import find_tools
from audioarchive.metadata.session import ROLES, load_workspace, read_yaml
from audioarchive.render.i18n import ui_language
from audioarchive.render.site import description_html
from audioarchive.studio.files import FileChangedError, file_digest, render_update
from audioarchive.studio.forms import (
    FormValues,
    apply_form,
    check_text,
    field_id,
    form_from_data,
    form_from_post,
    marks_changes,
    new_session_text,
)
from audioarchive.studio.jobs import Jobs
from audioarchive.studio.sessions import list_sessions, session_path
from audioarchive.studio.times import measure_times, preview_audio, render_excerpt
from audioarchive.studio.uploads import (
    ingest_upload,
    receive_upload,
    safe_upload_name,
    staging_path,
)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE = "audioarchive_studio"
LANG_COOKIE = "audioarchive_studio_lang"
CSP = (
    "default-src 'none'; img-src 'self' data:; media-src 'self' blob:; "
    "style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
MAX_FORM = 2 << 20
TEMPLATES = files("audioarchive").joinpath("templates/studio")


@dataclass(frozen=True)
class StudioConfig:
    root: Path
    token: str
    host: str = "127.0.0.1"
    port: int = 8765
    max_upload: int = 64 << 30

    @property
    def csrf(self) -> str:
        return hmac.new(self.token.encode(), b"csrf", hashlib.sha256).hexdigest()

    def hosts(self) -> set[str]:
        names = {self.host, "127.0.0.1", "localhost", "[::1]"}
        if ":" in self.host:
            names.add(f"[{self.host}]")
        return {f"{name}:{self.port}" for name in names}


def _languages() -> dict[str, dict[str, str]]:
    folder = TEMPLATES.joinpath("i18n")
    out = {}
    for entry in folder.iterdir():
        if entry.name.endswith(".json"):
            out[entry.name.removesuffix(".json")] = json.loads(entry.read_text(encoding="utf-8"))
    return out


STRINGS = _languages()


# --- the guard ---------------------------------------------------------------------------------


class Guard:
    """Token, CSRF, Host and Origin checks, and the security headers of every response."""

    def __init__(self, app: ASGIApp, config: StudioConfig, render: Renderer) -> None:
        self.app = app
        self.config = config
        self.render = render
        self.hosts = config.hosts()
        # listening on every address (--host 0.0.0.0): the machine's names are not known here;
        # the token (a cookie of the studio's own address) stays required
        self.any_host = config.host in ("0.0.0.0", "::")  # noqa: S104 (compared, not bound)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        send = _with_headers(send)
        request = Request(scope)
        method = request.method
        response = self._refuse(request)
        if response is not None:
            await response(scope, receive, send)
            return
        safe = method in ("GET", "HEAD")
        if scope["path"].startswith("/static/") and safe:
            await self.app(scope, receive, send)
            return
        if scope["path"] == "/login" and method == "POST":
            await self._login(request, receive, send)
            return
        if not self._has_token(request) or (safe and "token" in request.query_params):
            await self._token_page(request, scope, receive, send)
            return
        if not safe:
            checked = await self._check_csrf(request, scope, receive, send)
            if checked is None:
                return
            receive = checked
        await self.app(scope, receive, send)

    def _refuse(self, request: Request) -> Response | None:
        host = request.headers.get("host", "")
        if not self.any_host and host not in self.hosts:
            return Response("unexpected Host header", status_code=400)
        origin = request.headers.get("origin")
        if request.method not in ("GET", "HEAD") and origin and origin != f"http://{host}":
            return Response("request from another site refused", status_code=403)
        return None

    def _has_token(self, request: Request) -> bool:
        given = request.cookies.get(COOKIE, "")
        return bool(given) and hmac.compare_digest(given, self.config.token)

    async def _token_page(
        self, request: Request, scope: Scope, receive: Receive, send: Send
    ) -> None:
        given = request.query_params.get("token", "")
        if request.method == "GET" and given and hmac.compare_digest(given, self.config.token):
            response: Response = RedirectResponse(request.url.path, status_code=303)
            _set_token_cookie(response, given)
        elif request.method in ("GET", "HEAD") and "text/html" in request.headers.get(
            "accept", "text/html"
        ):
            response = self.render(request, "token.html", {"wrong": bool(given)}, status=401)
        else:
            response = Response("the studio's token is missing", status_code=401)
        await response(scope, receive, send)

    async def _login(self, request: Request, receive: Receive, send: Send) -> None:
        body = await _read_body(receive, MAX_FORM)
        given = parse_qs(body.decode("utf-8", "replace")).get("token", [""])[0].strip()
        if given and hmac.compare_digest(given, self.config.token):
            response: Response = RedirectResponse("/", status_code=303)
            _set_token_cookie(response, given)
        else:
            response = self.render(request, "token.html", {"wrong": True}, status=401)
        await response(request.scope, receive, send)

    async def _check_csrf(
        self, request: Request, scope: Scope, receive: Receive, send: Send
    ) -> Receive | None:
        expected = self.config.csrf
        header = request.headers.get("x-csrf-token", "")
        if header and hmac.compare_digest(header, expected):
            return receive
        kind = request.headers.get("content-type", "")
        if kind.startswith("application/x-www-form-urlencoded"):
            body = await _read_body(receive, MAX_FORM)
            given = parse_qs(body.decode("utf-8", "replace")).get("csrf", [""])[0]
            if given and hmac.compare_digest(given, expected):
                return _replay(body)
        response = Response(
            "refused: the request carries no valid CSRF token (reload the page)", status_code=403
        )
        await response(scope, receive, send)
        return None


def _set_token_cookie(response: Response, token: str) -> None:
    response.set_cookie(COOKIE, token, httponly=True, samesite="strict", path="/")


async def _read_body(receive: Receive, limit: int) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise ValueError("form too large")
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


def _replay(body: bytes) -> Receive:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        await anyio.sleep_forever()
        return {"type": "http.disconnect"}  # pragma: no cover

    return receive


def _with_headers(send: Send) -> Send:
    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            headers += [
                (b"content-security-policy", CSP.encode()),
                (b"x-frame-options", b"DENY"),
                (b"x-content-type-options", b"nosniff"),
                (b"referrer-policy", b"same-origin"),
                (b"cache-control", b"no-store"),
            ]
            message["headers"] = headers
        await send(message)

    return wrapped


# --- rendering -----------------------------------------------------------------------------------


class Renderer:
    """Jinja pages in the person's language (French or English)."""

    def __init__(self, config: StudioConfig) -> None:
        self.config = config
        self.env = Environment(
            loader=FileSystemLoader(str(TEMPLATES)),
            autoescape=select_autoescape(["html"]),
            trim_blocks=True,
            lstrip_blocks=True,
        )

    def language(self, request: Request) -> str:
        chosen = request.cookies.get(LANG_COOKIE, "")
        if chosen in STRINGS:
            return chosen
        try:
            show = read_yaml(self.config.root / "metadata" / "podcast.yaml", "podcast.yaml", [])
        except OSError:
            show = None
        return ui_language(str(show.get("language", "en"))) if show else "en"

    def __call__(
        self, request: Request, name: str, context: dict[str, Any], status: int = 200
    ) -> HTMLResponse:
        lang = self.language(request)
        t = STRINGS.get(lang, STRINGS["en"])
        html = self.env.get_template(name).render(
            t=t,
            lang=lang,
            csrf=self.config.csrf if request.cookies.get(COOKIE) else "",
            version=__version__,
            path=request.url.path,
            **context,
        )
        return HTMLResponse(html, status_code=status)


# --- the application -------------------------------------------------------------------------


class Studio:
    def __init__(self, config: StudioConfig) -> None:
        self.config = config
        self.render = Renderer(config)
        self.jobs = Jobs(config.root)

    def settings(self) -> Settings:
        return load_settings(self.config.root)

    # -- sessions --

    async def index(self, request: Request) -> Response:
        settings = await run_in_threadpool(self.settings)
        rows = await run_in_threadpool(list_sessions, settings)
        return self.render(request, "sessions.html", {"rows": rows})

    async def new_session(self, request: Request) -> Response:
        form = form_from_data({})
        offset = datetime.now().astimezone().strftime("%z")
        form.values["timezone"] = self.settings().site.time_zone or f"{offset[:3]}:{offset[3:]}"
        if request.method == "POST":
            post = await _form(request)
            form = form_from_post(post)
            session_id = post.get("id", "").strip()
            form.values["id"] = session_id
            settings = self.settings()
            path = session_path(settings, session_id)
            if path is None:
                form.problems["id"] = [
                    (
                        f'found "{session_id}"; expected an ASCII slug of lowercase letters, '
                        'digits and hyphens, e.g. "2023-03-16-rencontre"'
                    )
                ]
            elif path.exists():
                form.problems["id"] = [f"metadata/sessions/{path.name} already exists"]
            else:
                text = new_session_text(session_id)
                new = await run_in_threadpool(apply_form, text, form, {}, session_id, settings)
                if new is not None:
                    write_atomic(path, new.encode("utf-8"))
                    return RedirectResponse(f"/sessions/{session_id}?saved=1", status_code=303)
        return self._form_page(request, form, None, "")

    async def session(self, request: Request) -> Response:
        settings = self.settings()
        session_id = request.path_params["id"]
        path = session_path(settings, session_id)
        if path is None or not path.exists():
            return self._not_found(request)
        text = path.read_bytes().decode("utf-8", "replace")
        original: Any = read_yaml(path, path.name, []) or {}
        if request.method == "GET":
            form = form_from_data(original)
            for problem in await run_in_threadpool(check_text, text, session_id, settings):
                _place(form, problem)
            saved = request.query_params.get("saved") == "1"
            return self._form_page(request, form, session_id, file_digest(path), saved=saved)
        post = await _form(request)
        form = form_from_post(post)
        loaded = post.get("digest", "")
        if loaded != file_digest(path):
            return self._form_page(request, form, session_id, loaded, conflict=True, status=409)
        new = await run_in_threadpool(apply_form, text, form, original, session_id, settings)
        if new is None:
            return self._form_page(request, form, session_id, loaded, status=422)
        write_atomic(path, new.encode("utf-8"))
        return RedirectResponse(f"/sessions/{session_id}?saved=1", status_code=303)

    def _form_page(
        self,
        request: Request,
        form: FormValues,
        session_id: str | None,
        digest: str,
        *,
        saved: bool = False,
        conflict: bool = False,
        status: int = 200,
    ) -> Response:
        context = {
            "form": form,
            "session_id": session_id,
            "digest": digest,
            "roles": ROLES,
            "saved": saved,
            "conflict": conflict,
        }
        return self.render(request, "session.html", context, status=status)

    def _not_found(self, request: Request) -> Response:
        return self.render(request, "missing.html", {}, status=404)

    async def preview(self, request: Request) -> Response:
        data = await request.json()
        text = str(data.get("markdown", "")) if isinstance(data, dict) else ""
        return HTMLResponse(str(description_html(text)))

    # -- recordings --

    async def upload(self, request: Request) -> Response:
        settings = self.settings()
        session_id = request.path_params["id"]
        path = session_path(settings, session_id)
        if path is None or not path.exists():
            return JSONResponse({"error": f'no session "{session_id}"'}, status_code=404)
        try:
            name = safe_upload_name(unquote(request.headers.get("x-file-name", "")))
            staged = staging_path(settings, session_id, name)
            announced = request.headers.get("content-length")
            size, digest = await receive_upload(
                request.stream(),
                staged,
                self.config.max_upload,
                int(announced) if announced and announced.isdigit() else None,
            )
            report = await run_in_threadpool(
                ingest_upload, settings, session_id, staged, size, digest
            )
        except AudioArchiveError as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        return JSONResponse(
            {
                "name": report.name,
                "size": report.size,
                "sha256": report.sha256,
                "already_present": report.already_present,
            }
        )

    # -- the timeline --

    async def timeline(self, request: Request) -> Response:
        settings = self.settings()
        session_id = request.path_params["id"]
        path = session_path(settings, session_id)
        if path is None or not path.exists():
            return self._not_found(request)
        original: Any = read_yaml(path, path.name, []) or {}
        context = {"session_id": session_id, "title": original.get("title") or session_id}
        return self.render(request, "timeline.html", context)

    def _times(self, session_id: str) -> Any:
        workspace = load_workspace(self.config.root)
        tools = find_tools(workspace.settings.tools)
        return workspace, tools, measure_times(workspace, tools, workspace.session(session_id))

    async def times(self, request: Request) -> Response:
        session_id = request.path_params["id"]
        try:
            _, _, times = await run_in_threadpool(self._times, session_id)
        except AudioArchiveError as err:
            return JSONResponse({"error": str(err)}, status_code=400)
        data = times.as_dict()
        data["levels"] = times.levels(10)
        data["levels_per_second"] = 10
        data["trim_file"] = {"start": times.session.trim.start, "end": times.session.trim.end}
        path = times.session.source
        data["digest"] = file_digest(path)
        data["redactions"] = [
            {"start": r.start, "end": r.end, "reason": r.reason or ""}
            for r in times.session.redactions
        ]
        data["chapters"] = [
            {"start": c.start, "title": c.title, "url": c.url or ""} for c in times.session.chapters
        ]
        return JSONResponse(data)

    async def audio(self, request: Request) -> Response:
        session_id = request.path_params["id"]
        try:
            workspace, tools, times = await run_in_threadpool(self._times, session_id)
            preview = await run_in_threadpool(preview_audio, workspace, tools, times)
        except AudioArchiveError as err:
            return Response(str(err), status_code=400)
        return FileResponse(preview, media_type="audio/mpeg")

    async def excerpt(self, request: Request) -> Response:
        session_id = request.path_params["id"]
        try:
            at = float(request.query_params.get("at", "0"))
        except ValueError:
            return Response("at: expected a number of seconds", status_code=400)
        try:
            workspace, tools, times = await run_in_threadpool(self._times, session_id)
            path, start = await run_in_threadpool(render_excerpt, workspace, tools, times, at)
        except AudioArchiveError as err:
            return Response(str(err), status_code=400)
        response = FileResponse(path, media_type="audio/mpeg")
        response.headers["x-excerpt-start"] = f"{start:.3f}"
        return response

    async def marks(self, request: Request) -> Response:
        settings = self.settings()
        session_id = request.path_params["id"]
        path = session_path(settings, session_id)
        if path is None or not path.exists():
            return JSONResponse({"error": f'no session "{session_id}"'}, status_code=404)
        payload = await request.json()
        if not isinstance(payload, dict):
            return JSONResponse({"error": "expected a JSON object"}, status_code=400)
        original: Any = read_yaml(path, path.name, []) or {}
        text = path.read_bytes().decode("utf-8")
        if payload.get("digest") != file_digest(path):
            error = FileChangedError(
                f"metadata/sessions/{path.name} was changed since you opened it; your marks "
                "were not saved",
                hint="reload the page to see the file as it is now",
            )
            return JSONResponse({"error": str(error), "conflict": True}, status_code=409)
        try:
            changes = marks_changes(payload, original)
        except (TypeError, ValueError):
            return JSONResponse({"error": "times must be numbers of seconds"}, status_code=400)
        new = render_update(text, changes, path.name)
        problems = await run_in_threadpool(check_text, new, session_id, settings)
        if problems:
            return JSONResponse(
                {"error": "\n".join(f"{p.field}: {p.message}" for p in problems)},
                status_code=422,
            )
        write_atomic(path, new.encode("utf-8"))
        return JSONResponse({"saved": True, "digest": file_digest(path)})

    # -- build and publish --

    async def start_job(self, request: Request) -> Response:
        kind = request.path_params["kind"]
        if kind not in ("build", "publish"):
            return JSONResponse({"error": "unknown job"}, status_code=404)
        form = await _form(request)
        session = form.get("session", "")
        sessions = [session] if session and SLUG.fullmatch(session) else []
        job = self.jobs.start("build" if kind == "build" else "publish", sessions)
        if job is None:
            return JSONResponse({"error": "a build or publish is already running"}, 409)
        return JSONResponse({"job": job.id, "events": f"/jobs/{job.id}/events"})

    async def job_events(self, request: Request) -> Response:
        job = self.jobs.get(request.path_params["job"])
        if job is None:
            return Response("no such job", status_code=404)

        async def stream() -> AsyncIterator[str]:
            index = 0
            while True:
                events = job.since(index)
                index += len(events)
                for event in events:
                    yield f"data: {json.dumps(event, ensure_ascii=False)}\n\n"
                    if event.get("done"):
                        return
                await anyio.sleep(0.2)

        return StreamingResponse(stream(), media_type="text/event-stream")

    async def language(self, request: Request) -> Response:
        lang = request.path_params["lang"]
        back = request.query_params.get("next", "/")
        if not back.startswith("/") or back.startswith("//"):
            back = "/"
        response = RedirectResponse(quote(back, safe="/?=&"), status_code=303)
        if lang in STRINGS:
            response.set_cookie(LANG_COOKIE, lang, samesite="strict", path="/")
        return response


def _place(form: FormValues, problem: Problem) -> None:
    place = field_id(problem.field)
    known = ("title", "date", "description", "license", "topics", "season", "episode")
    if place in known or place.startswith(("speakers-", "resources-", "venue_")):
        form.problems.setdefault(place, []).append(problem.message)
    else:
        form.general.append(
            f"{problem.field}: {problem.message}" if problem.field else problem.message
        )


async def _form(request: Request) -> dict[str, str]:
    form = await request.form()
    return {k: v for k, v in form.items() if isinstance(v, str)}


def create_app(config: StudioConfig) -> ASGIApp:
    """The studio for the workspace at ``config.root``, behind its :class:`Guard`."""
    studio = Studio(config)
    static = str(TEMPLATES.joinpath("static"))
    feed = config.root / "feed"
    feed.mkdir(parents=True, exist_ok=True)
    routes = [
        Route("/", studio.index),
        Route("/sessions/new", studio.new_session, methods=["GET", "POST"]),
        Route("/sessions/{id}", studio.session, methods=["GET", "POST"]),
        Route("/sessions/{id}/timeline", studio.timeline),
        Route("/sessions/{id}/times.json", studio.times),
        Route("/sessions/{id}/audio", studio.audio),
        Route("/sessions/{id}/excerpt.mp3", studio.excerpt),
        Route("/sessions/{id}/marks", studio.marks, methods=["POST"]),
        Route("/sessions/{id}/upload", studio.upload, methods=["PUT"]),
        Route("/preview", studio.preview, methods=["POST"]),
        Route("/jobs/{kind}", studio.start_job, methods=["POST"]),
        Route("/jobs/{job}/events", studio.job_events),
        Route("/language/{lang}", studio.language),
        Mount("/static", StaticFiles(directory=static), name="static"),
        Mount("/feed", StaticFiles(directory=str(feed), html=True), name="feed"),
    ]
    app = Starlette(routes=routes)
    return Guard(app, config, studio.render)
