"""local.chaos.leaks: what the leak scan finds (and does not), and the values it reads from a stack."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import boto3
from moto import mock_aws

from local.chaos import leaks

SECRET = "s3cr3t-app-secret-value"
TOKEN = "TTP_" + "a1B2c3D4e5" * 4


def _issued() -> leaks.IssuedValues:
    return leaks.IssuedValues(secrets={"app:app_secret": SECRET}, tokens={TOKEN},
                              token_fingerprints={hashlib.sha256(TOKEN.encode()).hexdigest()[:12]},
                              cpfs={"39053344705"})


def test_every_kind_of_value_is_found_and_named_without_its_value() -> None:
    lines = [("fn", f'{{"message": "calling with {SECRET}"}}'), ("fn", f"token={TOKEN}"),
             ("fn", "other TTP_" + "zz" * 15), ("fn", "code ROW_abcDEF123_ghiJKL456mnoPQR"),
             ("fn", "buyer 390.533.447-05"), ("fn", "buyer 39053344705"), ("fn", "default 52998224725")]
    report = leaks.scan(lines, _issued())
    assert report.lines == len(lines)
    assert sorted(report.findings) == sorted([
        "fn: app:app_secret", "fn: a TikTok token the connector holds", "fn: a TikTok token issued by the sandbox",
        "fn: a TikTok token shape", "fn: a TikTok auth code", "fn: a buyer CPF", "fn: a buyer CPF", "fn: a buyer CPF"])
    assert not any(SECRET in f or TOKEN in f for f in report.findings)


def test_clean_lines_ids_and_shop_ciphers_are_not_findings() -> None:
    lines = [("fn", "order 5766000000001000011 placed"), ("fn", "cipher ROW_ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"),
             ("fn", "notification 39053344706"), ("fn", "sku 880626 quantity 12")]
    assert leaks.scan(lines, _issued()).findings == []


def test_file_lines_keep_their_source(tmp_path: Path) -> None:
    log = tmp_path / "run.log"
    log.write_text(f"orders-fn | saw {SECRET}\nraw line\n", encoding="utf-8")
    report = leaks.scan_file(log, _issued())
    assert report.findings == ["orders-fn: app:app_secret"] and report.files == [str(log)]


@mock_aws
def test_stack_secrets_reads_secret_and_token_fields_of_every_secret() -> None:
    client = boto3.client("secretsmanager", region_name="us-east-1")
    client.create_secret(Name="stack/app", SecretString=json.dumps({
        "app_key": "6abc123", "app_secret": SECRET, "internal_webhook_secret": "internal-webhook-1",
        "oauth_state_secret": "oauth-state-secret-1"}))
    client.create_secret(Name="stack/vtex/c1", SecretString=json.dumps({
        "account": "store", "app_key": "vtexappkey-store-X", "app_token": "VTEXTOKEN-longvalue",
        "warehouse_ids": ["1_1"], "nested": {"refresh_token": "nested-refresh-1"}, "token_ttl": "60"}))
    client.create_secret(Name="plain", SecretString="a-plain-secret-string")
    assert leaks.stack_secrets(client) == {
        "stack/app:app_secret": SECRET, "stack/app:internal_webhook_secret": "internal-webhook-1",
        "stack/app:oauth_state_secret": "oauth-state-secret-1", "stack/vtex/c1:app_token": "VTEXTOKEN-longvalue",
        "stack/vtex/c1:nested:refresh_token": "nested-refresh-1", "plain": "a-plain-secret-string"}


@mock_aws
def test_held_tokens_decrypts_what_the_connector_stores() -> None:
    kms = boto3.client("kms", region_name="us-east-1")
    key = kms.create_key()["KeyMetadata"]["KeyId"]
    blob = kms.encrypt(KeyId=key, Plaintext=TOKEN.encode(), EncryptionContext={"client_hash": "c1"})["CiphertextBlob"]
    table = boto3.resource("dynamodb", region_name="us-east-1").create_table(
        TableName="tokens", KeySchema=[{"AttributeName": "client_hash", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "client_hash", "AttributeType": "S"}], BillingMode="PAY_PER_REQUEST")
    table.put_item(Item={"client_hash": "c1", "access_token": "kms1:" + base64.b64encode(blob).decode(),
                         "refresh_token": "plain-refresh-value"})
    assert leaks.held_tokens(table, kms, key) == {TOKEN, "plain-refresh-value"}
