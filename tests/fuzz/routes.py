"""What the fuzz suite drives: every HttpApi route of template.yaml, each with its case generator.

A route is found from the template (a function's `Events` of `Type: HttpApi`), so a route added later
joins the suite by itself, and fails it loudly until someone writes its generator here (GENERATORS).
A generator is a hypothesis strategy of `Case`: the API Gateway event, what kind of input it is, and
whether it must be refused (forged, unsigned, replayed-with-changes: never a 2xx, never a side effect).

Size: over 450 lines on purpose: one case generator per route, kept together so a new route's
generator sits by its neighbours.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import string
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from hypothesis import strategies as st

from events import generate
from local.template import load_template
from tiktok_vtex.auth.state import issue_state
from tiktok_vtex.webhooks.intake import MAX_BODY_BYTES


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    function: str  # logical id in template.yaml
    handler: str

    @property
    def key(self) -> str:
        return f"{self.method} {self.path}"


def http_api_routes(template_path: Any) -> list[Route]:
    routes = []
    for logical_id, resource in load_template(template_path)["Resources"].items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        properties = resource.get("Properties", {})
        for event in (properties.get("Events") or {}).values():
            if event.get("Type") == "HttpApi":
                spec = event["Properties"]
                routes.append(Route(spec["Method"].upper(), spec["Path"], logical_id, properties.get("Handler", "")))
    return sorted(routes, key=lambda r: r.key)


@dataclass
class Case:
    kind: str
    event: dict[str, Any]
    must_refuse: bool = False
    cpfs: list[str] = field(default_factory=list)  # buyer documents put in the body (must never be logged)
    then: dict[str, Any] | None = None  # a second request (replays)
    then_must_refuse: bool = False


# --- shared pieces ------------------------------------------------------------------------------------

def cpf() -> st.SearchStrategy[str]:
    # Formatted only: a bare 11-digit CPF cannot be told from a generated notification id that is logged
    # legitimately (hypothesis happily draws "00000000000" for both).
    digits = st.text(alphabet=string.digits, min_size=11, max_size=11)
    return digits.map(lambda d: f"{d[:3]}.{d[3:6]}.{d[6:9]}-{d[9:]}")


json_leaf = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30)
json_value = st.recursive(json_leaf, lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=8), c,
                                                                                         max_size=4), max_leaves=15)
short_text = st.text(max_size=40)  # includes lone surrogates and control characters


def _event_with_body(raw: bytes, headers: dict[str, str]) -> dict[str, Any]:
    try:
        raw.decode("utf-8")
        as_base64 = False
    except UnicodeDecodeError:  # API Gateway base64-encodes what is not text
        as_base64 = True
    return generate.http_event(raw, headers, base64_body=as_base64)


# --- POST /tiktok/webhook -----------------------------------------------------------------------------

def _signed(raw: bytes, **extra: str) -> dict[str, Any]:
    return _event_with_body(raw, {"authorization": generate.tiktok_signature(raw), **extra})


def _samples() -> list[dict[str, Any]]:
    return [*generate.sample_pushes().values()]


@st.composite
def _mutated_push(draw: st.DrawFn) -> Case:
    push = json.loads(json.dumps(draw(st.sampled_from(_samples()))))
    push["tts_notification_id"] = draw(st.one_of(st.text(alphabet=string.digits, min_size=1, max_size=30),
                                                 short_text, st.integers(), st.none()))
    buyer = draw(cpf())
    push["data"]["buyer_tax_id"] = buyer  # a buyer document: must never reach a log line
    for _ in range(draw(st.integers(0, 3))):
        data = push.get("data")
        target = data if isinstance(data, dict) and draw(st.booleans()) else push
        name = draw(st.sampled_from([*target.keys(), draw(st.text(max_size=8))]))
        target[name] = draw(json_value)
    if draw(st.booleans()):
        push.pop(draw(st.sampled_from(sorted(push))), None)
    raw = json.dumps(push, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
    return Case("mutated valid push, re-signed", _signed(raw), cpfs=[buyer])


@st.composite
def _malformed(draw: st.DrawFn) -> Case:
    raw = draw(st.one_of(
        st.binary(max_size=300),
        json_value.map(lambda v: json.dumps(v).encode()),
        st.sampled_from([b"", b"{", b"null", b"[]", b'{"type":', b'{"type":1}', b"\xef\xbb\xbf{}", b'{"a":1}' * 3]),
    ))
    return Case("malformed body, signed", _signed(raw))


@st.composite
def _huge_or_deep(draw: st.DrawFn) -> Case:
    if draw(st.booleans()):
        depth = draw(st.integers(10, 200_000))
        container = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        raw = container[0].encode() * depth + b"1" + container[1].encode() * depth
        return Case("deeply nested JSON, signed", _signed(raw))
    pad = draw(st.sampled_from(['"', "\\", "é", "\u2028", "x", "\U0001f600"]))
    push = json.loads(json.dumps(draw(st.sampled_from(_samples()))))
    push["tts_notification_id"] = f"huge-{draw(st.integers(0, 10**9))}"
    size = draw(st.integers(MAX_BODY_BYTES // 8, MAX_BODY_BYTES + 4096))
    push["data"]["padding"] = pad * max(1, size // len(json.dumps(pad).encode()))
    return Case("huge body, signed", _signed(json.dumps(push, ensure_ascii=False).encode()))


@st.composite
def _invalid_utf8(draw: st.DrawFn) -> Case:
    raw = bytearray(generate.encode(draw(st.sampled_from(_samples()))))
    for _ in range(draw(st.integers(1, 4))):
        raw.insert(draw(st.integers(0, len(raw))), draw(st.sampled_from([0x80, 0xC3, 0xFF, 0xED, 0xF4])))
    return Case("invalid UTF-8, signed", _signed(bytes(raw)))


@st.composite
def _header_variants(draw: st.DrawFn) -> Case:
    push = {**draw(st.sampled_from(_samples())), "tts_notification_id": f"hdr-{draw(st.integers(0, 10**12))}"}
    raw = generate.encode(push)
    signature = generate.tiktok_signature(raw)
    name = draw(st.sampled_from(["authorization", "Authorization", "AUTHORIZATION"]))
    value = draw(st.sampled_from([signature, signature.upper(), f" {signature} "]))
    extra = draw(st.dictionaries(st.sampled_from(["content-type", "x-forwarded-for", "x-tts-version", "accept"]),
                                 st.text(alphabet=string.printable, max_size=40), max_size=3))
    return Case("header variants of a valid push", _event_with_body(raw, {**extra, name: value}))


def _other_signature(draw: st.DrawFn, raw: bytes) -> dict[str, str]:  # noqa: PLR0911 (one per forgery)
    env = generate.stack_env()
    right = generate.tiktok_signature(raw)
    choice = draw(st.sampled_from(["none", "empty", "random", "other-body", "wrong-secret", "truncated", "garbage",
                                   "internal-on-tiktok", "no-app-key", "flipped"]))
    if choice == "none":
        return {}
    if choice == "empty":
        return {"authorization": ""}
    if choice == "random":
        return {"authorization": draw(st.text(alphabet="0123456789abcdef", min_size=64, max_size=64))}
    if choice == "other-body":
        return {"authorization": generate.tiktok_signature(raw + b" ")}
    if choice == "wrong-secret":
        return {"authorization": hmac.new(b"guessed-secret", env["TIKTOK_APP_KEY"].encode() + raw,
                                          hashlib.sha256).hexdigest()}
    if choice == "truncated":
        return {"authorization": right[:draw(st.integers(0, 63))]}
    if choice == "garbage":
        return {"authorization": draw(st.text(alphabet=string.printable + "çé€", max_size=200))}
    if choice == "internal-on-tiktok":
        return {"x-internal-signature": generate.internal_signature(raw)}
    if choice == "no-app-key":
        return {"authorization": hmac.new(env["TIKTOK_APP_SECRET"].encode(), raw, hashlib.sha256).hexdigest()}
    flipped = list(right)
    index = draw(st.integers(0, 63))
    flipped[index] = "0" if flipped[index] != "0" else "1"
    return {"authorization": "".join(flipped)}


@st.composite
def _forged(draw: st.DrawFn) -> Case:
    buyer = draw(cpf())
    push = json.loads(json.dumps(draw(st.sampled_from([*_samples(), generate.vtex_order_created()]))))
    push["data"]["buyer_tax_id"] = buyer
    raw = generate.encode(push)
    if push["type"] == 99:  # ours needs our signature: TikTok's is not enough, a guessed one neither
        headers = draw(st.sampled_from([{"authorization": generate.tiktok_signature(raw)}, {},
                                        {"x-internal-signature": generate.tiktok_signature(raw)},
                                        {"x-internal-signature": ""}]))
    else:
        headers = _other_signature(draw, raw)
    return Case("forged or unsigned", _event_with_body(raw, headers), must_refuse=True, cpfs=[buyer])


@st.composite
def _replayed(draw: st.DrawFn) -> Case:
    push = {**draw(st.sampled_from(_samples())), "tts_notification_id": f"replay-{draw(st.integers(0, 10**12))}"}
    raw = generate.encode(push)
    signature = generate.tiktok_signature(raw)
    first = _event_with_body(raw, {"authorization": signature})
    if draw(st.booleans()):  # the same delivery again: acknowledged as a duplicate, never a second message
        return Case("replayed signature (same body)", first, then=json.loads(json.dumps(first)))
    changed = raw.replace(b'"data":{', b'"data":{"injected":1,', 1)
    return Case("replayed signature on a changed body", first,
                then=_event_with_body(changed, {"authorization": signature}), then_must_refuse=True)


@st.composite
def _type_99(draw: st.DrawFn) -> Case:
    push = json.loads(json.dumps(generate.vtex_order_created()))
    push["data"]["order_group_VTEX"] = draw(st.text(alphabet=string.digits, min_size=1, max_size=20))
    raw = generate.encode(push)
    return Case("type 99 with our signature", _event_with_body(raw, {"x-internal-signature":
                                                                       generate.internal_signature(raw)}))


def webhook_cases() -> st.SearchStrategy[Case]:
    return st.one_of(_mutated_push(), _malformed(), _huge_or_deep(), _invalid_utf8(), _header_variants(),
                     _forged(), _forged(), _replayed(), _type_99())


# --- GET /tiktok/callback -----------------------------------------------------------------------------

def callback_event(query: dict[str, str]) -> dict[str, Any]:
    event = json.loads(json.dumps(_callback_template()))
    event["queryStringParameters"] = query or None
    event["rawQueryString"] = urlencode(query, errors="surrogatepass")
    return event


def _callback_template() -> dict[str, Any]:
    from events.auth import _http_get

    return _http_get({})


CODE = st.text(alphabet=string.ascii_letters + string.digits + "_-", min_size=8, max_size=60)


def _state(secret: str, client_hash: str, *, now: float | None = None, ttl: int = 3600) -> str:
    # nonce=None: a fresh random nonce from `secrets` (hypothesis seeds `random`: nonces would repeat)
    return issue_state(client_hash, secret=secret, now=time.time() if now is None else now, ttl=ttl)


def callback_cases(secret: str, client_hash: str) -> st.SearchStrategy[Case]:
    @st.composite
    def valid(draw: st.DrawFn) -> Case:
        state = _state(secret, client_hash)
        if draw(st.booleans()):
            return Case("valid consent", callback_event({"code": draw(CODE), "state": state}))
        return Case("seller denied", callback_event({"error": "auth_denied", "state": state, "code": "null"}))

    @st.composite
    def forged(draw: st.DrawFn) -> Case:
        good = _state(secret, client_hash)
        payload, signature = good.split(".")
        choice = draw(st.sampled_from(["random", "wrong-secret", "tampered", "expired", "future", "missing",
                                       "swapped-signature"]))
        if choice == "random":
            state = draw(st.text(max_size=300))
        elif choice == "wrong-secret":
            state = _state("guessed-secret", client_hash)
        elif choice == "tampered":
            other = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
            other["c"] = draw(st.sampled_from(["another-client", client_hash + "x"]))
            encoded = base64.urlsafe_b64encode(json.dumps(other).encode()).rstrip(b"=").decode()
            state = f"{encoded}.{signature}"
        elif choice == "expired":
            state = _state(secret, client_hash, now=time.time() - 7200, ttl=60)
        elif choice == "future":
            state = _state(secret, client_hash, now=time.time() + 86400)
        elif choice == "missing":
            state = ""
        else:
            state = f"{payload}.{_state(secret, client_hash).split('.')[1]}"
        query = {"code": draw(CODE), "state": state}
        if not state:
            query.pop("state")
        return Case(f"forged state ({choice})", callback_event(query), must_refuse=True)

    @st.composite
    def replayed(draw: st.DrawFn) -> Case:
        state = _state(secret, client_hash)
        first = callback_event({"code": draw(CODE), "state": state})
        return Case("replayed state with another code", first,
                    then=callback_event({"code": draw(CODE) + "z", "state": state}), then_must_refuse=True)

    @st.composite
    def garbage(draw: st.DrawFn) -> Case:
        query = draw(st.dictionaries(st.sampled_from(["code", "state", "error", "error_description", "shop_region",
                                                      "x"]) | short_text, st.text(max_size=2000), max_size=5))
        return Case("garbage query", callback_event(query))

    return st.one_of(valid(), forged(), forged(), replayed(), garbage())


# --- POST /vtex/notification/{client_hash}/{token}/{proxy+} (issue 16) --------------------------------

def notification_cases(client_hash: str) -> st.SearchStrategy[Case]:
    from events import vtex_notifications as vn

    right = vn.token(client_hash)

    def event(raw: bytes, token: str = right, rest: str = "api/notification/") -> dict[str, Any]:
        try:
            raw.decode("utf-8")
            as_base64 = False
        except UnicodeDecodeError:
            as_base64 = True
        return vn.http_event(client_hash, token, raw, rest=rest, base64_body=as_base64)

    def body(draw: st.DrawFn) -> dict[str, Any]:
        return vn.notification(draw(st.integers(1, 10**12)), draw(st.integers(1, 10**9)), legacy=draw(st.booleans()),
                               StockModified=draw(st.booleans()), PriceModified=draw(st.booleans()))

    @st.composite
    def valid(draw: st.DrawFn) -> Case:
        notification = body(draw)
        for _ in range(draw(st.integers(0, 3))):  # some mutations keep it valid, most make it a 400
            name = draw(st.sampled_from([*notification.keys(), draw(st.text(max_size=8))]))
            notification[name] = draw(json_value)
        raw = json.dumps(notification, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
        return Case("notification (maybe mutated)", event(raw, rest=draw(st.sampled_from(
            ["api/notification/", "api/notification"]))))

    @st.composite
    def forged(draw: st.DrawFn) -> Case:
        raw = json.dumps(body(draw)).encode()
        choice = draw(st.sampled_from(["random", "other-client", "truncated", "flipped", "upper", "empty-ish"]))
        token = {"random": draw(st.text(min_size=1, max_size=60)), "other-client": vn.token(client_hash + "x"),
                 "truncated": right[:draw(st.integers(0, len(right) - 1))] or "0",
                 "flipped": right[:-1] + ("0" if right[-1] != "0" else "1"), "upper": right.upper(),
                 "empty-ish": " "}[choice]
        if token == right:
            token = right + "0"
        return Case(f"forged token ({choice})", event(raw, token), must_refuse=True)

    @st.composite
    def refused(draw: st.DrawFn) -> Case:
        choice = draw(st.sampled_from(["other-account", "other-affiliate", "other-path", "garbage", "huge"]))
        notification = body(draw)
        if choice == "other-account":
            notification["an" if "an" in notification else "An"] = "another" + draw(st.text("abc", max_size=5))
        if choice == "other-affiliate":
            notification["idAffiliate" if "idAffiliate" in notification else "IdAffiliate"] = "ZZZ"
        raw = json.dumps(notification).encode()
        if choice == "garbage":
            raw = draw(st.one_of(st.binary(max_size=200), st.sampled_from([b"", b"{", b"null", b"[]", b"{}"])))
        if choice == "huge":
            raw = json.dumps({**notification, "pad": "x" * draw(st.integers(17_000, 40_000))}).encode()
        rest = draw(st.sampled_from(["api/other", "x", "api/notification/extra"])) if choice == "other-path" \
            else "api/notification/"
        return Case(f"refused ({choice})", event(raw, rest=rest), must_refuse=True)

    return st.one_of(valid(), valid(), forged(), refused())


GENERATORS: dict[str, Callable[..., st.SearchStrategy[Case]]] = {
    "POST /tiktok/webhook": webhook_cases,
    "GET /tiktok/callback": callback_cases,
    "POST /vtex/notification/{client_hash}/{token}/{proxy+}": notification_cases,
}


# --- POST /vtex/orderhook/{client_hash} -----------------------------------------------------------------

def _hook_event(client_hash: str, raw: bytes, headers: dict[str, str]) -> dict[str, Any]:
    event = _event_with_body(raw, headers)
    path = f"/vtex/orderhook/{client_hash}"
    route = "POST /vtex/orderhook/{client_hash}"
    event.update(routeKey=route, rawPath=path, pathParameters={"client_hash": client_hash})
    event["requestContext"]["http"]["path"] = path
    event["requestContext"]["routeKey"] = route
    return event


def _hook_delivery(draw: st.DrawFn) -> dict[str, Any]:
    state = draw(st.sampled_from(["ready-for-handling", "handling", "invoiced", "canceled", "cancel",
                                  "window-to-cancel", "payment-approved"]))
    second = draw(st.integers(0, 59))
    return {"Domain": "Fulfillment", "OrderId": f"TTK-{draw(st.integers(10**17, 10**18))}-01", "State": state,
            "LastState": "window-to-cancel", "LastChange": f"2026-12-01T13:00:{second:02d}.1234567Z",
            "CurrentChange": f"2026-12-01T13:00:{second:02d}.1234567Z",
            "Origin": {"Account": "demostore", "Key": "vtexappkey-demostore-FUZZ"}}


def hook_cases(secret: str, other_secret: str, client_hash: str) -> st.SearchStrategy[Case]:
    from tiktok_vtex.vtex_orders.hook_secrets import HOOK_SECRET_HEADER

    header = HOOK_SECRET_HEADER.lower()

    @st.composite
    def valid(draw: st.DrawFn) -> Case:
        body: Any = {"hookConfig": "ping"} if draw(st.booleans()) else _hook_delivery(draw)
        name = draw(st.sampled_from([header, HOOK_SECRET_HEADER, header.upper()]))
        value = draw(st.sampled_from([secret, f" {secret} "]))
        return Case("valid delivery or ping", _hook_event(client_hash, generate.encode(body), {name: value}))

    @st.composite
    def mutated(draw: st.DrawFn) -> Case:
        body = _hook_delivery(draw)
        buyer = draw(cpf())
        body["buyer_document"] = buyer
        for _ in range(draw(st.integers(1, 3))):
            body[draw(st.sampled_from([*body.keys(), draw(st.text(max_size=8))]))] = draw(json_value)
        raw = json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
        return Case("mutated delivery, right secret", _hook_event(client_hash, raw, {header: secret}), cpfs=[buyer])

    @st.composite
    def malformed(draw: st.DrawFn) -> Case:
        raw = draw(st.one_of(st.binary(max_size=300), json_value.map(lambda v: json.dumps(v).encode()),
                             st.sampled_from([b"", b"{", b"null", b"[]", b"\xef\xbb\xbf{}", b"x" * 20_000,
                                              b"[" * 5000 + b"]" * 5000])))
        return Case("malformed body, right secret", _hook_event(client_hash, raw, {header: secret}))

    @st.composite
    def forged(draw: st.DrawFn) -> Case:
        body = _hook_delivery(draw)
        choice = draw(st.sampled_from(["none", "empty", "random", "other-client", "truncated", "garbage",
                                       "unknown-client", "weird-client"]))
        target = client_hash
        headers: dict[str, str] = {header: secret}
        if choice == "none":
            headers = {}
        elif choice == "empty":
            headers = {header: ""}
        elif choice == "random":
            headers = {header: draw(st.text(alphabet=string.ascii_letters + string.digits, min_size=43,
                                            max_size=43))}
        elif choice == "other-client":
            headers = {header: other_secret}
        elif choice == "truncated":
            headers = {header: secret[:draw(st.integers(0, len(secret) - 1))]}
        elif choice == "garbage":
            headers = {header: draw(st.text(alphabet=string.printable + "çé€", max_size=200))}
        elif choice == "unknown-client":
            target = f"unknown-{draw(st.integers(0, 10**6))}"
        else:
            target = draw(st.text(alphabet=string.ascii_letters + "%.~!*()'$&+,;=:@", min_size=1, max_size=40))
        return Case(f"forged hook ({choice})", _hook_event(target, generate.encode(body), headers), must_refuse=True)

    @st.composite
    def replayed(draw: st.DrawFn) -> Case:
        first = _hook_event(client_hash, generate.encode(_hook_delivery(draw)), {header: secret})
        return Case("replayed delivery (same order, state, change)", first, then=json.loads(json.dumps(first)))

    return st.one_of(valid(), mutated(), malformed(), forged(), forged(), replayed())


GENERATORS["POST /vtex/orderhook/{client_hash}"] = hook_cases


# --- POST /vtex/marketplace/{client_hash}/{pvt|pub}/orders/{marketplaceOrderId}/... ------------------------

MARKETPLACE_ORDER = "576600000000000001"


def _marketplace_event(route_path: str, segment: str, order_id: str, invoice_number: str,
                       raw: bytes) -> dict[str, Any]:
    path = route_path.replace("{client_hash}", segment).replace("{marketplaceOrderId}", order_id) \
        .replace("{invoiceNumber}", invoice_number)
    event = _event_with_body(raw, {"user-agent": "VTEX"})
    event.update(routeKey=f"POST {route_path}", rawPath=path,
                 pathParameters={"client_hash": segment, "marketplaceOrderId": order_id})
    event["requestContext"]["http"]["path"] = path
    event["requestContext"]["routeKey"] = f"POST {route_path}"
    return event


def _marketplace_body(route_path: str, draw: st.DrawFn) -> dict[str, Any]:
    if route_path.endswith("/cancel"):
        return {"reason": draw(st.sampled_from(["Sem estoque", "Cliente desistiu", ""]))}
    if route_path.endswith("/tracking"):
        return {"isDelivered": draw(st.booleans()), "events": [{"city": "São Paulo", "state": "SP",
                                                                 "description": "Em trânsito", "date": "2026-12-02"}]}
    if route_path.endswith("/invoice"):
        number = str(draw(st.integers(1, 10**6)))
        return {"type": draw(st.sampled_from(["Output", "Input"])), "invoiceNumber": number,
                "invoiceValue": draw(st.integers(0, 10**7)), "issuanceDate": "2026-12-01",
                "invoiceKey": f"{draw(st.integers(0, 10**43)):044d}", "embeddedInvoice": "<nfeProc/>", "items": []}
    return {"courier": "Correios", "trackingNumber": f"BR{draw(st.integers(0, 10**9))}",
            "trackingUrl": "https://rastreio.example/x"}


def marketplace_cases(route_path: str, secret: str, client_hash: str) -> st.SearchStrategy[Case]:
    from tiktok_vtex.vtex_orders.callback_auth import callback_token

    good = f"{client_hash}.{callback_token(secret, client_hash)}"

    def event(draw: st.DrawFn, segment: str, raw: bytes, order_id: str = MARKETPLACE_ORDER) -> dict[str, Any]:
        return _marketplace_event(route_path, segment, order_id, str(draw(st.integers(1, 10**6))), raw)

    @st.composite
    def valid(draw: st.DrawFn) -> Case:
        order_id = draw(st.sampled_from([MARKETPLACE_ORDER, "576600000000009999"]))  # ours / never placed
        return Case("valid callback", event(draw, good, generate.encode(_marketplace_body(route_path, draw)),
                                            order_id))

    @st.composite
    def mutated(draw: st.DrawFn) -> Case:
        body = _marketplace_body(route_path, draw)
        buyer = draw(cpf())
        body["buyer_document"] = buyer
        for _ in range(draw(st.integers(1, 3))):
            body[draw(st.sampled_from([*body.keys(), draw(st.text(max_size=8))]))] = draw(json_value)
        raw = json.dumps(body, ensure_ascii=draw(st.booleans())).encode("utf-8", "surrogatepass")
        return Case("mutated callback body, right token", event(draw, good, raw), cpfs=[buyer])

    @st.composite
    def malformed(draw: st.DrawFn) -> Case:
        raw = draw(st.one_of(st.binary(max_size=300), json_value.map(lambda v: json.dumps(v).encode()),
                             st.sampled_from([b"", b"{", b"null", b"[]", b"x" * 300_000, b"[" * 5000 + b"]" * 5000])))
        order_id = draw(st.sampled_from([MARKETPLACE_ORDER, "..", "a" * 80, "%00", "é"]))
        return Case("malformed callback, right token", event(draw, good, raw, order_id))

    @st.composite
    def forged(draw: st.DrawFn) -> Case:
        token = good.split(".")[1]
        choice = draw(st.sampled_from(["no-token", "random", "other-client", "wrong-secret", "truncated",
                                       "garbage", "upper"]))
        segment = {
            "no-token": client_hash,
            "random": f"{client_hash}.{draw(st.text(alphabet='0123456789abcdef', min_size=32, max_size=32))}",
            "other-client": f"other-client.{token}",
            "wrong-secret": f"{client_hash}.{callback_token('guessed-secret', client_hash)}",
            "truncated": f"{client_hash}.{token[:draw(st.integers(0, 31))]}",
            "garbage": draw(st.text(alphabet=string.ascii_letters + string.digits + "._~!*()'$&+,;=:@-",
                                    min_size=1, max_size=80)),
            "upper": f"{client_hash.upper()}.{token}",
        }[choice]
        if segment == good:
            segment += "x"
        return Case(f"forged callback ({choice})",
                    event(draw, segment, generate.encode(_marketplace_body(route_path, draw))), must_refuse=True)

    @st.composite
    def replayed(draw: st.DrawFn) -> Case:
        first = event(draw, good, generate.encode(_marketplace_body(route_path, draw)))
        return Case("replayed callback", first, then=json.loads(json.dumps(first)))

    return st.one_of(valid(), mutated(), malformed(), forged(), forged(), replayed())


for _scope in ("pvt", "pub"):
    for _tail in ("invoice", "invoice/{invoiceNumber}", "invoice/{invoiceNumber}/tracking", "cancel"):
        _path = f"/vtex/marketplace/{{client_hash}}/{_scope}/orders/{{marketplaceOrderId}}/{_tail}"
        GENERATORS[f"POST {_path}"] = lambda *a, _p=_path: marketplace_cases(_p, *a)
