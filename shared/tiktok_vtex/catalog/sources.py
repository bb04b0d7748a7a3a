"""Where a feed comes from: inline XML, `s3://bucket/key`, or an http(s) URL; gzip detected by its magic
bytes whatever the source. Every source is read as a stream (never whole into memory) and capped.

URLs are fetched with httpx: connect/read timeouts, redirects followed by hand (at most
`max_redirects`, each hop checked again), a cap on the bytes received and on the bytes after
decompression (a gzip bomb stops at the cap), and an SSRF guard: the host must resolve only to public
addresses. Loopback is allowed only when `allow_loopback` is set (the local stack, Environment=local),
private, link-local (169.254.169.254, the instance metadata) and reserved ranges never.
Errors name the host and path, never the query string (feed links often carry an access key).
"""

from __future__ import annotations

import gzip
import io
import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any
from urllib.parse import urljoin, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field

from .feed import FeedError

Resolver = Callable[..., list[tuple[Any, ...]]]
_GZIP_MAGIC = b"\x1f\x8b"


class FeedFetchError(FeedError):
    """The feed could not be fetched (unreachable, refused by the guard, too large, HTTP error)."""


class FetchPolicy(BaseModel):
    """How feeds are fetched (settings of the listing function; see tiktok_vtex.settings)."""

    model_config = ConfigDict(frozen=True)

    connect_timeout_s: float = Field(default=10.0, gt=0)
    read_timeout_s: float = Field(default=60.0, gt=0)
    max_redirects: int = Field(default=5, ge=0, le=20)
    max_bytes: int = Field(default=256 * 1024 * 1024, gt=0, description="bytes received (compressed)")
    max_decompressed_bytes: int = Field(default=1024 * 1024 * 1024, gt=0)
    allow_loopback: bool = False


def describe(url: str) -> str:
    """scheme://host/path of a URL: what may appear in a log line or an error."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname or ''}{parts.path}"


def check_url(url: str, policy: FetchPolicy, resolve: Resolver = socket.getaddrinfo) -> None:
    """Refuses a URL whose scheme is not http(s) or whose host resolves to a non-public address."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FeedFetchError(f"feed URL must be http(s) with a host: {describe(url)}")
    if parts.username or parts.password:
        raise FeedFetchError(f"feed URL must not carry credentials: {describe(url)}")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FeedFetchError(f"feed URL has an invalid port: {describe(url)}") from None
    try:
        infos = resolve(parts.hostname, port, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as error:
        raise FeedFetchError(f"feed host does not resolve: {parts.hostname} ({error})") from None
    addresses = {ipaddress.ip_address(info[4][0].split("%")[0]) for info in infos}
    if not addresses:
        raise FeedFetchError(f"feed host does not resolve: {parts.hostname}")
    for address in addresses:
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            address = address.ipv4_mapped  # noqa: PLW2901 - ::ffff:10.0.0.1 is 10.0.0.1
        if address.is_loopback and policy.allow_loopback:
            continue
        if not address.is_global or address.is_multicast:
            raise FeedFetchError(
                f"feed host {parts.hostname} resolves to a non-public address ({address}); refused (SSRF guard)")


class _ChunkStream(io.RawIOBase):
    """A readable stream over an iterator of byte chunks, counting bytes against a cap."""

    def __init__(self, chunks: Iterator[bytes], cap: int, what: str) -> None:
        self._chunks = chunks
        self._buffer = b""
        self._count = 0
        self._cap = cap
        self._what = what

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        while not self._buffer:
            chunk = next(self._chunks, None)
            if chunk is None:
                return 0
            self._count += len(chunk)
            if self._count > self._cap:
                raise FeedFetchError(f"{self._what} is larger than {self._cap} bytes")
            self._buffer = chunk
        size = min(len(target), len(self._buffer))
        target[:size] = self._buffer[:size]
        self._buffer = self._buffer[size:]
        return size


class _Capped(io.RawIOBase):
    """Counts what is read from a (decompressing) stream against a cap."""

    def __init__(self, inner: IO[bytes], cap: int) -> None:
        self._inner = inner
        self._count = 0
        self._cap = cap

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        data = self._inner.read(len(target))
        self._count += len(data)
        if self._count > self._cap:
            raise FeedFetchError(f"the decompressed feed is larger than {self._cap} bytes")
        target[: len(data)] = data
        return len(data)


def _decoded(chunks: Iterator[bytes], policy: FetchPolicy, what: str) -> IO[bytes]:
    buffered = io.BufferedReader(_ChunkStream(chunks, policy.max_bytes, what), buffer_size=1 << 16)
    if buffered.peek(2)[:2] == _GZIP_MAGIC:
        try:
            return io.BufferedReader(_Capped(gzip.GzipFile(fileobj=buffered), policy.max_decompressed_bytes),
                                     buffer_size=1 << 16)
        except OSError as error:  # pragma: no cover - GzipFile reads lazily; errors surface on read
            raise FeedFetchError(f"not a gzip stream: {error}") from None
    return buffered


class _GzipErrors(io.RawIOBase):
    """Turns a corrupt gzip stream's OSError / EOFError into a FeedFetchError."""

    def __init__(self, inner: IO[bytes]) -> None:
        self._inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, target: Any) -> int:
        try:
            data = self._inner.read(len(target))
        except (OSError, EOFError) as error:
            raise FeedFetchError(f"the gzip feed is corrupt: {error}") from None
        target[: len(data)] = data
        return len(data)


