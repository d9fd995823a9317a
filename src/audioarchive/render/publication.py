"""The public view: what the feed, the pages and the catalogue are made from.

:func:`public_view` turns the collected :class:`~audioarchive.metadata.episode.Publication`
(sessions as written, machine transcripts as recognised) into a :class:`PublicView`, once:

- every speaker marked ``publish_name: false`` is left out of every session;
- their names are withheld from the free text (titles, descriptions, topics, resources,
  chapters, venue, affiliations) and from the speaker labels of ``turns`` and ``microphones``
  (:func:`audioarchive.metadata.privacy.named_session`);
- each episode carries its public transcript, already made: redacted lines removed, times
  on the published timeline, names withheld; the raw machine transcripts stay behind.

The renderers take a :class:`PublicView` (a raw ``Publication`` does not type-check) and
never filter again; ``make lint`` checks that they do not import the privacy module.
"""

from __future__ import annotations

from dataclasses import dataclass

from audioarchive.config import SiteSettings
from audioarchive.errors import SiteError
from audioarchive.metadata.episode import Episode, Publication, PublicURLs
from audioarchive.metadata.privacy import host_names, named_session
from audioarchive.metadata.session import Session, Show
from audioarchive.metadata.transcript import TranscriptSyntaxError
from audioarchive.transcribe.public import PublicTranscript, public_transcript


@dataclass(frozen=True)
class PublicEpisode(Episode):
    """An episode as the public sees it: only speakers who may be named, names withheld
    from its text, and its public transcript (``None`` when it has none)."""

    transcript: PublicTranscript | None = None


@dataclass(frozen=True)
class PublicView(PublicURLs):
    """The publication with the withheld names already removed from everything: what
    :class:`~audioarchive.metadata.episode.Publication` holds, without its machine
    transcripts (the public ones are in the episodes)."""

    show: Show
    site: SiteSettings
    episodes: tuple[PublicEpisode, ...]  # built episodes, oldest first
    upcoming: tuple[Session, ...]  # sessions without a recording
    artwork: str
    episode_artwork: dict[str, str]
    image_sizes: dict[str, tuple[int, int]]  # path -> (w, h) px


def public_view(publication: Publication) -> PublicView:
    """The public view of ``publication``: ``SiteError`` naming the file when a person's
    transcript cannot be read."""
    hosts = host_names(publication.show)
    return PublicView(
        show=publication.show,
        site=publication.site,
        episodes=tuple(
            PublicEpisode(named_session(e.session, hosts), e.record, _transcript(publication, e))
            for e in publication.episodes
        ),
        upcoming=tuple(named_session(s, hosts) for s in publication.upcoming),
        artwork=publication.artwork,
        episode_artwork=publication.episode_artwork,
        image_sizes=publication.image_sizes,
    )


def _transcript(publication: Publication, episode: Episode) -> PublicTranscript | None:
    try:
        return public_transcript(publication, episode)
    except (OSError, UnicodeDecodeError, TranscriptSyntaxError) as err:
        name = episode.session.transcript.name if episode.session.transcript else "?"
        raise SiteError(
            f"{name}: the transcript of {episode.id} could not be read ({err})"
        ) from err
