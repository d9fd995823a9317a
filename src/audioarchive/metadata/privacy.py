"""The public view of the metadata: what may leave ``archive/``.

A speaker marked ``publish_name: false`` is left out of every list of speakers
by the stages themselves (``Session.public_speakers``). Organisers also write
names in free text (a description, a chapter title, a topic): :func:`public_session`
withholds them there, once, for every public output (feed, pages, catalogue,
embedded tags), so that no stage can forget to. The private records in
``archive/`` keep the text as written.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from audioarchive.metadata.episode import Episode, Publication
from audioarchive.metadata.session import Chapter, Resource, Session, Show, Venue
from audioarchive.metadata.transcript import withheld_names, withhold


def host_names(show: Show) -> tuple[str, ...]:
    return tuple(h.name for h in show.hosts)


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


def public_publication(publication: Publication) -> Publication:
    """The same publication with every session seen through :func:`public_session`."""
    hosts = host_names(publication.show)
    return replace(
        publication,
        episodes=tuple(
            Episode(public_session(e.session, hosts), e.record) for e in publication.episodes
        ),
        upcoming=tuple(public_session(s, hosts) for s in publication.upcoming),
    )
