"""Platform: the stack is provisioned from template.yaml and the demo client is onboarded."""

from __future__ import annotations

from local.demo.context import DemoContext
from local.demo.seed import seed_demo_client


def run(ctx: DemoContext) -> None:
    stack = ctx.stack
    ctx.section("Platform: local stack provisioned from template.yaml")
    types = stack.resource_types
    tables = sorted(stack.physical_ids[i] for i, t in types.items() if t == "AWS::DynamoDB::Table")
    queues = sorted(i for i, t in types.items() if t == "AWS::SQS::Queue")
    ctx.report(f"{len(tables)} DynamoDB tables: {', '.join(tables)}")
    ctx.report(f"{len(queues)} SQS queues: {', '.join(queues) or '-'}")
    for spec in stack.functions():
        triggers = ", ".join(_describe(e) for e in spec.events) or "invoke only"
        ctx.report(f"function {spec.name}  <-  {triggers}")

    ctx.section("Platform: demo client onboarded")
    counts = seed_demo_client(ctx)
    client = ctx.table("ClientTable").get_item(Key={"client_hash": ctx.client_hash}).get("Item")
    ctx.expect(client is not None, "the demo client row was not written")
    ctx.report(f"client {ctx.client_hash} -> TikTok shop code {client['tik_tok_shop_store_id']}")
    ctx.report(
        f"VTEX store '{ctx.env['VTEX_ACCOUNT']}' and TikTok demo seller seeded with "
        f"{counts['products']} products, {counts['skus']} SKUs, {counts['brands']} brands"
    )


def _describe(event: object) -> str:
    kind = type(event).__name__
    if kind == "HttpApiRoute":
        return f"HTTP {event.method} {event.path}"  # type: ignore[attr-defined]
    if kind == "SqsSource":
        return f"SQS {event.queue_arn.rsplit(':', 1)[-1]}"  # type: ignore[attr-defined]
    if kind == "ScheduleSpec":
        return f"schedule {event.expression}"  # type: ignore[attr-defined]
    return kind
