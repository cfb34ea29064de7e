"""pytest plugin for test_spec_traceability.py: after collection, writes for every collected test
whether pytest would skip it here (its skip/skipif/xfail marks evaluated exactly as a run
would), as JSON to the path in WSGING_CITED_SKIPS_OUT. Nothing is run."""
from __future__ import annotations

import json
import os
from typing import Dict, Optional

import pytest
from _pytest.skipping import evaluate_skip_marks, evaluate_xfail_marks


def pytest_collection_finish(session: pytest.Session) -> None:
    found: Dict[str, Optional[str]] = {}
    for item in session.items:
        reason: Optional[str] = None
        skip = evaluate_skip_marks(item)
        if skip is not None:
            reason = f"skipped here ({skip.reason or 'skip mark'})"
        else:
            xfail = evaluate_xfail_marks(item)
            if xfail is not None:
                reason = f"expected to fail here ({xfail.reason or 'xfail mark'})"
        found[item.nodeid] = reason
    with open(os.environ["WSGING_CITED_SKIPS_OUT"], "w", encoding="utf-8") as out:
        json.dump(found, out)
