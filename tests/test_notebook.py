"""The demo notebook runs top to bottom and shows the audit figures."""

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "demo_audit.ipynb"


@pytest.mark.slow
def test_demo_notebook_executes():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    ).execute()
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "\n".join(
        str(o.get("data", {}).get("text/plain", "")) + str(o.get("text", "")) for o in outputs
    )
    assert "shortfall_m2" in text
    assert "gap_map.html" in text
    # The gap map shows inline: the audit's HtmlView renders as an iframe holding the map.
    inline = [o["data"]["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert any(page.startswith("<iframe srcdoc=") and "gap-data" in page for page in inline)
    assert "15-minute coverage:" in text
