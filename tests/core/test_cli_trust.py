"""The key officer's and the cells' commands, end to end, and the manifest signature checked
by a standard tool outside MovCon."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from app.cli import main
from app.core.store import Store
from tests.core.sync_sites import certify, trust_nations

PASSPHRASE = "amber link relay station"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def officer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Path]:
    """LV's key officer has made the nation key; LV's cell and LT's cell have stores."""
    secret = tmp_path / "passphrase.txt"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    key = tmp_path / "lv-nation.key"
    code, out, err = run(capsys, "keys", "nation-init", "--nation", "LV", "--out", str(key),
                         "--passphrase-file", str(secret))
    assert code == 0, err
    words = re.search(r"fingerprint: ((?:[a-z]+ ){5}[a-z]+)", out)
    assert words and (tmp_path / "lv-nation.pub.json").exists()
    lv, lt = tmp_path / "lv.db", tmp_path / "lt.db"
    assert run(capsys, "--db", str(lv), "init", "--nation", "LV", "--site", "Riga")[0] == 0
    assert run(capsys, "--db", str(lt), "init", "--nation", "LT", "--site", "Vilnius")[0] == 0
    return {"key": key, "secret": secret, "public": tmp_path / "lv-nation.pub.json",
            "lv": lv, "lt": lt, "words": Path(words[1])}


def test_a_nation_key_is_never_overwritten_and_needs_its_passphrase(
        officer: dict[str, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = officer["key"].read_bytes()
    code, _, err = run(capsys, "keys", "nation-init", "--nation", "LV", "--out",
                       str(officer["key"]), "--passphrase-file", str(officer["secret"]))
    assert code == 2 and "exists already" in err and officer["key"].read_bytes() == before
    wrong = tmp_path / "wrong.txt"
    wrong.write_text("amber link relay statio", encoding="utf-8")
    assert run(capsys, "--db", str(officer["lv"]), "keys", "export", "--out",
               str(tmp_path / "site.json"))[0] == 0
    code, _, err = run(capsys, "keys", "certify", "--nation-key", str(officer["key"]),
                       "--site-key", str(tmp_path / "site.json"), "--out",
                       str(tmp_path / "enrol.json"), "--passphrase-file", str(wrong))
    assert code == 2 and "wrong passphrase" in err and len(err.splitlines()) == 1
    assert not (tmp_path / "enrol.json").exists()


def test_certify_enrol_trust_exchange_and_revoke(officer: dict[str, Path], tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    lv, lt, words = str(officer["lv"]), str(officer["lt"]), str(officer["words"])
    site_file, enrol_file = tmp_path / "riga.json", tmp_path / "riga-enrol.json"
    assert run(capsys, "--db", lv, "keys", "export", "--out", str(site_file))[0] == 0
    code, out, err = run(capsys, "keys", "certify", "--nation-key", str(officer["key"]),
                         "--site-key", str(site_file), "--role", "cell", "--days", "30",
                         "--out", str(enrol_file), "--passphrase-file", str(officer["secret"]))
    assert code == 0, err
    code, _, err = run(capsys, "--db", lv, "keys", "enrol", str(enrol_file))
    assert code == 2 and "not trusted yet: confirm its words" in err
    code, out, err = run(capsys, "--db", lv, "keys", "enrol", str(enrol_file), "--words", words)
    assert code == 0 and "bundles for LV now open here" in out, err
    # LT trusts LV's key only with the words read over the phone.
    code, _, err = run(capsys, "--db", lt, "keys", "trust-nation", str(officer["public"]))
    assert code == 2 and words in err
    code, _, err = run(capsys, "--db", lt, "keys", "trust-nation", str(officer["public"]),
                       "--words", "abandon ability able about above absent")
    assert code == 2 and "do not match" in err
    assert run(capsys, "--db", lt, "keys", "trust-nation", str(officer["public"]), "--words",
               words)[0] == 0
    with Store.open(officer["lt"]) as s:  # LT's own nation (its officer, in the fixtures)
        certify(s)
    with Store.open(officer["lv"]) as s:
        trust_nations(s, "LT")
    bundle = tmp_path / "lt-to-lv.mcb"
    assert run(capsys, "--db", lt, "sync", "export", "--to", "LV", "--out", str(bundle))[0] == 0
    # Without a key, only the envelope shows: version and key ids.
    code, out, _ = run(capsys, "--db", lt, "sync", "inspect", str(bundle))
    assert code == 0 and "recipient key ids: " in out and "Vilnius" not in out
    code, out, err = run(capsys, "--db", lv, "sync", "inspect", str(bundle), "--open")
    assert code == 0 and "made" in out and "(Vilnius, LT)" in out, err
    code, out, _ = run(capsys, "--db", lv, "sync", "import", str(bundle))
    assert code == 0 and "quarantined" not in out
    # The key officer revokes Riga's laptop (say it was lost); the list is kept and logged.
    with Store.open(officer["lv"]) as s:
        site_id = s.site_id
    code, out, err = run(capsys, "--db", lv, "keys", "revoke", "--nation-key",
                         str(officer["key"]), "--site", site_id, "--reason", "laptop lost",
                         "--passphrase-file", str(officer["secret"]))
    assert code == 0 and "revocation list 1" in out, err
    code, out, _ = run(capsys, "--db", lv, "keys", "list")
    assert code == 0 and "REVOKED" in out and "LV  " in out
    code, out, _ = run(capsys, "--db", lv, "audit", "list", "--json")
    actions = [e["action"] for e in __import__("json").loads(out)]
    assert {"nation_trusted", "certificate_installed", "site_revoked"} <= set(actions)
    assert run(capsys, "--db", lv, "audit", "verify")[0] == 0


@pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")
def test_the_manifest_signature_verifies_with_openssl(officer: dict[str, Path], tmp_path: Path,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    with Store.open(officer["lt"]) as lt, Store.open(officer["lv"]) as lv:
        certify(lt)
        certify(lv)
        trust_nations(lt, "LT", "LV")
        trust_nations(lv, "LT", "LV")
    bundle = tmp_path / "b.mcb"
    lt_db, lv_db = str(officer["lt"]), str(officer["lv"])
    assert run(capsys, "--db", lt_db, "sync", "export", "--to", "LV", "--out", str(bundle))[0] == 0
    pem, folder = tmp_path / "lt.pem", tmp_path / "manifest"
    assert run(capsys, "--db", lt_db, "keys", "export", "--pem", "--out", str(pem))[0] == 0
    code, _, err = run(capsys, "--db", lv_db, "sync", "inspect", str(bundle), "--open",
                       "--extract", str(folder))
    assert code == 0, err
    command = ["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", str(pem), "-rawin",
               "-in", str(folder / "manifest.json"), "-sigfile", str(folder / "manifest.sig")]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if "rawin" in done.stderr and done.returncode != 0 and "unknown" in done.stderr.lower():
        pytest.skip("this openssl predates -rawin (OpenSSL 3.0)")
    assert done.returncode == 0 and "Signature Verified Successfully" in done.stdout
    manifest = folder / "manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b'"LV"', b'"EE"', 1))
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode != 0  # any change to the manifest breaks the signature
