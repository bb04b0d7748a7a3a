"""Leak scan: log lines against every secret and token value the stack issued and every buyer CPF.

Values searched (`collect_issued`, read from the running stack at the end of a run, not from a list kept
by the test):
- every string under a key naming a secret or a token (`*secret*`, `*token*`) in every Secrets Manager
  secret of the stack: the TikTok app secret, internal webhook secret and OAuth state secret of the app
  secret, each client's VTEX app token;
- the TikTok access and refresh tokens the connector holds (TokenTable, decrypted with the stack's KMS key);
- every token the TikTok sandbox issued: the sandbox shows them only as fingerprints (sha256[:12]), so any
  token-shaped string (`TTP_...`) in a line is a finding, marked "issued by the sandbox" when its
  fingerprint matches; an auth code shape (`ROW_` + url-safe characters, lower case included: a shop
  cipher is upper-case base32 and not secret) is a finding too (codes are single-use secrets);
- every buyer CPF of the TikTok sandbox's orders (plus its default buyer), bare or formatted.
Lines are scanned raw, as the functions and sandboxes printed them (before any redaction of the sink).
`issued_from_stack_env` gives what is known without a running stack (the e2e demo test: stack.env's
secrets, the sandbox's default buyer, the shapes).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

SECRET_KEYS = ("TIKTOK_APP_SECRET", "INTERNAL_WEBHOOK_SECRET", "OAUTH_STATE_SECRET", "VTEX_APP_TOKEN")
SANDBOX_DEFAULT_CPF = "52998224725"
TOKEN_SHAPE = re.compile(r"TTP_[A-Za-z0-9_-]{20,}")
AUTH_CODE_SHAPE = re.compile(r"ROW_(?=[A-Za-z0-9_-]*[a-z_-])[A-Za-z0-9_-]{20,}")
CPF_SHAPE = re.compile(r"(?<!\d)(\d{3})\.?(\d{3})\.?(\d{3})-?(\d{2})(?!\d)")
SECRET_FIELD = re.compile(r"secret|token", re.IGNORECASE)
MIN_SECRET_LENGTH = 8  # shorter strings under a "token" key are flags or ids, and would match everywhere


@dataclass
class IssuedValues:
    secrets: dict[str, str] = field(default_factory=dict)  # where it lives -> value
    tokens: set[str] = field(default_factory=set)
    token_fingerprints: set[str] = field(default_factory=set)
    cpfs: set[str] = field(default_factory=set)

    @property
    def count(self) -> int:
        return len(self.secrets) + len(self.tokens) + len(self.cpfs | {SANDBOX_DEFAULT_CPF})


@dataclass
class LeakReport:
    lines: int = 0
    files: list[str] = field(default_factory=list)
    values: int = 0
    token_fingerprints: int = 0
    findings: list[str] = field(default_factory=list)  # "<source>: <what>" (never the value itself)


def scan(lines: Iterable[tuple[str, str]], issued: IssuedValues, report: LeakReport | None = None) -> LeakReport:
    report = report or LeakReport()
    secret_values = {name: value for name, value in issued.secrets.items() if value}
    token_values = {t for t in issued.tokens if t}
    cpf_values = set(issued.cpfs) | {SANDBOX_DEFAULT_CPF}
    report.values = max(report.values, issued.count)
    report.token_fingerprints = max(report.token_fingerprints, len(issued.token_fingerprints))
    for source, line in lines:
        report.lines += 1
        for name, value in secret_values.items():
            if value in line:
                report.findings.append(f"{source}: {name}")
        for value in token_values:
            if value in line:
                report.findings.append(f"{source}: a TikTok token the connector holds")
        for match in TOKEN_SHAPE.findall(line):
            issued_here = hashlib.sha256(match.encode()).hexdigest()[:12] in issued.token_fingerprints
            report.findings.append(f"{source}: a TikTok token {'issued by the sandbox' if issued_here else 'shape'}")
        if AUTH_CODE_SHAPE.search(line):
            report.findings.append(f"{source}: a TikTok auth code")
        for match in CPF_SHAPE.finditer(line):
            if "".join(match.groups()) in cpf_values:
                report.findings.append(f"{source}: a buyer CPF")
    return report


def scan_file(path: Path, issued: IssuedValues, report: LeakReport | None = None) -> LeakReport:
    report = scan(file_lines(path), issued, report)
    report.files.append(str(path))
    return report


def file_lines(path: Path) -> list[tuple[str, str]]:
    """A `source | line` log file (the demo's and the chaos run's format)."""
    out = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        source, sep, line = raw.partition(" | ")
        out.append((source, line) if sep else (path.name, raw))
    return out


def issued_from_stack_env(env: Mapping[str, str], cpfs: Iterable[str] = ()) -> IssuedValues:
    return IssuedValues(secrets={key: env[key] for key in SECRET_KEYS if env.get(key)}, cpfs=set(cpfs))


def _secret_fields(document: Any, where: str) -> dict[str, str]:
    found: dict[str, str] = {}
    if isinstance(document, Mapping):
        for key, value in document.items():
            if isinstance(value, str) and SECRET_FIELD.search(str(key)) and len(value) >= MIN_SECRET_LENGTH:
                found[f"{where}:{key}"] = value
            elif isinstance(value, Mapping | list):
                found.update(_secret_fields(value, f"{where}:{key}"))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            found.update(_secret_fields(value, f"{where}[{index}]"))
    return found


def stack_secrets(secretsmanager: Any) -> dict[str, str]:
    """Every secret/token field of every Secrets Manager secret (a non-JSON secret counts whole)."""
    found: dict[str, str] = {}
    for page in secretsmanager.get_paginator("list_secrets").paginate():
        for entry in page["SecretList"]:
            value = secretsmanager.get_secret_value(SecretId=entry["ARN"]).get("SecretString") or ""
            try:
                document = json.loads(value)
            except ValueError:
                document = None
            if isinstance(document, Mapping | list):
                found.update(_secret_fields(document, entry["Name"]))
            elif len(value) >= MIN_SECRET_LENGTH:
                found[entry["Name"]] = value
    return found


def held_tokens(token_table: Any, kms: Any, key_id: str) -> set[str]:
    """The TikTok token values the connector holds (TokenTable rows, decrypted with the stack's key)."""
    values: set[str] = set()
    scan_kwargs: dict[str, Any] = {}
    while True:
        page = token_table.scan(**scan_kwargs)
        for row in page.get("Items", []):
            for name in ("access_token", "refresh_token"):
                value = str(row.get(name) or "")
                if value.startswith("kms1:"):
                    blob = base64.b64decode(value[len("kms1:"):])
                    values.add(kms.decrypt(CiphertextBlob=blob, KeyId=key_id,
                                           EncryptionContext={"client_hash": str(row["client_hash"])})
                               ["Plaintext"].decode())
                elif value:
                    values.add(value)
        if "LastEvaluatedKey" not in page:
            return values
        scan_kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def sandbox_cpfs(http: httpx.Client, tiktok_url: str) -> set[str]:
    orders = http.get(f"{tiktok_url}/sandbox/state/orders").json()["orders"]
    return {str(o["cpf"]) for o in orders if o.get("cpf")}


def collect_issued(*, aws_client: Callable[[str], Any], table: Callable[[str], Any], key_id: str,
                   http: httpx.Client, tiktok_url: str) -> IssuedValues:
    """Everything the running stack issued, read from the stack itself at the end of a run."""
    issued = http.get(f"{tiktok_url}/sandbox/state/tokens").json()["tokens"]
    return IssuedValues(secrets=stack_secrets(aws_client("secretsmanager")),
                        tokens=held_tokens(table("TokenTable"), aws_client("kms"), key_id),
                        token_fingerprints={t["fingerprint"] for t in issued},
                        cpfs=sandbox_cpfs(http, tiktok_url))
