"""A text that comes with the record in both languages (zh-CN and English), picked for the reader's language."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from models.i18n import is_english


class Texts(BaseModel):
    """A text that comes with the record in both languages (a playbook's names, a grading reason)."""

    model_config = ConfigDict(frozen=True)
    zh: str
    en: str

    def pick(self, lang: str) -> str:
        return self.en if is_english(lang) else self.zh
