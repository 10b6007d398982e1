"""The planners' Streamlit app: ``zoneplan app`` or ``streamlit run app.py -- --store PATH``.

A shim for the checkout; the script itself is ``zoneplan/ui/entry/streamlit_app.py``.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zoneplan.ui.entry.streamlit_app import run  # noqa: E402

run()
