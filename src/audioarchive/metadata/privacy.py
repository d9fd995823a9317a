"""The withheld-name rule, in one place: what may leave ``archive/``.

A speaker marked ``publish_name: false`` is never named in a public output. Organisers
also write names in free text (a description, a chapter title, a topic, a transcript):
:func:`withheld_names` lists what must not appear and :func:`withhold` replaces it.
:func:`public_session` applies them to a session's free text (for the tags and the
public view), :func:`named_session` also leaves out the speakers who may not be named.
The public view of a whole publication, with its transcripts, is made once by
:func:`audioarchive.render.publication.public_view`; the renderers never filter again.
The private records in ``archive/`` keep the text as written.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import replace

from audioarchive.metadata.session import Chapter, Resource, Session, Show, SpeakerTurn, Venue

#: What a withheld name becomes.
ANONYMOUS = "[…]"
_WORD = re.compile(r"\w+(?:[-'\u2019]\w+)*")  # words, with hyphens and apostrophes


def host_names(show: Show) -> tuple[str, ...]:
    return tuple(h.name for h in show.hosts)


def withheld_names(session: Session, public: Iterable[str] = ()) -> tuple[str, ...]:
    """What must not appear in public text: the name of every speaker marked
    ``publish_name: false``, and each word of it (3 letters or more) that is not
    also part of a publishable name (the first name alone must not leak either).
    Longest first, for :func:`withhold`."""
    hidden = [unicodedata.normalize("NFC", s.name) for s in session.speakers if not s.publish_name]
    if not hidden:
        return ()
    shown = [s.name for s in session.public_speakers] + list(public)
    known = {word.casefold() for name in shown for word in _WORD.findall(name)}
    names = set(hidden)
    for name in hidden:
        names.update(w for w in _WORD.findall(name) if len(w) >= 3 and w.casefold() not in known)
    return tuple(sorted(names, key=lambda name: (-len(name), name)))


def withhold(text: str, names: Sequence[str]) -> str:
    """``text`` with every whole-word occurrence of ``names`` replaced by ``[…]``.

    A name typed decomposed ("i" + U+0308 for "ï", as macOS files often hold it) is found
    too: the text is compared, and returned, in Unicode's composed form (NFC), which reads
    the same."""
    if not names or not text:
        return text
    text = unicodedata.normalize("NFC", text)
    names = [unicodedata.normalize("NFC", name) for name in names]
    alternatives = "|".join(re.escape(name) for name in names)
    return re.sub(rf"(?<!\w)(?:{alternatives})(?!\w)", ANONYMOUS, text, flags=re.IGNORECASE)


def withhold_label(label: str, names: Sequence[str]) -> str:
    """A speaker label as the public may read it: ``[…]`` whole when it names anyone withheld."""
    return ANONYMOUS if withhold(label, names) != label else label


def public_session(session: Session, public_names: Iterable[str] = ()) -> Session:
    """``session`` with the names that may not be published withheld from its free text.

    The speakers stay (flagged): transcripts need them to withhold their labels.
    """
    names = withheld_names(session, public_names)
    if not names:
        return session

    def clean(text: str) -> str:
        return withhold(text, names)

    venue = session.venue
    if venue is not None:
        venue = Venue(
            clean(venue.name), venue.address and clean(venue.address), venue.geo, venue.url
        )
    return replace(
        session,
        title=clean(session.title),
        description=clean(session.description),
        topics=tuple(clean(t) for t in session.topics),
        resources=tuple(Resource(clean(r.title), r.url) for r in session.resources),
        chapters=tuple(Chapter(c.start, clean(c.title), c.url) for c in session.chapters),
        venue=venue,
        speakers=tuple(
            s
            if not s.publish_name
            else replace(s, affiliation=s.affiliation and clean(s.affiliation))
            for s in session.speakers
        ),
    )


def named_session(session: Session, public_names: Iterable[str] = ()) -> Session:
    """:func:`public_session`, and the speakers who may not be named left out (every
    label naming one of them, in ``turns`` and ``microphones``, becomes ``[…]``): what
    the feed, the pages and the catalogue receive."""
    names = withheld_names(session, public_names)
    cleaned = public_session(session, public_names)
    if not names:
        return cleaned
    return replace(
        cleaned,
        speakers=cleaned.public_speakers,
        turns=tuple(SpeakerTurn(t.start, withhold_label(t.speaker, names)) for t in session.turns),
        microphones=tuple(withhold_label(m, names) for m in session.microphones),
    )
