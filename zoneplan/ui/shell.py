"""The app's frame: page setup, language, store, sidebar and navigation."""

from __future__ import annotations

import streamlit as st
from streamlit_folium import st_folium

from geo.i18n import t
from geo.store import Store
from zoneplan.ui.args import parse_args
from zoneplan.ui.loaders import base_frames
from zoneplan.ui.maps import base_map


def main(argv: list[str]) -> None:
    """Run one pass of the app script."""
    args = parse_args(argv)
    st.set_page_config(page_title="zoneplan", layout="wide")
    lang = args.lang
    store = Store(args.store)
    st.title(t("app.title", lang))
    frames = base_frames(store)
    st_folium(base_map(frames, lang), key="base_map", height=560, use_container_width=True,
              returned_objects=[])
