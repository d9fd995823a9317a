# ruff: noqa: E501 (the feeds keep the long lines hosts write)
"""Feeds written the way real hosts write them, for the import tests.

``castopod``: as Castopod 1.x writes a podcast's feed (Podcasting 2.0 tags:
``podcast:guid``, ``locked``, persons, location, JSON chapters, SRT transcript;
UUID item GUIDs; RFC 822 dates in +0000). ``commercial``: as a typical
commercial host writes one (iTunes tags only, CDATA HTML notes, permalink GUIDs
and one item without a GUID, RFC 822 dates in several forms, an enclosure
without a length and one behind a tracking redirect, Podlove Simple Chapters).
"""

from __future__ import annotations

CASTOPOD_GUID = "8e5d1b5e-2b1e-5d0a-9f1c-4a3e2c1d0b9a"
CASTOPOD_ITEMS = (
    "0e1b4c55-7e0c-4d3e-9a51-2f4b8f0c6a11",
    "5a9c2d7e-3f1b-4c8a-b6d2-9e0f1a2b3c44",
)


def castopod(base: str, sizes: list[int], *, extra_item: bool = False) -> bytes:
    third = (
        f"""
    <item>
      <title>Assemblée générale 2023</title>
      <enclosure url="{base}/audio/@conseil/ag-2023.mp3" length="{sizes[2]}" type="audio/mpeg"/>
      <guid isPermaLink="false">9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a</guid>
      <pubDate>Sat, 10 Jun 2023 09:30:00 +0000</pubDate>
      <description><![CDATA[<p>L'assemblée générale annuelle.</p>]]></description>
      <itunes:duration>2</itunes:duration>
      <itunes:episodeType>bonus</itunes:episodeType>
      <itunes:explicit>false</itunes:explicit>
    </item>"""
        if extra_item
        else ""
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:podcast="https://podcastindex.org/namespace/1.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:content="http://purl.org/rss/1.0/modules/content/" version="2.0">
  <channel>
    <atom:link href="{base}/@conseil/feed.xml" rel="self" type="application/rss+xml"/>
    <podcast:guid>{CASTOPOD_GUID}</podcast:guid>
    <title>Conseil de quartier</title>
    <description><![CDATA[<p>Les séances du <strong>conseil de quartier</strong>, enregistrées en public.</p><p>Plus d'informations sur <a href="https://quartier.example.org">notre site</a>.</p>]]></description>
    <link>https://castopod.example/@conseil</link>
    <generator>Castopod - https://castopod.org/</generator>
    <language>fr</language>
    <copyright>© 2023 Conseil de quartier</copyright>
    <podcast:locked owner="bureau@quartier.example.org">yes</podcast:locked>
    <podcast:license>CC-BY-SA-4.0</podcast:license>
    <podcast:medium>podcast</podcast:medium>
    <itunes:type>episodic</itunes:type>
    <itunes:category text="Government"/>
    <itunes:category text="News"><itunes:category text="Politics"/></itunes:category>
    <podcast:person role="host" href="https://quartier.example.org/claire">Claire Martin</podcast:person>
    <image>
      <url>{base}/media/podcasts/conseil/cover_feed.png</url>
      <title>Conseil de quartier</title>
      <link>https://castopod.example/@conseil</link>
    </image>
    <itunes:image href="{base}/media/podcasts/conseil/cover.png"/>
    <itunes:explicit>false</itunes:explicit>
    <itunes:author>Conseil de quartier</itunes:author>
    <itunes:owner>
      <itunes:name>Bureau du conseil</itunes:name>
      <itunes:email>bureau@quartier.example.org</itunes:email>
    </itunes:owner>
    <item>
      <title>Séance de mars : le budget participatif</title>
      <enclosure url="{base}/audio/@conseil/seance-de-mars.mp3" length="{sizes[0]}" type="audio/mpeg"/>
      <guid isPermaLink="false">{CASTOPOD_ITEMS[0]}</guid>
      <pubDate>Thu, 16 Mar 2023 18:00:00 +0000</pubDate>
      <description><![CDATA[<p>Le budget participatif : <em>bilan</em> et propositions.</p><ul><li>Les projets retenus</li><li>Le calendrier</li></ul>]]></description>
      <itunes:duration>2</itunes:duration>
      <link>https://castopod.example/@conseil/episodes/seance-de-mars</link>
      <itunes:image href="{base}/media/podcasts/conseil/cover.png"/>
      <itunes:explicit>false</itunes:explicit>
      <itunes:season>1</itunes:season>
      <itunes:episode>1</itunes:episode>
      <itunes:episodeType>full</itunes:episodeType>
      <podcast:season>1</podcast:season>
      <podcast:episode>1</podcast:episode>
      <podcast:location geo="geo:48.8697,2.3731" osm="R7444">Maison des associations</podcast:location>
      <podcast:chapters url="{base}/@conseil/episodes/seance-de-mars/chapters" type="application/json+chapters"/>
      <podcast:transcript url="{base}/media/podcasts/conseil/seance-de-mars.srt" type="application/x-subrip" language="fr"/>
      <podcast:person role="host" href="https://quartier.example.org/claire">Claire Martin</podcast:person>
      <podcast:person role="guest">Paul Durand</podcast:person>
    </item>
    <item>
      <title>Séance d'avril</title>
      <enclosure url="{base}/audio/@conseil/seance-d-avril.mp3" length="{sizes[1]}" type="audio/mpeg"/>
      <guid isPermaLink="false">{CASTOPOD_ITEMS[1]}</guid>
      <pubDate>Thu, 20 Apr 2023 17:00:00 +0000</pubDate>
      <description><![CDATA[<p>Ordre du jour : la propreté &amp; les espaces verts.</p>]]></description>
      <itunes:duration>2</itunes:duration>
      <itunes:explicit>true</itunes:explicit>
      <itunes:season>1</itunes:season>
      <itunes:episode>2</itunes:episode>
      <itunes:episodeType>full</itunes:episodeType>
    </item>{third}
  </channel>
</rss>
""".encode()


CHAPTERS_JSON = b"""{
  "version": "1.2.0",
  "chapters": [
    {"startTime": 0, "title": "Ouverture"},
    {"startTime": 1.2, "title": "Les projets", "url": "https://quartier.example.org/budget"},
    {"startTime": 1.5, "title": "hidden", "toc": false}
  ]
}
"""

TRANSCRIPT_SRT = """1
00:00:00,000 --> 00:00:01,000
Bonjour à toutes et à tous.

2
00:00:01,000 --> 00:00:02,000
Commençons par le budget.
""".encode()

COMMERCIAL_GUIDS = (
    "https://host.example.com/episodes/town-hall-january",
    "tag:host.example.com,2023:episode-2",
)


def commercial(base: str, sizes: list[int]) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:psc="http://podlove.org/simple-chapters">
<channel>
<atom:link href="{base}/feeds/town-hall.xml" rel="self" type="application/rss+xml"/>
<title><![CDATA[Town Hall Meetings]]></title>
<link>https://townhall.example.org/</link>
<description><![CDATA[Every <b>public meeting</b> of our town council.<br/>Unedited.]]></description>
<language>en-us</language>
<copyright><![CDATA[Town Hall Association]]></copyright>
<lastBuildDate>Tue, 14 Feb 2023 10:00:00 GMT</lastBuildDate>
<itunes:author>Town Hall Association</itunes:author>
<itunes:summary><![CDATA[Every public meeting of our town council.]]></itunes:summary>
<itunes:type>episodic</itunes:type>
<itunes:owner><itunes:name>Town Hall Association</itunes:name><itunes:email>podcast@townhall.example.org</itunes:email></itunes:owner>
<itunes:explicit>no</itunes:explicit>
<itunes:category text="Government"></itunes:category>
<itunes:category text="Society &amp; Culture"><itunes:category text="Documentary"/></itunes:category>
<itunes:category text="Talk Radio"/>
<itunes:image href="{base}/images/show-3000.jpg"/>
<item>
<title><![CDATA[January town hall: roads & budget]]></title>
<itunes:title><![CDATA[January town hall]]></itunes:title>
<pubDate>Tue, 17 Jan 2023 19:00:00 -0500</pubDate>
<guid isPermaLink="true"><![CDATA[{COMMERCIAL_GUIDS[0]}]]></guid>
<link><![CDATA[https://host.example.com/episodes/town-hall-january]]></link>
<itunes:image href="{base}/images/show-3000.jpg"/>
<description><![CDATA[<p>Roads, the <a href="https://townhall.example.org/budget">budget</a> and questions.</p><p><img src="https://track.example/pixel.gif"/></p>]]></description>
<content:encoded><![CDATA[<p>Roads, the <a href="https://townhall.example.org/budget">budget</a> and questions from the floor.</p><p><img src="https://track.example/pixel.gif"/></p>]]></content:encoded>
<enclosure length="" type="audio/mpeg" url="{base}/track/prefix/enclosures/jan.mp3?source=rss"/>
<itunes:duration>00:00:02</itunes:duration>
<itunes:explicit>clean</itunes:explicit>
<itunes:keywords>roads,budget</itunes:keywords>
<itunes:episodeType>full</itunes:episodeType>
<psc:chapters version="1.2">
  <psc:chapter start="00:00:00.000" title="Welcome"/>
  <psc:chapter start="00:00:01.250" title="Roads" href="https://townhall.example.org/roads"/>
</psc:chapters>
</item>
<item>
<title>February town hall</title>
<pubDate>14 Feb 23 19:00 EST</pubDate>
<guid isPermaLink="false">{COMMERCIAL_GUIDS[1]}</guid>
<description><![CDATA[Valentine's day &mdash; parking and the library.]]></description>
<enclosure url="{base}/enclosures/feb.mp3" length="{sizes[1]}" type="audio/mpeg"/>
<itunes:duration>2</itunes:duration>
<itunes:episode>2</itunes:episode>
</item>
<item>
<title>March town hall</title>
<pubDate>Tue, 7 Mar 2023 19:00:00 EST</pubDate>
<description>No guid for this one: apps know it by its enclosure.</description>
<enclosure url="{base}/enclosures/mar.mp3" length="{sizes[2]}" type="audio/mpeg"/>
</item>
<item>
<title>A text post without audio</title>
<pubDate>Wed, 8 Mar 2023 10:00:00 GMT</pubDate>
<guid>post-1</guid>
</item>
</channel>
</rss>
""".encode()
