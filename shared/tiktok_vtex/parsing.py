"""Queue messages and invoke payloads into pydantic models with Powertools Parser, refused with a reason
that names the fields (never their values: a message may carry buyer data or an NF-e).

One `MessageParser` per function names its message type (a model or a discriminated union), the error it
raises and how a legacy payload is completed before validation (`prepare`). From it:

- `parser.parse(payload)`: a direct-invoke payload through Powertools' `parse(event=..., model=...)`;
- `parser.parse_record(record)`: one SQS record (its body the message) for a function that handles its batch
  as a whole (the VTEX notifications coalesce a batch per client): the same model and reasons as below;
- `parser.processor()`: `BatchProcessor(event_type=EventType.SQS, model=<SqsRecordModel whose body is the
  message>)`. Powertools validates every record (envelope and JSON body) before the record handler runs,
  so the handler receives `record.body` already typed. A record that does not validate never reaches the
  handler: it is logged (`malformed <label> message`, with its message id and the field-naming reason)
  and reported as a batch item failure, so SQS redelivers it and, after maxReceiveCount, moves it to the
  DLQ; the failure Powertools keeps holds our error, not pydantic's (whose text repeats the input).

`prepare_record(payload, record)` completes a body from its SQS envelope (the stock update takes the
send time as its reading time).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any, Generic, TypeVar

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType
from aws_lambda_powertools.utilities.parser import parse as powertools_parse
from aws_lambda_powertools.utilities.parser.models.sqs import SqsRecordModel
from pydantic import ValidationError, create_model, model_validator
from pydantic_core import PydanticCustomError

from tiktok_vtex.observability import logger

M = TypeVar("M")
Prepare = Callable[[Any], Any]
PrepareRecord = Callable[[Any, Mapping[str, Any]], Any]
# Error types of the body decoding (their messages are ours: they never repeat the input).
_NOT_JSON = "body_not_json"
_REFUSED = "message_refused"


def _unchanged(payload: Any) -> Any:
    return payload


def field_names(error: ValidationError, *, skip: int = 0, drop_tag: bool = False) -> str:
    """`a, b.c` for the fields an error names: `skip` leading path parts dropped (an envelope's `body`),
    then with `drop_tag` the discriminator tag of a union (when a field follows it)."""
    fields = set()
    for detail in error.errors(include_url=False, include_input=False, include_context=False):
        loc = list(detail["loc"][skip:])
        if drop_tag and len(loc) > 1:
            loc = loc[1:]
        fields.add(".".join(str(part) for part in loc) or "body")
    return ", ".join(sorted(fields)) or "body"


class MessageParser(Generic[M]):
    """How one function reads its messages (see the module docstring)."""

    def __init__(self, label: str, message: Any, invalid: type[ValueError], *, prepare: Prepare = _unchanged,
                 drop_tag: bool = False, tag_in_reason: bool = False) -> None:
        self.label = label  # "orders", "INVOICE", "stock": log lines and reasons
        self.message = message
        self.invalid = invalid
        self.prepare = prepare
        self._drop_tag = drop_tag or tag_in_reason
        self._tag_in_reason = tag_in_reason  # "invalid <type> message: ..." (the stock and price reasons)
        self._plain_record_model: type[SqsRecordModel] | None = None  # built on the first parse_record

    # --- reasons ---------------------------------------------------------------------------------

    def reason(self, error: ValidationError, *, skip: int = 0) -> str:
        details = error.errors(include_url=False, include_input=False)
        for detail in details:
            loc = detail["loc"][skip:]
            if detail["type"] == "union_tag_invalid" and not loc:
                tag = str((detail.get("ctx") or {}).get("tag", ""))[:60]
                return f"unknown {self.label} message type {tag!r}"
            if detail["type"] == "union_tag_not_found" and not loc:
                return f"{self.label} message has no type"
            if detail["type"] in (_NOT_JSON, _REFUSED) and not loc:  # our own wording, no values in it
                return detail["msg"]
        kind = self.label
        if self._tag_in_reason:
            tagged = [d["loc"][skip] for d in details if len(d["loc"]) > skip + 1]
            kind = str(tagged[0]) if tagged else kind
        return f"invalid {kind} message: {field_names(error, skip=skip, drop_tag=self._drop_tag)}"

    # --- direct invoke -----------------------------------------------------------------------------

    def parse(self, payload: Any) -> M:
        """A direct-invoke payload as the message; `invalid` (naming the fields) when it is refused."""
        try:
            return powertools_parse(event=self.prepare(payload), model=self.message)
        except ValidationError as error:
            raise self.invalid(self.reason(error)) from None

    # --- SQS -------------------------------------------------------------------------------------

    def record_model(self, *, prepare_record: PrepareRecord | None = None) -> type[SqsRecordModel]:
        """Powertools' SqsRecordModel whose `body` is the message (decoded from JSON, then prepared)."""
        prepare = self.prepare
        label = self.label

        def decode_body(cls: type, record: Any) -> Any:
            if not isinstance(record, dict) or not isinstance(record.get("body"), str | bytes):
                return record
            try:
                payload = json.loads(record["body"])
            except ValueError:
                raise PydanticCustomError(_NOT_JSON, f"{label} message body is not JSON") from None
            try:
                if prepare_record is not None:
                    payload = prepare_record(payload, record)
                payload = prepare(payload)
            except ValueError as error:  # already worded by the domain
                raise PydanticCustomError(_REFUSED, "{error}", {"error": str(error)}) from None
            return {**record, "body": payload}

        return create_model(  # type: ignore[call-overload, no-any-return]
            "".join(c for c in label.title() if c.isalnum()) + "SqsRecord", __base__=SqsRecordModel,
            __validators__={"decode_body": model_validator(mode="before")(classmethod(decode_body))},
            body=(self.message, ...))

    def parse_record(self, record: Any) -> M:
        """One SQS record's body as the message; `invalid` (naming the fields, as the batch processor's
        refusals do) when the record or its body is refused."""
        model = self._plain_record_model
        if model is None:
            model = self._plain_record_model = self.record_model()
        try:
            return powertools_parse(event=record, model=model).body  # type: ignore[no-any-return]
        except ValidationError as error:
            raise self.invalid(self.record_reason(error)) from None

    def record_reason(self, error: ValidationError) -> str:
        """The reason of a refused SQS record: its body's fields, or the envelope's."""
        in_body = all(d["loc"][:1] in ((), ("body",)) for d in error.errors(include_url=False))
        return self.reason(error, skip=1) if in_body else f"invalid SQS record: {field_names(error)}"

    def processor(self, *, prepare_record: PrepareRecord | None = None,
                  raise_on_entire_batch_failure: bool = True) -> ParsedBatchProcessor:
        return ParsedBatchProcessor(self, self.record_model(prepare_record=prepare_record),
                                    raise_on_entire_batch_failure=raise_on_entire_batch_failure)


class ParsedBatchProcessor(BatchProcessor):
    """BatchProcessor(event_type=SQS, model=...) whose refused records keep a field-naming reason."""

    def __init__(self, parser: MessageParser[Any], model: type[SqsRecordModel], *,
                 raise_on_entire_batch_failure: bool = True) -> None:
        super().__init__(event_type=EventType.SQS, model=model,
                         raise_on_entire_batch_failure=raise_on_entire_batch_failure)
        self.parser = parser

    def failure_handler(self, record: Any, exception: Any) -> Any:
        error = exception[1]
        if isinstance(error, ValidationError) and error.title == getattr(self.model, "__name__", None):
            # The record itself was refused (Powertools hands us its plain SQSRecord): body or envelope.
            reason = self.parser.record_reason(error)
            clean = self.parser.invalid(reason)
            logger.error(f"malformed {self.parser.label} message",
                         extra={"message_id": getattr(record, "message_id", None), "error": reason})
            exception = (type(clean), clean, None)
        return super().failure_handler(record, exception)
