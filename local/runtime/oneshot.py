"""``python -m local.runtime invoke <Function> -e <event.json>``: one function, one event, like
``sam local invoke`` but without Docker.

* A local stack answers on the Lambda API port (``make local``, or ``--url``): the event runs there, in the
  function's warm worker, with its template environment, against that stack's moto and sandboxes
  (``POST /_local/invoke/<function>``; the function's log lines come back with the result).
* Nothing answers (or ``--standalone``): a whole stack is started for this one invoke on free ports (moto,
  the template provisioned, both sandboxes, the runtime; schedules off), the demo client is seeded (the
  stack.env client, its VTEX secret, both sandboxes' demo catalog, the SKU mapping: what ``make demo``
  seeds) unless ``--no-seed``, the event is invoked, and everything is stopped again (~10 s).
* Seeding also makes the samples of ``events/`` valid there (``samples.py``, ``sample_world.py``): the TikTok
  orders they name exist, the invoice and shipping orders are placed in VTEX and invoiced, the feed is
  served, the hook secret is the one the samples carry; the samples' stack.env addresses are moved to the
  stack's ports, and an OAuth ``state`` signed with the stack's secret is signed again now.

The function's log lines go to stderr, its result (JSON) to stdout. Exit status: 0 when the function
returned, 1 on a function error (errorType/errorMessage printed), 2 when the command itself could not run
(unknown function, unreadable event, stack not starting). ``--seed`` also seeds a running stack (idempotent).
"""

from __future__ import annotations

import json
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import quote

from local.runtime.sample_world import seed_sample_world
from local.runtime.samples import prepare_event, seed_sample_orders


class InvokeCommandError(RuntimeError):
    """The command could not run (exit status 2)."""


@dataclass
class Outcome:
    function: str
    ok: bool
    payload: Any  # the handler's result, or the error document
    logs: list[str] = field(default_factory=list)
    request_id: str = ""


def read_event(path: str | Path) -> Any:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise InvokeCommandError(f"cannot read the event file {path}: {exc.strerror or exc}") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise InvokeCommandError(f"the event file {path} is not JSON: {exc}") from exc


def runtime_answers(base_url: str, timeout: float = 1.0) -> bool:
    try:
        with urllib.request.urlopen(f"{base_url}/_local/health", timeout=timeout) as response:  # noqa: S310
            return response.status == 200
    except OSError:
        return False


