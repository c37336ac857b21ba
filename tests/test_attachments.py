"""Attachments end to end, over real HTTP and sockets on SQLite and PostgreSQL: uploads by
visitors and agents, what is refused (size, type) with nothing stored, scanned names, who may
read a file, the download headers, replay, erasure and the sweep; and the S3 store against
moto's S3 server on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import uuid
import zipfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import select, update

from hub.ai.prompts import recent_history
from hub.channels.base import Inbound
from hub.persistence import repository as repo
from hub.settings import Secret, Settings
from hub.workspace.attachment_store import Missing, S3Store, make_store
from hub.workspace.companies import CreatedCompany
from hub.workspace.filetypes import DOCX, XLSX, safe_name, sniff
from tests.conftest import make_settings
from tests.support.clients import Agent, Widget
from tests.support.server import HubServer, start_hub

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(64)
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


def office(kind: str) -> bytes:
    """A minimal Word or Excel file: the zip layout the sniffer looks for."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml" if kind == "docx" else "xl/workbook.xml", "<x/>")
    return buffer.getvalue()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def files_in(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
async def server(database_url: str, tmp_path: Path) -> AsyncIterator[HubServer]:
    """A hub on SQLite, then on PostgreSQL, keeping files in tmp_path/files."""
    settings = make_settings(
        database_url, attachments_dir=str(tmp_path / "files"), attachment_max_bytes=4096
    )
    async with start_hub(settings) as started:
        yield started


async def visitor_upload(
    server: HubServer,
    company: CreatedCompany,
    session_id: str,
    data: bytes,
    name: str = "photo.png",
    content_type: str = "image/png",
) -> httpx.Response:
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        return await http.post(
            "/api/widget/attachments",
            params={"key": company.widget_key, "name": name},
            headers={**auth(session_id), "Content-Type": content_type},
            content=data,
        )


async def send(widget: Widget, ids: list[str], text: str = "") -> dict[str, Any]:
    cid = uuid.uuid4().hex
    await widget.send({"type": "message.send", "client_id": cid, "text": text, "attachments": ids})
    while True:
        message = await widget.message()
        if message["client_id"] == cid:
            return message


async def rows(server: HubServer, company_id: str) -> int:
    async with server.hub.db.read(system=True) as conn:
        return await repo.count_rows(conn, repo.attachments, company_id=company_id)


# -- the visitor's flow ----------------------------------------------------------------------


async def test_a_visitor_sends_an_image_and_the_agent_gets_and_downloads_it(
    server: HubServer,
) -> None:
    company = await server.company()
    agent = await Agent.open(server.ws, company.agent_token)
    widget = await Widget.open(server.ws, company.widget_key)
    uploaded = await visitor_upload(server, company, widget.welcome["session_id"], PNG)
    assert uploaded.status_code == 201, uploaded.text
    assert uploaded.headers["access-control-allow-origin"] == "*"
    view = uploaded.json()["attachment"]
    assert view == {
        "id": view["id"],
        "name": "photo.png",
        "content_type": "image/png",
        "size": len(PNG),
        "url": f"/api/attachments/{view['id']}",
    }
    assert len(view["id"]) == 32

    mine = await send(widget, [view["id"]], "here it is")
    assert mine["attachments"] == [view] and mine["type"] == "file"
    seen = await agent.message("here it is")
    assert seen["attachments"] == [view]

    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        got = await http.get(view["url"], headers=auth(company.agent_token))
        theirs = await http.get(
            view["url"],
            params={"key": company.widget_key},
            headers=auth(widget.welcome["session_id"]),
        )
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert got.headers["content-disposition"].startswith("inline;")
    assert theirs.status_code == 200 and theirs.content == PNG
    await widget.close()
    await agent.close()


async def test_a_message_with_only_an_attachment_is_replayed_on_reconnect(
    server: HubServer,
) -> None:
    company = await server.company()
    widget = await Widget.open(server.ws, company.widget_key)
    session_id = widget.welcome["session_id"]
    view = (await visitor_upload(server, company, session_id, PDF, "terms.pdf")).json()
    sent = await send(widget, [view["attachment"]["id"]])
    assert sent["text"] == "" and sent["attachments"][0]["name"] == "terms.pdf"
    await widget.close()

    again = await Widget.open(server.ws, company.widget_key, session_id=session_id, last_seq=0)
    replayed = await again.message()
    assert replayed["id"] == sent["id"]
    assert replayed["attachments"] == sent["attachments"]
    # A resend of the same message (its ack was lost) is answered with the stored one.
    frame = {
        "client_id": sent["client_id"],
        "text": "",
        "attachments": [sent["attachments"][0]["id"]],
    }
    await again.send({"type": "message.send", **frame})
    answer = await again.recv()
    assert answer == {"type": "message.created", "message": sent}
    await again.close()


async def test_too_big_and_wrong_types_are_refused_and_nothing_is_stored(
    server: HubServer, tmp_path: Path
) -> None:
    company = await server.company()
    widget = await Widget.open(server.ws, company.widget_key)
    session_id = widget.welcome["session_id"]
    too_big = await visitor_upload(server, company, session_id, PNG + bytes(5000))
    assert too_big.status_code == 413
    assert too_big.json()["error"]["code"] == "too_large"
    assert too_big.headers["access-control-allow-origin"] == "*"  # the page can read why
    for data, name, claimed in (
        (HTML, "cat.png", "image/png"),  # HTML renamed, with the client claiming an image
        (SVG, "logo.svg", "image/svg+xml"),
        (b"MZ\x90\x00\x03" + bytes(60), "setup.exe", "application/octet-stream"),
        (b"PK\x03\x04" + bytes(40), "archive.zip", "application/zip"),
    ):
        refused = await visitor_upload(server, company, session_id, data, name, claimed)
        assert refused.status_code == 415, (name, refused.text)
        assert refused.json()["error"]["code"] == "unsupported_type"
    empty = await visitor_upload(server, company, session_id, b"")
    assert empty.status_code == 400
    assert await rows(server, company.company_id) == 0
    assert files_in(tmp_path / "files") == []
    await widget.close()


async def test_names_are_scanned_and_documents_download_as_attachments(
    server: HubServer,
) -> None:
    company = await server.company()
    widget = await Widget.open(server.ws, company.widget_key)
    session_id = widget.welcome["session_id"]
    raw = "../../etc/\u202eexe.fdp\x07 report.pdf.exe"
    uploaded = await visitor_upload(server, company, session_id, PDF, raw)
    view = uploaded.json()["attachment"]
    assert view["name"] == "exe.fdp report.pdf.exe.pdf"
    assert view["content_type"] == "application/pdf"
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        got = await http.get(view["url"], headers=auth(company.agent_token))
    assert got.headers["content-disposition"] == (
        'attachment; filename="exe.fdp report.pdf.exe.pdf"; '
        "filename*=UTF-8''exe.fdp%20report.pdf.exe.pdf"
    )
    assert got.headers["content-type"] == "application/pdf"
    # A name beyond ASCII: an ASCII fallback, and the real one as UTF-8.
    euro = await visitor_upload(server, company, session_id, PDF, "Überweisung €.pdf")
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        got = await http.get(euro.json()["attachment"]["url"], headers=auth(company.agent_token))
    assert got.headers["content-disposition"] == (
        'attachment; filename="_berweisung _.pdf"; '
        "filename*=UTF-8''%C3%9Cberweisung%20%E2%82%AC.pdf"
    )
    await widget.close()


# -- who may read and send what ------------------------------------------------------------


async def test_other_companies_and_other_visitors_cannot_read_or_send_an_attachment(
    server: HubServer,
) -> None:
    company = await server.company("Acme")
    rival = await server.company("Rival")
    widget = await Widget.open(server.ws, company.widget_key)
    view = (await visitor_upload(server, company, widget.welcome["session_id"], PNG)).json()[
        "attachment"
    ]
    stranger = await Widget.open(server.ws, company.widget_key)
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        by_rival = await http.get(view["url"], headers=auth(rival.agent_token))
        by_stranger = await http.get(
            view["url"],
            params={"key": company.widget_key},
            headers=auth(stranger.welcome["session_id"]),
        )
        by_no_one = await http.get(view["url"], params={"key": company.widget_key})
        bad_session = await http.get(
            view["url"], params={"key": company.widget_key}, headers=auth("not-a-session")
        )
    assert by_rival.status_code == 404
    assert by_stranger.status_code == 404
    assert by_no_one.status_code == 401
    assert bad_session.status_code == 401
    # Nor may another visitor send it as theirs: nothing is stored.
    await stranger.send(
        {"type": "message.send", "client_id": "c1", "text": "", "attachments": [view["id"]]}
    )
    error = await stranger.expect("error")
    assert error["code"] == "bad_attachment"
    assert stranger.messages() == []
    await stranger.close()
    await widget.close()


def proof(secret: str, user_id: str) -> dict[str, str]:
    """The headers that prove a signed-in user over HTTP: the id percent-encoded as UTF-8
    (as the widget sends it), and its hash, computed as the company's server does."""
    user_hash = hmac.new(secret.encode(), user_id.encode(), hashlib.sha256).hexdigest()
    return {"X-Widget-User-Id": quote(user_id, safe=""), "X-Widget-User-Hash": user_hash}


async def test_a_signed_in_visitors_files_need_the_user_hash_too(server: HubServer) -> None:
    """The socket resumes a signed-in session only with its user's hash; so does HTTP: the
    bare session id opens none of their files, nor takes an upload into their conversation."""
    company = await server.company()
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        made = await http.post("/api/widget-settings/secret", headers=auth(company.agent_token))
        secret = made.json()["secret"]
        user = "José@example.com"
        widget = await Widget.open(
            server.ws,
            company.widget_key,
            user_id=user,
            user_hash=proof(secret, user)["X-Widget-User-Hash"],
        )
        session = auth(first_session(widget))
        key = {"key": company.widget_key}
        up = await http.post(
            "/api/widget/attachments",
            params={**key, "name": "a.png"},
            headers={**session, **proof(secret, user)},
            content=PNG,
        )
        assert up.status_code == 201, up.text
        url = up.json()["attachment"]["url"]
        wrong = [
            {},  # the bare session id
            {**proof(secret, "someone-else"), "X-Widget-User-Id": quote(user)},
            proof(secret, "someone-else"),  # a real hash, of another user
            {"X-Widget-User-Id": quote(user)},
        ]
        for headers in wrong:
            refused = await http.get(url, params=key, headers={**session, **headers})
            assert refused.status_code == 403, (headers, refused.text)
            assert refused.json()["error"]["code"] == "identity_refused"
            assert refused.headers["access-control-allow-origin"] == "*"
            assert PNG not in refused.content
        bare_upload = await http.post(
            "/api/widget/attachments", params=key, headers=session, content=PNG
        )
        assert bare_upload.status_code == 403, bare_upload.text
        assert await rows(server, company.company_id) == 1
        got = await http.get(url, params=key, headers={**session, **proof(secret, user)})
        assert got.status_code == 200 and got.content == PNG
        # An anonymous visitor's session alone still opens their own files.
        anonymous = await Widget.open(server.ws, company.widget_key)
        theirs = auth(first_session(anonymous))
        mine = await http.post("/api/widget/attachments", params=key, headers=theirs, content=PNG)
        assert mine.status_code == 201, mine.text
        again = await http.get(mine.json()["attachment"]["url"], params=key, headers=theirs)
        assert again.status_code == 200 and again.content == PNG
    await widget.close()
    await anonymous.close()


async def test_an_agent_attaches_a_pdf_and_the_visitor_sees_it_only_once_sent(
    server: HubServer,
) -> None:
    company = await server.company()
    rival = await server.company("Rival")
    widget = await Widget.open(server.ws, company.widget_key)
    first = await widget.say("hello")
    conversation_id = first["conversation_id"]
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        url = f"/api/conversations/{conversation_id}/attachments"
        elsewhere = await http.post(
            url, params={"name": "x.pdf"}, headers=auth(rival.agent_token), content=PDF
        )
        uploaded = await http.post(
            url, params={"name": "quote.pdf"}, headers=auth(company.agent_token), content=PDF
        )
        view = uploaded.json()["attachment"]
        visitor = {"params": {"key": company.widget_key}, "headers": auth(first_session(widget))}
        before = await http.get(view["url"], **visitor)  # type: ignore[arg-type]
        reply = await http.post(
            f"/api/conversations/{conversation_id}/messages",
            headers=auth(company.agent_token),
            json={"text": "", "attachments": [view["id"]], "client_id": "r1"},
        )
        arrived = await widget.message()
        after = await http.get(view["url"], **visitor)  # type: ignore[arg-type]
        twice = await http.post(
            f"/api/conversations/{conversation_id}/messages",
            headers=auth(company.agent_token),
            json={"text": "again", "attachments": [view["id"]]},
        )
    assert elsewhere.status_code == 404
    assert uploaded.status_code == 201
    assert before.status_code == 404  # an agent's draft stays with the agents
    assert reply.status_code == 201, reply.text
    assert arrived["attachments"] == [view] and arrived["sender"] == "agent"
    assert after.status_code == 200 and after.content == PDF
    assert after.headers["content-disposition"].startswith("attachment;")
    assert twice.status_code == 400 and twice.json()["error"]["code"] == "bad_attachment"
    await widget.close()


def first_session(widget: Widget) -> str:
    return str(widget.welcome["session_id"])


async def test_the_widget_routes_answer_cors_and_check_the_origin(server: HubServer) -> None:
    company = await server.company()
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        put = await http.put(
            "/api/company",
            headers=auth(company.agent_token),
            json={"name": "Acme", "allowed_origins": ["https://shop.example"]},
        )
        assert put.status_code == 200, put.text
        preflight = await http.options(
            "/api/widget/attachments",
            params={"key": company.widget_key},
            headers={
                "Origin": "https://shop.example",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization",
            },
        )
    assert preflight.status_code == 204
    assert "Authorization" in preflight.headers["access-control-allow-headers"]
    widget = await Widget.open(
        server.ws, company.widget_key, headers={"Origin": "https://shop.example"}
    )
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        elsewhere = await http.post(
            "/api/widget/attachments",
            params={"key": company.widget_key},
            headers={**auth(first_session(widget)), "Origin": "https://evil.example"},
            content=PNG,
        )
    assert elsewhere.status_code == 403
    assert await rows(server, company.company_id) == 0
    await widget.close()


# -- erasure, the sweep, the rate limit ------------------------------------------------------


async def test_erasing_the_contact_deletes_their_files(server: HubServer, tmp_path: Path) -> None:
    company = await server.company()
    widget = await Widget.open(server.ws, company.widget_key)
    view = (await visitor_upload(server, company, first_session(widget), PNG)).json()["attachment"]
    message = await send(widget, [view["id"]], "my meter")
    other = await Widget.open(server.ws, company.widget_key)
    kept = (await visitor_upload(server, company, first_session(other), PDF, "a.pdf")).json()
    await send(other, [kept["attachment"]["id"]])
    assert len(files_in(tmp_path / "files")) == 2
    async with server.hub.db.read(system=True) as conn:
        conv = await repo.conversation(conn, company.company_id, message["conversation_id"])
    assert conv is not None
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        erased = await http.delete(
            f"/api/contacts/{conv.contact_id}", headers=auth(company.agent_token)
        )
        gone = await http.get(view["url"], headers=auth(company.agent_token))
        export = await http.get("/api/export", headers=auth(company.agent_token))
    assert erased.status_code == 204
    assert gone.status_code == 404
    remaining = files_in(tmp_path / "files")
    assert [p.name for p in remaining] == [kept["attachment"]["id"]]
    assert [a["id"] for a in export.json()["attachments"]] == [kept["attachment"]["id"]]
    await widget.close()
    await other.close()


async def test_erasing_the_company_deletes_every_file(server: HubServer, tmp_path: Path) -> None:
    company = await server.company()
    widget = await Widget.open(server.ws, company.widget_key)
    await visitor_upload(server, company, first_session(widget), PNG)
    assert files_in(tmp_path / "files")
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        erased = await http.delete("/api/company", headers=auth(company.agent_token))
    assert erased.status_code == 204
    assert files_in(tmp_path / "files") == []
    await widget.close()


async def test_the_sweep_removes_unsent_uploads_and_files_whose_message_is_gone(
    server: HubServer, tmp_path: Path
) -> None:
    company = await server.company()
    widget = await Widget.open(server.ws, company.widget_key)
    session_id = first_session(widget)
    sent = (await visitor_upload(server, company, session_id, PNG)).json()["attachment"]
    message = await send(widget, [sent["id"]], "sent")
    fresh = (await visitor_upload(server, company, session_id, PDF, "f.pdf")).json()
    stale = (await visitor_upload(server, company, session_id, PDF, "s.pdf")).json()
    t = repo.attachments
    async with server.hub.db.write(system=True) as conn:
        old = dt.datetime.now(dt.UTC) - dt.timedelta(days=2)
        await conn.execute(
            update(t).where(t.c.id == stale["attachment"]["id"]).values(created_at=old)
        )
    assert await server.hub.attachments.sweep() == 1  # the stale upload only
    async with server.hub.db.write(system=True) as conn:  # as retention purges it
        await conn.execute(repo.messages.delete().where(repo.messages.c.id == message["id"]))
    assert await server.hub.attachments.sweep() == 1
    async with server.hub.db.read(system=True) as conn:
        left = (await conn.execute(select(t.c.id))).scalars().all()
    assert left == [fresh["attachment"]["id"]]
    kept = files_in(tmp_path / "files")
    assert [p.name for p in kept] == [fresh["attachment"]["id"]]
    assert kept[0].stat().st_mode & 0o777 == 0o600  # never executable
    assert kept[0].parent.name == company.company_id
    await widget.close()


async def test_uploads_are_rate_limited_per_address(sqlite_url: str, tmp_path: Path) -> None:
    settings = make_settings(
        sqlite_url, attachments_dir=str(tmp_path), attachment_uploads_per_ip=(0.001, 2)
    )
    async with start_hub(settings) as server:
        company = await server.company()
        widget = await Widget.open(server.ws, company.widget_key)
        codes = [
            (await visitor_upload(server, company, first_session(widget), PNG)).status_code
            for _ in range(3)
        ]
        await widget.close()
    assert codes == [201, 201, 429]


# -- the pieces: sniffing, names, the stores -------------------------------------------------


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (PNG, "image/png"),
        (b"\xff\xd8\xff\xe0" + bytes(20), "image/jpeg"),
        (b"GIF89a" + bytes(20), "image/gif"),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 " + bytes(20), "image/webp"),
        (PDF, "application/pdf"),
        (office("docx"), DOCX),
        (office("xlsx"), XLSX),
        ("Grüße, meter 42\r\n\tok".encode(), "text/plain"),
        (HTML, None),
        (SVG, None),
        (b"  <script>alert(1)</script>", None),
        (b"hello\x00world", None),
        (b"\xff\xfe\x00\x00garbage", None),
        (b"\x7fELF\x02\x01\x01", None),
    ],
)
def test_types_come_from_the_bytes(data: bytes, expected: str | None) -> None:
    assert sniff(data) == expected


