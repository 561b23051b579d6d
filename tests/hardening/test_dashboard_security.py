"""Issue 17, item 7: the dashboard refuses foreign hosts and origins (DNS rebinding), sends
security headers, asks for a token when told to (and beyond loopback), answers every upload
failure with a readable message, says why it cannot read a database another process is
writing, and starts with ``--dev``.

Servers run on free ports of 127.0.0.1 only; waits are bounded.
"""

from __future__ import annotations

import base64
import hashlib
import re
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from armednet.errors import InputError
from tests.cli.helpers import assert_clean_usage_error, run_cli

PORT = 8050
TOKEN = "a-test-token-0123456789"
LOCAL = f"http://127.0.0.1:{PORT}"


@pytest.fixture(scope="module")
def app() -> Any:
    from armednet.app.server import create_app

    return create_app()


@pytest.fixture
def client(app: Any) -> Iterator[Any]:
    from armednet.app.server import protect

    protect(app, "127.0.0.1", PORT)
    yield app.server.test_client()
    protect(app, "127.0.0.1", PORT)  # the next test starts without a token


# --- Host and Origin ------------------------------------------------------------------------


@pytest.mark.parametrize(("base", "origin", "status"), [
    (LOCAL, None, 200),
    (f"http://localhost:{PORT}", f"http://localhost:{PORT}", 200),
    (f"http://[::1]:{PORT}", None, 200),
    (f"http://rebind.attacker.example:{PORT}", None, 403),   # DNS rebinding
    (f"http://127.0.0.1.nip.io:{PORT}", None, 403),
    ("http://127.0.0.1:9999", None, 403),                    # another port's name
    (LOCAL, "http://attacker.example", 403),                 # a foreign page's request
    (LOCAL, "null", 403),
    (LOCAL, f"http://localhost:{PORT + 1}", 403),
])
def test_host_and_origin_must_name_this_server(client: Any, base: str, origin: str | None,
                                               status: int) -> None:
    headers = {"Origin": origin} if origin else {}
    for path in ("/", "/_dash-layout"):
        r = client.get(path, base_url=base, headers=headers)
        assert r.status_code == status, (path, r.data[:200])
    if status == 403:
        assert b"refused" in r.data


def test_a_foreign_origin_cannot_run_callbacks(client: Any) -> None:
    r = client.post("/_dash-update-component", json={}, base_url=LOCAL,
                    headers={"Origin": "http://attacker.example:8050"})
    assert r.status_code == 403


def test_rules_for_every_interface_and_allowed_names() -> None:
    from armednet.app.access import access_rules

    rules = access_rules("0.0.0.0", PORT, allow_hosts=["dash.example.org"])
    assert rules.host_ok(f"10.1.2.3:{PORT}") and rules.host_ok(f"[fe80::1]:{PORT}")
    assert rules.host_ok("dash.example.org") and rules.host_ok("dash.example.org:443")
    assert not rules.host_ok(f"rebind.attacker.example:{PORT}")
    assert not rules.host_ok(f"10.1.2.3:{PORT + 1}")
    assert rules.origin_ok("https://dash.example.org")
    one = access_rules("192.0.2.7", PORT)
    assert one.host_ok(f"192.0.2.7:{PORT}") and not one.host_ok(f"192.0.2.8:{PORT}")


# --- headers --------------------------------------------------------------------------------


def _inline_scripts(html: str) -> list[str]:
    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)  # Dash's IE notice is a comment
    out = []
    for attrs, body in re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S):
        if "src=" not in attrs and "application/json" not in attrs:
            out.append(body)
    return out


def test_security_headers_on_every_response(client: Any) -> None:
    for path, headers in (("/", {}), ("/_dash-layout", {}),
                          ("/", {"Origin": "http://attacker.example"})):
        r = client.get(path, base_url=LOCAL, headers=headers)
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["X-Frame-Options"] == "DENY"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        csp = r.headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "object-src 'none'" in csp and "'unsafe-eval'" not in csp
        assert "http" not in csp  # no CDN, no other site


