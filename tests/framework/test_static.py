"""Static files by convention: folders, URL paths, hosts, caching headers,
conditional and range requests, and a battery of crafted paths that must
never reach a byte outside ``static/`` nor cause a server error."""

from __future__ import annotations

import os
import socket
import threading
import typing as t
import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote_to_bytes

import pytest
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from jigger import Blueprint, Jigger, url_for
from jigger.testing import FlaskClient

from .templating_app import create_app

APP_DIR = Path(__file__).parent / "templating_app"
ALPHABET = (APP_DIR / "static" / "alphabet.txt").read_bytes()


class BufferedClient(FlaskClient):
    """A test client that reads each response whole and closes it, so the
    static file it sent is closed at once (no ResourceWarning)."""

    def open(self, *args: t.Any, **kwargs: t.Any) -> t.Any:
        kwargs.setdefault("buffered", True)
        return super().open(*args, **kwargs)


def client_for(app: Jigger) -> BufferedClient:
    return BufferedClient(app, app.response_class, use_cookies=True)


# -- convention and overrides ----------------------------------------------------


def test_static_folder_beside_the_package_is_served_without_setting() -> None:
    app = create_app()
    assert app.static_folder == str(APP_DIR / "static")
    assert app.static_url_path == "/static"
    client = client_for(app)
    response = client.get("/static/style.css")
    assert response.status_code == 200
    assert response.data == b"body { color: teal; }\n"
    assert response.mimetype == "text/css"
    assert client.get("/static/sub/app.js").text == 'console.log("sub");\n'
    head = client.head("/static/style.css")
    assert head.status_code == 200
    assert head.data == b""
    assert head.content_length == len(b"body { color: teal; }\n")
    assert client.get("/static/missing.css").status_code == 404


def test_blueprint_static_folder_under_its_prefix() -> None:
    app = create_app()
    client = client_for(app)
    assert client.get("/admin/static/admin.css").text == ".admin { color: red; }\n"
    with app.test_request_context("/"):
        assert url_for("static", filename="style.css") == "/static/style.css"
        assert (
            url_for("admin.static", filename="admin.css") == "/admin/static/admin.css"
        )


def test_static_folder_and_url_path_arguments(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "a.txt").write_text("asset")
    app = Jigger(
        "tmpapp",
        root_path=str(tmp_path),
        static_folder="assets",
        static_url_path="/files",
    )
    client = client_for(app)
    assert client.get("/files/a.txt").text == "asset"
    assert client.get("/static/a.txt").status_code == 404
    with app.test_request_context("/"):
        assert url_for("static", filename="a.txt") == "/files/a.txt"


def test_default_url_path_follows_the_folder_name(tmp_path: Path) -> None:
    (tmp_path / "public").mkdir()
    (tmp_path / "public" / "p.txt").write_text("p")
    app = Jigger("tmpapp", root_path=str(tmp_path), static_folder="public")
    assert app.static_url_path == "/public"
    assert client_for(app).get("/public/p.txt").text == "p"


def test_root_path_argument_moves_the_static_folder(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "r.txt").write_text("rooted")
    app = Jigger("whatever.name", root_path=str(tmp_path))
    assert client_for(app).get("/static/r.txt").text == "rooted"


def test_no_static_folder_means_no_static_route() -> None:
    app = Jigger("nostatic", static_folder=None)
    assert not app.has_static_folder
    assert "static" not in app.view_functions
    assert client_for(app).get("/static/style.css").status_code == 404
    with pytest.raises(RuntimeError, match="no static folder"):
        app.send_static_file("x")


def test_static_host_with_host_matching(tmp_path: Path) -> None:
    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "h.txt").write_text("hosted")
    app = Jigger(
        "hosted",
        root_path=str(tmp_path),
        host_matching=True,
        static_host="static.test",
    )
    client = client_for(app)
    assert client.get("/static/h.txt", base_url="http://static.test").text == "hosted"
    assert client.get("/static/h.txt", base_url="http://www.test").status_code == 404
    with app.test_request_context("/", base_url="http://www.test"):
        assert url_for("static", filename="h.txt") == "http://static.test/static/h.txt"


def test_static_host_needs_host_matching() -> None:
    with pytest.raises(ValueError, match="host_matching"):
        Jigger("bad", static_host="static.test")
    with pytest.raises(ValueError, match="static_host"):
        Jigger("bad", host_matching=True)


