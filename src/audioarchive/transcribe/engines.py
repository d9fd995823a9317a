"""Speech recognisers behind one small interface.

An :class:`Engine` reads 16 kHz mono 16-bit PCM from a stream and yields
:class:`Segment` objects (an utterance with its words and their times), each
one complete when yielded, so that the caller can save it and resume after it.
The engines themselves live in their own modules, the only ones importing
their libraries: :mod:`audioarchive.transcribe.sphinx` (PyPI ``pocketsphinx``,
which ships an English model) and :mod:`audioarchive.transcribe.whisper`
(``faster-whisper``, an optional extra; its models are fetched by the user).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Protocol

from audioarchive.config import Settings
from audioarchive.errors import EnvironmentNotReadyError, InputError
from audioarchive.metadata.machine_transcript import Segment
from audioarchive.metadata.session import Session, Show

#: What each engine uses when ``model`` is not set.
DEFAULT_MODELS = {"pocketsphinx": "en-us", "faster-whisper": "small"}
#: The languages of the model PyPI ``pocketsphinx`` ships.
SPHINX_LANGUAGES = ("en",)
WHISPER_HINT = "pip install 'audioarchive[whisper]' (or: pip install faster-whisper)"


class Engine(Protocol):
    """A speech recogniser: PCM in, complete segments out, in time order."""

    def transcribe(self, pcm: IO[bytes], offset: float) -> Iterator[Segment]:
        """Segments of the 16 kHz mono s16le ``pcm``, times plus ``offset`` seconds."""
        ...


@dataclass(frozen=True)
class EngineChoice:
    """The engine, model and language one episode is transcribed with."""

    engine: str  # "none", "pocketsphinx", "faster-whisper"
    model: str  # as configured (a name or a folder), or the engine's default
    language: str  # primary subtag: "en", "fr"
    folder: Path | None  # where the model must be (faster-whisper), None: inside the package

    @property
    def enabled(self) -> bool:
        return self.engine != "none"

    @property
    def label(self) -> str:
        return f"{self.engine} ({self.model}, {self.language})"


@dataclass(frozen=True)
class EngineCheck:
    """What ``audioarchive transcribe --check`` reports."""

    choice: EngineChoice
    installed: bool
    present: bool  # the model is where it must be
    message: str

    @property
    def ready(self) -> bool:
        return not self.choice.enabled or (self.installed and self.present)


class ModelMissingError(EnvironmentNotReadyError):
    """The configured recogniser or its model is not on this machine (exit 3)."""


def choose_engine(settings: Settings, show: Show, session: Session | None = None) -> EngineChoice:
    """The transcription settings for ``session``: its own ``transcription:`` over
    ``[transcripts]``; the language defaults to the show's."""
    config = settings.transcripts
    own = session.transcription if session is not None else None
    engine = (own.engine if own and own.engine else None) or config.engine
    model = (own.model if own and own.model else None) or config.model
    language = (own.language if own and own.language else None) or config.language
    language = (language or show.language).split("-", maxsplit=1)[0].lower()
    if engine == "none":
        return EngineChoice("none", "", language, None)
    model = model or DEFAULT_MODELS[engine]
    folder = None
    if engine == "faster-whisper":
        folder = _model_folder(settings, model)
    elif model != DEFAULT_MODELS["pocketsphinx"]:
        raise InputError(
            f'[transcripts] model: found "{model}"; pocketsphinx uses the English model its '
            f'package ships: leave model unset (or "{DEFAULT_MODELS["pocketsphinx"]}")'
        )
    return EngineChoice(engine, model, language, folder)


def _model_folder(settings: Settings, model: str) -> Path:
    """A model given by name lives in ``models_dir/<name>``; a path is taken as it is
    (relative paths from the workspace)."""
    root = settings.paths.root
    if "/" in model or model.startswith(("~", ".")):
        return (root / Path(model).expanduser()).resolve()
    return (root / Path(settings.transcripts.models_dir).expanduser() / model).resolve()


def check_engine(choice: EngineChoice) -> EngineCheck:
    """Whether ``choice`` can run here: the library installed, the model in its place."""
    if not choice.enabled:
        return EngineCheck(choice, True, True, "transcription is off ([transcripts] engine)")
    module = "pocketsphinx" if choice.engine == "pocketsphinx" else "faster_whisper"
    installed = importlib.util.find_spec(module) is not None
    if choice.engine == "pocketsphinx":
        if choice.language not in SPHINX_LANGUAGES:
            return EngineCheck(
                choice,
                installed,
                False,
                f"pocketsphinx ships an English model only; the language is "
                f'"{choice.language}": use engine = "faster-whisper" for it',
            )
        if not installed:
            return EngineCheck(
                choice, False, False, "pocketsphinx is not installed: pip install pocketsphinx"
            )
        return EngineCheck(choice, True, True, "pocketsphinx with its English model (en-us)")
    folder = choice.folder
    assert folder is not None  # noqa: S101 (faster-whisper always has one)
    present = (folder / "model.bin").is_file()
    where = f"model {choice.model}: {folder}"
    if not installed:
        return EngineCheck(
            choice,
            False,
            present,
            f"faster-whisper is not installed: "
            f"{WHISPER_HINT}; {where} ({'present' if present else 'missing'})",
        )
    if not present:
        return EngineCheck(
            choice,
            True,
            False,
            f'{where} is missing (no model.bin); put the CTranslate2 model "{choice.model}" '
            f"there (for example the folder of Systran/faster-whisper-{choice.model}, fetched "
            "once on a machine with internet)",
        )
    return EngineCheck(choice, True, True, f"{where} (present)")


def require_engine(choice: EngineChoice) -> None:
    """Raise :class:`ModelMissingError` (exit 3) unless ``choice`` can run here."""
    check = check_engine(choice)
    if not check.ready:
        raise ModelMissingError(
            f"transcription with {choice.label}: {check.message}",
            hint="'audioarchive transcribe --check' says what is configured and where the "
            'model goes; engine = "none" in [transcripts] turns transcription off',
        )


def open_engine(choice: EngineChoice) -> Engine:
    """A ready engine for ``choice`` (after :func:`require_engine`)."""
    require_engine(choice)
    if choice.engine == "pocketsphinx":
        from audioarchive.transcribe.sphinx import SphinxEngine  # noqa: PLC0415 (optional)

        return SphinxEngine()
    from audioarchive.transcribe.whisper import WhisperEngine  # noqa: PLC0415 (optional)

    assert choice.folder is not None  # noqa: S101
    return WhisperEngine(choice.folder, choice.language)
