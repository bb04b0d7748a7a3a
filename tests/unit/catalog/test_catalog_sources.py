"""Feed sources: https with timeouts, size caps, bounded redirects and the SSRF guard; s3://; gzip."""

from __future__ import annotations

import gzip
import socket
from collections.abc import Callable
from typing import Any

import boto3
import httpx
import pytest

from tiktok_vtex.catalog.feed import FeedReader
from tiktok_vtex.catalog.models import FeedItem
from tiktok_vtex.catalog.sources import FeedFetchError, FetchPolicy, check_url, open_feed

FEED = (b'<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel>'
        b"<item><g:id>1</g:id><g:title>A</g:title><g:price>1,00 BRL</g:price></item></channel></rss>")


def resolver(table: dict[str, str]) -> Callable[..., list[tuple[Any, ...]]]:
    def resolve(host: str, port: int, **_: Any) -> list[tuple[Any, ...]]:
        if host not in table:
            raise socket.gaierror(-2, "Name or service not known")
        family = socket.AF_INET6 if ":" in table[host] else socket.AF_INET
        return [(family, socket.SOCK_STREAM, 6, "", (table[host], port))]
    return resolve


PUBLIC = resolver({"feeds.example.com": "93.184.216.34", "cdn.example.com": "93.184.216.35",
                   "internal.example.com": "10.0.0.8", "meta.example.com": "169.254.169.254",
                   "localhost": "127.0.0.1", "v6local.example.com": "::ffff:192.168.1.1"})


def read_ids(source: str | bytes, policy: FetchPolicy, **kwargs: Any) -> list[str]:
    with open_feed(source, policy, resolve=PUBLIC, **kwargs) as stream:
        return [r.id for r in FeedReader(stream) if isinstance(r, FeedItem)]


def client(handler: Callable[[httpx.Request], httpx.Response]) -> httpx.Client:
    return httpx.Client(transport=httpx.MockTransport(handler))


def test_https_feed_plain_and_gzip() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(str(request.url))
        body = gzip.compress(FEED) if request.url.path.endswith(".gz") else FEED
        return httpx.Response(200, content=body)

    http = client(handler)
    assert read_ids("https://feeds.example.com/feed.xml?key=abc", FetchPolicy(), http=http) == ["1"]
    assert read_ids("https://feeds.example.com/feed.xml.gz", FetchPolicy(), http=http) == ["1"]
    assert len(calls) == 2


def test_redirects_are_followed_and_bounded_and_each_hop_is_checked() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        hops = {"/a": "/b", "/b": "https://cdn.example.com/c", "/loop": "/loop",
                "/to-internal": "https://internal.example.com/x"}
        if request.url.path in hops:
            return httpx.Response(302, headers={"location": hops[request.url.path]})
        return httpx.Response(200, content=FEED)

    http = client(handler)
    assert read_ids("https://feeds.example.com/a", FetchPolicy(), http=http) == ["1"]
    with pytest.raises(FeedFetchError, match="redirected more than 5 times"):
        read_ids("https://feeds.example.com/loop", FetchPolicy(), http=http)
    with pytest.raises(FeedFetchError, match="non-public address"):
        read_ids("https://feeds.example.com/to-internal", FetchPolicy(), http=http)
    with pytest.raises(FeedFetchError, match="redirected more than 1 times"):
        read_ids("https://feeds.example.com/a", FetchPolicy(max_redirects=1), http=http)


