"""`tiktok-vtex dlq list|show|replay`: the stack's dead-letter queues (tiktok_vtex.operations.dlq)."""

from __future__ import annotations

import argparse
import time
from typing import Any, TextIO

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tiktok_vtex import aws
from tiktok_vtex.commands.common import (
    ATTENTION,
    OK,
    Command,
    StackConfig,
    add_json_flag,
    date,
    duration,
    fail,
    print_json,
    table,
)
from tiktok_vtex.operations.dlq import DeadLetterQueues, UnknownQueue

# A replay waits for the function (up to Lambda's 15 minutes) and is never retried by botocore: a retried
# invoke would run the message twice.
_REPLAY_CONFIG = Config(read_timeout=910, connect_timeout=5, retries={"max_attempts": 1})


def replay_lambda_client() -> Any:
    return boto3.session.Session().client("lambda", config=_REPLAY_CONFIG)


def _configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="dlq_command", required=True, metavar="<list|show|replay>")
    listing = sub.add_parser("list", help="every DLQ with its depth and the age of its oldest message",
                             description="every DLQ of the stack (RedrivePolicy targets and async failure queues)")
    add_json_flag(listing)
    show = sub.add_parser("show", help="a DLQ's messages: function, failure reason, attempts (no payload)",
                          description="a DLQ's messages, left in the queue")
    show.add_argument("queue", help="DLQ name, with or without the function prefix (e.g. orders-dlq)")
    show.add_argument("--limit", type=int, default=50, help="at most this many messages (default 50)")
    add_json_flag(show)
    replay = sub.add_parser("replay", help="replay messages to their source (queue or function)",
                            description="redriven messages go back to their source queue; async failure records are "
                                        "invoked again (synchronously); a message that fails again stays in the DLQ "
                                        "with its new reason")
    replay.add_argument("queue", help="DLQ name, with or without the function prefix")
    chosen = replay.add_mutually_exclusive_group(required=True)
    chosen.add_argument("--id", dest="ids", action="append", default=[], help="a message id (repeatable)")
    chosen.add_argument("--all", action="store_true", help="every message of the queue")
    add_json_flag(replay)


def _list(dlqs: DeadLetterQueues, args: argparse.Namespace, out: TextIO, now: float) -> int:
    found = dlqs.discover()
    if args.json:
        print_json({"dlqs": [d.as_dict(now) for d in found]}, out)
        return OK
    table(([d.name, d.depth, d.in_flight, duration(d.oldest_age(now)),
            ", ".join(s.rsplit("/", 1)[-1] for s in d.sources) or "(async invoke failures)",
            ", ".join(d.consumers) or "-"] for d in found),
          ["DLQ", "DEPTH", "IN FLIGHT", "OLDEST", "SOURCE", "CONSUMER"], out)
    total = sum(d.depth for d in found)
    print(f"{len(found)} DLQs, {total} message(s)", file=out)
    return OK


def _show(dlqs: DeadLetterQueues, args: argparse.Namespace, out: TextIO, now: float) -> int:
    dlq = dlqs.find(args.queue)
    letters = [letter.summary() for letter in dlqs.peek(dlq, args.limit)]
    if args.json:
        print_json({"queue": dlq.name, "depth": dlq.depth, "messages": letters}, out)
        return OK
    print(f"{dlq.name}: {dlq.depth} message(s)", file=out)
    for letter in letters:
        print(f"- {letter['message_id']}  {letter['kind']}  function {letter['function'] or '-'}  "
              f"received {letter['receive_count']}x  sent {letter['sent_at']}  replays {letter['replay_count']}",
              file=out)
        print(f"    payload {letter['payload']}", file=out)
        print(f"    reason  {letter['reason']}", file=out)
    return OK


def _replay(dlqs: DeadLetterQueues, args: argparse.Namespace, out: TextIO, now: float) -> int:
    dlq = dlqs.find(args.queue)
    outcomes = dlqs.replay(dlq, message_ids=args.ids, replay_all=args.all)
    if args.json:
        print_json({"queue": dlq.name, "outcomes": [o.as_dict() for o in outcomes]}, out)
    else:
        for o in outcomes:
            print(f"{o.message_id}  {o.outcome:12}  {o.function or '-'}  {o.detail}", file=out)
        counts = {k: sum(o.outcome == k for o in outcomes) for k in ("requeued", "succeeded", "failed-again",
                                                                      "skipped")}
        print(", ".join(f"{v} {k}" for k, v in counts.items()) + f" (replayed at {date(now)})", file=out)
    return ATTENTION if any(o.outcome in ("failed-again", "skipped") for o in outcomes) else OK


def run(args: argparse.Namespace, out: TextIO, *, sqs: Any | None = None, lambda_client: Any | None = None,
        config: StackConfig | None = None, clock: Any = time.time) -> int:
    config = config or StackConfig.from_env()
    dlqs = DeadLetterQueues(config.function_prefix, sqs or aws.client("sqs"),
                            lambda_client or replay_lambda_client(), clock=clock)
    action = {"list": _list, "show": _show, "replay": _replay}[args.dlq_command]
    try:
        return action(dlqs, args, out, clock())
    except UnknownQueue as error:
        return fail(str(error))
    except (BotoCoreError, ClientError) as error:
        return fail(f"the stack did not answer ({type(error).__name__}: {error}); check AWS credentials, "
                    "AWS_ENDPOINT_URL and the region")


COMMANDS: list[Command] = [
    ("dlq", "dead-letter queues: list (depth, oldest age), show (function, reason), replay", _configure, run),
]
