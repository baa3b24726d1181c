"""Where `parklink report` puts what it made: a file written all at once, or standard output.

    check_output(output, fmt)   refuse, before anything is rendered, an -o whose folder does not exist or that
                                is a folder, and a PDF for a terminal (binary: give -o FILE or pipe it)
    write_report(output, data)  bytes to FILE through a temporary file beside it, renamed into place (a failed
                                write leaves nothing behind and the old file as it was), or to standard output
    pdf_report(...)             the printed assessment's PDF (tasks.print_layout + tasks.print_pdf)

Decision: `--format pdf` without `-o` writes the PDF's bytes to standard output when it is a pipe or a file
(`parklink report ID --format pdf > r.pdf`), and is refused on a terminal.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from models.errors import InputError


def check_output(output: Path | None, fmt: str) -> None:
    if output is None:
        if fmt == "pdf" and sys.stdout.isatty():
            raise InputError("--format pdf writes a binary file: give -o FILE (or redirect the output to a file)",
                             exit_code=2)
        return
    if output.is_dir():
        raise InputError(f"-o `{output}`: is a folder; give a file name, e.g. {output / ('report.' + fmt)}",
                         exit_code=2)
    folder = output.parent
    if not folder.is_dir():
        raise InputError(f"-o `{output}`: folder `{folder}` does not exist; create it or write elsewhere",
                         exit_code=2)


def write_report(output: Path | None, data: bytes) -> None:
    if output is None:
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    temp = None
    try:
        handle, temp = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".part", dir=output.parent)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o666 & ~_umask())  # as an ordinary new file would be, not mkstemp's 0600
        os.replace(temp, output)
    except OSError as exc:
        raise InputError(f"-o `{output}`: cannot write ({exc.strerror or exc}); nothing was written") from None
    finally:
        if temp is not None:
            Path(temp).unlink(missing_ok=True)  # gone already once renamed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def pdf_report(*, html: str, incident, settings, engine, lang: str) -> bytes:
    """The PDF of the assessment whose HTML page is `html`, for `incident` (its id, year, drill flag)."""
    from tasks.print_layout import print_html, print_page
    from tasks.print_pdf import html_to_pdf
    from tasks.response.runtime import park_context

    page = print_page(html=html, incident_id=incident.id, reported_at=incident.reported_at, drill=incident.drill,
                      park=park_context(settings, engine), lang=lang, code=settings.park_doc_code)
    return html_to_pdf(print_html(settings.templates_dir, page), base_url=Path(settings.templates_dir))