@pytest.mark.parametrize(
    ("url", "allow_loopback", "ok"),
    [
        ("https://feeds.example.com/f", False, True),
        ("https://internal.example.com/f", False, False),
        ("https://meta.example.com/latest/meta-data", False, False),
        ("https://meta.example.com/latest/meta-data", True, False),
        ("http://localhost:8099/f", False, False),
        ("http://localhost:8099/f", True, True),
        ("http://127.0.0.1/f", False, False),
        ("http://[::1]/f", True, True),
        ("http://10.1.2.3/f", True, False),
        ("https://v6local.example.com/f", True, False),
        ("ftp://feeds.example.com/f", False, False),
        ("https://user:pw@feeds.example.com/f", False, False),
        ("https://nowhere.example.com/f", False, False),
    ],
)
def test_ssrf_guard(url: str, allow_loopback: bool, ok: bool) -> None:
    policy = FetchPolicy(allow_loopback=allow_loopback)
    resolve = resolver({"feeds.example.com": "93.184.216.34", "internal.example.com": "10.0.0.8",
                        "meta.example.com": "169.254.169.254", "localhost": "127.0.0.1", "127.0.0.1": "127.0.0.1",
                        "::1": "::1", "10.1.2.3": "10.1.2.3", "v6local.example.com": "::ffff:192.168.1.1"})
    if ok:
        check_url(url, policy, resolve)
    else:
        with pytest.raises(FeedFetchError) as caught:
            check_url(url, policy, resolve)
        assert "pw" not in str(caught.value)


def test_http_errors_timeouts_and_unreachable_hosts_are_reported_without_the_query() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/slow":
            raise httpx.ReadTimeout("slow", request=request)
        if request.url.path == "/down":
            raise httpx.ConnectError("refused", request=request)
        return httpx.Response(404)

    http = client(handler)
    for path, message in (("/missing", "HTTP 404"), ("/slow", "timed out"), ("/down", "unreachable")):
        with pytest.raises(FeedFetchError, match=message) as caught:
            read_ids(f"https://feeds.example.com{path}?token=SECRET", FetchPolicy(), http=http)
        assert "SECRET" not in str(caught.value)


def test_size_caps_compressed_and_decompressed() -> None:
    big = FEED.replace(b"<channel>", b"<channel>" + b"<title>" + b"x" * 200_000 + b"</title>")
    http = client(lambda request: httpx.Response(
        200, content=gzip.compress(big) if request.url.path.endswith(".gz") else big))
    with pytest.raises(FeedFetchError, match="larger than 100000 bytes"):
        read_ids("https://feeds.example.com/f.xml", FetchPolicy(max_bytes=100_000), http=http)
    # the gzip is tiny but inflates past the cap (a gzip bomb stops there)
    with pytest.raises(FeedFetchError, match="decompressed feed is larger"):
        read_ids("https://feeds.example.com/f.xml.gz", FetchPolicy(max_decompressed_bytes=100_000), http=http)
    # a declared Content-Length over the cap is refused before reading
    http = client(lambda request: httpx.Response(200, content=big, headers={"content-length": str(len(big))}))
    with pytest.raises(FeedFetchError, match="larger than"):
        read_ids("https://feeds.example.com/f.xml", FetchPolicy(max_bytes=1000), http=http)


def test_corrupt_gzip_is_a_fetch_error() -> None:
    with pytest.raises(FeedFetchError, match="gzip feed is corrupt"):
        read_ids(gzip.compress(FEED)[:30], FetchPolicy())


def test_s3_source(aws: None) -> None:
    s3 = boto3.client("s3", region_name="us-east-1")
    s3.create_bucket(Bucket="feeds")
    s3.put_object(Bucket="feeds", Key="client/feed.xml.gz", Body=gzip.compress(FEED))
    assert read_ids("s3://feeds/client/feed.xml.gz", FetchPolicy(), s3=s3) == ["1"]
    with pytest.raises(FeedFetchError, match="NoSuchKey"):
        read_ids("s3://feeds/client/missing.xml", FetchPolicy(), s3=s3)
    with pytest.raises(FeedFetchError, match="larger than"):
        read_ids("s3://feeds/client/feed.xml.gz", FetchPolicy(max_bytes=10), s3=s3)
    with pytest.raises(FeedFetchError, match="s3://bucket/key"):
        read_ids("s3://feeds", FetchPolicy(), s3=s3)
