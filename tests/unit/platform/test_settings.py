from __future__ import annotations

import pytest

from tiktok_vtex.settings import AppSecrets, SettingsError, load_app_secrets, load_settings


def test_settings_come_from_the_template_globals(settings, stack) -> None:
    assert settings.tables.orders == "ssxml_tik_tok_orders"
    assert settings.tables.client_tiktok == "ssxml_client_tiktok"
    assert settings.function_name("WEBHOOK") == "integracao-tik-tok-WEBHOOK"
    assert settings.token_kms_key_id == stack.physical_ids["DataKey"]


def test_missing_setting_is_named_without_values(globals_env) -> None:
    env = dict(globals_env)
    del env["ORDERS_TABLE"]
    with pytest.raises(SettingsError, match="ORDERS_TABLE"):
        load_settings(env)


def test_require_names_the_missing_function_variable(settings) -> None:
    with pytest.raises(SettingsError, match="SOME_QUEUE_URL"):
        settings.require("SOME_QUEUE_URL")


def test_app_secrets_load_from_the_stack_secret_and_are_redacted(settings, stack_env) -> None:
    from tiktok_vtex.observability import redactor

    secrets = load_app_secrets(settings)
    assert isinstance(secrets, AppSecrets)
    assert secrets.app_key == stack_env["TIKTOK_APP_KEY"]
    assert secrets.app_secret.get_secret_value() == stack_env["TIKTOK_APP_SECRET"]
    assert stack_env["TIKTOK_APP_SECRET"] not in repr(secrets)
    assert stack_env["TIKTOK_APP_SECRET"] not in redactor.redact_text(f"x {stack_env['TIKTOK_APP_SECRET']}")


def test_incomplete_secret_names_missing_fields(settings) -> None:
    with pytest.raises(SettingsError, match="internal_webhook_secret"):
        load_app_secrets(settings, fetch=lambda name: {"app_key": "k", "app_secret": "s", "oauth_state_secret": "o"})


def test_tiktok_qps_share_is_validated(globals_env) -> None:
    assert load_settings(globals_env).tiktok_qps_per_container == 50
    assert load_settings({**globals_env, "TIKTOK_QPS_PER_CONTAINER": "10"}).tiktok_qps_per_container == 10
    with pytest.raises(SettingsError, match="TIKTOK_QPS_PER_CONTAINER"):
        load_settings({**globals_env, "TIKTOK_QPS_PER_CONTAINER": "80"})
