"""The map's own layers: GeoJSON and GeoPackage files the user imports, drawn between the
base map and the routes, each with its line in the layer list."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QListWidgetItem, QMessageBox

from app.core import geolayers
from app.gui.map_style import OWN_COLOURS, pen


class OwnLayers:
    """Mixin of `MapView`: the user's layer library on the map."""

    # Own layers ------------------------------------------------------------------------

    def _load_own_layers(self) -> None:
        """Draw every layer of the user's layer library (a damaged one is named, skipped)."""
        try:
            infos = geolayers.list_layers(self.layers_dir)
        except geolayers.LayerError as exc:
            self.status.setText(f"Own layers not shown: {exc}")
            return
        for info in infos:
            try:
                self._draw_own_layer(geolayers.load(self.layers_dir, info.id))
            except geolayers.LayerError:
                continue

    def _draw_own_layer(self, layer: Any) -> None:
        key = f"own:{layer.info.id}"
        if key in self.layers:
            return
        self.layers[key] = []
        colour = OWN_COLOURS[len(self._own_titles) % len(OWN_COLOURS)]
        if len(layer.x):
            self._add(key, pg.PlotCurveItem(layer.x, layer.y, connect=layer.connect,
                                            pen=pen(colour, 1.6)))  # fmt: skip
        if len(layer.point_x):
            names = [layer.names[i] for i in layer.point_feature]
            self._add(key, pg.ScatterPlotItem(
                x=layer.point_x, y=layer.point_y, size=7, symbol="o", brush=pg.mkBrush(colour),
                pen=pg.mkPen("#ffffff", width=1), hoverable=True, data=names,
                tip=lambda x, y, data: f"{data}\n{layer.info.name}"), 0.1)  # fmt: skip
        title = f"{layer.info.name} ({layer.info.kinds})"
        self._own_titles[key] = title
        # Own layers start above the base map, under the routes.
        row = self.layer_order().index("routes") + 1
        entry = QListWidgetItem(title)
        entry.setData(Qt.ItemDataRole.UserRole, key)
        entry.setToolTip(f"Imported from {layer.info.source} on {layer.info.imported_at}")
        entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        entry.setFlags(entry.flags() & ~Qt.ItemFlag.ItemIsDropEnabled)
        entry.setCheckState(Qt.CheckState.Checked if layer.info.visible
                            else Qt.CheckState.Unchecked)  # fmt: skip
        self.layer_list.blockSignals(True)
        self.layer_list.insertItem(row, entry)
        self.layer_list.blockSignals(False)
        for item in self.layers[key]:
            item.setVisible(layer.info.visible)
        self._restack()

    def choose_layer_file(self) -> None:
        from PySide6.QtWidgets import QFileDialog

        path, _ = QFileDialog.getOpenFileName(
            self, "Import map layer", str(Path.home()),
            "Geodata (*.geojson *.json *.gpkg);;All files (*)")  # fmt: skip
        if path:
            self.import_layer(Path(path))

    def import_layer(self, path: Path) -> list[str]:
        """Import a GeoJSON or GeoPackage file into the layer library and draw it."""
        try:
            infos = geolayers.import_file(path, self.layers_dir)
        except (geolayers.LayerError, OSError) as exc:
            QMessageBox.warning(self, "Layer not imported", str(exc))
            return []
        for info in infos:
            self._draw_own_layer(geolayers.load(self.layers_dir, info.id))
        self.status.setText("Imported " + ", ".join(f"{i.name} ({i.kinds})" for i in infos))
        return [f"own:{i.id}" for i in infos]
