#!/usr/bin/env sh
# The picture of a printed report's first page (README "PDF reports"): docs/report-first-page.png.
#   docs/report-first-page.sh REPORT.pdf [FOLDER]        (poppler-utils' pdftoppm; FOLDER defaults to docs/)
# tests/test_report_pdf.py runs it on its drill's PDF when PARKLINK_DOCS_DIR names the folder:
#   PARKLINK_DOCS_DIR=docs .venv/bin/pytest tests/test_report_pdf.py -k drill
set -eu
pdf=$1
folder=${2:-$(dirname "$0")}
pdftoppm -png -r 60 -f 1 -l 1 -singlefile "$pdf" "$folder/report-first-page"
echo "$folder/report-first-page.png"