def test_every_inline_script_of_the_page_is_allowed_by_its_hash(client: Any) -> None:
    r = client.get("/", base_url=LOCAL)
    csp = r.headers["Content-Security-Policy"]
    scripts = _inline_scripts(r.data.decode())
    assert len(scripts) >= 3  # the renderer, the clientside callbacks, the resize script
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp, body[:80]
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";")[0]


# --- token ----------------------------------------------------------------------------------


def test_the_token_is_asked_for_and_kept_in_a_cookie(app: Any) -> None:
    from armednet.app.server import protect

    rules = protect(app, "127.0.0.1", PORT, token=TOKEN)
    try:
        c = app.server.test_client()
        assert c.get("/", base_url=LOCAL).status_code == 403
        assert c.get(f"/?token={TOKEN}x", base_url=LOCAL).status_code == 403
        assert c.post(f"/_dash-update-component?token={TOKEN}", json={},
                      base_url=LOCAL).status_code == 403  # no token in POST addresses
        r = c.get(f"/?token={TOKEN}&tab=lab", base_url=LOCAL)
        assert r.status_code == 303 and r.headers["Location"] == "/?tab=lab"
        cookie = r.headers["Set-Cookie"]
        assert cookie.startswith(f"{rules.cookie}=") and "HttpOnly" in cookie
        assert TOKEN not in cookie
        assert c.get("/_dash-layout", base_url=LOCAL).status_code == 200  # the cookie
        bearer = app.server.test_client().get(
            "/_dash-layout", base_url=LOCAL, headers={"Authorization": f"Bearer {TOKEN}"})
        assert bearer.status_code == 200
        rebound = app.server.test_client().get(
            "/", base_url=f"http://attacker.example:{PORT}",
            headers={"Authorization": f"Bearer {TOKEN}"})
        assert rebound.status_code == 403  # a token does not make a foreign host right
    finally:
        protect(app, "127.0.0.1", PORT)


def test_beyond_loopback_a_token_is_generated() -> None:
    from armednet.cli.serve import _token

    assert _token(None, "127.0.0.1") == (None, False)
    token, generated = _token(None, "0.0.0.0")
    assert generated and token is not None and len(token) >= 30
    assert _token(TOKEN, "::") == (TOKEN, False)
    with pytest.raises(InputError, match="at least 16"):
        _token("short", "0.0.0.0")


def test_a_short_token_is_a_usage_error(tmp_path: Path) -> None:
    proc = run_cli("serve", "--token", "short", cwd=tmp_path)
    assert_clean_usage_error(proc)
    assert proc.stderr.startswith("error: --token: expected at least 16")


# --- uploads --------------------------------------------------------------------------------


