"""A local fake Web Push service (RFC 8030) for tests and the push benchmark.

It listens on 127.0.0.1, plays the browser's push service and the browser itself: each
"device" has its own P-256 key pair and auth secret (RFC 8291), so the fake can check
the VAPID JWT (RFC 8292, ES256 over the server's public key named in ``k=``) and
**decrypt** every aes128gcm payload (RFC 8188) exactly as a browser would. Answers are
scripted per device (201 by default; 404, 410, 413, 429, 500 with optional headers).
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Device:
    """A browser's subscription: the keys the server encrypts to."""

    device_id: str
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey
    auth_secret: bytes

    @property
    def p256dh(self) -> str:
        raw = self.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return b64url(raw)

    @property
    def auth(self) -> str:
        return b64url(self.auth_secret)

    def subscription_json(self) -> dict[str, Any]:
        """What ``PushSubscription.toJSON()`` gives the app."""
        return {"endpoint": self.endpoint, "keys": {"p256dh": self.p256dh, "auth": self.auth}}


@dataclass
class Received:
    device_id: str
    payload: dict[str, Any]
    headers: dict[str, str]
    claims: dict[str, Any]
    at: float


@dataclass
class Rejected:
    device_id: str
    status: int
    reason: str


@dataclass
class FakePushService:
    """Start with ``start()``; ``server_public_key`` is the VAPID key it accepts."""

    server_public_key: str
    host: str = "127.0.0.1"
    received: list[Received] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    answered: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    devices: dict[str, Device] = field(default_factory=dict)
    _script: dict[str, deque[tuple[int, dict[str, str]]]] = field(
        default_factory=lambda: defaultdict(deque)
    )
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None
    # Set by the benchmark: called with each delivery as it arrives.
    on_receive: Any = None

    @property
    def origin(self) -> str:
        assert self._server is not None
        return f"http://{self.host}:{self._server.server_address[1]}"

    def start(self) -> FakePushService:
        service = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                status, headers = service._handle(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def device(self) -> Device:
        device_id = secrets.token_hex(8)
        device = Device(
            device_id=device_id,
            endpoint=f"{self.origin}/push/{device_id}",
            private_key=ec.generate_private_key(ec.SECP256R1()),
            auth_secret=secrets.token_bytes(16),
        )
        self.devices[device_id] = device
        return device

    def script(self, device: Device, *answers: int | tuple[int, dict[str, str]]) -> None:
        """The next answers for this device, in order (then 201 again)."""
        for answer in answers:
            status, headers = answer if isinstance(answer, tuple) else (answer, {})
            self._script[device.device_id].append((status, headers))

    def payloads(self, device: Device) -> list[dict[str, Any]]:
        with self._lock:
            return [r.payload for r in self.received if r.device_id == device.device_id]

    # --- the push service's side ------------------------------------------------------

    def _handle(
        self, path: str, headers: dict[str, str], body: bytes
    ) -> tuple[int, dict[str, str]]:
        headers = {name.lower(): value for name, value in headers.items()}
        device_id = path.rsplit("/", 1)[-1]
        device = self.devices.get(device_id)
        if device is None:
            return self._reject(device_id, 404, "unknown subscription")
        claims, problem = self._check_vapid(headers.get("authorization", ""))
        if problem:
            return self._reject(device_id, 401, problem)
        if headers.get("content-encoding") != "aes128gcm":
            return self._reject(device_id, 400, "content-encoding is not aes128gcm")
        if "ttl" not in headers:
            return self._reject(device_id, 400, "no TTL")
        if len(body) > 4096:
            return self._reject(device_id, 413, "payload larger than 4096 bytes")
        with self._lock:
            scripted = self._script[device_id].popleft() if self._script[device_id] else None
        if scripted is not None and scripted[0] >= 300:
            with self._lock:
                self.answered[device_id].append(scripted[0])
            return scripted
        try:
            plaintext = http_ece.decrypt(
                body,
                private_key=device.private_key,
                auth_secret=device.auth_secret,
                version="aes128gcm",
            )
        except Exception as exc:
            return self._reject(device_id, 400, f"cannot decrypt: {exc}")
        received = Received(
            device_id=device_id,
            payload=json.loads(plaintext),
            headers=headers,
            claims=claims,
            at=time.monotonic(),
        )
        with self._lock:
            self.received.append(received)
            self.answered[device_id].append(201)
        if self.on_receive is not None:
            self.on_receive(received)
        return 201, {"Location": f"{self.origin}/message/{secrets.token_hex(4)}"}

    def _reject(self, device_id: str, status: int, reason: str) -> tuple[int, dict[str, str]]:
        with self._lock:
            self.rejected.append(Rejected(device_id, status, reason))
            self.answered[device_id].append(status)
        return status, {}

    def _check_vapid(self, authorization: str) -> tuple[dict[str, Any], str]:
        """RFC 8292: ``vapid t=<JWT>, k=<public key>``; ES256 signature; aud, exp, sub."""
        if not authorization.lower().startswith("vapid "):
            return {}, "no vapid authorization"
        params = dict(
            part.strip().split("=", 1) for part in authorization[6:].split(",") if "=" in part
        )
        token, key = params.get("t", ""), params.get("k", "")
        if key != self.server_public_key:
            return {}, "unknown application server key"
        try:
            header_b64, claims_b64, signature_b64 = token.split(".")
            header = json.loads(b64url_decode(header_b64))
            claims = json.loads(b64url_decode(claims_b64))
            signature = b64url_decode(signature_b64)
            public_key = ec.EllipticCurvePublicKey.from_encoded_point(
                ec.SECP256R1(), b64url_decode(key)
            )
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            public_key.verify(der, f"{header_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except (ValueError, InvalidSignature) as exc:
            return {}, f"bad JWT: {type(exc).__name__}"
        if header.get("alg") != "ES256":
            return {}, "JWT alg is not ES256"
        if claims.get("aud") != self.origin:
            return {}, f"aud {claims.get('aud')!r} is not {self.origin}"
        now = time.time()
        if not now < int(claims.get("exp", 0)) <= now + 24 * 60 * 60:
            return {}, "exp not within 24 hours"
        if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
            return {}, "no sub"
        return claims, ""
