"""Questions are read in Chinese: a question written in another language gets a short note saying so,
in Chinese and in English, before whatever the reading of it found.

    >>> reads_as_foreign("How many requests did the police receive in 2022?")
    True
    >>> reads_as_foreign("某区公安局2022年收到多少申请（OGI requests）？")
    False
"""
from __future__ import annotations

import re

NOTE = ("本系统按中文理解问题，请用中文提问，例如「某某县人民政府2023年收到多少信息公开申请？」。"
        "Questions are read in Chinese: please ask in Chinese, e.g. 「某某县人民政府2023年收到多少信息公开申请？」.")


def reads_as_foreign(question: str) -> bool:
    """More letters of a Latin alphabet than Chinese characters, in at least three words."""
    latin = re.findall(r"[A-Za-z]{2,}", question or "")
    han = len(re.findall(r"[\u4e00-\u9fff]", question or ""))
    return len(latin) >= 3 and sum(map(len, latin)) > han


def with_language_note(question: str, answer):
    """The answer, with the note first when the question is not written in Chinese."""
    if not reads_as_foreign(question) or NOTE in answer.notes:
        return answer
    return answer.model_copy(update={"answer": f"{NOTE}\n{answer.answer}", "notes": [NOTE, *answer.notes]})
