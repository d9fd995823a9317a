"""``search`` skips the sessions that cannot match before searching them item by item: the
quick test (``_may_match``) never drops a session the full search would find."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from audioarchive.common.text import markdown_to_text
from audioarchive.inspect.browse import (
    _may_match,
    _search_session,
    _searchable,
    search_sessions,
    search_terms,
)
from audioarchive.metadata.session import (
    Chapter,
    Person,
    Resource,
    Session,
    Venue,
    load_workspace,
)
from tests.helpers import new_workspace

# Markdown and Unicode that change what a description's words look like once rendered and
# folded: emphasis inside a word, entities (named, decimal, hexadecimal, without ';'), links
# and images inside a word, autolinks, code spans and fences with an info string, escapes,
# list numbers, raw HTML (escaped), accents precomposed or combining, ligatures, ß.
PIECES = [
    "bud", "get", "mat", "ré", "Dé", "É", "e\u0301", "ﬁ", "ﬀ", "Œ", "œ", "ß", "ǅ", "½", "²",
    "**", "*", "_", "`", "```py\n", "~~~sh\n", "\\", "\\*", "[", "]", "](http://x.org/p)",
    "![", "<http://a.b/c>", "<b>", ">", "&eacute;", "&#233;", "&#xE9;", "&amp;", "&amp",
    "&nbsp;", "&lt;", "&unknown;", "\n", "\n\n", "1. ", "2) ", "- ", "# ", "> ", "    ",
    " ", ",", "'", '"', "[1]: http://z.org\n", "[1]", "; ", "[ré](http://x.org/p)",
    "![é](http://x.org/i.png)", "`co`", "\n- a\n  ```py\n  b\n  ```\n", "<x@y.org>", "<http://x.org/%C3%A9t%C3%A9>",
]  # fmt: skip
words = st.lists(st.sampled_from(PIECES), max_size=12).map("".join)
names = st.text(alphabet="abcéÉŒß ﬁ-'", min_size=1, max_size=12).filter(str.strip)
people = st.builds(
    Person,
    name=names,
    role=st.sampled_from(["guest", "moderator"]),
    affiliation=st.none() | names,
    publish_name=st.booleans(),
)
sessions = st.builds(
    Session,
    id=st.just("s"),
    title=words,
    source=st.just(Path("s.yaml")),
    description=words,
    venue=st.none() | st.builds(Venue, name=names, address=st.none() | names),
    speakers=st.lists(people, max_size=2).map(tuple),
    topics=st.lists(names, max_size=2).map(tuple),
    resources=st.lists(
        st.builds(Resource, title=words, url=st.just("https://x.org/a")), max_size=1
    ).map(tuple),
    chapters=st.lists(words, max_size=2).map(
        lambda titles: tuple(Chapter(float(i), t) for i, t in enumerate(titles))
    ),
)


def _query_from(session: Session, pick: int, cut: int, other: str) -> str:
    """The start of one word of the session's texts as the search sees them (so that most
    examples match): word ``pick``, its first ``cut`` characters; ``other`` when there is
    none or ``pick`` is negative."""
    found = [w for item in _searchable(session, None) for w in item.folded.split()]
    if not found or pick < 0:
        return other
    word = found[pick % len(found)]
    return word[: max(1, cut % (len(word) + 1))]


def _plain(description: str) -> Session:
    return Session("s", "x", Path("s.yaml"), description=description)


@settings(max_examples=max(300, settings().max_examples), deadline=None)
@given(
    session=sessions,
    pick=st.integers(-5, 1000),
    cut=st.integers(1, 40),
    other=words,
)
@example(session=_plain("d&eacute;mat&#233;rialisation"), pick=1, cut=40, other="")
@example(session=_plain("[bud](http://x)get"), pick=1, cut=6, other="")
@example(session=_plain("bud**get**"), pick=1, cut=6, other="")
@example(session=_plain("- a\n  ```py\n  code\n  ```"), pick=2, cut=5, other="")
def test_the_quick_test_never_drops_a_match(
    session: Session, pick: int, cut: int, other: str
) -> None:
    query = _query_from(session, pick, cut, other)
    terms = search_terms(query)
    if not terms:
        return
    if _search_session(session, None, terms) is not None:
        assert _may_match(session, terms), (query, terms)


@settings(max_examples=max(500, settings().max_examples), deadline=None)
@given(description=words, pick=st.integers(0, 1000), cut=st.integers(1, 40))
def test_the_quick_test_never_drops_a_word_of_a_description(
    description: str, pick: int, cut: int
) -> None:
    """The same, on descriptions alone: where Markdown hides words."""
    session = _plain(description)
    query = _query_from(session, pick, cut, "")
    terms = search_terms(query)
    if terms and _search_session(session, None, terms) is not None:
        assert _may_match(session, terms), (query, terms)


@pytest.mark.parametrize(
    ("description", "query"),
    [
        ("d&eacute;mat&#233;rialisation", "dematerialisation"),  # entities
        ("le [bud](https://example.org)get", "budget"),  # a link inside a word
        ("bud![](https://example.org/a.png)get", "budget"),  # an image
        ("- text\n  ```python\n  code\n  ```", "textcode"),  # a fence's info string
        ("<http://x.org/%C3%A9t%C3%A9>", "ete"),  # an autolink, shown decoded
    ],
)
def test_markup_that_joins_words_is_rendered_first(description: str, query: str) -> None:
    """Read as written, these descriptions do not hold the word the search finds in them:
    the quick test renders them."""
    session = _plain(description)
    terms = search_terms(query)
    assert _search_session(session, None, terms) is not None
    assert query not in "".join(c for c in description.casefold() if c.isalnum())
    assert _may_match(session, terms)


def test_the_quick_test_skips_and_reads_plain_markdown_as_written() -> None:
    session = Session(
        "s",
        "Séance",
        Path("s.yaml"),
        description="Le conseil débat de **budg**et et de la _voirie_.",
        speakers=(Person("Nadia", publish_name=False),),
    )
    rendered = markdown_to_text.cache_info().misses
    assert _may_match(session, search_terms("BUDGET séance"))
    assert _may_match(session, search_terms("publishable nadia"))  # the private note
    assert not _may_match(session, search_terms("budget culture"))
    assert not _may_match(session, search_terms("debatte"))
    assert markdown_to_text.cache_info().misses == rendered  # no Markdown rendered


def test_search_finds_what_the_full_search_finds(tmp_path: Path) -> None:
    """On a workspace: the results (order, scores, hits) are those of searching every
    session item by item."""
    ws = new_workspace(tmp_path / "ws")
    descriptions = [
        "Le conseil débat du **budg**et participatif.",
        "La d&eacute;mat&#233;rialisation des d&eacute;marches, [voir](https://x.org)ie.",
        "Questions sur la voirie et le *budget* des écoles.",
        "Rien de tout cela.",
    ]
    for number, description in enumerate(descriptions):
        ws.write_session(
            f"2024-0{number + 1}-05-s{number}",
            title=f"Séance {number}",
            date=f"2024-0{number + 1}-05T19:00:00+01:00",
            description=description,
            speakers=[{"name": "Nadia Ek", "publish_name": number != 2}],
            topics=["écoles"] if number % 2 else [],
            chapters=[{"start": 0, "title": "Ouverture"}, {"start": 60, "title": "Budget"}],
        )
    workspace = load_workspace(ws.root)
    queries = ["budget", "dematerialisation", "voirie", "ecoles budget", "publishable", "ouv", "x"]
    for query in queries:
        terms = search_terms(query)
        every = [_search_session(s, None, terms) for s in workspace.sessions]
        expected = sorted(
            (r for r in every if r is not None), key=lambda r: (-r.score, r.date or "9999", r.id)
        )
        assert search_sessions(workspace, query) == expected, query
    assert [r.id for r in search_sessions(workspace, "publishable")] == ["2024-03-05-s2"]
    assert len(search_sessions(workspace, "budget")) == 4  # chapter "Budget" in every one
    assert [r.id for r in search_sessions(workspace, "dematerialisation")] == ["2024-02-05-s1"]
