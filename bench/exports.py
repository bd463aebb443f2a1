"""The plan exports (File › Export plans, `movcon export`): each format's writer on one store.

The store: a synthetic one of 2,000 movements (`app.core.synthetic`, through the write
path), planned by `Planner.plan_all()` as `movcon export` plans it; set-up not timed.
Measured, median of 3 on one open store: each writer of `app.plan_exports.FORMATS` called
as the CLI calls it (every planned movement, no marking), its bytes, the movements it wrote
and µs per movement; then the same with the marking "NATO RESTRICTED" (its cost should be
nothing; the runs with and without alternate, so drift in the machine hits both). The PDF
lays out and prints a page per movement, ~30 ms a page: it is timed on the first 200
planned movements (median of 3, with and without the marking) and once on all of them.

Baselines, in the same run, on the same features:
* GeoPackage and KML: GDAL's `ogr2ogr` converting our own GeoJSON output (a file) to GPKG
  / KML: the wall time of the subprocess, median of 3, process start included (shown on its
  own row: `ogr2ogr --version`). GDAL writes the one GeoJSON layer it reads; ours writes
  routes, points and conflicts as layers of their own. Skipped without `ogr2ogr`.
* GeoJSON: `json.dumps` of our FeatureCollection parsed back (same `ensure_ascii=False,
  indent=1`, encoded to UTF-8): the floor of any Python GeoJSON writer. With an indent
  `json` encodes in Python; compact (no indent) it uses its C encoder, shown on its own row.
* CSV: `csv.writer` writing our rows, parsed back once with `csv.reader`, to an
  `io.StringIO`, encoded as ours (UTF-8 with a BOM).
* PDF, per page: the same number of A4 pages of plain text paragraphs (a title and 30
  one-line paragraphs each, a page break before each) laid out by a QTextDocument
  (`paperwork.document`) and painted page by page into a QPdfWriter, as
  `exports_pdf.march_tables_pdf` paints: the cost of Qt's text layout and PDF output
  without the tables.
Pages are counted with `pdfinfo` (poppler-utils) when present, else in the PDF's bytes.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from bench.report import median_ms, table, timed

MOVEMENTS = 2_000
PDF_MOVEMENTS = 200
LINES = 30  # plain paragraphs on a baseline page: a page full, none over
RUNS = 3
MARKING = "NATO RESTRICTED"
ORDER = ("gpkg", "geojson", "kml", "csv", "ics", "pdf")


# -- set-up ---------------------------------------------------------------------------------
def build(path: Path) -> tuple[Any, dict[str, Any], list[Any], dict[str, float]]:
    """The store, its plans and conflicts, and the seconds each set-up step took."""
    from app.core import synthetic
    from app.core.planning.planner import Planner
    from app.core.store import Store

    t0 = time.perf_counter()
    synthetic.generate(path, MOVEMENTS, seed=1)
    t1 = time.perf_counter()
    store = Store.open(path)
    planner = Planner(store)
    planner.plan_all()
    plans = {m: plan for m in planner.movement_ids() if (plan := planner.plan(m))}
    conflicts = planner.conflicts()
    t2 = time.perf_counter()
    return store, plans, conflicts, {"generate_s": t1 - t0, "plan_s": t2 - t1}


# -- helpers --------------------------------------------------------------------------------
def pages(data: bytes, folder: Path) -> int:
    if shutil.which("pdfinfo"):
        path = folder / "count.pdf"
        path.write_bytes(data)
        out = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True,
                             check=True).stdout
        path.unlink()
        return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))
    return data.count(b"/Type /Page") - data.count(b"/Type /Pages")


def wall(args: list[str], before: Callable[[], None] | None = None) -> list[float]:
    samples = []
    for _ in range(RUNS):
        if before:
            before()
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return samples


def ogr2ogr(driver: str, source: Path, target: Path) -> tuple[float, int]:
    """Median ms of GDAL converting `source` to `target`, and the size of what it wrote."""
    ms = median_ms(wall(["ogr2ogr", "-f", driver, str(target), str(source)],
                        before=lambda: target.unlink(missing_ok=True)))
    return ms, target.stat().st_size


def plain_pdf(count: int) -> bytes:
    """`count` A4 pages of plain paragraphs, laid out and printed as the march tables are."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMarginsF, QRectF
    from PySide6.QtGui import QPageLayout, QPageSize, QPainter, QPdfWriter

    from app.gui.paperwork import PAGE_H, PAGE_W, PDF_DPI, document

    line = "Serial 3 passes the checkpoint at 06:40 and clears it at 07:05."
    body = "".join(
        f'<p style="font-weight: bold;{"" if n == 0 else " page-break-before: always;"}">'
        f"Page {n + 1}</p>" + "".join(f"<p>{k + 1}. {line}</p>" for k in range(LINES))
        for n in range(count))
    doc = document(f"<html><body>{body}</body></html>")
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    writer = QPdfWriter(buffer)
    writer.setResolution(PDF_DPI)
    writer.setPageSize(QPageSize(QPageSize.PageSizeId.A4))
    writer.setPageMargins(QMarginsF(0, 0, 0, 0), QPageLayout.Unit.Point)
    painter = QPainter(writer)
    scale = writer.width() / PAGE_W
    total = doc.pageCount()
    for page in range(total):
        if page:
            writer.newPage()
        painter.save()
        painter.scale(scale, scale)
        painter.translate(0, -page * PAGE_H)
        doc.drawContents(painter, QRectF(0, page * PAGE_H, PAGE_W, PAGE_H))
        painter.restore()
    painter.end()
    del writer
    buffer.close()
    return bytes(data.data())