def test_instance_path_default_and_override(tmp_path: Path) -> None:
    # The app lives in the package tests.framework.templating_app: the instance
    # folder sits beside the top-level package "tests".
    assert create_app().instance_path == str(APP_DIR.parents[2] / "instance")
    app = create_app(instance_path=str(tmp_path / "inst"))
    assert app.instance_path == str(tmp_path / "inst")
    with pytest.raises(ValueError, match="absolute"):
        create_app(instance_path="relative/inst")


def test_a_static_folder_that_is_itself_a_symlink_still_serves(tmp_path: Path) -> None:
    real = tmp_path / "real_assets"
    real.mkdir()
    (real / "s.txt").write_text("through a linked folder")
    os.symlink(real, tmp_path / "static")
    app = Jigger("linked", root_path=str(tmp_path))
    assert client_for(app).get("/static/s.txt").text == "through a linked folder"


# -- caching headers ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "cache_control"),
    [
        (None, "no-cache"),
        (60, "public, max-age=60"),
        (timedelta(hours=1), "public, max-age=3600"),
        (0, "no-cache, max-age=0"),
    ],
)
def test_send_file_max_age_default(
    setting: int | timedelta | None, cache_control: str
) -> None:
    app = create_app()
    app.config["SEND_FILE_MAX_AGE_DEFAULT"] = setting
    client = client_for(app)
    assert client.get("/static/style.css").headers["Cache-Control"] == cache_control
    bp = client.get("/admin/static/admin.css")
    assert bp.headers["Cache-Control"] == cache_control


def test_get_send_file_max_age_can_be_overridden() -> None:
    class LongCache(Jigger):
        def get_send_file_max_age(self, filename: str | None) -> int | None:
            return 31_536_000 if filename and filename.endswith(".css") else 5

    app = LongCache(create_app().import_name)
    client = client_for(app)
    assert (
        "max-age=31536000" in client.get("/static/style.css").headers["Cache-Control"]
    )
    assert "max-age=5" in client.get("/static/alphabet.txt").headers["Cache-Control"]