@pytest.mark.parametrize(
    ("raw", "content_type", "expected"),
    [
        ("photo.PNG", "image/png", "photo.png"),
        ("C:\\Users\\me\\Desktop\\scan.jpeg", "image/jpeg", "scan.jpeg"),
        ("invoice.pdf.exe", "application/pdf", "invoice.pdf.exe.pdf"),
        ("\u202egnp.exe", "image/png", "gnp.exe.png"),
        ("a\u200bb\x00c.txt", "text/plain", "abc.txt"),
        ('<img src=x onerror="1">.png', "image/png", "_img src=x onerror=_1__.png"),
        ("...hidden", "application/pdf", "hidden.pdf"),
        ("", "image/gif", "file.gif"),
        (None, "image/webp", "file.webp"),
        ("x" * 500 + ".pdf", "application/pdf", "x" * 116 + ".pdf"),
    ],
)
def test_names_are_scanned(raw: str | None, content_type: str, expected: str) -> None:
    assert safe_name(raw, content_type) == expected


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """moto's S3 API on a loopback port (a real HTTP server boto3 signs requests to)."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_settings(sqlite_url: str, endpoint: str, bucket: str) -> Settings:
    return make_settings(
        sqlite_url,
        s3_bucket=bucket,
        s3_endpoint_url=endpoint,
        s3_region="eu-west-1",
        s3_access_key_id="test",
        s3_secret_access_key=Secret("test"),
    )


def new_bucket(store: S3Store) -> None:
    store.client.create_bucket(
        Bucket=store.bucket, CreateBucketConfiguration={"LocationConstraint": "eu-west-1"}
    )


async def test_the_s3_store_puts_gets_and_deletes(sqlite_url: str, s3_endpoint: str) -> None:
    store = make_store(s3_settings(sqlite_url, s3_endpoint, "files-a"))
    assert isinstance(store, S3Store)
    new_bucket(store)
    company, other = "a" * 32, "b" * 32
    await store.put(f"{company}/{'1' * 32}", PNG, "image/png")
    await store.put(f"{company}/{'2' * 32}", PDF, "application/pdf")
    await store.put(f"{other}/{'3' * 32}", PDF, "application/pdf")
    assert await store.get(f"{company}/{'1' * 32}") == PNG
    await store.delete(f"{company}/{'1' * 32}")
    with pytest.raises(Missing):
        await store.get(f"{company}/{'1' * 32}")
    await store.delete_prefix(company)
    with pytest.raises(Missing):
        await store.get(f"{company}/{'2' * 32}")
    assert await store.get(f"{other}/{'3' * 32}") == PDF
    with pytest.raises(ValueError):
        await store.get("../../etc/passwd")


async def test_a_hub_on_s3_serves_what_a_visitor_uploaded(
    sqlite_url: str, s3_endpoint: str
) -> None:
    settings = s3_settings(sqlite_url, s3_endpoint, "files-b")
    store = make_store(settings)
    assert isinstance(store, S3Store)
    new_bucket(store)
    async with start_hub(settings) as server:
        company = await server.company()
        widget = await Widget.open(server.ws, company.widget_key)
        view = (await visitor_upload(server, company, first_session(widget), PNG)).json()[
            "attachment"
        ]
        key = f"{company.company_id}/{view['id']}"
        assert await store.get(key) == PNG  # in the bucket, under the hub's key
        async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
            got = await http.get(view["url"], headers=auth(company.agent_token))
        assert got.content == PNG
        await widget.close()


async def test_a_body_without_length_is_cut_off_at_the_limit(server: HubServer) -> None:
    """A chunked upload (no Content-Length) is refused as soon as it passes the limit."""
    company = await server.company()
    widget = await Widget.open(server.ws, company.widget_key)

    async def chunks() -> AsyncIterator[bytes]:
        yield PNG
        for _ in range(10):
            yield bytes(1024)

    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        response = await http.post(
            "/api/widget/attachments",
            params={"key": company.widget_key},
            headers=auth(first_session(widget)),
            content=chunks(),
        )
    assert response.status_code == 413
    assert await rows(server, company.company_id) == 0
    await widget.close()


async def test_sms_and_whatsapp_conversations_take_no_uploads(server: HubServer) -> None:
    company = await server.company()
    inbound = Inbound("sms", "+15550001111", "+15550002222", "SM" + "1" * 32, "hi")
    appended = await server.hub.inbound.receive(company.company_id, inbound)
    conversation_id = appended.message["conversation_id"]
    async with httpx.AsyncClient(base_url=server.http, timeout=10) as http:
        response = await http.post(
            f"/api/conversations/{conversation_id}/attachments",
            headers=auth(company.agent_token),
            content=PDF,
        )
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "not_supported"
    assert await rows(server, company.company_id) == 0


def test_the_settings_come_from_the_environment() -> None:
    settings = Settings.from_env(
        {
            "HUB_SECRET_KEY": "k" * 32,
            "HUB_ATTACHMENTS_DIR": "/var/lib/hub/files",
            "HUB_ATTACHMENT_MAX_BYTES": "2048",
            "HUB_ATTACHMENT_UPLOADS_PER_IP": "2/10",
            "HUB_S3_BUCKET": "hub-files",
            "HUB_S3_ENDPOINT_URL": "http://minio:9000",
            "HUB_S3_REGION": "eu-central-1",
            "HUB_S3_ACCESS_KEY_ID": "AKIA",
            "HUB_S3_SECRET_ACCESS_KEY": "shh",
        }
    )
    assert settings.attachments_path == Path("/var/lib/hub/files")
    assert settings.attachment_max_bytes == 2048
    assert settings.attachment_uploads_per_ip == (2.0, 10)
    assert (settings.s3_bucket, settings.s3_endpoint_url) == ("hub-files", "http://minio:9000")
    assert settings.s3_secret_access_key is not None
    assert "shh" not in repr(settings)
    beside = Settings.from_env(
        {"DATABASE_URL": "sqlite:////srv/hub/hub.db", "HUB_SECRET_KEY": "k" * 32}
    )
    assert beside.attachments_path == Path("/srv/hub/attachments")


def test_the_ai_is_told_a_file_was_sent() -> None:
    message = {
        "direction": "inbound",
        "text": "",
        "attachments": [{"id": "a" * 32, "name": "meter.png", "content_type": "image/png"}],
    }
    turns = recent_history([message], 1000)
    assert turns == [{"role": "user", "content": "[attached file: meter.png (image/png)]"}]
