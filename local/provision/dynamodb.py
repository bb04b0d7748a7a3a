"""DynamoDB tables: create (keys, indexes, streams, SSE, TTL, PITR) or reuse, adding GSIs the template gained."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from botocore.exceptions import ClientError

from .base import CreatorBase
from .common import default_name, tag_list

log = logging.getLogger("local.provision")  # one logger name for the whole package, as before the split


class DynamoDbTables(CreatorBase):
    def table(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        ddb = self.client("dynamodb")
        name = str(props.get("TableName") or default_name(self.stack, logical_id, max_length=255))
        created = False
        try:
            description = ddb.describe_table(TableName=name)["Table"]
        except ddb.exceptions.ResourceNotFoundException:
            description = ddb.create_table(**self._table_request(name, props))["TableDescription"]
            created = True
        else:
            self._add_missing_indexes(logical_id, name, props, description)
        ttl = props.get("TimeToLiveSpecification")
        if ttl and str(ttl.get("Enabled", "false")).lower() == "true":
            current = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
            if current.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
                ddb.update_time_to_live(
                    TableName=name,
                    TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": True},
                )
        pitr = props.get("PointInTimeRecoverySpecification") or {}
        if str(pitr.get("PointInTimeRecoveryEnabled", "false")).lower() == "true":
            try:
                ddb.update_continuous_backups(
                    TableName=name,
                    PointInTimeRecoverySpecification={"PointInTimeRecoveryEnabled": True},
                )
            except ClientError as exc:  # pragma: no cover - depends on the moto version
                log.warning("%s: point-in-time recovery not set locally: %s", logical_id, exc)
        attrs = {"Arn": description["TableArn"]}
        if description.get("LatestStreamArn"):
            attrs["StreamArn"] = description["LatestStreamArn"]
        return name, attrs, created

    def _add_missing_indexes(
        self, logical_id: str, name: str, props: Mapping[str, Any], description: Mapping[str, Any]
    ) -> None:
        """Re-provisioning after the template gained a GSI: create it (key schema changes need a fresh moto)."""
        existing = {index["IndexName"] for index in description.get("GlobalSecondaryIndexes") or []}
        wanted = self._table_request(name, props)
        for index in wanted.get("GlobalSecondaryIndexes") or []:
            if index["IndexName"] in existing:
                continue
            log.info("%s: adding global secondary index %s", logical_id, index["IndexName"])
            self.client("dynamodb").update_table(
                TableName=name,
                AttributeDefinitions=wanted["AttributeDefinitions"],
                GlobalSecondaryIndexUpdates=[{"Create": index}],
            )

    @staticmethod
    def _table_request(name: str, props: Mapping[str, Any]) -> dict[str, Any]:
        billing = str(props.get("BillingMode") or "PROVISIONED")
        request: dict[str, Any] = {
            "TableName": name,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": billing,
        }

        def throughput(source: Mapping[str, Any]) -> dict[str, int]:
            given = source.get("ProvisionedThroughput") or {}
            return {
                "ReadCapacityUnits": int(given.get("ReadCapacityUnits", 5)),
                "WriteCapacityUnits": int(given.get("WriteCapacityUnits", 5)),
            }

        if billing == "PROVISIONED":
            request["ProvisionedThroughput"] = throughput(props)
        for key in ("GlobalSecondaryIndexes", "LocalSecondaryIndexes"):
            indexes = []
            for index in props.get(key) or []:
                item = {k: index[k] for k in ("IndexName", "KeySchema", "Projection") if k in index}
                if key == "GlobalSecondaryIndexes" and billing == "PROVISIONED":
                    item["ProvisionedThroughput"] = throughput(index)
                indexes.append(item)
            if indexes:
                request[key] = indexes
        stream = props.get("StreamSpecification")
        if stream:
            request["StreamSpecification"] = {"StreamEnabled": True, "StreamViewType": stream["StreamViewType"]}
        sse = props.get("SSESpecification")
        if sse:
            spec: dict[str, Any] = {"Enabled": str(sse.get("SSEEnabled", "false")).lower() == "true"}
            if sse.get("SSEType"):
                spec["SSEType"] = sse["SSEType"]
            if sse.get("KMSMasterKeyId"):
                spec["KMSMasterKeyId"] = sse["KMSMasterKeyId"]
            request["SSESpecification"] = spec
        if props.get("TableClass"):
            request["TableClass"] = props["TableClass"]
        if props.get("DeletionProtectionEnabled") is not None:
            request["DeletionProtectionEnabled"] = str(props["DeletionProtectionEnabled"]).lower() == "true"
        tags = tag_list(props)
        if tags:
            request["Tags"] = tags
        return request
