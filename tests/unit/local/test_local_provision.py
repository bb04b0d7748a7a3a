"""local.provision: the test template provisioned into in-process moto (mock_aws), idempotently."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from local.provision import Destination, ProvisionedStack, provision, provision_template
from local.template import TemplateError, load_template, parse_template

FIXTURE_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "runtime"
FIXTURE = FIXTURE_DIR / "template.yaml"
REGION = "us-east-1"


@pytest.fixture
def moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in list(os.environ):
        if name.startswith("AWS_ENDPOINT_URL") or name in {"AWS_PROFILE", "AWS_SESSION_TOKEN"}:
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        yield


@pytest.fixture
def stack(moto: None) -> ProvisionedStack:
    return provision(FIXTURE, region=REGION)


def client(service: str):
    return boto3.client(service, region_name=REGION)


def test_tables_with_gsi_ttl_stream_and_sse(stack: ProvisionedStack) -> None:
    assert stack.physical_ids["EventsTable"] == "rt-events"
    table = client("dynamodb").describe_table(TableName="rt-events")["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert {k["AttributeName"]: k["KeyType"] for k in table["KeySchema"]} == {"pk": "HASH", "sk": "RANGE"}
    (gsi,) = table["GlobalSecondaryIndexes"]
    assert gsi["IndexName"] == "by-kind"
    assert gsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["data"]}
    assert table["StreamSpecification"]["StreamViewType"] == "NEW_AND_OLD_IMAGES"
    assert stack.attribute("EventsTable", "StreamArn") == table["LatestStreamArn"]
    assert stack.attribute("EventsTable", "Arn") == table["TableArn"]
    assert table["SSEDescription"]["Status"] == "ENABLED"
    ttl = client("dynamodb").describe_time_to_live(TableName="rt-events")["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "expires_at"}
    backups = client("dynamodb").describe_continuous_backups(TableName="rt-events")["ContinuousBackupsDescription"]
    assert backups["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == "ENABLED"


def test_queues_with_redrive_to_the_dlq(stack: ProvisionedStack) -> None:
    sqs = client("sqs")
    url = stack.physical_ids["WorkQueue"]
    assert url == stack.attribute("WorkQueue", "QueueUrl") and url.endswith("/rt-work")
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "4"
    assert attributes["MessageRetentionPeriod"] == "3600"
    redrive = json.loads(attributes["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == stack.attribute("WorkDLQ", "Arn")
    assert int(redrive["maxReceiveCount"]) == 2
    assert stack.attribute("WorkQueue", "QueueName") == "rt-work"
    assert stack.queue_url_for_arn(stack.attribute("WorkDLQ", "Arn")) == stack.physical_ids["WorkDLQ"]
    fifo_name = stack.attribute("OrderedQueue", "QueueName")
    assert fifo_name.startswith("local-stack-OrderedQueue-") and fifo_name.endswith(".fifo")
    fifo = sqs.get_queue_attributes(QueueUrl=stack.physical_ids["OrderedQueue"], AttributeNames=["All"])["Attributes"]
    assert fifo["FifoQueue"] == "true" and fifo["ContentBasedDeduplication"] == "true"


def test_moto_moves_messages_to_the_dlq_after_max_receive_count(stack: ProvisionedStack) -> None:
    """The runtime relies on SQS (moto) for the redrive, as Lambda does in AWS."""
    sqs = client("sqs")
    url, dlq = stack.physical_ids["WorkQueue"], stack.physical_ids["WorkDLQ"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "0"})
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    for expected_count in ("1", "2"):
        (message,) = sqs.receive_message(QueueUrl=url, AttributeNames=["All"])["Messages"]
        assert message["Attributes"]["ApproximateReceiveCount"] == expected_count
    assert "Messages" not in sqs.receive_message(QueueUrl=url)  # third receive: moved, not delivered
    (dead,) = sqs.receive_message(QueueUrl=dlq)["Messages"]
    assert dead["Body"] == "poison"


def test_kms_secrets_ssm_bucket_and_topic(stack: ProvisionedStack) -> None:
    key_id = stack.physical_ids["DataKey"]
    kms = client("kms")
    assert kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"] == stack.attribute("DataKey", "Arn")
    assert kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is True
    aliases = {a["AliasName"]: a.get("TargetKeyId") for a in kms.list_aliases()["Aliases"]}
    assert aliases["alias/local-stack-data"] == key_id
    sm = client("secretsmanager")
    secret_arn = stack.physical_ids["AppSecret"]
    assert secret_arn.startswith("arn:aws:secretsmanager:us-east-1:123456789012:secret:local-stack/app")
    assert json.loads(sm.get_secret_value(SecretId=secret_arn)["SecretString"]) == {"greeting": "hello"}
    generated = json.loads(sm.get_secret_value(SecretId=stack.physical_ids["GeneratedSecret"])["SecretString"])
    assert generated["user"] == "svc" and len(generated["password"]) == 20
    assert client("ssm").get_parameter(Name="/local-stack/config")["Parameter"]["Value"] == "b"
    assert stack.physical_ids["Uploads"] == "rt-uploads-123456789012"
    client("s3").head_bucket(Bucket="rt-uploads-123456789012")
    topic_arn = stack.physical_ids["AlertsTopic"]
    assert topic_arn == "arn:aws:sns:us-east-1:123456789012:rt-alerts"
    assert client("sns").get_topic_attributes(TopicArn=topic_arn)["Attributes"]["TopicArn"] == topic_arn


def test_resources_disabled_by_their_condition_are_not_created(stack: ProvisionedStack) -> None:
    assert "ProdOnlyTable" not in stack.physical_ids
    assert len(client("dynamodb").list_tables()["TableNames"]) == 1


def test_functions_are_described_from_the_template(stack: ProvisionedStack) -> None:
    functions = {f.logical_id: f for f in stack.functions()}
    assert set(functions) == {"HttpFunction", "WorkerFunction", "JobsFunction", "SlowFunction"}
    jobs = functions["JobsFunction"]
    assert jobs.name == "rt-jobs"
    assert jobs.arn == "arn:aws:lambda:us-east-1:123456789012:function:rt-jobs"
    assert jobs.handler == "jobs.handler.lambda_handler"
    assert jobs.code_uri == FIXTURE_DIR / "functions"
    assert jobs.layers == (FIXTURE_DIR / "layer",)
    assert (jobs.runtime, jobs.timeout, jobs.memory) == ("python3.12", 5, 256)
    assert jobs.environment == {
        "GREETING": "hello",
        "EVENTS_TABLE": "rt-events",
        "MODE": "local-mode",
        "SLOW_FUNCTION": "rt-slow",
    }
    assert stack.function_environment("SlowFunction")["MODE"] == "local-mode"
    assert jobs.dead_letter == Destination("SQS", stack.attribute("AsyncDLQ", "Arn"))
    assert jobs.on_failure == Destination("SQS", stack.attribute("FailureQueue", "Arn"))
    assert jobs.maximum_retry_attempts == 2
    nightly, every = jobs.schedules
    assert (nightly.kind, nightly.expression, nightly.input) == ("Schedule", "cron(0 3 * * ? *)", '{"job": "nightly"}')
    assert nightly.rule_arn.startswith("arn:aws:events:us-east-1:123456789012:rule/")
    assert (every.kind, every.expression, every.input) == ("ScheduleV2", "rate(1 minute)", None)
    (source,) = functions["WorkerFunction"].sqs_sources
    assert source.queue_arn == stack.attribute("WorkQueue", "Arn")
    assert source.queue_url == stack.physical_ids["WorkQueue"]
    assert (source.batch_size, source.maximum_batching_window_s, source.report_batch_item_failures) == (10, 0, True)
    routes = {r.event_name: r for r in functions["HttpFunction"].http_routes}
    assert routes["Hello"].route_key == "GET /hello/{name}"
    assert routes["Raw"].route_key == "ANY /raw/{proxy+}"
    assert functions["SlowFunction"].timeout == 1 and functions["SlowFunction"].memory == 128
    assert stack.function("rt-slow").logical_id == "SlowFunction"


def test_refs_and_getatts_on_recorded_resources(stack: ProvisionedStack) -> None:
    assert stack.resolve({"Ref": "HttpFunction"}) == "rt-http"
    assert stack.resolve({"Fn::GetAtt": ["HttpFunction", "Arn"]}).endswith(":function:rt-http")
    assert stack.resolve({"Fn::GetAtt": ["HttpFunctionRole", "Arn"]}).startswith("arn:aws:iam::123456789012:role/")
    assert stack.resolve({"Ref": "LibLayer"}) == "arn:aws:lambda:us-east-1:123456789012:layer:rt-lib:1"
    api = stack.resolve(stack.template["Outputs"]["ApiUrl"]["Value"])
    assert api.startswith("https://") and api.endswith(".execute-api.us-east-1.amazonaws.com")
    with pytest.raises(TemplateError, match=r"Fn::GetAtt WorkQueue\.Nope: AWS::SQS::Queue has no attribute"):
        stack.attribute("WorkQueue", "Nope")
    with pytest.raises(TemplateError, match="its Condition disables it"):
        stack.resolve({"Fn::GetAtt": ["ProdOnlyTable", "Arn"]}, "Outputs.X")


def test_provisioning_is_idempotent(stack: ProvisionedStack) -> None:
    again = provision(FIXTURE, region=REGION)
    assert again.created == []
    assert set(again.reused) == set(stack.created)
    assert again.physical_ids == stack.physical_ids
    first = client("secretsmanager").get_secret_value(SecretId=stack.physical_ids["GeneratedSecret"])
    second = client("secretsmanager").get_secret_value(SecretId=again.physical_ids["GeneratedSecret"])
    assert first["SecretString"] == second["SecretString"]  # a generated secret is kept
    assert len(client("kms").list_keys()["Keys"]) == 1


def test_parameters_flow_into_resources_and_environments(stack: ProvisionedStack) -> None:
    changed = provision(FIXTURE, region=REGION, parameters={"Greeting": "oi", "Mode": "prod"})
    assert changed.function_environment("HttpFunction")["GREETING"] == "oi"
    assert changed.function_environment("HttpFunction")["MODE"] == "prod-mode"
    secret = client("secretsmanager").get_secret_value(SecretId=changed.physical_ids["AppSecret"])
    assert json.loads(secret["SecretString"]) == {"greeting": "oi"}  # explicit SecretString is updated
    assert "ProdOnlyTable" in changed.physical_ids


def test_configured_endpoint_urls_are_ignored_in_process(moto: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")  # nothing listens there
    stack = provision(FIXTURE, region=REGION)
    assert "EventsTable" in stack.created


def test_bad_templates_fail_with_the_place_named(moto: None, tmp_path: Path) -> None:
    bad = tmp_path / "template.yaml"
    bad.write_text(
        """
