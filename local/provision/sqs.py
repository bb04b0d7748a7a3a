"""SQS queues: create with their attributes (redrive, FIFO, SSE) and tags, or update the attributes."""

from __future__ import annotations

from typing import Any

from .base import CreatorBase
from .common import as_string, queue_name, tag_list


class SqsQueues(CreatorBase):
    _QUEUE_ATTRIBUTES = (
        "DelaySeconds",
        "MaximumMessageSize",
        "MessageRetentionPeriod",
        "ReceiveMessageWaitTimeSeconds",
        "VisibilityTimeout",
        "RedrivePolicy",
        "RedriveAllowPolicy",
        "FifoQueue",
        "ContentBasedDeduplication",
        "KmsMasterKeyId",
        "KmsDataKeyReusePeriodSeconds",
        "SqsManagedSseEnabled",
        "DeduplicationScope",
        "FifoThroughputLimit",
    )

    def queue(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        sqs = self.client("sqs")
        name = queue_name(self.stack, logical_id, props)
        attributes = {key: as_string(props[key]) for key in self._QUEUE_ATTRIBUTES if key in props}
        if attributes.get("FifoQueue") == "false":
            del attributes["FifoQueue"]  # SQS rejects FifoQueue=false on create
        created = False
        try:
            url = sqs.get_queue_url(QueueName=name)["QueueUrl"]
            settable = {k: v for k, v in attributes.items() if k != "FifoQueue"}
            if settable:
                sqs.set_queue_attributes(QueueUrl=url, Attributes=settable)
        except sqs.exceptions.QueueDoesNotExist:
            kwargs: dict[str, Any] = {"QueueName": name, "Attributes": attributes}
            tags = {t["Key"]: t["Value"] for t in tag_list(props)}
            if tags:
                kwargs["tags"] = tags
            url = sqs.create_queue(**kwargs)["QueueUrl"]
            created = True
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, {"Arn": arn, "QueueName": name, "QueueUrl": url}, created
