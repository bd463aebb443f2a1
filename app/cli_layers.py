"""`movcon layers ...`: the user's own map layers (national roads, bridges) imported from
GeoJSON or GeoPackage into the layer folder beside the store."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from app.cli_sync import _error


def _folder(args: argparse.Namespace) -> Path:
    from app.core import geolayers

    return Path(args.layers_dir) if args.layers_dir else geolayers.default_folder()


def _resolve(folder: Path, key: str) -> str:
    """A layer id, or the name of exactly one layer."""
    from app.core import geolayers

    layers = geolayers.list_layers(folder)
    if any(i.id == key for i in layers):
        return key
    named = [i for i in layers if i.name == key]
    if len(named) == 1:
        return named[0].id
    if named:
        raise _error(f"{len(named)} layers are named {key!r}; give the id")
    raise _error(f"no layer {key!r} in {folder}")


def _import(args: argparse.Namespace) -> int:
    from app.core import geolayers

    try:
        added = geolayers.import_file(args.file, _folder(args), args.name)
    except geolayers.LayerError as exc:
        raise _error(f"{exc}; nothing was imported") from None
    for info in added:
        skipped = f", {info.skipped} without geometry left out" if info.skipped else ""
        print(f"{info.id}  {info.name}: {info.kinds} from {info.source}{skipped}")
    return 0


def _list(args: argparse.Namespace) -> int:
    from app.core import geolayers

    try:
        layers = geolayers.list_layers(_folder(args))
    except geolayers.LayerError as exc:
        raise _error(str(exc)) from None
    if args.json:
        print(json.dumps([i.as_dict() for i in layers], indent=2, ensure_ascii=False))
        return 0
    for i in layers:
        print(f"{i.id}  {i.name}: {i.kinds}, {i.vertices:,} vertices, from {i.source}, "
              f"imported {i.imported_at}" + ("" if i.visible else " (hidden)"))
    if not layers:
        print("no layers imported")
    return 0


def _remove(args: argparse.Namespace) -> int:
    from app.core import geolayers

    folder = _folder(args)
    try:
        gone = geolayers.remove(folder, _resolve(folder, args.id))
    except geolayers.LayerError as exc:
        raise _error(str(exc)) from None
    print(f"removed {gone.name}")
    return 0


def add_commands(sub: Any) -> None:
    p = sub.add_parser("layers", help="your own map layers from GeoJSON or GeoPackage files")
    lsub = p.add_subparsers(dest="action", metavar="ACTION", required=True)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--layers-dir", metavar="DIR",
                       help="the layer folder (default: 'layers' in the user data folder)")
    q = lsub.add_parser("import", parents=[where],
                        help="import a .geojson (WGS84) or .gpkg file; a GeoPackage gives a "
                             "layer per feature table")  # fmt: skip
    q.add_argument("file", metavar="FILE")
    q.add_argument("--name", metavar="TEXT", help="the layer's name (default: from the file)")
    q.set_defaults(func=_import)
    q = lsub.add_parser("list", parents=[where], help="the imported layers, bottom to top")
    q.add_argument("--json", action="store_true")
    q.set_defaults(func=_list)
    q = lsub.add_parser("remove", parents=[where], help="delete an imported layer")
    q.add_argument("id", metavar="ID", help="its id (or its name, if unique)")
    q.set_defaults(func=_remove)
