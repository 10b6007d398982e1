"""The planners' Streamlit app: page modules and widgets over ``geo/`` and ``layers/``.

Nothing here computes an analysis: pages wire widgets to the services (``zoneplan.maps``,
``zoneplan.analysis``, ``zoneplan.records``, ``zoneplan.progress``) and to the layer loaders.
"""
