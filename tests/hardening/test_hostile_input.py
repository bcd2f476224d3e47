"""Hostile input gets a clear 4xx in the one error shape, never a 500 (issue 13)."""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import Image
from rest_framework.test import APIClient

from dorf.core.parsers import HostileJSON, loads_strict
from dorf.users.models import User
from tests.factories import MembershipFactory, UserFactory
from tests.ledger.factories import fund, member_with_account
from tests.marketplace.factories import PostingFactory

pytestmark = pytest.mark.django_db

REGISTER = "/api/v1/auth/register/"


def _register(body: str) -> Any:
    return APIClient().post(REGISTER, data=body, content_type="application/json")


def _person(**overrides: Any) -> str:
    import json

    body = {
        "email": "neu@example.org",
        "password": "ein-langes-passwort-1",
        "first_name": "Neu",
        "last_name": "Zugezogen",
    }
    body.update(overrides)
    return json.dumps(body)


# --- JSON bodies -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ("[" * 5000 + "]" * 5000, "nested 5,000 deep"),
        ('{"a":' * 1000 + "1" + "}" * 1000, "objects nested 1,000 deep"),
        (_person(first_name="Nu\u0000ll"), "NUL"),
        (_person(first_name="Ha\ud800lf"), "a lone surrogate"),
        (_person(first_name="Anna\u202egnp.exe"), "a right-to-left override"),
        (_person(first_name="Anna\u2066x\u2069"), "a bidi isolate"),
        (_person(language=10**30), "a number beyond bigint"),
        ('{"email": NaN}', "NaN"),
        ('{"email": 1e999}', "an infinite float"),
        ('{"email": ' + "9" * 5000 + "}", "an integer of 5,000 digits"),
    ],
)
def test_hostile_json_is_a_400_parse_error_and_creates_nothing(body: str, why: str) -> None:
    response = _register(body)
    assert response.status_code == 400, why
    assert response.json()["error"]["code"] == "parse_error", why
    assert not User.objects.exists()


def test_a_name_of_only_zero_width_characters_is_refused_as_blank() -> None:
    response = _register(_person(first_name="\u200b\u200c\u200d\ufeff"))
    assert response.status_code == 400
    assert "first_name" in response.json()["error"]["fields"]
    assert not User.objects.exists()


def test_zero_width_joiners_inside_text_are_kept() -> None:
    family = "Anna \U0001f468\u200d\U0001f469\u200d\U0001f467"
    response = _register(_person(first_name=family))
    assert response.status_code == 202  # accepted: the address is confirmed by e-mail
    assert User.objects.get().first_name == family


def test_the_strict_parser_refuses_depth_without_recursing() -> None:
    with pytest.raises(HostileJSON):
        loads_strict("[" * 33 + "]" * 33)
    assert loads_strict("[" * 32 + "]" * 32) is not None


# --- e-mail, invite code, cursor, search, memo, idempotency key -----------------------------


def test_a_resident_with_an_umlaut_in_the_email_can_register_and_log_in() -> None:
    # given
    email = "sophie.schröder.1@musterdorf.example"
    created = _register(_person(email=email))
    assert created.status_code == 202  # accepted: the address is confirmed by e-mail
    # when
    response = APIClient().post(
        "/api/v1/auth/login/",
        {"email": "Sophie.Schröder.1@musterdorf.example", "password": "ein-langes-passwort-1"},
        format="json",
    )
    # then
    assert response.status_code == 200
    assert response.json()["user"]["email"] == email


def test_a_seeded_resident_with_an_umlaut_can_log_in() -> None:
    user = UserFactory(email="jürgen.müller@musterdorf.example")
    user.set_password("dorf-demo")
    user.save()
    response = APIClient().post(
        "/api/v1/auth/login/",
        {"email": "jürgen.müller@musterdorf.example", "password": "dorf-demo"},
        format="json",
    )
    assert response.status_code == 200


