"""The log redactor: no secret or token survives into a log line, whatever shape it takes."""

from __future__ import annotations

import io
import json
import logging

from hypothesis import given
from hypothesis import strategies as st

from tiktok_vtex.observability import REDACTED, RedactingFormatter, Redactor, logger, register_secret


def capture(fn) -> list[dict]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(RedactingFormatter())
    logger.addHandler(handler)
    try:
        fn()
    finally:
        logger.removeHandler(handler)
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_registered_secret_is_removed_from_message_extras_and_exceptions() -> None:
    secret = "registered-secret-value-42"
    register_secret(secret)

    def emit() -> None:
        logger.info(f"calling with {secret}", extra={"note": f"x{secret}y", "nested": [{"v": secret}]})
        try:
            raise RuntimeError(f"failed for {secret}")
        except RuntimeError:
            logger.exception("boom")

    lines = capture(emit)
    text = json.dumps(lines)
    assert secret not in text
    assert lines[0]["message"] == f"calling with {REDACTED}"
    assert lines[1]["exception_name"] == "RuntimeError"


def test_sensitive_keys_are_masked_but_other_fields_kept() -> None:
    lines = capture(lambda: logger.info("push", extra={
        "access_token": "abc", "refresh_token": "def", "app_secret": "ghi", "authorization": "jkl",
        "x-vtex-api-apptoken": "mno", "order_id": "580192503814523040", "cpf": "12345678909"}))
    line = lines[0]
    for key in ("access_token", "refresh_token", "app_secret", "authorization", "x-vtex-api-apptoken", "cpf"):
        assert line[key] == REDACTED, key
    assert line["order_id"] == "580192503814523040"


def test_token_shaped_values_and_query_strings_are_masked() -> None:
    redactor = Redactor()
    url = "https://auth/api/v2/token/get?app_key=k&app_secret=s3cr3t&auth_code=ROW_abc&grant_type=authorized_code"
    out = redactor.redact_text(url)
    assert "s3cr3t" not in out and "ROW_abc" not in out
    assert "grant_type=authorized_code" in out
    assert "TTP_" not in redactor.redact_text("token TTP_0123456789abcdef used")
    assert redactor.redact_text('{"sign": "abcdef0123"}').count("abcdef0123") == 0


def test_short_values_are_not_registered_to_avoid_masking_words() -> None:
    redactor = Redactor()
    redactor.register("abc")
    assert redactor.redact_text("abc def") == "abc def"


@given(st.text(alphabet=st.characters(codec="ascii", categories=["L", "N"]), min_size=12, max_size=40),
       st.text(max_size=30), st.text(max_size=30))
def test_any_registered_secret_never_survives(secret: str, before: str, after: str) -> None:
    redactor = Redactor()
    redactor.register(secret)
    assert secret not in redactor.redact({"message": before + secret + after, "list": [secret]}).__repr__()
