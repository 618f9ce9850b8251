"""OpenAPI-driven fuzzing (schemathesis 4) of every endpoint, on both stores.

Bounded: a fixed number of examples per operation and generation mode,
derandomised so that CI runs the same cases every time. Fails on any 5xx other
than the documented 501 and 503, on a status code, content type or body that
the schema does not document, and on schemathesis' other default checks
(valid data accepted, invalid data rejected, auth enforced, 405 for methods the
schema does not list).

(The operations are driven through ``as_strategy`` with ``@given`` rather than
``schemathesis.pytest.from_fixture``, whose lazy loader does not work with
pytest 9.)
"""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import CHECKS
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from tests.api_support import AUTH, load_tiny_graph
from tests.api_support import settings as api_settings

#: Examples per operation and mode. Write operations run the real pipeline.
EXAMPLES = {GenerationMode.POSITIVE: 25, GenerationMode.NEGATIVE: 12}


#: The documented 501 (Cypher on the embedded store) and 503 are answers, not bugs.
CONFIG = {"checks": {"not_a_server_error": {"expected-statuses": ["2xx", "3xx", "4xx", "501", "503"]}}}


def _cases() -> list[tuple[str, str, GenerationMode]]:
    """(METHOD, path, mode) of every operation, from the app's own OpenAPI (no I/O).
    Negative data needs something to break: operations without parameters or body
    are fuzzed with valid data only."""
    spec = create_app(api_settings()).openapi()
    out = []
    for path, item in spec["paths"].items():
        for method, op in item.items():
            modes = [GenerationMode.POSITIVE]
            if op.get("parameters") or op.get("requestBody"):
                modes.append(GenerationMode.NEGATIVE)
            out += [(method.upper(), path, mode) for mode in modes]
    return sorted(out)


@pytest.mark.parametrize(("method", "path", "mode"), _cases())
def test_openapi_fuzz(store, method, path, mode):
    load_tiny_graph(store)
    app = create_app(api_settings(), store=store)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app, config=SchemathesisConfig.from_dict(CONFIG))
    operation = schema[path][method]
    excluded = []
    if path == "/cypher":
        # Any string is a valid `query` for the schema but rarely valid Cypher: a
        # random one is rightly answered 422 (or 400 when it would write).
        excluded.append(CHECKS.get_one("positive_data_acceptance"))
    if path == "/papers" and method == "POST":
        # Two records with one id are valid for the schema (OpenAPI cannot say
        # "unique by id") and rightly refused with a 422 naming them (issue 19).
        excluded.append(CHECKS.get_one("positive_data_acceptance"))

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES[mode], deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    def run(case):
        response = case.call_and_validate(headers=AUTH, excluded_checks=excluded)
        assert response.status_code not in (500, 502, 504), response.text

    run()
