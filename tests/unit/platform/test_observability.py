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


# --- defect 11: the redactor stays bounded ----------------------------------------------------------------
def test_redactor_keeps_a_bounded_set_and_still_redacts_recent_secrets() -> None:
    redactor = Redactor(max_values=64)
    pinned = "stack-app-secret-pinned-0001"
    redactor.register(pinned, pinned=True)
    # A warm container refreshing tokens all day: thousands of distinct values.
    tokens = [f"rotating-token-{i:06d}-abcdef" for i in range(5_000)]
    for token in tokens:
        redactor.register(token)
    assert len(redactor) <= 64 + 1
    recent = tokens[-64:]
    text = " ".join(recent) + " " + pinned
    out = redactor.redact_text(text)
    assert all(token not in out for token in recent)
    assert pinned not in out
    # Registering does not recompile; the pattern is rebuilt once, on the next redaction.
    assert redactor.rebuilds == 1
    redactor.redact_text("nothing new")
    assert redactor.rebuilds == 1


def test_a_re_registered_value_stays_recent_and_evicted_tokens_are_still_masked_by_shape() -> None:
    redactor = Redactor(max_values=3)
    live = "live-secret-value-xyz"
    redactor.register(live)
    for i in range(10):
        redactor.register(f"churn-value-{i:04d}")
        redactor.register(live)  # used again (e.g. decrypted again): stays in the set
    assert live not in redactor.redact_text(f"a {live} b")
    # A TikTok token evicted long ago is still masked by its prefix.
    old = "TTP_oldAccessToken1234567890"
    redactor.register(old)
    for i in range(10):
        redactor.register(f"newer-value-{i:04d}")
    assert old not in redactor.redact_text(f"token {old}")


# --- cold start: the tracer is built on first use ---------------------------------------------------------
def test_lazy_tracer_leaves_the_handler_untouched_when_tracing_is_off() -> None:
    from tiktok_vtex.observability import LazyTracer

    built: list[int] = []
    tracer = LazyTracer(factory=lambda: built.append(1), enabled=lambda: False)

    def handler(event, context):
        return event

    assert tracer.capture_lambda_handler(handler) is handler
    assert tracer.capture_lambda_handler(capture_response=False)(handler) is handler
    assert built == []


def test_lazy_tracer_applies_the_real_decorator_on_first_invocation() -> None:
    from tiktok_vtex.observability import LazyTracer

    calls: list[tuple[str, dict]] = []

    class FakeTracer:
        def capture_lambda_handler(self, fn, **options):
            calls.append(("decorate", options))

            def wrapped(event, context):
                calls.append(("call", {}))
                return fn(event, context)
            return wrapped

    built: list[FakeTracer] = []
    tracer = LazyTracer(factory=lambda: built.append(FakeTracer()) or built[-1], enabled=lambda: True)
    traced = tracer.capture_lambda_handler(lambda event, context: event["x"])
    assert built == []  # nothing imported or built at decoration (module import) time
    assert traced({"x": 1}, None) == 1
    assert traced({"x": 2}, None) == 2
    assert len(built) == 1
    assert calls == [("decorate", {"capture_response": None, "capture_error": None}), ("call", {}), ("call", {})]


def test_importing_observability_does_not_import_the_xray_sdk() -> None:
    import subprocess
    import sys
    from pathlib import Path

    shared = Path(__file__).resolve().parents[3] / "shared"
    code = ("import sys; import tiktok_vtex.observability as o; "
            "sys.stdout.write(str(any(m.startswith('aws_xray_sdk') for m in sys.modules)))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(shared), "LAMBDA_TASK_ROOT": "/var/task", "PATH": ""})
    assert out.stdout == "False"


# --- defect 10: no response or error capture into X-Ray ---------------------------------------------------
def test_template_turns_tracer_response_and_error_capture_off(template) -> None:
    variables = template["Globals"]["Function"]["Environment"]["Variables"]
    assert variables.get("POWERTOOLS_TRACER_CAPTURE_RESPONSE") == "false"
    assert variables.get("POWERTOOLS_TRACER_CAPTURE_ERROR") == "false"
    # No function switches it back on for itself.
    for logical_id, resource in template["Resources"].items():
        if resource.get("Type") == "AWS::Serverless::Function":
            own = ((resource["Properties"].get("Environment") or {}).get("Variables") or {})
            assert own.get("POWERTOOLS_TRACER_CAPTURE_RESPONSE", "false") == "false", logical_id
            assert own.get("POWERTOOLS_TRACER_CAPTURE_ERROR", "false") == "false", logical_id
