"""What the OpenAPI document says in words and schemathesis cannot generate (scripts/schemathesis.sh).

Applied just before each request, in every phase:

- An Idempotency-Key is unique per request: the same key with another body is 422/42202 by design,
  so each generated key gets a unique suffix (still 1 to 255 visible ASCII characters).
- A cursor is a nextCursor the same query answered: any other value is 400/40003 by design, so
  generated cursors are dropped (the unit and bad-input tests cover foreign and forged cursors).
- `at` on GET /results/{consumer} applies to `top` without `from` and `to` (its description says so;
  an OpenAPI parameter list cannot state a dependency between parameters), any other combination is
  400/40003 by design, so a generated `at` is dropped from those (the results unit tests and
  test/integration/openapi.test.ts cover the 400).
"""
import uuid

import schemathesis


@schemathesis.hook
def before_call(ctx, case, kwargs):
    for name in list(case.headers or {}):
        if name.lower() == "idempotency-key" and isinstance(case.headers[name], str):
            case.headers[name] = f"{case.headers[name][:200]}.{uuid.uuid4().hex}"
    if isinstance(case.query, dict):
        case.query.pop("cursor", None)
        if case.operation.method.upper() == "GET" and "/trending" not in case.operation.path and "at" in case.query:
            if "top" not in case.query or "from" in case.query or "to" in case.query:
                case.query.pop("at")