def _data(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return "data:application/octet-stream;base64," + base64.b64encode(raw).decode()


BOMB = "\n".join(["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
                 + [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]"
                    for i in range(1, 10)])


@pytest.mark.parametrize(("name", "text", "said"), [
    ("deep.yaml", "a: " + "[" * 1000 + "]" * 1000, "deep.yaml:1: refused YAML: nesting"),
    ("deep.json", "[" * 100_000, "deep.json:1: refused YAML: nesting"),
    ("indent.yaml", "a:\n" + "".join("  " * i + "- \n" for i in range(600)), "nesting"),
    ("int.json", '{"scenario": ' + "9" * 5000 + "}", "an integer written with more than"),
    ("loop.yaml", "r: &r [*r]\n", "recursive alias"),
    ("bomb.yaml", BOMB, "aliases expand to more than"),
    ("nan.yaml", "a: .nan\n", "not a finite number"),
    ("obj.yaml", "!!python/object/apply:os.system [echo]\n", "could not determine a constructor"),
])
def test_hostile_uploads_get_a_readable_message(name: str, text: str, said: str) -> None:
    from armednet.app.upload import parse_upload

    res = parse_upload([_data(text)], [name])
    assert res.kg is None and any(said in e for e in res.errors), res.errors


def test_an_unexpected_failure_is_a_message_not_a_500(
        client: Any, app: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import armednet.kb.loader

    def broken(docs: Any) -> Any:
        raise RuntimeError("something odd")

    monkeypatch.setattr(armednet.kb.loader, "parse_documents", broken)
    key = next(k for k in app.callback_map if "upload-result" in k)
    body = {"output": key,
            "outputs": [{"id": "upload-result", "property": "children"},
                        {"id": "scenario", "property": "options"},
                        {"id": "scenario", "property": "value"}],
            "inputs": [{"id": "upload-payload", "property": "data",
                        "value": {"contents": [_data("a: 1")], "names": ["s.yaml"]}}],
            "changedPropIds": ["upload-payload.data"], "state": []}
    r = client.post("/_dash-update-component", json=body, base_url=LOCAL,
                    headers={"Origin": LOCAL})
    assert r.status_code == 200
    assert "s.yaml: the upload could not be read (RuntimeError: something odd)" in r.text
    for odd in ({"contents": 3}, {"contents": [None], "names": [5]}, "not a dict"):
        body["inputs"][0]["value"] = odd
        r = client.post("/_dash-update-component", json=body, base_url=LOCAL,
                        headers={"Origin": LOCAL})
        assert r.status_code == 200 and "not a list of files" in r.text, r.text[:300]


# --- a database another process writes ------------------------------------------------------


@pytest.fixture
def locked_db(tmp_path: Path) -> Iterator[Path]:
    """A DuckDB file held open for writing by another process (as a running experiment)."""
    db = tmp_path / "busy.duckdb"
    code = ("import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); time.sleep(120)")
    holder = subprocess.Popen([sys.executable, "-c", code, str(db)], stdout=subprocess.PIPE,
                              text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "ready"
        yield db
    finally:
        holder.kill()
        holder.wait()


def test_a_database_being_written_is_refused_with_the_reason(locked_db: Path) -> None:
    from armednet.app.server import check_database

    for what in ("results", "events"):
        with pytest.raises(InputError, match=r"another process holds it open for writing "
                                             r"\(PID \d+"):
            check_database(locked_db, what)
    proc = run_cli("serve", "--db", str(locked_db), "--port", "1")
    assert_clean_usage_error(proc)
    line = proc.stderr.strip()
    assert line.count("\n") == 0 and "DuckDB lets no other process read" in line


def test_a_database_that_is_not_a_file_is_refused(tmp_path: Path) -> None:
    from armednet.app.server import check_database

    with pytest.raises(InputError, match="is a directory"):
        check_database(tmp_path)


# --- a live server with --dev and a token ----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(url: str, headers: dict[str, str]) -> tuple[int, dict[str, str], str]:
    req = urllib.request.Request(url, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read().decode()


def test_serve_dev_starts_and_guards(tmp_path: Path) -> None:
    port = _free_port()
    out, err = tmp_path / "out.txt", tmp_path / "err.txt"
    with out.open("w") as fo, err.open("w") as fe:
        proc = subprocess.Popen([sys.executable, "-m", "armednet", "serve", "--dev", "--port",
                                 str(port), "--token", TOKEN], cwd=tmp_path, stdout=fo,
                                stderr=fe)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        status = 0
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                status, _, _ = _get(f"{base}/", {})
                break
            except OSError:
                time.sleep(0.1)  # polling for the port to open
        assert proc.poll() is None, err.read_text()
        assert status == 403  # up, and asking for the token
        assert out.read_text().startswith(f"armednet dashboard on {base}/ (asks for the")
        auth = {"Authorization": f"Bearer {TOKEN}"}
        status, headers, body = _get(f"{base}/", auth)
        assert status == 200 and "_dash-renderer" in body
        assert "'unsafe-eval'" in headers["Content-Security-Policy"]  # dev bundles only
        assert _get(f"{base}/_dash-layout", auth)[0] == 200
        assert _get(f"{base}/", {**auth, "Host": f"attacker.example:{port}"})[0] == 403
        assert _get(f"{base}/", {**auth, "Origin": "http://attacker.example"})[0] == 403
        assert "AssertionError" not in err.read_text()
    finally:
        proc.terminate()
        proc.wait(timeout=20)
