"""S3 buckets: create or reuse, then versioning, encryption, public access block and tags."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from .base import CreatorBase
from .common import bucket_attributes, default_name, tag_list


class S3Buckets(CreatorBase):
    def bucket(self, logical_id: str, props: dict[str, Any]) -> tuple[str, dict[str, Any], bool]:
        s3 = self.client("s3")
        name = str(props.get("BucketName") or default_name(self.stack, logical_id, max_length=63, lower=True))
        created = False
        try:
            s3.head_bucket(Bucket=name)
        except ClientError:
            kwargs: dict[str, Any] = {"Bucket": name}
            if self.stack.region != "us-east-1":
                kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.stack.region}
            s3.create_bucket(**kwargs)
            created = True
        versioning = (props.get("VersioningConfiguration") or {}).get("Status")
        if versioning:
            s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": versioning})
        encryption = props.get("BucketEncryption")
        if encryption:
            # CloudFormation: ServerSideEncryptionByDefault; the S3 API: ApplyServerSideEncryptionByDefault.
            rules = [
                {("ApplyServerSideEncryptionByDefault" if k == "ServerSideEncryptionByDefault" else k): v
                 for k, v in rule.items()}
                for rule in encryption["ServerSideEncryptionConfiguration"]
            ]
            s3.put_bucket_encryption(Bucket=name, ServerSideEncryptionConfiguration={"Rules": rules})
        block = props.get("PublicAccessBlockConfiguration")
        if block:
            s3.put_public_access_block(
                Bucket=name,
                PublicAccessBlockConfiguration={k: str(v).lower() == "true" for k, v in block.items()},
            )
        tags = tag_list(props)
        if tags:
            s3.put_bucket_tagging(Bucket=name, Tagging={"TagSet": tags})
        return name, bucket_attributes(name, self.stack.region), created