@pytest.mark.parametrize("code", ["ä", "\u0000", "日本語", "x" * 300])
def test_a_non_ascii_invite_code_is_a_400(client_for, village, code: str) -> None:
    user = UserFactory()
    response = client_for(user).post(
        f"/api/v1/villages/{village.slug}/join/", {"invite_code": code}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400


@pytest.mark.parametrize("cursor", ["cD14", "cD0xZTk5OTk=", "bz0tMSZwPTE=", "cj1x"])
def test_a_bad_cursor_is_a_400_on_id_cursor_lists(client_for, village, cursor: str) -> None:
    member = MembershipFactory(village=village)
    client = client_for(member.user)
    for path in (
        f"/api/v1/villages/{village.slug}/members/?cursor={cursor}",
        "/api/v1/notifications/?cursor=" + cursor,
    ):
        response = client.get(path)
        assert response.status_code == 400, path
        assert response.json()["error"]["code"] == "invalid_cursor"


@pytest.mark.postgres
@pytest.mark.parametrize("query", ["-" * 40, "- " * 40, "!!!!((((", '"""--"""', "or or or or"])
def test_chat_search_with_operator_soup_answers_without_a_500(
    client_for, alice, square, query: str
) -> None:
    client = client_for(alice.user)
    client.post(
        f"/api/v1/chat/rooms/{square.pk}/messages/",
        {"text": "Feuerwehrfest am Samstag", "client_msg_id": "s1"},
        format="json",
    )
    response = client.get("/api/v1/chat/search/", {"q": query})
    assert response.status_code == 200
    assert response.json()["results"] == [] or query == "or or or or"


@pytest.mark.postgres
def test_chat_search_still_finds_words_and_honours_negation(client_for, alice, square) -> None:
    client = client_for(alice.user)
    for i, text in enumerate(["Feuerwehrfest am Samstag", "Feuerwehrübung am Montag"]):
        client.post(
            f"/api/v1/chat/rooms/{square.pk}/messages/",
            {"text": text, "client_msg_id": f"s{i}"},
            format="json",
        )
    found = client.get("/api/v1/chat/search/", {"q": "Samstag ---- -Montag"}).json()
    assert [m["text"] for m in found["results"]] == ["Feuerwehrfest am Samstag"]


def _payment(client, village, memo: str, key: str) -> Any:
    return client.post(
        f"/api/v1/villages/{village.slug}/ledger/payments/",
        {"payee_membership_id": _payment.payee, "minutes": 5, "memo": memo},  # type: ignore[attr-defined]
        format="json",
        HTTP_IDEMPOTENCY_KEY=key,
    )


@pytest.fixture
def payer_and_payee(village):
    payer, account = member_with_account(village)
    fund(account, 300)
    payee, _account = member_with_account(village)
    _payment.payee = payee.pk  # type: ignore[attr-defined]
    return payer, payee


def test_a_memo_of_only_zero_width_characters_is_refused(
    client_for, village, payer_and_payee
) -> None:
    payer, _payee = payer_and_payee
    response = _payment(client_for(payer.user), village, "\u200b\u200b\u2060", "zw-1")
    assert response.status_code == 400
    assert "memo" in response.json()["error"]["fields"]


@pytest.mark.parametrize("length", [190, 191, 200])
def test_an_idempotency_key_of_up_to_200_characters_is_accepted(
    client_for, village, payer_and_payee, length: int
) -> None:
    payer, _payee = payer_and_payee
    key = "k" * length
    first = _payment(client_for(payer.user), village, "Hecke", key)
    retry = _payment(client_for(payer.user), village, "Hecke", key)
    assert first.status_code == 201, first.json()
    assert retry.status_code in (200, 201)
    assert retry.json()["id"] == first.json()["id"]


def test_an_idempotency_key_of_201_characters_is_refused(
    client_for, village, payer_and_payee
) -> None:
    payer, _payee = payer_and_payee
    response = _payment(client_for(payer.user), village, "Hecke", "k" * 201)
    assert response.status_code == 400


# --- photos ------------------------------------------------------------------------------


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return (
        struct.pack(">I", len(data))
        + kind
        + data
        + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
    )


def _tiny_png(extra_chunk: bytes = b"") -> bytes:
    image = Image.new("RGB", (4, 4), "red")
    out = io.BytesIO()
    image.save(out, format="PNG")
    data = out.getvalue()
    # the extra chunk goes right after IHDR (8 signature + 25 IHDR bytes)
    return data[:33] + extra_chunk + data[33:]


def _ztxt_bomb() -> bytes:
    payload = zlib.compress(b"\x00" * (2 * 1024 * 1024), 9)
    return _tiny_png(_png_chunk(b"zTXt", b"Comment\x00\x00" + payload))


def _iccp_bomb() -> bytes:
    payload = zlib.compress(b"\x00" * (2 * 1024 * 1024), 9)
    return _tiny_png(_png_chunk(b"iCCP", b"icc\x00\x00" + payload))


def _huge_dimensions() -> bytes:
    ihdr = struct.pack(">IIBBBBB", 100_000, 100_000, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "blue").save(out, format="JPEG")
    return out.getvalue()


def _polyglot_zip() -> bytes:
    return _tiny_png() + b"PK\x03\x04" + b"<script>alert(1)</script>" * 10


def _polyglot_html_jpeg() -> bytes:
    return _jpeg() + b"<html><script>alert(1)</script></html>"


@pytest.fixture
def own_posting(village):
    author = MembershipFactory(village=village).user
    return PostingFactory(village=village, author=author)


@pytest.mark.parametrize(
    "content",
    [_ztxt_bomb(), _iccp_bomb(), _huge_dimensions(), _polyglot_zip(), _polyglot_html_jpeg()],
    ids=["ztxt-bomb", "iccp-bomb", "100000x100000", "png+zip", "jpeg+html"],
)
def test_hostile_images_are_a_400_and_store_nothing(own_posting, client_for, content) -> None:
    url = reverse("marketplace:posting-photos", kwargs={"posting_id": own_posting.pk})
    upload = SimpleUploadedFile("foto.png", content, content_type="image/png")
    response = client_for(own_posting.author).post(url, {"image": upload}, format="multipart")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_image"
    assert not own_posting.photos.exists()


def test_a_plain_photo_with_an_exif_thumbnail_is_still_accepted(own_posting, client_for) -> None:
    image = Image.new("RGB", (64, 48), "green")
    exif = Image.Exif()
    exif[0x010F] = "Kamera"
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, progressive=True)
    url = reverse("marketplace:posting-photos", kwargs={"posting_id": own_posting.pk})
    upload = SimpleUploadedFile("foto.jpg", out.getvalue(), content_type="image/jpeg")
    response = client_for(own_posting.author).post(url, {"image": upload}, format="multipart")
    assert response.status_code == 201
