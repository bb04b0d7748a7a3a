"""``python -m local.runtime``: run the runtime alone, or talk to a running one.

python -m local.runtime fire <FunctionLogicalIdOrName|RuleName> [--wait]
python -m local.runtime invoke <FunctionLogicalIdOrName> -e <event.json> [--url URL] [--standalone] [--seed|--no-seed]
python -m local.runtime serve [--template template.yaml] [--no-schedules]   (moto must already run)
python -m local.runtime describe [--template template.yaml]                 (no AWS needed)
"""

from __future__ import annotations

import argparse
import contextlib
import json
import signal
import sys
import threading
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote

from local.env import StackEnvError, stack_env
from local.template import TemplateError

REPO_ROOT = Path(__file__).resolve().parents[2]


def _fire(args: argparse.Namespace, env: dict[str, str]) -> int:
    base = args.url or f"http://127.0.0.1:{env.get('LAMBDA_PORT', '3001')}"
    url = f"{base}/_local/schedules/{quote(args.name, safe='')}/fire" + ("?wait=true" if args.wait else "")
    request = urllib.request.Request(url, data=b"", method="POST")  # noqa: S310 - loopback URL
    try:
        with urllib.request.urlopen(request, timeout=args.timeout) as response:  # noqa: S310
            print(json.dumps(json.loads(response.read()), indent=2))
            return 0
    except urllib.error.HTTPError as exc:
        print(f"error: {json.loads(exc.read() or b'{}').get('message', exc)}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(
            f"error: the local runtime does not answer on {base} ({exc}); start it with `make local`", file=sys.stderr
        )
        return 1


def _invoke(args: argparse.Namespace, env: dict[str, str]) -> int:
    from local.runtime.oneshot import run

    base = args.url or f"http://127.0.0.1:{env.get('LAMBDA_PORT', '3001')}"
    return run(
        args.function,
        args.event,
        base_url=base.rstrip("/"),
        template=Path(args.template),
        standalone=args.standalone,
        seed=args.seed,
        env=env,
    )


def _describe(args: argparse.Namespace, env: dict[str, str]) -> int:
    from local.provision import provision_template
    from local.template import load_template, parameters_from_stack_env

    template = load_template(args.template)
    stack = provision_template(
        template,
        template_path=Path(args.template),
        parameters=parameters_from_stack_env(template, env),
        region=env.get("AWS_REGION", "us-east-1"),
        endpoint_url=env.get("AWS_ENDPOINT_URL"),
        stack_name=env["STACK_NAME"],
        create=False,
    )
    for function in stack.functions():
        print(f"{function.logical_id} ({function.name}) {function.handler}")
        for route in function.http_routes:
            print(f"    http     {route.route_key}")
        for source in function.sqs_sources:
            print(f"    sqs      {source.queue_arn} batch={source.batch_size}")
        for schedule in function.schedules:
            print(f"    schedule {schedule.expression} ({schedule.rule_name})")
    return 0


def _serve(args: argparse.Namespace, env: dict[str, str]) -> int:
    from local.provision import provision
    from local.runtime.runtime import Runtime, RuntimeConfig, aws_environment_from
    from local.template import load_template, parameters_from_stack_env

    template = load_template(args.template)
    stack = provision(
        Path(args.template),
        parameters=parameters_from_stack_env(template, env),
        region=env.get("AWS_REGION", "us-east-1"),
        endpoint_url=env["AWS_ENDPOINT_URL"],
        stack_name=env["STACK_NAME"],
    )
    overrides = {"schedules": False} if args.no_schedules else {}
    runtime = Runtime(stack, aws_environment=aws_environment_from(env), config=RuntimeConfig.from_env(env, **overrides))
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with runtime:
        print(f"HTTP API {runtime.api_url}   Lambda API {runtime.lambda_url}", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.runtime")
    commands = parser.add_subparsers(dest="command", required=True)
    fire = commands.add_parser("fire", help="fire a function's schedule(s) now on the running stack")
    fire.add_argument("name", help="function logical id or name, or rule name")
    fire.add_argument("--wait", action="store_true", help="invoke synchronously and print the result")
    fire.add_argument("--url", help="the runtime's invoke URL (default: LAMBDA_PORT of stack.env)")
    fire.add_argument("--timeout", type=float, default=60.0)
    invoke = commands.add_parser(
        "invoke", help="run one function with one event (the running stack, or a stack started for it)"
    )
    invoke.add_argument("function", help="function logical id or name")
    invoke.add_argument("-e", "--event", required=True, help="event JSON file (e.g. events/<Function>/...)")
    invoke.add_argument("--url", help="the runtime's invoke URL (default: LAMBDA_PORT of stack.env)")
    invoke.add_argument("--standalone", action="store_true", help="start a stack for this invoke even if one runs")
    invoke.add_argument(
        "--seed",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="seed the demo client first (default: only in a stack started for the invoke)",
    )
    invoke.add_argument("--template", default=str(REPO_ROOT / "template.yaml"))
    for name in ("serve", "describe"):
        command = commands.add_parser(name)
        command.add_argument("--template", default=str(REPO_ROOT / "template.yaml"))
        if name == "serve":
            command.add_argument("--no-schedules", action="store_true")
    args = parser.parse_args(argv)
    try:
        env = stack_env()
        handler = {"fire": _fire, "invoke": _invoke, "describe": _describe, "serve": _serve}[args.command]
        return handler(args, env)
    except (TemplateError, StackEnvError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
