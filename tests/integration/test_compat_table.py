"""The README's compatibility section is what scripts/compat-table.py makes of the differential
tests and of reference.py's normalisation and known differences (run it with --write after
changing them)."""
import importlib.util

from conftest import ROOT


def test_readme_compatibility_section_is_current():
    spec = importlib.util.spec_from_file_location("compat_table", ROOT / "scripts" / "compat-table.py")
    table = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(table)
    readme = (ROOT / "README.md").read_text()
    assert table.section() in readme, "README.md is out of date: run scripts/compat-table.py --write"
