"""The login page's views (tasks/web/templates/login.html.j2, autoescaped) and where a login may lead.

    safe_next(value)      the local board path to go to after login: `/board`, `/board/…` or `/board?…` as given,
                          anything else (an absolute URL, `//host`, a backslash, `..`, a control character) `/board`
    LoginPages().form / .limited / .refused   the page in a language, with its status (200/401, 429, 403)
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from urllib.parse import unquote, urlsplit

from fastapi.responses import HTMLResponse

from models.i18n import LANGS, LANGUAGE_NAMES, tr
from models.templating import sandbox

TEMPLATES = Path(__file__).resolve().parent / "templates"
HOME = "/board"


def safe_next(value: str | None) -> str:
    if not value or not value.isprintable() or "\\" in value or value.startswith("//"):
        return HOME
    try:
        parts = urlsplit(value)
    except ValueError:
        return HOME
    if parts.scheme or parts.netloc or not (parts.path == HOME or parts.path.startswith(HOME + "/")):
        return HOME
    segments = unquote(parts.path).split("/")
    if any(s in (".", "..") for s in segments) or "\\" in unquote(parts.path):
        return HOME
    return value


class LoginPages:
    def __init__(self, folder: Path = TEMPLATES):
        self.template = sandbox(folder, autoescape=True).get_template("login.html.j2")

    def _page(self, lang: str, view: str, title: str, status: int, next_path: str, **context) -> HTMLResponse:
        other = next(lg for lg in LANGS if lg != lang)
        doc = self.template.render(lang=lang, view=view, title=title, other_lang=other, next=next_path,
                                   other_lang_name=LANGUAGE_NAMES[other], _=partial(tr, lang), **context)
        return HTMLResponse(doc, status_code=status)

    def form(self, lang: str, *, csrf_token: str, next_path: str, error: str | None = None, username: str = "",
             status: int = 200) -> HTMLResponse:
        return self._page(lang, "form", tr(lang, "Log in to the command-post board"), status, next_path,
                          csrf_token=csrf_token, error=error, username=username)

    def limited(self, lang: str, *, next_path: str, retry_after: int) -> HTMLResponse:
        detail = tr(lang, "Too many failed logins: try again in {n} seconds.", n=retry_after)
        page = self._page(lang, "limited", tr(lang, "Login paused"), 429, next_path, detail=detail)
        page.headers["Retry-After"] = str(retry_after)
        return page

    def refused(self, lang: str, *, next_path: str) -> HTMLResponse:
        detail = tr(lang, "The form has expired or was not sent from this page. Nothing was done; open the login "
                          "page again.")
        return self._page(lang, "refused", tr(lang, "This form is not valid"), 403, next_path, detail=detail)