def _kb(n: int) -> str:
    return f"{n / 1024:,.0f}"


# -- the run --------------------------------------------------------------------------------
def run() -> tuple[str, dict[str, float]]:
    from app.gui.app import application

    application()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        store, plans, conflicts, made = build(folder / "exports.db")
        try:
            text, figures = _measure(store, plans, conflicts, folder)
        finally:
            store.close()
    figures |= made
    text += (f"set-up, not timed: {MOVEMENTS:,} movements (write path) "
             f"{made['generate_s']:.1f} s + Planner(store), plan_all() and the plans "
             f"{made['plan_s']:.1f} s\n")
    return text, figures


def _measure(store: Any, plans: dict[str, Any], conflicts: list[Any],
             folder: Path) -> tuple[str, dict[str, float]]:
    from app.plan_exports import FORMATS, Export

    pdf_ids = list(plans)[:PDF_MOVEMENTS]
    f: dict[str, float] = {"plans": len(plans), "conflicts": len(conflicts)}
    out: dict[str, bytes] = {}
    rows = []
    for name in ORDER:
        writer, _ = FORMATS[name]
        wanted = pdf_ids if name == "pdf" else None
        result: dict[str, tuple[bytes, int]] = {}

        def call(marking: str | None, key: str, wanted=wanted, writer=writer, result=result,
                 ) -> None:
            result[key] = writer(Export(store, plans, conflicts, wanted, marking))

        plain_s, marked_s = [], []
        for _ in range(RUNS):  # alternating: drift weighs on both alike
            plain_s += timed(lambda call=call: call(None, "plain"), 1)
            marked_s += timed(lambda call=call: call(MARKING, "marked"), 1)
        ms, marked = median_ms(plain_s), median_ms(marked_s)
        data, count = result["plain"]
        out[name] = data
        f |= {f"{name}_ms": ms, f"{name}_marked_ms": marked, f"{name}_bytes": len(data),
              f"{name}_movements": count, f"{name}_us_per_movement": ms * 1000 / count}
        label = f"{name} (first {PDF_MOVEMENTS:,})" if name == "pdf" else name
        rows.append((label, f"{ms:,.0f}", _kb(len(data)), f"{count:,}",
                     f"{ms * 1000 / count:,.0f}", f"{marked:,.0f}",
                     f"{(marked - ms) / ms * 100:+.1f} %"))
    # The PDF once on every planned movement: is it linear?
    start = time.perf_counter()
    whole, whole_count = FORMATS["pdf"][0](Export(store, plans, conflicts, None, None))
    full_ms = (time.perf_counter() - start) * 1000
    whole_pages = pages(whole, folder)
    f |= {"pdf_all_ms": full_ms, "pdf_all_bytes": len(whole), "pdf_all_movements": whole_count,
          "pdf_all_pages": whole_pages, "pdf_all_ms_per_page": full_ms / whole_pages}
    rows.append((f"pdf (all {whole_count:,}, one run: {full_ms / whole_pages:.1f} ms/page)",
                 f"{full_ms:,.0f}", _kb(len(whole)),
                 f"{whole_count:,}", f"{full_ms * 1000 / whole_count:,.0f}", "", ""))
    features = len(json.loads(out["geojson"])["features"])
    text = table(f"Plan exports: {len(plans):,} planned movements, {len(conflicts):,} "
                 f"conflicts, {features:,} GeoJSON features; median of {RUNS}",
                 rows, ("format", "ms", "KiB", "movements", "µs/movement",
                        f"ms with {MARKING}", "marking cost"))
    base_rows, baseline_figures = _baselines(out, f, folder)
    f |= baseline_figures
    text += "\n" + table(f"Against a baseline on the same features; median of {RUNS} "
                         "(ratio: ours ÷ baseline, above 1x ours is slower)",
                         base_rows, ("format", "ours ms", "baseline", "baseline ms", "ratio",
                                     "ours KiB", "baseline KiB"))
    return text, f


