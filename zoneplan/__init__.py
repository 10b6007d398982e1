"""zoneplan's faces: the command line (``zoneplan``) and helpers for the Streamlit app."""

__version__ = "0.1.0"
