"""Creates the AWS resources of template.yaml in moto (server or in-process ``mock_aws``), idempotently.

`provision(template_path, parameters=..., region=..., endpoint_url=...)` reads the template, resolves its
intrinsics and creates its tables, queues, KMS keys/aliases, buckets, secrets, SSM parameters and SNS
topics, in dependency order. Resources moto does not host for us (functions, roles, APIs, layers, alarms,
schedules, log groups...) are recorded with plausible physical ids so that Ref/GetAtt on them resolve.
The returned `ProvisionedStack` also describes every function (`FunctionSpec`) for the local runtime.
There is no second list of resources anywhere: everything comes from the template.
"""

from __future__ import annotations

from .common import CREATED_TYPES, FUNCTION_TYPES, TAG_LOGICAL_ID, TAG_STACK
from .provisioned import ProvisionedStack
from .run import provision, provision_template
from .specs import Destination, FunctionSpec, HttpApiRoute, ScheduleSpec, SqsSource

__all__ = [
    "CREATED_TYPES",
    "FUNCTION_TYPES",
    "TAG_LOGICAL_ID",
    "TAG_STACK",
    "Destination",
    "FunctionSpec",
    "HttpApiRoute",
    "ProvisionedStack",
    "ScheduleSpec",
    "SqsSource",
    "provision",
    "provision_template",
]
