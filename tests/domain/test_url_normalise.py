"""The URL normaliser: one form however a URL is written, and that form is a fixed point."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from safeguarding.domain.url_lists import UrlEntry, UrlListed
from safeguarding.domain.url_normalise import normalise_url

LABEL = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True)
UNICODE_LABEL = st.sampled_from(["bücher", "café", "école", "straße-x", "mañana"])
SEGMENT = st.from_regex(r"[A-Za-z0-9._~!$&'()*+,;=:@-]{1,12}", fullmatch=True).filter(
    lambda s: s not in (".", "..")
)
QUERY = st.from_regex(r"[a-z]{1,5}=[A-Za-z0-9]{0,6}", fullmatch=True)
HOSTS = st.sampled_from(["example.com", "example.org", "example.net"])
DOTS = st.sampled_from([".", "[.]", "(.)", "{.}", " dot ", " . ", "[dot]", " (dot) ", ". "])
SCHEMES = st.sampled_from(
    ["", "http://", "https://", "hxxp://", "hxxps://", "HTTP://", "//", "hxxp[:]//", "h**ps://"]
)


@st.composite
def urls(draw: st.DrawFn) -> tuple[str, str]:
    """A URL written plainly, and the same URL written the ways people disguise one."""
    labels = draw(st.lists(st.one_of(LABEL, UNICODE_LABEL), max_size=2))
    site = draw(HOSTS)
    path = draw(st.lists(SEGMENT, max_size=4))
    query = draw(st.lists(QUERY, max_size=2))
    plain_host = ".".join([*labels, site])
    ascii_host = ".".join([lbl.encode("idna").decode() for lbl in labels] + [site])
    tail = "".join("/" + s for s in path) + ("?" + "&".join(query) if query else "")
    plain = "http://" + plain_host + tail
    host_parts = (
        ("www." if draw(st.booleans()) else "") + ascii_host if draw(st.booleans()) else plain_host
    ).split(".")
    host = host_parts[0]
    for part in host_parts[1:]:
        host += draw(DOTS) + part
    host = "".join(c.upper() if draw(st.booleans()) else c for c in host)
    written_tail = "".join("/" + escaped(draw, s) for s in path) + ("/" * draw(st.integers(0, 2)))
    if query:
        written_tail += "?" + "&".join(query)
    port = draw(st.sampled_from(["", ":80", ":443"]))
    fragment = draw(st.sampled_from(["", "#top"]))
    return plain, draw(SCHEMES) + host + port + written_tail + fragment


def escaped(draw: st.DrawFn, segment: str) -> str:
    """``segment`` with some unreserved characters needlessly percent-escaped."""
    return "".join(
        f"%{ord(c):02{draw(st.sampled_from(['x', 'X']))}}"
        if c.isalnum() and draw(st.booleans())
        else c
        for c in segment
    )


@settings(max_examples=300)
@given(urls())
def test_every_way_of_writing_a_url_normalises_alike(pair: tuple[str, str]) -> None:
    plain, written = pair
    expected = normalise_url(plain)
    assert expected is not None
    assert normalise_url(written) == expected
    assert normalise_url(written, keep_query=False) == expected.partition("?")[0]


@settings(max_examples=500)
@given(st.one_of(urls().map(lambda p: p[1]), st.text(max_size=60)))
def test_a_normal_form_is_its_own_normal_form(text: str) -> None:
    form = normalise_url(text)
    if form is not None:
        assert normalise_url(form) == form
        assert normalise_url(form, keep_query=False) == normalise_url(text, keep_query=False)


@settings(max_examples=200)
@given(urls(), st.sampled_from(["", " prefix", " query=keep", " query=drop", " exact"]))
def test_an_entry_reads_back_from_what_a_bank_stores(pair: tuple[str, str], option: str) -> None:
    written = pair[0].replace(" ", "") + option
    entry = UrlEntry.parse(written)
    assert UrlEntry.parse(entry.canonical()) == entry
    assert UrlEntry.from_canonical(entry.canonical()) == entry


@pytest.mark.parametrize(
    ("written", "form"),
    [
        ("hxxp://www.Example[.]com/A/b/", "example.com/A/b"),
        ("example dot org/x%2fy%41", "example.org/x%2FyA"),
        ("HTTPS://bücher.example.net:443/./a//b/../c/", "xn--bcher-kva.example.net/a/c"),
        ("user:pw@example.com:8080/p q", "example.com:8080/p%20q"),
        ("example.net/%%3541", "example.net/%25541"),
    ],
)
def test_known_forms(written: str, form: str) -> None:
    assert normalise_url(written) == form


@pytest.mark.parametrize("text", ["3.5", "e.g", "exa mple.com", "example", "www.", ""])
def test_what_is_no_url(text: str) -> None:
    assert normalise_url(text) is None


def test_hashed_entries_keep_their_kind() -> None:
    entry = UrlEntry.parse("a" * 32 + " prefix")
    assert (entry.listed, entry.prefix, entry.canonical()) == (
        UrlListed.MD5,
        True,
        "md5:" + "a" * 32 + " prefix",
    )
