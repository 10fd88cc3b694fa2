"""LangChain chat models for tests, loaded through the --llm module:factory spec (no remote LLM here)."""
from langchain_core.language_models.fake_chat_models import FakeListChatModel


def changes_a_number():
    return FakeListChatModel(responses=["滨海新区公安局2022年共新收57件信息公开申请。"] * 10)


def keeps_the_numbers():
    return FakeListChatModel(responses=["2022年，滨海新区公安局新收信息公开申请56件。"] * 10)
