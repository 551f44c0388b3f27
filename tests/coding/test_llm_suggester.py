"""The optional OpenAI-compatible suggester, against a fake server started here (no network)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from coding.engine import suggest

NOTE = "A: Hypertension, stable; continue amlodipine. Vitamin D deficiency; start cholecalciferol. No gout."


class FakeModel(BaseHTTPRequestHandler):
    answer: Any = None
    requests: list[dict[str, Any]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeModel.requests.append({"path": self.path, "body": body, "auth": self.headers.get("Authorization")})
        payload = json.dumps({"choices": [{"message": {"content": FakeModel.answer}}]}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def fake_model(settings: Any) -> Iterator[type[FakeModel]]:
    server = HTTPServer(("127.0.0.1", 0), FakeModel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.CODING_LLM_URL = f"http://127.0.0.1:{server.server_port}/v1"
    settings.CODING_LLM_MODEL = "test-model"
    settings.CODING_LLM_API_KEY = "secret-test-key"
    FakeModel.requests = []
    yield FakeModel
    server.shutdown()
    server.server_close()


def run() -> list[str]:
    return [d.code for d in suggest(NOTE, age=60, sex="M", use_database=False).diagnoses]


def test_off_unless_configured(settings: Any) -> None:
    settings.CODING_LLM_URL = ""
    assert run() == ["I10", "E55.9"]


def test_adds_a_code_the_rules_missed_with_its_quote_as_evidence(fake_model: type[FakeModel]) -> None:
    fake_model.answer = json.dumps({"diagnoses": [{"code": "E559", "quote": "Vitamin D deficiency"},
                                                  {"code": "Z79.899", "quote": "continue amlodipine"}],
                                    "procedures": []})
    result = suggest(NOTE, age=60, sex="M", use_database=False)
    extra = [d for d in result.diagnoses if d.rule == "language model suggestion"]
    assert [d.code for d in extra] == ["Z79.899"]  # E55.9 was already found by the rules
    assert extra[0].evidence[0].text == "continue amlodipine" and extra[0].confidence == 0.5
    sent = fake_model.requests[0]
    assert sent["path"] == "/v1/chat/completions" and sent["body"]["model"] == "test-model"
    assert sent["auth"] == "Bearer secret-test-key" and NOTE in sent["body"]["messages"][1]["content"]


def test_a_code_whose_only_quote_is_negated_or_invented_is_dropped(fake_model: type[FakeModel]) -> None:
    fake_model.answer = json.dumps({"diagnoses": [{"code": "M10.9", "quote": "gout"},
                                                  {"code": "E11.9", "quote": "type 2 diabetes"}]})
    assert run() == ["I10", "E55.9"]


def test_a_broken_answer_leaves_the_rules_alone(fake_model: type[FakeModel]) -> None:
    fake_model.answer = "I think the patient has hypertension."
    assert run() == ["I10", "E55.9"]