def _baselines(out: dict[str, bytes], f: dict[str, float],
               folder: Path) -> tuple[list[tuple[str, ...]], dict[str, float]]:
    rows: list[tuple[str, ...]] = []
    b: dict[str, float] = {}

    def row(fmt: str, ours: float, what: str, base: float, ours_size: int | None,
            base_size: int | None, unit: str = "") -> None:
        rows.append((fmt, f"{ours:,.1f}{unit}", what, f"{base:,.1f}{unit}", f"{ours / base:.1f}x",
                     "" if ours_size is None else _kb(ours_size),
                     "" if base_size is None else _kb(base_size)))

    # GDAL, from our GeoJSON.
    source = folder / "plans.geojson"
    source.write_bytes(out["geojson"])
    if shutil.which("ogr2ogr") is None:
        rows.append(("gpkg, kml", "", "ogr2ogr not installed: skipped", "", "", "", ""))
    else:
        b["ogr2ogr_start_ms"] = median_ms(wall(["ogr2ogr", "--version"]))
        for fmt, driver in (("gpkg", "GPKG"), ("kml", "KML")):
            ms, size = ogr2ogr(driver, source, folder / f"gdal.{fmt}")
            b[f"{fmt}_base_ms"], b[f"{fmt}_base_bytes"] = ms, size
            row(fmt, f[f"{fmt}_ms"], f"ogr2ogr -f {driver} (our GeoJSON)", ms,
                int(f[f"{fmt}_bytes"]), size)
        rows.append(("", "", "  of which ogr2ogr --version (start)",
                     f"{b['ogr2ogr_start_ms']:,.1f}", "", "", ""))

    # GeoJSON: json.dumps of the same dict.
    collection = json.loads(out["geojson"])

    def dumps() -> bytes:
        return json.dumps(collection, ensure_ascii=False, indent=1).encode("utf-8") + b"\n"

    def compact() -> bytes:
        return json.dumps(collection, ensure_ascii=False).encode("utf-8") + b"\n"

    b["geojson_base_ms"] = median_ms(timed(dumps, RUNS))
    b["geojson_compact_ms"] = median_ms(timed(compact, RUNS))
    row("geojson", f["geojson_ms"], "json.dumps of the same dict, indent=1",
        b["geojson_base_ms"], int(f["geojson_bytes"]), len(dumps()))
    row("geojson", f["geojson_ms"], "json.dumps, compact (C encoder)",
        b["geojson_compact_ms"], int(f["geojson_bytes"]), len(compact()))

    # CSV: csv.writer on the same rows.
    csv_rows = list(csv.reader(io.StringIO(out["csv"].decode("utf-8-sig"), newline="")))

    def write_csv() -> bytes:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\r\n").writerows(csv_rows)
        return buffer.getvalue().encode("utf-8-sig")

    b["csv_base_ms"] = median_ms(timed(write_csv, RUNS))
    b["csv_rows"] = len(csv_rows)
    row(f"csv ({len(csv_rows):,} rows)", f["csv_ms"], "csv.writer, the same rows",
        b["csv_base_ms"], int(f["csv_bytes"]), len(write_csv()))

    # PDF, per page.
    ours_pages = pages(out["pdf"], folder)
    plain: dict[str, bytes] = {}

    def paragraphs() -> None:
        plain["pdf"] = plain_pdf(ours_pages)

    base_ms = median_ms(timed(paragraphs, RUNS))
    base_pages = pages(plain["pdf"], folder)
    b |= {"pdf_pages": ours_pages, "pdf_base_pages": base_pages,
          "pdf_ms_per_page": f["pdf_ms"] / ours_pages, "pdf_base_ms_per_page": base_ms / base_pages}
    row(f"pdf, per page ({ours_pages:,} pages; KiB a page)", b["pdf_ms_per_page"],
        f"QTextDocument paragraphs → QPdfWriter, {base_pages:,} pages",
        b["pdf_base_ms_per_page"], len(out["pdf"]) // ours_pages,
        len(plain["pdf"]) // base_pages)
    return rows, b


if __name__ == "__main__":
    print(run()[0])
