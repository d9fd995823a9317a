"""Stage 3, feed: the episodes as an RSS 2.0 podcast feed (iTunes namespace), built with feedgen.

:func:`build_feed` returns bytes; the pipeline writes them. The output is
deterministic: with nothing changed, the bytes are the same.
"""

from __future__ import annotations

from datetime import UTC, datetime

from feedgen.feed import FeedGenerator  # first: feedgen.util needs lxml.etree loaded

from audioarchive import __version__
from audioarchive.episode import Episode, Publication
from audioarchive.errors import FeedError
from audioarchive.text import markdown_to_html, markdown_to_text

GENERATOR = f"audioarchive {__version__}"
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def render_feed(publication: Publication) -> dict[str, bytes]:
    """The feed and the files it points to besides the media, keyed by path in ``feed/``."""
    return {"feed.xml": build_feed(publication)}


def build_feed(publication: Publication) -> bytes:
    """The RSS feed of every built episode, newest first."""
    show = publication.show
    try:
        fg = FeedGenerator()
        fg.load_extension("podcast")
        fg.title(show.title)
        fg.link(href=publication.site.feed_url, rel="self")
        fg.link(href=publication.url(""), rel="alternate")  # RSS <link>: feedgen takes the last
        fg.description(markdown_to_text(show.description))
        fg.language(show.language)
        fg.generator(GENERATOR)
        fg.image(publication.url(publication.artwork), title=show.title, link=publication.url(""))
        fg.podcast.itunes_image(publication.url(publication.artwork))
        fg.podcast.itunes_author(show.author)
        fg.podcast.itunes_owner(name=show.owner.name, email=show.owner.email or "")
        fg.podcast.itunes_explicit("yes" if show.explicit else "no")
        fg.podcast.itunes_type(show.type)
        categories = []
        for name in show.categories:
            parent, _, child = name.partition(" > ")
            categories.append({"cat": parent, "sub": child} if child else {"cat": parent})
        fg.podcast.itunes_category(categories)
        if show.copyright:
            fg.copyright(show.copyright)
        latest = EPOCH
        for episode in sorted(publication.episodes, key=_order):
            _add_item(fg, publication, episode)
            if episode.session.date and episode.session.date > latest:
                latest = episode.session.date
        fg.lastBuildDate(latest)
        data: bytes = fg.rss_str(pretty=True, xml_declaration=True, encoding="UTF-8")
    except (ValueError, TypeError) as err:
        raise FeedError(f"feed.xml: could not be built ({err})") from err
    return data


def _order(episode: Episode) -> tuple[float, str]:
    date = episode.session.date or EPOCH
    return (date.timestamp(), episode.id)


def _add_item(fg: FeedGenerator, publication: Publication, episode: Episode) -> None:
    session = episode.session
    entry = fg.add_entry(order="prepend")
    entry.title(session.title)
    entry.guid(session.id, permalink=False)
    entry.link(href=publication.url(episode.page_path))
    entry.description(markdown_to_html(session.description) or session.title)
    if session.date:
        entry.pubDate(session.date)
    media = episode.enclosure
    entry.enclosure(publication.url(media.path), str(media.size), media.media_type)
    entry.podcast.itunes_duration(round(episode.duration))
    if session.episode is not None:
        entry.podcast.itunes_episode(session.episode)
    if session.season is not None:
        entry.podcast.itunes_season(session.season)
    entry.podcast.itunes_episode_type(session.episode_type)
