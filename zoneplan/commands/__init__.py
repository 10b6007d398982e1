"""Command modules: each defines ``register(cli)`` (see :class:`zoneplan.cli.CLI`)."""