def test_etag_and_if_none_match_give_304() -> None:
    client = client_for(create_app())
    first = client.get("/static/style.css")
    etag = first.headers["ETag"]
    assert etag
    again = client.get("/static/style.css", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.data == b""
    other = client.get("/static/style.css", headers={"If-None-Match": '"other"'})
    assert other.status_code == 200


def test_last_modified_and_if_modified_since() -> None:
    client = client_for(create_app())
    first = client.get("/static/style.css")
    last_modified = first.headers["Last-Modified"]
    same = client.get("/static/style.css", headers={"If-Modified-Since": last_modified})
    assert same.status_code == 304
    old = client.get(
        "/static/style.css",
        headers={"If-Modified-Since": "Mon, 01 Jan 1990 00:00:00 GMT"},
    )
    assert old.status_code == 200
    assert old.data == b"body { color: teal; }\n"


def test_range_requests() -> None:
    client = client_for(create_app())
    assert client.get("/static/alphabet.txt").headers["Accept-Ranges"] == "bytes"
    part = client.get("/static/alphabet.txt", headers={"Range": "bytes=0-4"})
    assert part.status_code == 206
    assert part.data == b"01234"
    assert part.headers["Content-Range"] == f"bytes 0-4/{len(ALPHABET)}"
    tail = client.get("/static/alphabet.txt", headers={"Range": "bytes=-3"})
    assert tail.status_code == 206
    assert tail.data == b"xyz"
    middle = client.get("/static/alphabet.txt", headers={"Range": "bytes=10-"})
    assert middle.data == ALPHABET[10:]
    beyond = client.get("/static/alphabet.txt", headers={"Range": "bytes=500-600"})
    assert beyond.status_code == 416
    assert beyond.headers["Content-Range"] == f"bytes */{len(ALPHABET)}"


def test_range_with_a_stale_if_range_sends_the_whole_file() -> None:
    client = client_for(create_app())
    stale = client.get(
        "/static/alphabet.txt",
        headers={"Range": "bytes=0-4", "If-Range": '"not-the-etag"'},
    )
    assert stale.status_code == 200
    assert stale.data == ALPHABET


# -- crafted paths --------------------------------------------------------------------

MARKER = f"JIGGER-SECRET-{uuid.uuid4().hex}"
PASSWD_MARKERS = (b"root:x:0:0", b"root:*:0:0")


class Site(t.NamedTuple):
    app: Jigger
    root: Path


@pytest.fixture
def site(tmp_path: Path) -> Site:
    """An app in ``tmp_path`` with secrets beside ``static/`` and symbolic
    links inside it that point out of it."""
    static = tmp_path / "static"
    (static / "inner").mkdir(parents=True)
    (static / "ok.txt").write_text("public file")
    (static / "inner" / "x.txt").write_text("inner public file")
    (tmp_path / "secret.txt").write_text(f"secret {MARKER}")
    (tmp_path / "app.py").write_text(f"SECRET_KEY = {MARKER!r}")
    os.symlink(tmp_path / "secret.txt", static / "link_out")
    os.symlink(tmp_path, static / "dir_out")
    os.symlink("/etc/passwd", static / "abs_link")
    os.symlink("ok.txt", static / "alias.txt")
    bp_root = tmp_path / "bp"
    (bp_root / "static").mkdir(parents=True)
    (bp_root / "static" / "b.txt").write_text("blueprint public file")
    (bp_root / "secret.txt").write_text(f"bp secret {MARKER}")
    os.symlink(bp_root / "secret.txt", bp_root / "static" / "link_out")

    app = Jigger("site", root_path=str(tmp_path))
    bp = Blueprint("bp", "site_bp", root_path=str(bp_root), static_folder="static")
    app.register_blueprint(bp, url_prefix="/bp")
    return Site(app, tmp_path)


# URL forms, as a client would put them in the request line.
_ATTACKS = [
    "/static/../secret.txt",
    "/static/../app.py",
    "/static/%2e%2e/secret.txt",
    "/static/%2E%2E/app.py",
    "/static/..%2fsecret.txt",
    "/static/..%2Fapp.py",
    "/static/%2e%2e%2fsecret.txt",
    "/static/%252e%252e%252fsecret.txt",
    "/static/..%252fsecret.txt",
    "/static/%25%32%65%25%32%65/secret.txt",
    "/static/..%5csecret.txt",
    "/static/%5c..%5csecret.txt",
    "/static/%2e%2e%5c%2e%2e%5csecret.txt",
    "/static//etc/passwd",
    "/static/%2fetc%2fpasswd",
    "/static/%2f..%2fsecret.txt",
    "//etc/passwd",
    "/static/inner/../../secret.txt",
    "/static/inner/%2e%2e/%2e%2e/secret.txt",
    "/static/./../secret.txt",
    "/static/ok.txt/../../secret.txt",
    "/static/secret.txt%00.css",
    "/static/..%00/secret.txt",
    "/static/ok.txt%00../../secret.txt",
    "/static/%00../secret.txt",
    "/static/link_out",
    "/static/abs_link",
    "/static/dir_out/secret.txt",
    "/static/dir_out/app.py",
    "/static/dir_out/static/../secret.txt",
    "/static/dir_out/static/link_out",
    "/static/" + "a" * 5000,
    "/static/" + "../" * 2000 + "secret.txt",
    "/static/" + "inner/" * 1000 + "../" * 1001 + "secret.txt",
    "/static/%c0%ae%c0%ae/secret.txt",
    "/static/%c0%ae%c0%ae%c0%afsecret.txt",
    "/static/..%c0%afsecret.txt",
    "/static/%ef%bc%8e%ef%bc%8e/secret.txt",
    "/static/%ef%bc%8e%ef%bc%8e%ef%bc%8fsecret.txt",
    "/static/%e2%80%a4%e2%80%a4/secret.txt",
    "/static/%u002e%u002e/secret.txt",
    "/static/../secret.txt.",
    "/static/..%20/secret.txt",
    "/static/.../secret.txt",
    "/static/..%20./secret.txt",
    "/static/..;/secret.txt",
    "/static/secret.txt%20",
    "/static/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "/static/?filename=../secret.txt",
    "/bp/static/../secret.txt",
    "/bp/static/%2e%2e/secret.txt",
    "/bp/static/..%2fsecret.txt",
    "/bp/static/link_out",
]

# PATH_INFO values set directly in the environ, past any normalisation.
_RAW_PATH_INFO: list[bytes] = [unquote_to_bytes(url) for url in _ATTACKS] + [
    b"/static/..\\secret.txt",
    b"/static/\\..\\secret.txt",
    b"/static/..\\..\\app.py",
    b"/static/secret.txt\x00",
    b"/static/..\x00/secret.txt",
    b"/static/ok.txt\x00/../../secret.txt",
    b"/static/../secret.txt ",
    b"/static/.. /secret.txt",
    b"/static/..\t/secret.txt",
    b"/static/..\r\n/secret.txt",
    "/static/\uff0e\uff0e/secret.txt".encode(),
    "/static/\u2025/secret.txt".encode(),
    "/static/..\u2215secret.txt".encode(),
    "/static/..\u29f5secret.txt".encode(),
    b"/static/\xff\xfe../secret.txt",
    b"/static/" + b"\xe9" * 3000,
    b"/bp/static/..\\secret.txt",
]


def _check(status: int, body: bytes, what: str) -> None:
    assert status != 500, f"{what}: server error"
    assert 300 <= status < 500, f"{what}: status {status}"
    assert MARKER.encode() not in body, f"{what}: leaked a secret file"
    for marker in PASSWD_MARKERS:
        assert marker not in body, f"{what}: leaked /etc/passwd"


def test_enough_crafted_paths() -> None:
    assert len(_ATTACKS) >= 30
    assert len(_RAW_PATH_INFO) >= 30


def test_controls_are_served(site: Site) -> None:
    """The same site serves its real files, including a link inside static/
    that stays inside it: the refusals below are not a broken site."""
    client = client_for(site.app)
    assert client.get("/static/ok.txt").text == "public file"
    assert client.get("/static/inner/x.txt").text == "inner public file"
    assert client.get("/static/inner/../ok.txt").text == "public file"
    assert client.get("/static/alias.txt").text == "public file"
    assert client.get("/bp/static/b.txt").text == "blueprint public file"


def test_a_symlink_out_of_static_is_refused(site: Site) -> None:
    client = client_for(site.app)
    for path in (
        "/static/link_out",
        "/static/dir_out/secret.txt",
        "/bp/static/link_out",
    ):
        response = client.get(path)
        assert response.status_code == 404, path
        assert MARKER not in response.text


@pytest.mark.parametrize("path", _ATTACKS, ids=lambda p: p[:60])
def test_crafted_paths_through_the_test_client(site: Site, path: str) -> None:
    response = client_for(site.app).get(path, follow_redirects=True)
    _check(response.status_code, response.get_data(), path)


def _call_with_path_info(app: Jigger, raw: bytes) -> tuple[int, bytes]:
    environ = EnvironBuilder(path="/").get_environ()
    environ["PATH_INFO"] = raw.decode("latin-1")
    environ["RAW_URI"] = environ["REQUEST_URI"] = raw.decode("latin-1")
    statuses: list[str] = []

    def start_response(
        status: str, headers: list[tuple[str, str]], exc_info: t.Any = None
    ) -> t.Callable[[bytes], object]:
        statuses.append(status)
        return lambda data: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return int(statuses[0].split()[0]), body


def test_crafted_paths_as_raw_path_info(site: Site) -> None:
    for raw in _RAW_PATH_INFO:
        status, body = _call_with_path_info(site.app, raw)
        _check(status, body, repr(raw[:60]))


def _raw_http_get(port: int, target: bytes) -> tuple[int, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            b"GET " + target + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Connection: close\r\n\r\n"
        )
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    data = b"".join(chunks)
    status_line = data.split(b"\r\n", 1)[0]
    return int(status_line.split()[1]), data


@pytest.mark.slow
def test_crafted_paths_through_a_real_server(site: Site) -> None:
    server = make_server("127.0.0.1", 0, site.app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_port
        status, data = _raw_http_get(port, b"/static/ok.txt")
        assert status == 200
        assert data.endswith(b"public file")
        targets = [url.encode() for url in _ATTACKS] + [
            b"/static/..\\secret.txt",
            b"/static/%2e%2e\\secret.txt",
            b"/static/\xef\xbc\x8e\xef\xbc\x8e/secret.txt",
            b"/static/../secret.txt",
            b"/static/..%2f..%2f..%2f..%2f..%2fetc/passwd",
            b"/static/" + str(site.root / "secret.txt").encode(),
        ]
        for target in targets:
            status, data = _raw_http_get(port, target)
            _check(status, data, repr(target[:60]))
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
