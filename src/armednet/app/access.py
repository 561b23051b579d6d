"""Who may use the dashboard: Host and Origin checks, the optional token, security headers.

A page on another site can reach a server on this machine by *DNS rebinding*: its own name
first resolves to its server, then to ``127.0.0.1``, and the browser then lets its scripts
read the answers. Such requests carry the attacker's name in their ``Host`` header, so the
dashboard answers only requests whose ``Host`` (and ``Origin``, when the browser sends one)
names the address it is bound to [1]_:

- bound to a loopback address (the default): ``127.0.0.1``, ``localhost`` and ``[::1]``
  on the bound port;
- bound to one address: that address, and this machine's host name, on the bound port;
- bound to every interface (``0.0.0.0``, ``::``): any IP address, ``localhost`` and this
  machine's host name, on the bound port;
- and, on any port, the names given with ``--allow-host`` (a name in DNS, a proxy).

With a token, every request must also carry it: once as ``?token=...`` in the address (the
answer stores it in a cookie for this port and drops it from the address), or as an
``Authorization: Bearer ...`` header (scripts). Refused requests get HTTP 403 and a line
saying why. :class:`Guard` applies all this as WSGI middleware, ahead of Flask and Dash,
and adds the security headers to every response, refusals included.

References
----------
.. [1] OWASP, "DNS rebinding"; and the same defence in Jupyter Server's
   ``allow_remote_access`` / ``local_hostnames`` settings.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

__all__ = ["Access", "Guard", "access_rules", "is_loopback"]

_LOOPBACK = frozenset({"localhost", "127.0.0.1", "::1"})
_WILDCARDS = frozenset({"", "0.0.0.0", "::"})

Environ = dict[str, Any]
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]


def _ip(name: str) -> str | None:
    """The IP address ``name`` spells, normalised (``::1``), or None for a host name."""
    try:
        return str(ipaddress.ip_address(name.strip("[]")))
    except ValueError:
        return None


def _name(name: str) -> str:
    """A host name as compared: lower case, no trailing dot, IP addresses normalised."""
    name = name.strip().lower().rstrip(".")
    return _ip(name) or name


def is_loopback(host: str) -> bool:
    """True if ``host`` names this machine only (``127.0.0.0/8``, ``::1``, ``localhost``).

    Examples
    --------
    >>> is_loopback("127.0.0.1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, False)
    """
    if _name(host) == "localhost":
        return True
    ip = _ip(host)
    return ip is not None and ipaddress.ip_address(ip).is_loopback


def _split(value: str, default_port: int) -> tuple[str, int] | None:
    """``host[:port]`` (IPv6 in brackets) as ``(name, port)``, or None if malformed."""
    value = value.strip()
    if not value or any(c in value for c in "/@?# \t"):
        return None
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        host, rest = value[1:end], value[end + 1:]
        if rest and not rest.startswith(":"):
            return None
        port_text = rest[1:]
    elif value.count(":") == 1:
        host, port_text = value.split(":")
    elif ":" in value:
        return None  # a bare IPv6 address: not a valid Host header
    else:
        host, port_text = value, ""
    if port_text:
        if not port_text.isdigit() or not 0 < int(port_text) < 65536:
            return None
        return _name(host), int(port_text)
    return _name(host), default_port


@dataclass(frozen=True)
class Access:
    """The rules :class:`Guard` applies.

    Attributes
    ----------
    port : int
        The bound port: the port a ``Host`` or ``Origin`` must name.
    names : frozenset of str
        Host names and addresses accepted on that port.
    any_ip : bool
        Any IP address is accepted on that port (the server binds every interface).
    extra : frozenset of str
        Names accepted on any port (``--allow-host``).
    token : str or None
        The secret requests must carry, if any.
    """

    port: int
    names: frozenset[str]
    any_ip: bool = False
    extra: frozenset[str] = frozenset()
    token: str | None = None

    @property
    def cookie(self) -> str:
        """The cookie that carries the token (one per port: cookies ignore ports)."""
        return f"armednet_token_{self.port}"

    @property
    def example_host(self) -> str:
        """A ``Host`` value the rules accept (for the app's warm-up request)."""
        name = "127.0.0.1" if "127.0.0.1" in self.names or self.any_ip else \
            sorted(self.names)[0]
        return f"[{name}]:{self.port}" if ":" in name else f"{name}:{self.port}"

    def host_ok(self, value: str | None, default_port: int = 80) -> bool:
        """True if a ``Host`` value (or an origin's ``host:port``) names this dashboard."""
        if not value:
            return False
        split = _split(value, default_port)
        if split is None:
            return False
        name, port = split
        if name in self.extra:
            return True
        return port == self.port and (name in self.names
                                      or (self.any_ip and _ip(name) is not None))

    def origin_ok(self, value: str | None) -> bool:
        """True if an ``Origin`` header is absent or names this dashboard."""
        if value is None:
            return True
        try:
            parts = urlsplit(value.strip())
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or parts.path not in ("", "/"):
            return False
        return self.host_ok(parts.netloc, 443 if parts.scheme == "https" else 80)

    def _digest(self) -> str:
        assert self.token is not None
        return hashlib.sha256(f"armednet:{self.token}".encode()).hexdigest()

    def token_ok(self, environ: Environ) -> bool:
        """True if no token is asked for, or the request carries it (header or cookie)."""
        if self.token is None:
            return True
        auth = str(environ.get("HTTP_AUTHORIZATION", ""))
        if auth.startswith("Bearer ") and hmac.compare_digest(
                auth[7:].strip().encode(), self.token.encode()):
            return True
        cookies = SimpleCookie()
        try:
            cookies.load(str(environ.get("HTTP_COOKIE", "")))
        except Exception:  # a malformed cookie header carries no token
            return False
        held = cookies.get(self.cookie)
        return held is not None and hmac.compare_digest(held.value.encode(),
                                                        self._digest().encode())

    def token_in_query(self, environ: Environ) -> tuple[bool, str]:
        """Whether the query string holds the token, and the query without it."""
        pairs = parse_qsl(str(environ.get("QUERY_STRING", "")), keep_blank_values=True)
        given = [v for k, v in pairs if k == "token"]
        rest = urlencode([(k, v) for k, v in pairs if k != "token"])
        ok = (self.token is not None and len(given) == 1
              and hmac.compare_digest(given[0].encode(), self.token.encode()))
        return ok, rest

    def cookie_header(self) -> str:
        """``Set-Cookie`` value storing the token's digest for this port."""
        return (f"{self.cookie}={self._digest()}; Path=/; HttpOnly; SameSite=Strict")


def _machine_names() -> set[str]:
    names: set[str] = set()
    for get in (socket.gethostname, socket.getfqdn):
        try:
            name = get()
        except OSError:  # pragma: no cover - a host without a name
            continue
        if name:
            names.add(_name(name))
    return names


def access_rules(host: str, port: int, token: str | None = None,
                 allow_hosts: Iterable[str] = ()) -> Access:
    """The rules for a server bound to ``host:port``.

    Parameters
    ----------
    host : str
        The bound address (``127.0.0.1``, ``0.0.0.0``, ``::``, an address or a name).
    port : int
        The bound port.
    token : str, optional
        A secret every request must carry.
    allow_hosts : iterable of str
        Host names accepted on any port besides those of the bound address.

    Returns
    -------
    Access

    Examples
    --------
    >>> rules = access_rules("127.0.0.1", 8050)
    >>> rules.host_ok("localhost:8050"), rules.host_ok("evil.example:8050")
    (True, False)
    >>> rules.origin_ok("http://127.0.0.1:8050"), rules.origin_ok("http://evil.example")
    (True, False)
    """
    bound = _name(host)
    if bound in _WILDCARDS:
        names = set(_LOOPBACK) | _machine_names()
        any_ip = True
    elif is_loopback(bound):
        names, any_ip = set(_LOOPBACK) | {bound}, False
    else:
        names, any_ip = {bound} | _machine_names(), False
    extra = frozenset(_name(h) for h in allow_hosts if h.strip())
    return Access(port=port, names=frozenset(names), any_ip=any_ip, extra=extra,
                  token=token or None)


class Guard:
    """WSGI middleware: security headers on every response; the access rules, once set.

    Parameters
    ----------
    app : WSGI application
        The Flask application of the Dash app.
    headers : callable
        Returns the ``(name, value)`` headers every response carries.

    Attributes
    ----------
    rules : Access or None
        The access rules (None: every request passes; :func:`armednet.app.server.protect`
        sets them).
    """

    def __init__(self, app: WsgiApp, headers: Callable[[], list[tuple[str, str]]]) -> None:
        self.app = app
        self.headers = headers
        self.rules: Access | None = None

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        extra = self.headers()
        if self.rules is not None:
            answer = self._check(self.rules, environ)
            if answer is not None:
                status, text, headers = answer
                return self._answer(start_response, status, text, [*extra, *headers])

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            names = {k.lower() for k, _ in headers}
            headers = headers + [(k, v) for k, v in extra if k.lower() not in names]
            return start_response(status, headers, exc_info)

        return self.app(environ, start)

    def _check(self, rules: Access,
               environ: Environ) -> tuple[str, str, list[tuple[str, str]]] | None:
        """None if the request may pass, else the answer: status, text, headers."""
        why = self._refusal(rules, environ)
        if why is not None:
            return "403 Forbidden", why, []
        if rules.token_ok(environ):
            return None
        ok, rest = rules.token_in_query(environ)
        if ok and environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            where = (str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", "/"))
                     + (f"?{rest}" if rest else ""))
            return "303 See Other", "", [("Location", where or "/"),
                                         ("Set-Cookie", rules.cookie_header())]
        return ("403 Forbidden", "armednet dashboard: this server asks for a token; open the "
                "address that `armednet serve` printed (it ends in ?token=...), or send "
                "'Authorization: Bearer <token>'", [])

    @staticmethod
    def _refusal(rules: Access, environ: Environ) -> str | None:
        host = environ.get("HTTP_HOST")
        if not rules.host_ok(host):
            return (f"armednet dashboard: refused: the Host header {str(host)[:100]!r} does "
                    f"not name this server (bound to port {rules.port}); requests through "
                    "another name are refused against DNS rebinding (--allow-host NAME "
                    "accepts a name)")
        origin = environ.get("HTTP_ORIGIN")
        if not rules.origin_ok(origin):
            return (f"armednet dashboard: refused: a request from the page at "
                    f"{str(origin)[:100]!r}, which is not this dashboard")
        return None

    @staticmethod
    def _answer(start_response: StartResponse, status: str, text: str,
                headers: list[tuple[str, str]]) -> Iterator[bytes]:
        body = (text + "\n").encode("utf-8") if text else b""
        start_response(status, [("Content-Type", "text/plain; charset=utf-8"),
                                ("Content-Length", str(len(body))),
                                ("Cache-Control", "no-store"), *headers])
        yield body
