"""HTML to PDF with WeasyPrint, offline.

    html_to_pdf(html, *, base_url=None) → the PDF's bytes

Nothing is fetched from the network: the URL fetcher allows `data:` URLs only (an `http(s):` or `file:` image
or stylesheet is refused and left out, with WeasyPrint's warning in the log). WeasyPrint is imported when a PDF
is asked for: where it or its system libraries (Pango, HarfBuzz) are missing, `PdfUnavailable` says which
Debian packages to install. Fonts come from fontconfig (Debian: fonts-noto-cjk for Chinese).
"""

from __future__ import annotations

from pathlib import Path

from models.errors import ParkLinkError

DEBIAN_PACKAGES = "libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 libharfbuzz0b libfontconfig1 fonts-noto-cjk"
ALLOWED_SCHEMES = frozenset({"data"})


class PdfUnavailable(ParkLinkError):
    """WeasyPrint cannot be loaded on this machine."""


def _weasyprint():
    try:
        import weasyprint
    except (OSError, ImportError) as exc:  # OSError: a system library (libpango…) is missing
        reason = str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__
        raise PdfUnavailable(f"PDF reports need WeasyPrint and its system libraries ({reason}); on Debian: "
                             f"apt-get install {DEBIAN_PACKAGES}, then pip install weasyprint") from None
    return weasyprint


def html_to_pdf(html: str, *, base_url: Path | None = None) -> bytes:
    """The PDF of `html`; relative URLs resolve against `base_url`, but only `data:` URLs are ever loaded."""
    weasyprint = _weasyprint()
    fetcher = weasyprint.URLFetcher(allowed_protocols=ALLOWED_SCHEMES, timeout=1)
    document = weasyprint.HTML(string=html, base_url=str(base_url) if base_url else None, url_fetcher=fetcher)
    return document.write_pdf()