Resources:
  Queue:
    Type: AWS::SQS::Queue
    Properties:
      RedrivePolicy: {deadLetterTargetArn: !GetAtt MissingDlq.Arn, maxReceiveCount: 3}
"""
    )
    with pytest.raises(TemplateError, match=r"Resources\.Queue\.Properties\.RedrivePolicy.*'MissingDlq'"):
        provision(bad, region=REGION)
    with pytest.raises(TemplateError, match=r"Parameters\.Mode: 'qa' is not one of the AllowedValues"):
        provision(FIXTURE, region=REGION, parameters={"Mode": "qa"})


def test_plan_only_computes_names_without_aws() -> None:
    stack = provision_template(load_template(FIXTURE), region=REGION, create=False)
    assert stack.physical_ids["EventsTable"] == "rt-events"
    assert stack.created == [] and stack.function("HttpFunction").name == "rt-http"


def test_missing_code_uri_is_reported(moto: None) -> None:
    template = parse_template(
        """
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: app.handler, CodeUri: nowhere/, Runtime: python3.12}
"""
    )
    template["__dir__"] = str(FIXTURE_DIR)
    with pytest.raises(TemplateError, match=r"Resources\.Fn\.Properties\.CodeUri: directory .*nowhere"):
        provision_template(template, region=REGION)


def test_repository_template_provisions(moto: None) -> None:
    from local.env import stack_env
    from local.template import parameters_from_stack_env

    root = Path(__file__).resolve().parents[3]
    template = load_template(root / "template.yaml")
    stack = provision(
        root / "template.yaml", parameters=parameters_from_stack_env(template, stack_env()), region=REGION
    )
    tables = [lid for lid, kind in stack.resource_types.items() if kind == "AWS::DynamoDB::Table"]
    assert tables and all(lid in stack.created for lid in tables)
    for function in stack.functions():
        assert function.code_uri.is_dir() and function.handler


def test_reprovisioning_adds_a_new_gsi_to_an_existing_table(stack: ProvisionedStack) -> None:
    template = load_template(FIXTURE)
    table = template["Resources"]["EventsTable"]["Properties"]
    table["AttributeDefinitions"].append({"AttributeName": "day", "AttributeType": "S"})
    table["GlobalSecondaryIndexes"].append(
        {
            "IndexName": "by-day",
            "KeySchema": [{"AttributeName": "day", "KeyType": "HASH"}],
            "Projection": {"ProjectionType": "KEYS_ONLY"},
        }
    )
    again = provision_template(template, region=REGION)
    assert "EventsTable" in again.reused
    indexes = client("dynamodb").describe_table(TableName="rt-events")["Table"]["GlobalSecondaryIndexes"]
    assert {i["IndexName"] for i in indexes} == {"by-kind", "by-day"}
