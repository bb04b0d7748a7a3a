"""Creation of the resource types moto hosts, dispatched by type to one module per AWS service."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from local.template import TemplateError

from .common import record_resource
from .dynamodb import DynamoDbTables
from .kms import KmsKeys
from .provisioned import ProvisionedStack
from .s3 import S3Buckets
from .secrets import SecretStores
from .sns import SnsTopics
from .sqs import SqsQueues

log = logging.getLogger("local.provision")  # one logger name for the whole package, as before the split


class Creator(DynamoDbTables, SqsQueues, KmsKeys, S3Buckets, SecretStores, SnsTopics):
    """Creates (or reuses) one resource of a CREATED_TYPES type and records it on the stack."""

    def __init__(self, stack: ProvisionedStack) -> None:
        super().__init__(stack)
        self._handlers: dict[str, Callable[[str, dict[str, Any]], tuple[str, dict[str, Any], bool]]] = {
            "AWS::DynamoDB::Table": self.table,
            "AWS::SQS::Queue": self.queue,
            "AWS::KMS::Key": self.key,
            "AWS::KMS::Alias": self.alias,
            "AWS::S3::Bucket": self.bucket,
            "AWS::SecretsManager::Secret": self.secret,
            "AWS::SSM::Parameter": self.ssm_parameter,
            "AWS::SNS::Topic": self.topic,
            "AWS::SNS::Subscription": self.subscription,
        }

    def create(self, logical_id: str, kind: str, props: dict[str, Any]) -> None:
        try:
            physical, attrs, created = self._handlers[kind](logical_id, props)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            raise TemplateError(
                f"Resources.{logical_id} ({kind}): {error.get('Code')}: {error.get('Message')}"
            ) from exc
        except (KeyError, TypeError, ValueError) as exc:
            raise TemplateError(f"Resources.{logical_id} ({kind}): invalid properties: {exc}") from exc
        record_resource(self.stack, logical_id, kind, physical, attrs)
        (self.stack.created if created else self.stack.reused).append(logical_id)
        log.debug("%s %s %s -> %s", "created" if created else "reused", kind, logical_id, physical)
