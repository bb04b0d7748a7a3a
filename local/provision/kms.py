"""KMS keys and aliases. Keys have no name: a re-run finds its key by the logical-id and stack tags."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .base import CreatorBase
from .common import TAG_LOGICAL_ID, TAG_STACK, as_string, tag_list


class KmsKeys(CreatorBase):
    def _find_tagged_key(self, logical_id: str) -> str | None:
        kms = self.client("kms")
        for page in kms.get_paginator("list_keys").paginate():
            for key in page["Keys"]:
                try:
                    tags = kms.list_resource_tags(KeyId=key["KeyId"]).get("Tags", [])
                except ClientError:
                    continue
                found = {t["TagKey"]: t["TagValue"] for t in tags}
                if found.get(TAG_LOGICAL_ID) == logical_id and found.get(TAG_STACK) == self.stack.stack_name:
                    state = kms.describe_key(KeyId=key["KeyId"])["KeyMetadata"].get("KeyState")
                    if state != "PendingDeletion":
                        return str(key["KeyId"])
        return None

    def key(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        kms = self.client("kms")
        key_id = self._find_tagged_key(logical_id)
        created = key_id is None
        if key_id is None:
            kwargs: dict[str, Any] = {
                "Description": str(props.get("Description", "")),
                "KeyUsage": props.get("KeyUsage", "ENCRYPT_DECRYPT"),
                "KeySpec": props.get("KeySpec", "SYMMETRIC_DEFAULT"),
                "Tags": [
                    {"TagKey": TAG_LOGICAL_ID, "TagValue": logical_id},
                    {"TagKey": TAG_STACK, "TagValue": self.stack.stack_name},
                    *({"TagKey": t["Key"], "TagValue": t["Value"]} for t in tag_list(props)),
                ],
            }
            if props.get("KeyPolicy"):
                kwargs["Policy"] = as_string(props["KeyPolicy"])
            if str(props.get("MultiRegion", "false")).lower() == "true":
                kwargs["MultiRegion"] = True
            key_id = str(kms.create_key(**kwargs)["KeyMetadata"]["KeyId"])
            if str(props.get("EnableKeyRotation", "false")).lower() == "true":
                kms.enable_key_rotation(KeyId=key_id)
            if str(props.get("Enabled", "true")).lower() == "false":
                kms.disable_key(KeyId=key_id)
        arn = kms.describe_key(KeyId=key_id)["KeyMetadata"]["Arn"]
        return key_id, {"Arn": arn, "KeyId": key_id}, created

    def alias(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        kms = self.client("kms")
        name = str(props["AliasName"])
        target = str(props["TargetKeyId"])
        existing = {
            a["AliasName"]: a.get("TargetKeyId")
            for page in kms.get_paginator("list_aliases").paginate()
            for a in page["Aliases"]
        }
        target_id = kms.describe_key(KeyId=target)["KeyMetadata"]["KeyId"]
        if name in existing:
            if existing[name] != target_id:
                kms.update_alias(AliasName=name, TargetKeyId=target_id)
            return name, {}, False
        kms.create_alias(AliasName=name, TargetKeyId=target_id)
        return name, {}, True
