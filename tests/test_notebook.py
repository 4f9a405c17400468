"""The evaluation notebook runs end to end on small data and produces its table and plot."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "notebooks" / "evaluation.ipynb"


@pytest.mark.slow
def test_evaluation_notebook_executes_on_small_synthetic_data(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MATCHER_EVAL_DATASETS", "synthetic")
    monkeypatch.setenv("MATCHER_EVAL_ENCODER", "tfidf")
    monkeypatch.setenv("MATCHER_EVAL_N", "150")
    monkeypatch.setenv("MATCHER_EVAL_QUERIES", "8")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(
        notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": NOTEBOOK.parent}}
    ).execute()
    printed = "".join(
        output.get("text", "") for cell in notebook.cells if cell.cell_type == "code" for output in cell.outputs
    )
    assert "synthetic n=150" in printed and "adamic_adar" in printed
    chart = notebook.cells[-1].outputs[0]["data"]["text/html"]
    assert "vega" in chart and "recall@10" in chart
