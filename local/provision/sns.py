"""SNS topics and subscriptions: create or reuse, subscribing what the template lists."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .base import CreatorBase
from .common import as_string, topic_name


class SnsTopics(CreatorBase):
    def topic(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        sns = self.client("sns")
        name = topic_name(self.stack, logical_id, props)
        arn = f"arn:aws:sns:{self.stack.region}:{self.stack.account_id}:{name}"
        try:
            sns.get_topic_attributes(TopicArn=arn)
            created = False
        except ClientError:
            attributes: dict[str, str] = {}
            for key in ("DisplayName", "KmsMasterKeyId", "FifoTopic", "ContentBasedDeduplication"):
                if key in props:
                    attributes[key] = as_string(props[key])
            if attributes.get("FifoTopic") == "false":
                del attributes["FifoTopic"]
            arn = str(sns.create_topic(Name=name, Attributes=attributes)["TopicArn"])
            created = True
        existing = {
            (s["Protocol"], s["Endpoint"]) for s in sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        }
        for subscription in props.get("Subscription") or []:
            key = (str(subscription["Protocol"]), str(subscription["Endpoint"]))
            if key not in existing:
                sns.subscribe(TopicArn=arn, Protocol=key[0], Endpoint=key[1])
        return arn, {"TopicArn": arn, "TopicName": name}, created

    def subscription(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        sns = self.client("sns")
        topic, protocol, endpoint = str(props["TopicArn"]), str(props["Protocol"]), str(props["Endpoint"])
        for existing in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]:
            if existing["Protocol"] == protocol and existing["Endpoint"] == endpoint:
                return str(existing["SubscriptionArn"]), {}, False
        attributes = {}
        if "RawMessageDelivery" in props:
            attributes["RawMessageDelivery"] = as_string(props["RawMessageDelivery"])
        if "FilterPolicy" in props:
            attributes["FilterPolicy"] = as_string(props["FilterPolicy"])
        arn = sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint, Attributes=attributes)[
            "SubscriptionArn"
        ]
        return str(arn), {}, True
