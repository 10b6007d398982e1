"""The embedded data, installed as the package ``zoneplan_data`` (see README.md here).

A package so that ``importlib.resources`` finds the files in a checkout and in an installed
wheel alike; ``geo.settings.DATA_DIR`` is the one place that resolves it.
"""
