"""Permit paperwork as PDF: the movement credit, the draft Form 302, and `movcon permit paper`."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest

from app.cli import main
from app.core import timefmt
from app.core.permits import decisions, paperwork
from app.core.store import Store
from app.gui import paperwork as paper

NOW = datetime(2026, 6, 9, 11, 0, tzinfo=timefmt.UTC)  # the demo's now


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder for the documents alone (the demo store's copy is in tmp_path)."""
    path = tmp_path / "out"
    path.mkdir()
    return path


def _approved(store: Store) -> str:
    """An incoming LT-hosted request, approved with a condition here."""
    permit = next(store.rows("permits", "host_nation = 'LT' AND status = 'requested'"))
    decisions.decide(store, permit["id"], "conditions", ["No movement between 22:00 and 05:00"],
                     person="mjr. A. Petraitis", now=NOW)
    return permit["id"]


def _outgoing(store: Store) -> str:
    """A request of an LT movement to another nation: LT issues its Form 302."""
    return next(p["id"] for p in store.rows("permits", "status = 'requested'")
                if store.get("movements", p["movement_id"])["owner"] == "LT")


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


def _check_pdf(path: Path) -> bytes:
    data = path.read_bytes()
    assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
    assert len(data) > 10_000  # text, tables and an embedded font, not an empty page
    assert b"/MediaBox [0 0 595" in data  # A4
    return data


def test_the_credit_and_the_form302_are_one_a4_page_each(demo_copy: Path, folder: Path) -> None:
    with Store.open(demo_copy) as store:
        permit = _approved(store)
        credit = paper.credit_pdf(store, permit, folder / "credit.pdf", now=NOW)
        outgoing = _outgoing(store)
        form = paper.form302_pdf(store, outgoing, folder / "form302.pdf", "N", "N", now=NOW)
        serial = store.get("permits", outgoing)["form302_serial"]
        number = store.get("permits", permit)["movement_number"]
        data = paperwork.movement_credit(store, permit)
    assert _pages(_check_pdf(credit)) == 1 and _pages(_check_pdf(form)) == 1
    assert serial == "LT20260609NN000001"
    assert number.encode() in credit.read_bytes()  # the title in the metadata
    assert sorted(p.name for p in folder.iterdir()) == ["credit.pdf", "form302.pdf"]

    # The same layout as an image: white paper with dark text on it, nothing beyond the page.
    doc = paper.document(paper.credit_html(data, "printed"))
    assert doc.pageCount() == 1
    image = paper.page_image(doc, 0, dpi=50)
    assert (image.width(), image.height()) == (413, 585)
    assert image.pixelColor(2, 2).name() == "#ffffff"
    dark = sum(image.pixelColor(x, y).lightness() < 100
               for x in range(0, image.width(), 3) for y in range(0, image.height(), 3))
    assert dark > 200
    with pytest.raises(ValueError, match="has 1 pages; there is no page 2"):
        paper.page_image(doc, 1)


def test_the_documents_escape_what_other_nations_typed() -> None:
    data = {"movement": "<b>Convoy</b> & co", "unit": "x"}
    html = paper.credit_html(_credit_data(data))
    assert "&lt;b&gt;Convoy&lt;/b&gt; &amp; co" in html and "<b>Convoy</b>" not in html


def _credit_data(changes: dict[str, object]) -> dict[str, object]:
    base: dict[str, object] = {
        "permit_id": "p", "reference": "", "movement_number": "09LTVN001", "status": "approved",
        "status_label": "Approved", "agreement": "", "mode": "", "mode_label": "",
        "movement_id": "m", "movement": "", "unit": "", "domain": "road", "domain_label": "Road",
        "exercise": "", "owner": "US", "owner_name": "United States", "host": "LT",
        "host_name": "Lithuania", "valid_from": "2026-06-08T03:00:00Z", "valid_until": None,
        "depart": "2026-06-08T05:00:00Z", "arrive_by": None, "personnel": None, "serials": [],
        "vehicles": 0, "max_mlc": None, "dangerous_goods": [], "form302_serial": "",
        "route_nations": [], "length_km": None, "entry": None, "exit": None, "start": None,
        "end": None, "route_note": "route analysis failed", "conditions": [], "remarks": "",
        "decided_by": "", "decided_at": None}
    return base | changes


