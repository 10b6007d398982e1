"""The planners' Streamlit app: ``zoneplan app`` or ``streamlit run app.py -- --store PATH``."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from zoneplan.ui.shell import main  # noqa: E402

main(sys.argv[1:])