def _chunks_of(data: bytes, size: int = 1 << 16) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]


@contextmanager
def open_feed(
    source: str | bytes,
    policy: FetchPolicy,
    *,
    http: httpx.Client | None = None,
    s3: Any | None = None,
    resolve: Resolver = socket.getaddrinfo,
) -> Iterator[IO[bytes]]:
    """A binary stream of the feed's XML (decompressed). `source`: inline XML (str/bytes starting with
    `<`, or gzip bytes), `s3://bucket/key` (read with the given boto3 S3 client) or an http(s) URL."""
    if isinstance(source, bytes) or source.lstrip()[:1] == "<":
        data = source if isinstance(source, bytes) else source.encode("utf-8")
        yield io.BufferedReader(_GzipErrors(_decoded(_chunks_of(data), policy, "the inline feed")))
        return
    if source.startswith("s3://"):
        bucket, _, key = source[5:].partition("/")
        if not bucket or not key:
            raise FeedFetchError("an S3 feed source is s3://bucket/key")
        if s3 is None:
            raise FeedFetchError("no S3 client to read an s3:// feed")
        try:
            response = s3.get_object(Bucket=bucket, Key=key)
        except Exception as error:  # botocore ClientError (NoSuchKey, AccessDenied) and connection errors
            code = getattr(error, "response", {}).get("Error", {}).get("Code", type(error).__name__)
            raise FeedFetchError(f"feed s3://{bucket}/{key} could not be read ({code})") from None
        if int(response.get("ContentLength") or 0) > policy.max_bytes:
            raise FeedFetchError(f"feed s3://{bucket}/{key} is larger than {policy.max_bytes} bytes")
        body = response["Body"]
        try:
            yield io.BufferedReader(_GzipErrors(_decoded(body.iter_chunks(1 << 16), policy, "the feed")))
        finally:
            body.close()
        return
    client = http or httpx.Client(
        timeout=httpx.Timeout(policy.read_timeout_s, connect=policy.connect_timeout_s),
        headers={"User-Agent": "tiktok-vtex-connector feed reader", "Accept-Encoding": "gzip"},
    )
    try:
        with fetch_stream(client, source, policy, resolve) as response:
            yield io.BufferedReader(_GzipErrors(_decoded(response.iter_bytes(1 << 16), policy, "the feed")))
    finally:
        if http is None:
            client.close()


@contextmanager
def fetch_stream(client: httpx.Client, url: str, policy: FetchPolicy, resolve: Resolver = socket.getaddrinfo,
                 headers: dict[str, str] | None = None, ok: tuple[int, ...] = (200,)) -> Iterator[httpx.Response]:
    """GET `url` as a stream: SSRF guard on every hop, redirects bounded, declared size capped; statuses
    other than `ok` raise FeedFetchError."""
    for _ in range(policy.max_redirects + 1):
        check_url(url, policy, resolve)
        try:
            request = client.build_request("GET", url, headers=headers)
            response = client.send(request, stream=True, follow_redirects=False)
        except httpx.TimeoutException:
            raise FeedFetchError(f"feed {describe(url)} timed out") from None
        except httpx.HTTPError as error:
            raise FeedFetchError(f"feed {describe(url)} is unreachable ({type(error).__name__})") from None
        try:
            if response.is_redirect and response.headers.get("location"):
                url = urljoin(url, response.headers["location"])
                continue
            if response.status_code not in ok:
                raise FeedFetchError(f"feed {describe(url)} answered HTTP {response.status_code}")
            length = response.headers.get("content-length")
            if length and length.isdigit() and int(length) > policy.max_bytes:
                raise FeedFetchError(f"feed {describe(url)} is larger than {policy.max_bytes} bytes")
            try:
                yield response
            except httpx.TimeoutException:
                raise FeedFetchError(f"feed {describe(url)} timed out while reading") from None
            except httpx.HTTPError as error:
                raise FeedFetchError(f"feed {describe(url)} broke off ({type(error).__name__})") from None
            return
        finally:
            response.close()
    raise FeedFetchError(f"feed URL redirected more than {policy.max_redirects} times")