def test_a_pdf_that_cannot_be_written_leaves_nothing(demo_copy: Path, folder: Path) -> None:
    with Store.open(demo_copy) as store:
        permit = _approved(store)
        with pytest.raises(OSError, match="no folder"):
            paper.credit_pdf(store, permit, folder / "missing" / "credit.pdf")
        outgoing = _outgoing(store)
        with pytest.raises(OSError, match="no folder"):
            paper.form302_pdf(store, outgoing, folder / "missing" / "form.pdf")
        assert store.get("permits", outgoing)["form302_serial"] is None  # none recorded
    assert list(folder.iterdir()) == []


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_permit_paper_from_the_command_line(demo_copy: Path, folder: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    db = ("--db", str(demo_copy))
    with Store.open(demo_copy) as store:
        requested = next(store.rows("permits", "host_nation = 'LT' AND status = 'requested'"))
        incoming = requested["id"]
        owner = store.get("movements", requested["movement_id"])["owner"]
        outgoing = _outgoing(store)
    credit, form = folder / "credit.pdf", folder / "form.pdf"

    def refused(*argv: str, says: str) -> None:
        code, printed, err = run(capsys, *db, "permit", "paper", *argv)
        assert code == 2 and printed == "" and err.count("\n") == 1 and says in err, err
        assert list(folder.iterdir()) == []

    refused(incoming, "--credit", str(credit), says="a movement credit is only for an approved")
    refused(incoming, says="name a document: --credit FILE.pdf and/or --form302 FILE.pdf")
    refused("no-such-id", "--credit", str(credit), says="no permit with id no-such-id")
    refused(outgoing, "--form302", str(form), "--customs", "X", says="--customs must be U")
    refused(outgoing, "--form302", str(form), "--operation", "Z", says="--operation must be N")
    refused(outgoing, "--credit", str(credit), "--customs", "N",
            says="--customs and --operation are for --form302")
    refused(outgoing, "--form302", str(folder / "no" / "f.pdf"), says="no folder")
    refused(outgoing, "--form302", str(folder), says="is a folder; name a file")
    # The host of an incoming request issues no Form 302, and writes no credit either then.
    refused(incoming, "--credit", str(credit), "--form302", str(form),
            says="a movement credit is only for an approved permit")

    assert run(capsys, *db, "permit", "decide", incoming, "--approve")[0] == 0
    refused(incoming, "--credit", str(credit), "--form302", str(form),
            says=f"no Form 302 serial is recorded for this permit yet; the sending nation "
                 f"{owner} issues it")
    code, out, err = run(capsys, *db, "permit", "paper", incoming, "--credit", str(credit))
    assert code == 0 and err == "" and out.startswith("wrote movement credit ")
    _check_pdf(credit)

    code, out, err = run(capsys, *db, "permit", "paper", outgoing, "--form302", str(form),
                         "--customs", "n", "--operation", "E")
    assert code == 0 and err == "" and re.fullmatch(
        r"wrote draft EU Form 302 LT\d{8}NE000001 to .*form\.pdf\n", out), out
    _check_pdf(form)


def test_permits_list_to_csv(demo_copy: Path, folder: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    out_file = folder / "inbox.csv"
    code, out, err = run(capsys, "--db", str(demo_copy), "permits", "list", "--all",
                         "--csv", str(out_file))
    assert code == 0 and err == "" and re.fullmatch(r"wrote \d+ permits \(all\) to .*\n", out)
    assert out_file.read_bytes().startswith(b"\xef\xbb\xbfMovement,Owner,")
    code, out, err = run(capsys, "--db", str(demo_copy), "permits", "list", "--csv",
                         str(folder / "no" / "inbox.csv"))
    assert code == 2 and err.count("\n") == 1 and "no folder" in err


def test_the_command_line_paper_and_csv_carry_a_marking(demo_copy: Path, folder: Path,
                                                        capsys: pytest.CaptureFixture[str]
                                                        ) -> None:  # fmt: skip
    import shutil
    import subprocess

    db = ("--db", str(demo_copy))
    with Store.open(demo_copy) as store:
        approved = _approved(store)
    credit, listing = folder / "credit.pdf", folder / "permits.csv"
    code, _, err = run(capsys, *db, "permit", "paper", approved, "--credit", str(credit),
                       "--marking", "NATO\nSECRET")
    assert code == 2 and "--marking: the marking must be one line" in err
    assert list(folder.iterdir()) == []
    code, _, err = run(capsys, *db, "permits", "list", "--marking", "NATO RESTRICTED")
    assert code == 2 and "--marking is for --csv" in err
    code, _, err = run(capsys, *db, "permit", "paper", approved, "--credit", str(credit),
                       "--marking", "NATO RESTRICTED")
    assert code == 0 and err == ""
    _check_pdf(credit)
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(credit), "-"], capture_output=True, text=True,
                              check=True).stdout  # fmt: skip
        pages = text.split("\f")[:-1]
        assert pages and all(page.count("NATO RESTRICTED") == 2 for page in pages)
    code, _, err = run(capsys, *db, "permits", "list", "--all", "--csv", str(listing),
                       "--marking", "NATO RESTRICTED")
    assert code == 0 and err == ""
    assert listing.read_text(encoding="utf-8-sig").splitlines()[0] == "# NATO RESTRICTED"
