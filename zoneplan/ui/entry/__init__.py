"""The app's Streamlit script, packaged so that ``zoneplan app`` finds it in an installed wheel.

It sits in a folder of its own: Streamlit treats a ``pages/`` folder beside its script as pages
of their own and puts the script's folder on ``sys.path``.
"""
