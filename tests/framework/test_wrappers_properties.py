"""Property tests for jigger.wrappers: random bodies, content types and
headers sent to a small app through the test client never get a 500.

The views below read the request the way views do (JSON, form, files, raw
body, query, headers, cookies, session) and cannot fail themselves, so any
server error would be the framework's. ``app.testing`` makes an unhandled
error raise in the test instead of becoming a 500 page, so a failing example
shows its traceback.
"""

from __future__ import annotations

import typing as t
import urllib.parse

from hypothesis import example, given
from hypothesis import strategies as st

from jigger import Jigger, jsonify, request, session


def _app() -> Jigger:
    app = Jigger("wrappers_properties")
    app.testing = True
    app.secret_key = "property tests"
    methods = ["GET", "POST", "PUT", "PATCH", "DELETE"]

    @app.route("/json", methods=methods)
    def json() -> t.Any:
        return {"type": type(request.get_json()).__name__}

    @app.route("/json-silent", methods=methods)
    def json_silent() -> t.Any:
        got = request.get_json(silent=True, force=True)
        return {"type": type(got).__name__}

    @app.route("/form", methods=methods)
    def form() -> t.Any:
        return jsonify(
            form=request.form.to_dict(flat=False),
            files={k: [f.filename, len(f.read())] for k, f in request.files.items()},
            values=sorted(request.values),
        )

    @app.route("/data", methods=methods)
    def data() -> t.Any:
        return {"n": len(request.get_data()), "data": len(request.data)}

    @app.route("/about", methods=methods)
    def about() -> t.Any:
        return {
            "args": request.args.to_dict(flat=False),
            "url": request.url,
            "host": request.host,
            "mimetype": request.mimetype,
            "length": request.content_length,
            "agent": request.user_agent.string,
            "accept": str(request.accept_mimetypes),
            "languages": str(request.accept_languages),
            "cookies": request.cookies.to_dict(),
            "auth": repr(request.authorization),
            "range": repr(request.range),
            "since": repr(request.if_modified_since),
            "etags": repr(request.if_none_match),
            "route": request.access_route,
            "secure": request.is_secure,
        }

    @app.route("/session", methods=methods)
    def counter() -> t.Any:
        session["n"] = (
            session.get("n", 0) + 1 if isinstance(session.get("n"), int) else 1
        )
        return {"n": session["n"]}

    return app


_PATHS = ["/json", "/json-silent", "/form", "/data", "/about", "/session"]
_CONTENT_TYPES = [
    "application/json",
    "application/json; charset=latin-1",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=B",
    "multipart/form-data",
    'multipart/form-data; boundary=""',
    "text/plain",
    "application/octet-stream",
]
_HEADERS = [
    "Content-Type",
    "Cookie",
    "Host",
    "Authorization",
    "Range",
    "If-Modified-Since",
    "If-None-Match",
    "Accept",
    "Accept-Language",
    "X-Forwarded-For",
    "Content-Encoding",
    "User-Agent",
]
# Header values: what a client can send on one line.
_header_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF), max_size=40
)


@st.composite
def multipart_bodies(draw: st.DrawFn) -> bytes:
    parts = []
    for _ in range(draw(st.integers(0, 3))):
        name = draw(
            st.sampled_from(
                ['"a"', '"\\"', "b", '"a\\"b"', '""', '"x"; filename="f"', "", '"é"']
            )
        )
        disposition = draw(
            st.sampled_from(["form-data", "attachment", "", "form-data;"])
        )
        header = f"Content-Disposition: {disposition}; name={name}".encode()
        extra = draw(
            st.sampled_from([b"", b"\r\nContent-Type: text/plain", b"\r\nX: y"])
        )
        value = draw(st.binary(max_size=20))
        parts.append(b"--B\r\n" + header + extra + b"\r\n\r\n" + value + b"\r\n")
    end = draw(st.sampled_from([b"--B--\r\n", b"--B--", b"", b"--B\r\n"]))
    return b"".join(parts) + end


bodies = st.one_of(
    st.binary(max_size=200),
    st.text(alphabet='{}[]",:0123456789.-eE truefalsn\\u', max_size=60).map(str.encode),
    multipart_bodies(),
    st.integers(1, 3000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(1, 3000).map(lambda n: b'{"a":' * n + b"1" + b"}" * n),
)


@given(
    method=st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE"]),
    path=st.sampled_from(_PATHS),
    query=st.text(max_size=20),
    content_type=st.one_of(st.sampled_from(_CONTENT_TYPES), _header_values),
    headers=st.lists(st.tuples(st.sampled_from(_HEADERS), _header_values), max_size=4),
    body=bodies,
)
@example(
    method="POST",
    path="/json",
    query="",
    content_type="application/json",
    headers=[],
    body=b"[" * 100_000,
)
@example(
    method="POST",
    path="/form",
    query="",
    content_type="multipart/form-data; boundary=B",
    headers=[],
    body=b'--B\r\nContent-Disposition: form-data; name="\\"\r\n\r\nv\r\n--B--\r\n',
)
def test_no_request_gets_a_server_error(
    method: str,
    path: str,
    query: str,
    content_type: str,
    headers: list[tuple[str, str]],
    body: bytes,
) -> None:
    client = _app().test_client()
    for _ in range(2):  # the second request also carries the session cookie
        response = client.open(
            path,
            method=method,
            query_string=urllib.parse.quote(query, safe="=&;+%"),
            data=body,
            headers=[("Content-Type", content_type), *headers],
        )
        assert response.status_code < 500, response.text
