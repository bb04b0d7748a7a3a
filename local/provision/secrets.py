"""Secrets Manager secrets (given or generated) and SSM parameters: create, restore, or update the value."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from .base import CreatorBase
from .common import default_name, tag_list


class SecretStores(CreatorBase):
    def secret(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        sm = self.client("secretsmanager")
        name = str(props.get("Name") or default_name(self.stack, logical_id))
        try:
            described = sm.describe_secret(SecretId=name)
        except sm.exceptions.ResourceNotFoundException:
            described = None
        if described is not None and described.get("DeletedDate"):
            sm.restore_secret(SecretId=name)
        if described is not None:
            arn = str(described["ARN"])
            if "SecretString" in props:
                current = sm.get_secret_value(SecretId=arn).get("SecretString")
                if current != str(props["SecretString"]):
                    sm.put_secret_value(SecretId=arn, SecretString=str(props["SecretString"]))
            return arn, {"Id": arn}, False
        kwargs: dict[str, Any] = {"Name": name, "SecretString": self._secret_string(props)}
        if props.get("Description"):
            kwargs["Description"] = str(props["Description"])
        if props.get("KmsKeyId"):
            kwargs["KmsKeyId"] = str(props["KmsKeyId"])
        tags = tag_list(props)
        if tags:
            kwargs["Tags"] = tags
        arn = str(sm.create_secret(**kwargs)["ARN"])
        return arn, {"Id": arn}, True

    def _secret_string(self, props: Mapping[str, Any]) -> str:
        if "SecretString" in props:
            return str(props["SecretString"])
        generate = props.get("GenerateSecretString") or {}
        options: dict[str, Any] = {"PasswordLength": int(generate.get("PasswordLength", 32))}
        for key in ("ExcludeCharacters",):
            if key in generate:
                options[key] = str(generate[key])
        for key in (
            "ExcludeLowercase",
            "ExcludeNumbers",
            "ExcludePunctuation",
            "ExcludeUppercase",
            "IncludeSpace",
            "RequireEachIncludedType",
        ):
            if key in generate:
                options[key] = str(generate[key]).lower() == "true"
        password = self.client("secretsmanager").get_random_password(**options)["RandomPassword"]
        if generate.get("SecretStringTemplate") and generate.get("GenerateStringKey"):
            document = json.loads(generate["SecretStringTemplate"])
            document[generate["GenerateStringKey"]] = password
            return json.dumps(document)
        return str(password)

    def ssm_parameter(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        ssm = self.client("ssm")
        name = str(props.get("Name") or default_name(self.stack, logical_id))
        param_type = str(props.get("Type", "String"))
        value = props["Value"]
        if isinstance(value, list):
            value = ",".join(str(v) for v in value)
        try:
            current = ssm.get_parameter(Name=name)["Parameter"]
            created = False
            if current.get("Value") == str(value) and current.get("Type") == param_type:
                return name, {"Type": param_type, "Value": str(value)}, False
        except ssm.exceptions.ParameterNotFound:
            created = True
        kwargs: dict[str, Any] = {"Name": name, "Type": param_type, "Value": str(value), "Overwrite": True}
        for key in ("Description", "AllowedPattern", "Tier", "DataType"):
            if props.get(key):
                kwargs[key] = str(props[key])
        ssm.put_parameter(**kwargs)
        return name, {"Type": param_type, "Value": str(value)}, created
