#!/usr/bin/env bash
# Render one sheet of an .xlsx to a PNG (for the README picture), recalculating on the way.
#
#   tools/render_png.sh WORKBOOK.xlsx OUT.png [SHEET]
#
# SHEET is a sheet name or 1-based position (default: the first sheet). Pipeline: headless
# LibreOffice (fresh profile that always recalculates, see tests/lo.py) exports the workbook
# to PDF with one page per sheet, then pdftoppm (poppler-utils) rasterises that sheet's page.
# Env: RENDER_DPI (default 110). Dev-machine tool; needs libreoffice-calc-nogui, poppler-utils.
set -euo pipefail

usage() { echo "usage: $0 WORKBOOK.xlsx OUT.png [SHEET]" >&2; exit 2; }
[ $# -ge 2 ] && [ $# -le 3 ] || usage
src="$(realpath "$1")"
out="$(realpath -m "$2")"
sheet="${3:-1}"
dpi="${RENDER_DPI:-110}"
[ -f "$src" ] || { echo "no such workbook: $1" >&2; exit 1; }
[[ "$out" == *.png ]] || { echo "OUT must end in .png: $2" >&2; exit 2; }

soffice="$(command -v soffice || command -v libreoffice || echo /usr/lib/libreoffice/program/soffice)"
[ -x "$soffice" ] || { echo "LibreOffice not found (apt-get install libreoffice-calc-nogui)" >&2; exit 1; }
if ! command -v pdftoppm >/dev/null; then
    echo "pdftoppm missing: installing poppler-utils" >&2
    apt-get install -y -q --no-install-recommends poppler-utils >&2
fi

# Sheet name -> 1-based page. PDF export writes every sheet, hidden ones too, in workbook order.
page="$(python3 - "$src" "$sheet" <<'PY'
import re, sys, zipfile
from xml.etree import ElementTree as ET
src, want = sys.argv[1], sys.argv[2]
ns = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}
with zipfile.ZipFile(src) as z:
    names = [s.get("name") for s in ET.fromstring(z.read("xl/workbook.xml")).iterfind(".//m:sheet", ns)]
if re.fullmatch(r"\d+", want) and want not in names:
    idx = int(want)
    ok = 1 <= idx <= len(names)
else:
    ok = want in names
    idx = names.index(want) + 1 if ok else 0
if not ok:
    sys.exit(f"sheet {want!r} not found; sheets: {', '.join(names)}")
print(idx)
PY
)"

work="$(mktemp -d "${TMPDIR:-/tmp}/nnsheet-render.XXXXXX")"
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/profile/user"
cat > "$work/profile/user/registrymodifications.xcu" <<'XCU'
<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse"><value>0</value></prop></item>
</oor:items>
XCU

stem="$(basename "${src%.*}")"
timeout 180 "$soffice" "-env:UserInstallation=file://$work/profile" --headless --norestore \
    --convert-to 'pdf:calc_pdf_Export:{"SinglePageSheets":{"type":"boolean","value":"true"}}' \
    --outdir "$work" "$src" </dev/null >"$work/soffice.log" 2>&1 || true
pdf="$work/$stem.pdf"
if [ ! -s "$pdf" ]; then
    echo "LibreOffice produced no PDF:" >&2; cat "$work/soffice.log" >&2; exit 1
fi

pdftoppm -png -r "$dpi" -f "$page" -l "$page" -singlefile "$pdf" "${out%.png}"
echo "$out (sheet $sheet, page $page of $(basename "$pdf"), ${dpi} dpi)"
