"""Leak scan: every captured log line against every secret and token the stack issued and every buyer CPF.

Values searched:
- the stack's secrets from stack.env (TikTok app secret, internal webhook secret, OAuth state secret, VTEX
  app token);
- the TikTok tokens the connector holds (decrypted from ssxml_tik_tok_token with the stack's KMS key), and
  every token the TikTok sandbox ever issued: the sandbox shows them only as fingerprints (sha256[:12]), so
  every token-shaped string (`TTP_...`) in a log line is fingerprinted and compared; an auth code shape
  (`ROW_...`) is a finding on its own (codes are single-use secrets);
- every buyer CPF the workload gave the sandbox (plus the sandbox's default), bare or formatted.
Lines are scanned raw, as the functions and sandboxes printed them (before any redaction of the sink).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SECRET_KEYS = ("TIKTOK_APP_SECRET", "INTERNAL_WEBHOOK_SECRET", "OAUTH_STATE_SECRET", "VTEX_APP_TOKEN")
SANDBOX_DEFAULT_CPF = "52998224725"
TOKEN_SHAPE = re.compile(r"TTP_[A-Za-z0-9_-]{20,}")
AUTH_CODE_SHAPE = re.compile(r"ROW_[A-Za-z0-9_-]{20,}")
CPF_SHAPE = re.compile(r"(?<!\d)(\d{3})\.?(\d{3})\.?(\d{3})-?(\d{2})(?!\d)")


@dataclass
class LeakReport:
    lines: int = 0
    files: list[str] = field(default_factory=list)
    values: int = 0
    token_fingerprints: int = 0
    findings: list[str] = field(default_factory=list)  # "<source>: <what>" (never the value itself)


def scan(lines: Iterable[tuple[str, str]], *, secrets: Mapping[str, str], tokens: Iterable[str],
         token_fingerprints: Iterable[str], cpfs: Iterable[str], report: LeakReport | None = None) -> LeakReport:
    report = report or LeakReport()
    secret_values = {name: value for name, value in secrets.items() if value}
    token_values = {t for t in tokens if t}
    fingerprints = set(token_fingerprints)
    cpf_values = set(cpfs) | {SANDBOX_DEFAULT_CPF}
    report.values += len(secret_values) + len(token_values) + len(cpf_values)
    report.token_fingerprints = max(report.token_fingerprints, len(fingerprints))
    for source, line in lines:
        report.lines += 1
        for name, value in secret_values.items():
            if value in line:
                report.findings.append(f"{source}: {name}")
        for value in token_values:
            if value in line:
                report.findings.append(f"{source}: a TikTok token the connector holds")
        for match in TOKEN_SHAPE.findall(line):
            issued = hashlib.sha256(match.encode()).hexdigest()[:12] in fingerprints
            report.findings.append(f"{source}: a TikTok token {'issued by the sandbox' if issued else 'shape'}")
        if AUTH_CODE_SHAPE.search(line):
            report.findings.append(f"{source}: a TikTok auth code")
        for match in CPF_SHAPE.finditer(line):
            if "".join(match.groups()) in cpf_values:
                report.findings.append(f"{source}: a buyer CPF")
    return report


def file_lines(path: Path) -> list[tuple[str, str]]:
    """A `source | line` log file (the demo's and the chaos run's format)."""
    out = []
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        source, sep, line = raw.partition(" | ")
        out.append((source, line) if sep else ("file", raw))
    return out
