"""A small client for an OpenAI-compatible chat endpoint (vLLM, llama.cpp server, Ollama).

The municipality may run a language model on its own hardware; nothing ships one. Every caller
must treat `LlmError` (off, unreachable, timeout, malformed reply) as "use the fallback".
Standard library only, so it works in any thread without an event loop.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any


class LlmError(Exception):
    """No usable answer from the language model; the caller falls back to templates/rules."""


@dataclass
class LlmSettings:
    url: str = ""          # base URL, e.g. http://127.0.0.1:8000 (with or without /v1)
    model: str = ""
    api_key: str = ""
    timeout_s: float = 4.0

    @property
    def enabled(self) -> bool:
        return bool(self.url.strip())


class LlmClient:
    def __init__(self, settings: LlmSettings):
        self.settings = settings

    @property
    def endpoint(self) -> str:
        base = self.settings.url.rstrip("/")
        if base.endswith("/chat/completions"):
            return base
        if not base.endswith("/v1"):
            base += "/v1"
        return base + "/chat/completions"

    def chat(self, messages: list[dict[str, str]], max_tokens: int = 300, temperature: float = 0.0,
             json_mode: bool = False) -> str:
        """The assistant message text of one completion; raises LlmError on any failure."""
        if not self.settings.enabled:
            raise LlmError("no language model configured ([llm] url is empty)")
        body: dict[str, Any] = {"messages": messages, "max_tokens": max_tokens, "temperature": temperature}
        if self.settings.model:
            body["model"] = self.settings.model
        if json_mode:
            body["response_format"] = {"type": "json_object"}
        headers = {"Content-Type": "application/json"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        request = urllib.request.Request(self.endpoint, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=self.settings.timeout_s) as response:
                payload = json.loads(response.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise LlmError(f"language model answered HTTP {exc.code}") from None
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            raise LlmError(f"language model unreachable: {getattr(exc, 'reason', exc)}") from None
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise LlmError("language model sent no JSON") from None
        try:
            content = payload["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            raise LlmError("language model reply has no choices[0].message.content") from None
        if not isinstance(content, str) or not content.strip():
            raise LlmError("language model sent an empty answer")
        return content.strip()

    def chat_json(self, messages: list[dict[str, str]], **kwargs: Any) -> dict[str, Any]:
        """Like chat, for prompts that ask for one JSON object (code fences tolerated)."""
        text = self.chat(messages, json_mode=True, **kwargs)
        start, end = text.find("{"), text.rfind("}")
        if start < 0 or end <= start:
            raise LlmError("language model answer is not a JSON object")
        try:
            value = json.loads(text[start:end + 1])
        except json.JSONDecodeError:
            raise LlmError("language model answer is not valid JSON") from None
        if not isinstance(value, dict):
            raise LlmError("language model answer is not a JSON object")
        return value
