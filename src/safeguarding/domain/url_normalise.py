"""One canonical form for a URL, however it was written: the form URL lists are matched in.

``normalise_url`` reads a URL as people write it to get past filters (``hxxp://``,
``example[.]com``, ``example(.)com``, ``example dot com``, spaces around the dots, upper
case, ``www.``, a Unicode host, needless percent-escapes) and gives one form:

- no scheme, no user name or password, no fragment, no default port (80, 443);
- the host lower-case, in ASCII (punycode, ``xn--``), with every leading ``www.`` and a
  trailing dot dropped;
- the path with percent-escapes normalised (unreserved characters decoded, the rest escaped
  with upper-case hex), ``.`` and ``..`` segments resolved, repeated and trailing slashes
  dropped;
- the query kept (normalised as the path is) or dropped, as asked.

The result is ``host[:port][/path][?query]``, or None when the text is no URL (no host with a
dot and a top-level label). Normalising a normal form gives it back unchanged.
"""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*|h[tx*]{2}ps?)(?:\[:\]|\(:\)|:)\s*//", re.I)
_DOTS = re.compile(
    r"\s*(?:\[\s*(?:\.|dot)\s*\]|\(\s*(?:\.|dot)\s*\)|\{\s*(?:\.|dot)\s*\})\s*"
    r"|\s+dot\s+|\s*\.\s*",
    re.I,
)
_HOST = re.compile(
    r"^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]+)$"
)
_IPV4 = re.compile(r"^\d{1,3}(?:\.\d{1,3}){3}$")
_PORT = re.compile(r"^\d{1,5}$")
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# Characters left as they are in a path or query are RFC 3986's pchar and "/" "?"; a token is
# an escape, or one character to escape.
_TOKEN = re.compile(r"%[0-9A-Fa-f]{2}|[^A-Za-z0-9\-._~!$&'()*+,;=:@/?]")
_DEFAULT_PORTS = frozenset({80, 443})
_MAX_HOST = 253  # DNS's longest name
# Fast paths: most URLs need none of the work below (checked in C, not char by char).
_PLAIN_AUTHORITY = re.compile(r"[a-z0-9.-]+")
_PLAIN_PART = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?]*")


def normalise_url(text: str, *, keep_query: bool = True) -> str | None:
    """The canonical form of ``text`` as a URL, or None when it is not one."""
    rest = _SCHEME.sub("", text.strip(), count=1).lstrip("/")
    rest = rest.partition("#")[0]
    authority, tail = _split_authority(rest)
    host = _authority(authority)
    if host is None:
        return None
    path, _, query = tail.partition("?")
    form = host + _path(path)
    if keep_query and (query := _escaped(query)):
        form += "?" + query
    return form


def _split_authority(rest: str) -> tuple[str, str]:
    slash, query = rest.find("/"), rest.find("?")
    cut = min(slash if slash >= 0 else len(rest), query if query >= 0 else len(rest))
    return rest[:cut], rest[cut:]


def _authority(authority: str) -> str | None:
    """``host[:port]`` in canonical form, or None."""
    authority = authority.rsplit("@", 1)[-1]
    if not _PLAIN_AUTHORITY.fullmatch(authority):
        authority = _DOTS.sub(".", authority)
    host, colon, port = authority.partition(":")
    if colon and not (_PORT.match(port) and int(port) <= 65535):
        return None
    name = _host(host)
    if name is None:
        return None
    return name if not colon or int(port) in _DEFAULT_PORTS else f"{name}:{int(port)}"


def _host(host: str) -> str | None:
    if "%" in host:
        host = _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), host)
    host = host.lower().rstrip(".")
    if len(host) > _MAX_HOST:
        return None  # no such host name; and IDNA on a huge one would cost milliseconds
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return None
    while host.startswith("www."):
        host = host[4:]
    if _IPV4.match(host):
        return host if all(int(part) < 256 for part in host.split(".")) else None
    return host if _HOST.match(host) else None


def _path(path: str) -> str:
    """``/a/b`` with escapes normalised, dot segments resolved, empty segments dropped."""
    path = _escaped(path)
    if "//" not in path and "/." not in path and not path.endswith("/"):
        return path
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if kept:
                kept.pop()
        elif segment not in ("", "."):
            kept.append(segment)
    return "".join("/" + s for s in kept)


def _escaped(part: str) -> str:
    """``part`` with unreserved characters decoded and everything else not kept escaped.

    One pass over the text as written, so a decoded character never joins what follows it
    into a new escape (``%%3541`` must not become ``%541`` and then ``T1``).
    """
    return part if _PLAIN_PART.fullmatch(part) else _TOKEN.sub(_token, part)


def _token(match: re.Match[str]) -> str:
    token = match.group(0)
    if len(token) == 3:  # an escape: %XX
        char = chr(int(token[1:], 16))
        return char if char in _UNRESERVED else token.upper()
    return "".join(f"%{byte:02X}" for byte in token.encode("utf-8"))
