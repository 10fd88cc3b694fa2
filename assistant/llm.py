"""Configure the optional LLM that rewords answers. Never required; never trusted with a number.

    load_llm("openai:qwen2.5-7b-instruct@http://127.0.0.1:8000/v1")   # any OpenAI-compatible server
    load_llm("mypackage.models:make_chat_model")                     # any LangChain chat model factory

The spec comes from `ask --llm SPEC` or the environment variable DISCLOSURE_QA_LLM.
"""
from __future__ import annotations

import importlib
import os
from typing import Optional

ENV_VAR = "DISCLOSURE_QA_LLM"


class LLMConfigError(ValueError):
    """A spec that names no usable chat model; the message says what to write instead."""


def load_llm(spec: Optional[str] = None):
    spec = (spec if spec is not None else os.environ.get(ENV_VAR, "")).strip()
    if not spec:
        return None
    if spec.startswith("openai:"):
        return _openai(spec[len("openai:"):])
    if ":" in spec:
        module, _, name = spec.partition(":")
        try:
            factory = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError) as e:
            raise LLMConfigError(f"LLM spec {spec!r}: cannot import {name} from {module} ({e})") from None
        model = factory() if callable(factory) else factory
        if not hasattr(model, "invoke"):
            raise LLMConfigError(f"LLM spec {spec!r}: {name} did not give a LangChain chat model")
        return model
    raise LLMConfigError(
        f"LLM spec {spec!r} not understood: use openai:MODEL@BASE_URL for an OpenAI-compatible server, "
        "or module:factory for a function that returns a LangChain chat model")


def _openai(rest: str):
    model, _, base_url = rest.partition("@")
    if not model:
        raise LLMConfigError("openai: needs a model name, e.g. openai:qwen2.5-7b-instruct@http://127.0.0.1:8000/v1")
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:
        raise LLMConfigError("an OpenAI-compatible LLM needs the langchain-openai package: pip install langchain-openai") from None
    return ChatOpenAI(model=model, base_url=base_url or None, api_key=os.environ.get("OPENAI_API_KEY", "not-needed"),
                      temperature=0, timeout=30)