def invoke_remote(base_url: str, function: str, event: Any, timeout: float = 900.0) -> Outcome:
    """The event through a running runtime's ``/_local/invoke`` route."""
    request = urllib.request.Request(  # noqa: S310 - loopback URL of the local runtime
        f"{base_url}/_local/invoke/{quote(function, safe='')}",
        data=json.dumps(event).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            answer = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        message = json.loads(exc.read() or b"{}").get("message", str(exc))
        raise InvokeCommandError(message) from exc
    return Outcome(answer["function"], answer["ok"], answer["payload"], answer["logs"], answer["requestId"])


def invoke_in(runtime: Any, function: str, event: Any) -> Outcome:
    """The event through a runtime object in this process."""
    spec = runtime.find_function(function)
    if spec is None:
        raise InvokeCommandError(f"no function {function!r} in the template (logical id or function name)")
    result = runtime.invoke_sync(spec, json.dumps(event))
    return Outcome(spec.name, result.ok, result.payload, list(result.log_lines), result.request_id)


def seed_demo(env: Mapping[str, str], stack: Any, *, timeout_s: float = 60.0) -> dict[str, Any]:
    """The demo client, as `make demo` onboards it (local.demo.seed), then authorized the production way: the
    seller consents in the TikTok sandbox, which calls our OAuth callback; GERENCIADOR-AUTH-CODES links the
    shop (token_generated), and the TikTok orders the samples of events/ name are created (samples.py).
    Needs the stack's HTTP API and sandboxes (not run on a bare runtime)."""

    from local.demo.context import DemoContext
    from local.demo.seed import seed_demo_client
    from tiktok_vtex.auth.state import issue_state

    context = DemoContext(env=env, stack=stack, fire=lambda _name: None)
    try:
        counts: dict[str, Any] = dict(seed_demo_client(context))
        links = context.table("ClientTikTokTable")
        key = {"client_hash": context.client_hash}
        if links.get_item(Key=key, ConsistentRead=True).get("Item", {}).get("status") != "token_generated":
            state = issue_state(context.client_hash, secret=env["OAUTH_STATE_SECRET"], now=time.time())
            consent = context.http.post(
                f"{context.tiktok_url}/sandbox/consent",
                json={
                    "shop_id": env["DEMO_SHOP_ID"],
                    "state": state,
                    "redirect_url": f"{context.api_url}/tiktok/callback",
                },
            ).json()
            if (consent.get("redirect") or {}).get("status") != 200:
                raise InvokeCommandError(f"seeding: the OAuth callback answered {consent.get('redirect')}")
            deadline = time.monotonic() + timeout_s
            while links.get_item(Key=key, ConsistentRead=True).get("Item", {}).get("status") != "token_generated":
                if time.monotonic() > deadline:
                    raise InvokeCommandError("seeding: the demo shop was not linked (token_generated) in time")
                time.sleep(0.2)
        counts["authorized"] = True
        counts["sample_orders"] = seed_sample_orders(context.http, context.tiktok_url, env)
        counts["sample_world"] = seed_sample_world(context)
        return counts
    finally:
        context.http.close()


def invoke_standalone(
    function: str, event: Any, *, template: Path, seed: bool, log_sink: Callable[[str, str], None]
) -> Outcome:
    from local.stack import LocalStack, StackError, ephemeral_stack_env

    env = ephemeral_stack_env()
    try:
        with LocalStack.start(env, template, schedules=False, log_sink=log_sink, echo_children=False) as running:
            if seed:
                seed_demo(env, running.stack)
                event = prepare_event(event, env=env, now=time.time())
            return invoke_in(running.runtime, function, event)
    except StackError as exc:
        raise InvokeCommandError(f"the local stack did not start: {exc}") from exc


def print_outcome(outcome: Outcome, out: TextIO, err: TextIO) -> int:
    for line in outcome.logs:
        err.write(f"{outcome.function} | {line}\n")
    out.write(json.dumps(outcome.payload, indent=2, ensure_ascii=False) + "\n")
    if outcome.ok:
        return 0
    error = outcome.payload if isinstance(outcome.payload, dict) else {}
    err.write(f"error: {outcome.function} failed: {error.get('errorType')}: {error.get('errorMessage')}\n")
    return 1


def run(
    function: str,
    event_path: str,
    *,
    base_url: str,
    template: Path,
    standalone: bool = False,
    seed: bool | None = None,
    env: Mapping[str, str] | None = None,
    out: TextIO = sys.stdout,
    err: TextIO = sys.stderr,
) -> int:
    try:
        event = read_event(event_path)
        if not standalone and runtime_answers(base_url):
            if seed:
                from local.provision import provision_template
                from local.template import load_template, parameters_from_stack_env

                assert env is not None
                loaded = load_template(template)
                stack = provision_template(  # the running stack's names, without creating anything
                    loaded,
                    template_path=template,
                    parameters=parameters_from_stack_env(loaded, env),
                    region=env.get("AWS_REGION", "us-east-1"),
                    endpoint_url=env.get("AWS_ENDPOINT_URL"),
                    stack_name=env["STACK_NAME"],
                    create=False,
                )
                seed_demo(env, stack)
                event = prepare_event(event, env=env, now=time.time())
            outcome = invoke_remote(base_url, function, event)
        else:
            err.write(f"no local runtime answers on {base_url}: starting a stack for this invoke...\n")
            err.flush()
            lines: list[tuple[str, str]] = []
            try:
                outcome = invoke_standalone(
                    function,
                    event,
                    template=template,
                    seed=seed is not False,
                    log_sink=lambda s, line: lines.append((s, line)),
                )
            except InvokeCommandError:
                for source, line in lines[-40:]:  # what the stack said before it failed
                    err.write(f"{source} | {line}\n")
                raise
    except InvokeCommandError as exc:
        err.write(f"error: {exc}\n")
        return 2
    return print_outcome(outcome, out, err)
