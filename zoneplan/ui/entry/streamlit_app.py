"""The planners' app as a Streamlit script: ``zoneplan app`` runs this file.

In a checkout, ``streamlit run app.py -- --store PATH --lang fr`` calls :func:`run` the same way.
"""

from __future__ import annotations

import sys

from zoneplan.ui.shell import main


def run() -> None:
    """Run one pass of the app with the script's arguments (``--store PATH --lang fr``)."""
    main(sys.argv[1:])


if __name__ == "__main__":  # Streamlit runs its script as __main__ on every rerun
    run()
