"""``zoneplan data ...``: install boundaries, set locations, and report what is installed."""

from __future__ import annotations

import argparse
import datetime as dt

from geo.i18n import number, t
from zoneplan.cli import CLI, emit_json, store_of


def register(cli: CLI) -> None:
    """Add the ``data`` commands."""
    p = cli.command("add-boundaries", add_boundaries, group="data")
    p.add_argument("file", metavar=cli.metavar("file"), help=cli.text("cli.data.file"))
    p.add_argument("--level", type=int, metavar=cli.metavar("level"), help=cli.text("cli.data.level"))
    for col in ("name", "id", "parent"):
        p.add_argument(
            f"--{col}-col", metavar=cli.metavar("column"), help=cli.text(f"cli.data.{col}_col")
        )
    p.add_argument("--layer", metavar=cli.metavar("layer"), help=cli.text("cli.data.layer"))
    p.add_argument(
        "--attribution", metavar=cli.metavar("attribution"), help=cli.text("cli.data.attribution")
    )
    p.add_argument("--json", action="store_true", help=cli.text("cli.opt.json"))

    p = cli.command("status", status, group="data")
    p.add_argument("--json", action="store_true", help=cli.text("cli.opt.json"))

    p = cli.command("set-location", set_location, group="data")
    p.add_argument("place_id", metavar=cli.metavar("place"), help=cli.text("cli.data.place_id"))
    for axis in ("lat", "lon"):
        p.add_argument(
            f"--{axis}",
            type=float,
            required=True,
            metavar=cli.metavar("degrees"),
            help=cli.text(f"cli.data.{axis}"),
        )
    p.add_argument(
        "--precision-m",
        type=float,
        default=100.0,
        metavar=cli.metavar("metres"),
        help=cli.text("cli.data.precision_m"),
    )

    p = cli.command("load-sample", load_sample, group="data")
    p.add_argument("--force", action="store_true", help=cli.text("cli.data.force"))
    p.add_argument("--json", action="store_true", help=cli.text("cli.opt.json"))

    p = cli.command("remove-sample", remove_sample, group="data")
    p.add_argument("--json", action="store_true", help=cli.text("cli.opt.json"))


def add_boundaries(args: argparse.Namespace) -> int:
    """Read, normalise and install a boundary file."""
    from geo.boundaries import read_boundaries
    from zoneplan import datastore

    store = store_of(args)
    bf = read_boundaries(
        args.file,
        level=args.level,
        name_col=args.name_col,
        id_col=args.id_col,
        parent_col=args.parent_col,
        layer=args.layer,
        lang=args.lang,
    )
    if args.attribution:
        bf.attribution = args.attribution
    merged = datastore.install_boundaries(store, bf, date=dt.date.today().isoformat())
    level = int(bf.frame["level"].iloc[0])
    units = merged[merged["level"] == level]
    summary = {
        "file": bf.source,
        "schema": bf.schema,
        "level": level,
        "features_read": bf.features_read,
        "units": len(units),
        "rejected": len(bf.rejected),
        "rejected_features": bf.rejected.to_dict(orient="records"),
        "repaired": bf.repaired,
        "without_parent": int(units["parent_id"].isna().sum()) if level else 0,
        "store": str(store.path),
    }
    if args.json:
        emit_json(summary)
        return 0
    lang = args.lang
    print(
        t(
            "boundaries.summary",
            lang,
            file=bf.source,
            read=bf.features_read,
            units=len(units),
            level=level,
            schema=bf.schema,
            rejected=len(bf.rejected),
            repaired=bf.repaired,
            store=store.path,
        )
    )
    for row in bf.rejected.itertuples():
        print(t("boundaries.rejected_row", lang, feature=row.feature, name=row.name, reason=row.reason))
    return 0


def status(args: argparse.Namespace) -> int:
    """Print every layer with its count, source and attribution."""
    from zoneplan import datastore

    store = store_of(args)
    lang = args.lang
    rows = datastore.layer_status(store, lang=lang)
    if args.json:
        emit_json({"store": str(store.path), "store_exists": store.exists(), "layers": rows})
        return 0
    state = "" if store.exists() else t("cli.status.not_created", lang)
    print(t("cli.status.store", lang, path=store.path, state=state))
    for row in rows:
        title = row["title"].get(lang, row["layer"]) if isinstance(row["title"], dict) else row["layer"]
        extra = ""
        if "levels" in row:
            levels = ", ".join(
                t("status.level_count", lang, level=t(f"level.{k}", lang), n=number(v, lang))
                for k, v in row["levels"].items()
            )
            extra = " " + t("cli.status.levels", lang, levels=levels)
        if row.get("unlocated"):
            extra += " " + t("cli.status.unlocated", lang, names=", ".join(row["unlocated"]))
        print(f"{title:<28} {number(row['features'], lang):>6}  {row['source']}{extra}")
        if row.get("attribution"):
            print(f"{'':<36}{row['attribution']}")
    return 0


def set_location(args: argparse.Namespace) -> int:
    """Record a user-set location for a place."""
    import layers
    from zoneplan import datastore

    store = store_of(args)
    known = list(layers.module("places").load_all(store)["place_id"])
    datastore.set_location(
        store,
        args.place_id,
        args.lat,
        args.lon,
        precision_m=args.precision_m,
        known_ids=known,
        date=dt.date.today().isoformat(),
        lang=args.lang,
    )
    print(t("status.location_set", args.lang, place=args.place_id, lat=args.lat, lon=args.lon))
    return 0


def load_sample(args: argparse.Namespace) -> int:
    """Load the fictitious sample; refuse without ``--force`` when real records are present."""
    from zoneplan import sample

    store = store_of(args)
    summaries = sample.load_sample(store, force=args.force)
    added = {kind: int(s["added"]) for kind, s in summaries.items()}
    if args.json:
        emit_json({"store": str(store.path), "added": added})
        return 0
    print(t("records.sample.loaded", args.lang, activities=added["activities"], cases=added["cases"]))
    return 0


def remove_sample(args: argparse.Namespace) -> int:
    """Remove the fictitious sample's records in one transaction and say how many."""
    from zoneplan import sample

    store = store_of(args)
    removed = sample.remove_sample(store)
    if args.json:
        emit_json({"store": str(store.path), "removed": removed})
        return 0
    if not any(removed.values()):
        print(t("records.sample.nothing", args.lang))
        return 0
    print(t("records.sample.removed", args.lang, **removed))
    return 0
